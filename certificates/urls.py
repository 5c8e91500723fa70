from django.urls import path

from .views import manage, public

app_name = "certificates"
urlpatterns = [
    path("certificates/verify/", public.verify_form, name="verify_form"),
    path("certificates/verify/<str:code>/", public.verify, name="verify"),
    path("certificates/<int:pk>/download/", public.download, name="download"),
    path("manage/programs/<slug:slug>/certificates/", manage.certificate_list, name="manage"),
    path("manage/programs/<slug:slug>/certificates/issue/", manage.issue_all, name="issue_all"),
    path("manage/programs/<slug:slug>/certificates/issue-one/", manage.issue_one, name="issue_one"),
    path("manage/programs/<slug:slug>/certificates/design/", manage.design, name="design"),
    path("manage/programs/<slug:slug>/certificates.zip", manage.download_all, name="download_all"),
    path("manage/certificate-jobs/<int:pk>/", manage.job_status, name="job_status"),
    path("manage/certificate-jobs/<int:pk>/requeue/", manage.job_requeue, name="job_requeue"),
    path("manage/certificates/<int:pk>/revoke/", manage.revoke, name="revoke"),
    path("manage/certificates/<int:pk>/rerender/", manage.rerender, name="rerender"),
    path("manage/certificates/<int:pk>/amend/", manage.amend, name="amend"),
]
