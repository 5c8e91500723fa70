from django.urls import path

from . import views

app_name = "assessment"

urlpatterns = [
    path("assignments/<int:pk>/", views.assignment_page, name="assignment"),
    path("assignments/submissions/<int:pk>/file/", views.submission_file, name="submission_file"),
    path("grading/assignments/<int:pk>/", views.queue, name="queue"),
    path("grading/submissions/<int:pk>/", views.grade_page, name="grade"),
]
