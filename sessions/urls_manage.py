from django.urls import path

from .views import manage

app_name = "sessions_manage"
urlpatterns = [
    path("programs/", manage.program_list, name="program_list"),
    path("programs/new/", manage.program_edit, name="program_create"),
    path("programs/<slug:slug>/", manage.program_detail, name="program"),
    path("programs/<slug:slug>/edit/", manage.program_edit, name="program_edit"),
    path("programs/<slug:slug>/topics/", manage.program_topics, name="program_topics"),
    path("programs/<slug:slug>/conflicts/", manage.program_conflicts, name="program_conflicts"),
    path("programs/<slug:slug>/sessions/new/", manage.session_edit, name="session_create"),
    path("programs/<slug:slug>/sessions/check/", manage.session_check, name="session_check"),
    path("sessions/<int:pk>/edit/", manage.session_edit, name="session_edit"),
    path("sessions/<int:pk>/cancel/", manage.session_cancel, name="session_cancel"),
    path("sessions/<int:pk>/restore/", manage.session_restore, name="session_restore"),
    path("sessions/<int:pk>/history/", manage.session_history, name="session_history"),
    path("venues/", manage.venue_list, name="venue_list"),
    path("venues/new/", manage.venue_edit, name="venue_create"),
    path("venues/<int:pk>/edit/", manage.venue_edit, name="venue_edit"),
    path("venues/<int:pk>/delete/", manage.venue_delete, name="venue_delete"),
    path("faculty/", manage.faculty_list, name="faculty_list"),
    path("faculty/new/", manage.faculty_edit, name="faculty_create"),
    path("faculty/<int:pk>/edit/", manage.faculty_edit, name="faculty_edit"),
    path("faculty/<int:pk>/invite/", manage.faculty_invite, name="faculty_invite"),
]
