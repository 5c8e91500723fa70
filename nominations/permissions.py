"""Who may use the provinces' pages: a coordinator, for their own province only."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from .models import Coordinator


def coordinator_required(view):
    """Signed in as a coordinator; the view is given their province (`province=`). Administrators use the
    office's pages of each province instead."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        coordinator = Coordinator.objects.filter(user=request.user).select_related("province").first()
        if coordinator is None:
            raise PermissionDenied
        return view(request, *args, province=coordinator.province, **kwargs)

    return wrapped
