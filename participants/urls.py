from django.urls import path

from .views import attendance, completion, imports, lawyer, manage, quotas

app_name = "participants"
urlpatterns = [
    path("my/program/", lawyer.my_program, name="my_program"),
    path("my/profile/", lawyer.my_profile, name="my_profile"),
    path("my/timetable/<slug:slug>/slots/", lawyer.timetable_slots, name="timetable_slots"),
    path("programs/<slug:slug>/apply/", lawyer.apply, name="apply"),
    path("my/sessions/<int:session_pk>/enrolment/", lawyer.enrolment_action, name="enrolment_action"),
    path("manage/programs/<slug:slug>/admissions/", manage.admissions, name="admissions"),
    path("manage/admissions/<int:pk>/", manage.admission_action, name="admission_action"),
    path("manage/programs/<slug:slug>/quotas/", quotas.quota_table, name="quotas"),
    path("manage/programs/<slug:slug>/quotas/bulk/", quotas.quota_bulk, name="quotas_bulk"),
    path("manage/programs/<slug:slug>/quotas/import/", quotas.quota_import, name="quotas_import"),
    path("manage/programs/<slug:slug>/import/", imports.upload, name="import_upload"),
    path("manage/imports/<int:pk>/", imports.job_detail, name="import_job"),
    path("manage/imports/<int:pk>/start/", imports.job_start, name="import_start"),
    path("manage/specialties/", imports.specialty_list, name="specialties"),
    path("manage/sessions/<int:pk>/roster/", manage.roster, name="roster"),
    path("manage/lawyers/<int:pk>/", manage.lawyer_edit, name="lawyer_edit"),
    path("manage/sessions/<int:pk>/roster/change/", manage.roster_action, name="roster_action"),
    path("manage/enrolments/<int:pk>/move/", manage.enrolment_move, name="enrolment_move"),
    # Attendance: the session's faculty and administrators
    path("sessions/<int:pk>/attendance/", attendance.roster, name="attendance_roster"),
    path("sessions/<int:pk>/attendance/mark/", attendance.mark, name="attendance_mark"),
    path("sessions/<int:pk>/attendance/mark-all/", attendance.mark_all, name="attendance_mark_all"),
    path("sessions/<int:pk>/attendance/screen/", attendance.screen, name="checkin_screen"),
    path("sessions/<int:pk>/attendance/sheet.pdf", attendance.signin_sheet_pdf, name="signin_sheet"),
    path("manage/sessions/<int:pk>/attendance/history/", attendance.history, name="attendance_history"),
    # Check-in: the lawyer
    path("checkin/", attendance.checkin_code, name="checkin_code"),
    path("checkin/resume/", attendance.checkin_resume, name="checkin_resume"),
    path("checkin/<int:pk>/<str:token>/", attendance.checkin, name="checkin"),
    # Completion
    path("manage/programs/<slug:slug>/completion/", completion.completion_list, name="completion"),
    path("manage/programs/<slug:slug>/completion/notify/", completion.completion_notify, name="completion_notify"),
    path("manage/programs/<slug:slug>/attendance/", completion.attendance_report, name="attendance_report"),
    path(
        "manage/programs/<slug:slug>/lawyers/<int:pk>/transcript.<str:fmt>",
        completion.lawyer_transcript,
        name="lawyer_transcript",
    ),
    path("my/programs/<slug:slug>/transcript.<str:fmt>", completion.my_transcript, name="my_transcript"),
]
