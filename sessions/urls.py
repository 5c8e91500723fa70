from django.urls import path

from .views import calendar, timetable

app_name = "sessions"
urlpatterns = [
    path("programs/", timetable.program_list, name="program_list"),
    path("programs/<slug:slug>/schedule/", timetable.schedule, name="schedule"),
    path("programs/<slug:slug>/schedule.ics", calendar.program_ics, name="program_ics"),
    path("programs/<slug:slug>/sessions/<int:pk>/", timetable.session_detail, name="session_detail"),
    path("faculty/", timetable.faculty_directory, name="faculty_directory"),
    path("faculty/<slug:slug>/", timetable.faculty_profile, name="faculty_profile"),
    path("faculty/<slug:slug>/photo/", timetable.faculty_photo, name="faculty_photo"),
    path("calendar/", calendar.my_calendar, name="my_calendar"),
    path("calendar/reset/", calendar.my_calendar_reset, name="my_calendar_reset"),
    path("calendar/<str:token>.ics", calendar.personal_ics, name="personal_ics"),
]
