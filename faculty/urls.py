from django.urls import path

from . import views

app_name = "faculty"
urlpatterns = [
    path("teaching/", views.portal, name="portal"),
    path("teaching/profile/", views.profile, name="profile"),
    path("teaching/sessions/<int:pk>/materials/", views.session_materials, name="session_materials"),
    path("teaching/sessions/<int:pk>/roster.<str:fmt>", views.roster, name="roster"),
    path("materials/<int:pk>/download/", views.download, name="download"),
    path("materials/<int:pk>/version/", views.material_version, name="material_version"),
    path("materials/<int:pk>/delete/", views.material_delete, name="material_delete"),
    path("manage/material-versions/<int:pk>/download/", views.version_download, name="version_download"),
]
