from django.conf import settings

from .navigation import items_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {
        "nav_items": items_for(user, request.path),
        "site_name": settings.SITE_NAME,
    }
