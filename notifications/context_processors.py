from .models import Notification


def unread_notifications(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: pages that never show the navigation never run the query.
    return {"unread_notification_count": lambda: Notification.objects.in_app_for(user).unread().count()}
