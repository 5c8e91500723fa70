from django.urls import path

from . import views

app_name = "nominations"

urlpatterns = [
    path("province/", views.home, name="home"),
    path("province/<slug:slug>/", views.province_page, name="province"),
    path("province/<slug:slug>/nominate/", views.nominate, name="nominate"),
    path("province/<slug:slug>/submit/", views.submit, name="submit"),
    path("province/<slug:slug>/new/", views.new_lawyer, name="new_lawyer"),
    path("province/<slug:slug>/upload/", views.upload, name="upload"),
    path("manage/programs/<slug:slug>/provinces/", views.office_provinces, name="office_provinces"),
    path("manage/programs/<slug:slug>/provinces/<str:code>/", views.office_province, name="office_province"),
    path("manage/programs/<slug:slug>/provinces/<str:code>/return/", views.return_list, name="return_list"),
    path("manage/nominations/<int:pk>/", views.decide, name="decide"),
    path("nominations/<int:pk>/substitute/", views.substitute, name="substitute"),
]
