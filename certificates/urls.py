from django.urls import path

from . import views, views_manage

app_name = "certificates"
urlpatterns = [
    path("certificates/verify/", views.verify_form, name="verify_form"),
    path("certificates/verify/<str:code>/", views.verify, name="verify"),
    path("certificates/<int:pk>/download/", views.download, name="download"),
    path("manage/programs/<slug:slug>/certificates/", views_manage.certificate_list, name="manage"),
    path("manage/programs/<slug:slug>/certificates/issue/", views_manage.issue_all, name="issue_all"),
    path("manage/programs/<slug:slug>/certificates/issue-one/", views_manage.issue_one, name="issue_one"),
    path("manage/programs/<slug:slug>/certificates/design/", views_manage.design, name="design"),
    path("manage/programs/<slug:slug>/certificates.zip", views_manage.download_all, name="download_all"),
    path("manage/certificate-jobs/<int:pk>/", views_manage.job_status, name="job_status"),
    path("manage/certificate-jobs/<int:pk>/requeue/", views_manage.job_requeue, name="job_requeue"),
    path("manage/certificates/<int:pk>/revoke/", views_manage.revoke, name="revoke"),
    path("manage/certificates/<int:pk>/rerender/", views_manage.rerender, name="rerender"),
    path("manage/certificates/<int:pk>/amend/", views_manage.amend, name="amend"),
]
