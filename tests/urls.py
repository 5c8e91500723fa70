"""The real URLconf plus a view that fails, to see the 500 page."""

from django.urls import path

from trainingprog.urls import handler500
from trainingprog.urls import urlpatterns as site_urlpatterns


def broken_view(request):
    raise RuntimeError("deliberate failure for the error-page test")


urlpatterns = [*site_urlpatterns, path("test-boom/", broken_view)]
__all__ = ["handler500", "urlpatterns"]
