from django.urls import path

from . import views

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
