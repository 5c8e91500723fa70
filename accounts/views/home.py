"""The home page: a welcome for visitors, and for each role what it needs first."""

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.shortcuts import render

from common.panels import collect_panels
from notifications.models import Notification, State

from ..models import Invitation
from ..roles import Role

User = get_user_model()


def home(request):
    user = request.user
    if not user.is_authenticated:
        return render(request, "home/visitor.html")
    context = {
        "panels": collect_panels("home_panels", request),
        "recent_notifications": Notification.objects.in_app_for(user).only("subject", "link", "created_at", "read_at")[
            :5
        ],
    }
    if user.is_administrator:
        context.update(_administrator_overview())
        return render(request, "home/administrator.html", context)
    return render(request, "home/member.html", context)


def _administrator_overview() -> dict:
    people = User.objects.aggregate(
        administrators=Count("pk", filter=Q(groups__name=Role.ADMINISTRATOR), distinct=True),
        faculty=Count("pk", filter=Q(groups__name=Role.FACULTY), distinct=True),
        participants=Count("pk", filter=Q(groups__name=Role.PARTICIPANT), distinct=True),
    )
    outbox = {row["state"]: row["n"] for row in Notification.objects.exclude(channel="in_app").state_counts()}
    return {
        "people": people,
        "pending_invitations": Invitation.objects.usable().count(),
        "outbox": {state: outbox.get(state, 0) for state in State.values},
    }
