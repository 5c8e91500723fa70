from django.urls import path

from .views import lawyer

app_name = "participants"
urlpatterns = [
    path("my/program/", lawyer.my_program, name="my_program"),
    path("my/sessions/<int:session_pk>/enrolment/", lawyer.enrolment_action, name="enrolment_action"),
]
