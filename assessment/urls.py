from django.urls import path

from . import views

app_name = "assessment"

urlpatterns = [
    path("assignments/<int:pk>/", views.assignment_page, name="assignment"),
    path("assignments/submissions/<int:pk>/file/", views.submission_file, name="submission_file"),
    path("grading/", views.grading_home, name="grading"),
    path("grading/assignments/<int:pk>/", views.queue, name="queue"),
    path("grading/submissions/<int:pk>/", views.grade_page, name="grade"),
    path("manage/programs/<slug:slug>/assignments/", views.manage_list, name="manage_list"),
    path("manage/programs/<slug:slug>/assignments/new/", views.assignment_edit, name="assignment_create"),
    path("manage/programs/<slug:slug>/assignments/<int:pk>/", views.assignment_edit, name="assignment_edit"),
]
