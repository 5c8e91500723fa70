from django.urls import path

from .views import imports, lawyer, manage

app_name = "participants"
urlpatterns = [
    path("my/program/", lawyer.my_program, name="my_program"),
    path("my/profile/", lawyer.my_profile, name="my_profile"),
    path("my/timetable/<slug:slug>/slots/", lawyer.timetable_slots, name="timetable_slots"),
    path("programs/<slug:slug>/apply/", lawyer.apply, name="apply"),
    path("my/sessions/<int:session_pk>/enrolment/", lawyer.enrolment_action, name="enrolment_action"),
    path("manage/programs/<slug:slug>/admissions/", manage.admissions, name="admissions"),
    path("manage/admissions/<int:pk>/", manage.admission_action, name="admission_action"),
    path("manage/programs/<slug:slug>/import/", imports.upload, name="import_upload"),
    path("manage/imports/<int:pk>/", imports.job_detail, name="import_job"),
    path("manage/imports/<int:pk>/start/", imports.job_start, name="import_start"),
    path("manage/sessions/<int:pk>/roster/", manage.roster, name="roster"),
    path("manage/lawyers/<int:pk>/", manage.lawyer_edit, name="lawyer_edit"),
    path("manage/sessions/<int:pk>/roster/change/", manage.roster_action, name="roster_action"),
]
