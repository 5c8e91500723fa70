from django.conf import settings

from .navigation import items_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None:
        return {}
    items = items_for(user, request.path)
    return {
        "nav_items": [item for item in items if not item["menu"]],
        "manage_items": [item for item in items if item["menu"] == "manage"],
        # What the menu shows besides the language (base.html renders it once for each): whose roles, which entry open.
        "nav_key": (user.roles if user.is_authenticated else None, *(item["url"] for item in items if item["active"])),
        "site_name": settings.SITE_NAME,
    }
