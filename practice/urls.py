from django.urls import path

from . import question_views, views

app_name = "practice"

urlpatterns = [
    path("sessions/<int:pk>/teams/", views.teams_page, name="teams"),
    path("sessions/<int:pk>/cases/new/", views.case_edit, name="case_create"),
    path("sessions/<int:pk>/cases/<int:case_pk>/", views.case_edit, name="case_edit"),
    path("sessions/<int:pk>/cases/<int:case_pk>/materials/", views.material_upload, name="material_upload"),
    path("cases/materials/<int:pk>/", views.material_file, name="material_file"),
    path("teams/<int:pk>/score/", views.score_team, name="score"),
    path("teams/members/<int:pk>/", views.member_page, name="member"),
    path("teams/members/<int:pk>/change/", views.member_change, name="member_change"),
]

# The question queue of seminars and forums (practice/question_views.py).
urlpatterns += [
    path("sessions/<int:pk>/questions/", question_views.room_page, name="questions"),
    path("sessions/<int:pk>/questions/<int:question_pk>/vote/", question_views.vote, name="question_vote"),
    path("sessions/<int:pk>/questions/moderate/", question_views.moderate_page, name="questions_moderate"),
    path(
        "sessions/<int:pk>/questions/<int:question_pk>/moderate/",
        question_views.moderate_action,
        name="question_moderate",
    ),
    path("sessions/<int:pk>/questions/screen/", question_views.screen, name="questions_screen"),
    path("sessions/<int:pk>/questions/export.xlsx", question_views.export, name="questions_export"),
]
