from django.urls import path

from . import views

app_name = "evaluations"

urlpatterns = [
    path("questionnaires/<int:pk>/answer/", views.answer, name="answer_program"),
    path("questionnaires/<int:pk>/answer/<int:session_pk>/", views.answer, name="answer_session"),
    path("manage/programs/<slug:slug>/questionnaires/", views.manage_list, name="manage_list"),
    path("manage/programs/<slug:slug>/questionnaires/new/", views.manage_edit, name="manage_create"),
    path("manage/programs/<slug:slug>/questionnaires/<int:pk>/", views.manage_edit, name="manage_edit"),
    path("manage/programs/<slug:slug>/questionnaires/<int:pk>/results/", views.results_page, name="results"),
    path("manage/programs/<slug:slug>/questionnaires/overview/", views.overview, name="overview"),
]
