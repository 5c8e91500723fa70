from . import services


def unread_notifications(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: pages that never show the navigation never count (services.unread_count keeps the count cached).
    return {"unread_notification_count": lambda: services.unread_count(user)}
