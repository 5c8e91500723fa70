from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.params import pk_from

from . import services
from .models import Notification, State

PAGE_SIZE = 30


@login_required
def inbox(request):
    """The signed-in person's in-app notices, newest first."""
    notifications = Notification.objects.in_app_for(request.user).only(
        "subject", "body_text", "link", "created_at", "read_at", "kind"
    )
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
@require_POST
def mark_read(request):
    ids = [pk for pk in map(pk_from, request.POST.getlist("id")) if pk is not None] or None
    services.mark_read(user=request.user, notification_ids=ids)
    if request.htmx:
        page = Paginator(Notification.objects.in_app_for(request.user), PAGE_SIZE).get_page(request.POST.get("page"))
        return render(request, "notifications/inbox.html#notice-list", {"page": page})
    return redirect("notifications:inbox")


@login_required  # a visitor signs in first; a signed-in person without the permission is refused
@permission_required("notifications.view_notification", raise_exception=True)
def outbox(request):
    """Administrators: the delivery state of every e-mail, filterable, with failures first to hand."""
    notifications = Notification.objects.exclude(channel="in_app").select_related("recipient")
    state = request.GET.get("state", "")
    if state in State.values:
        notifications = notifications.filter(state=state)
    query = request.GET.get("q", "").strip()
    if query:
        notifications = notifications.filter(
            Q(to_email__icontains=query) | Q(recipient__full_name__icontains=query) | Q(subject__icontains=query)
        )
    counts = {row["state"]: row["n"] for row in Notification.objects.exclude(channel="in_app").state_counts()}
    states = [(value, label, counts.get(value, 0)) for value, label in State.choices]
    page = Paginator(notifications, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/outbox.html",
        {"page": page, "state": state, "query": query, "states": states},
    )


@login_required
@permission_required("notifications.view_notification", raise_exception=True)
def outbox_detail(request, pk):
    notification = get_object_or_404(Notification.objects.select_related("recipient"), pk=pk)
    return render(request, "notifications/outbox_detail.html", {"notification": notification})


@login_required
@permission_required("notifications.resend_notification", raise_exception=True)
@require_POST
def resend(request, pk):
    with transaction.atomic():
        notification = get_object_or_404(Notification.objects.select_for_update(), pk=pk)
        try:
            services.resend(notification)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, _("The e-mail to %(email)s is queued again.") % {"email": notification.to_email})
    return redirect("notifications:outbox_detail", pk=pk)
