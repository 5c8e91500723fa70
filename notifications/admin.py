from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import Notification

# Bodies and links may hold someone's personal sign-in link: staff see body_for_staff instead.
HIDDEN_FIELDS = ["body_text", "body_html", "link", "claimed_at"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "channel", "state", "attempts", "sent_at", "read_at"]
    list_filter = ["state", "channel", "kind", "language"]
    search_fields = ["to_email", "recipient__full_name", "subject"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
    actions = ["resend"]
    exclude = HIDDEN_FIELDS
    readonly_fields = [f.name for f in Notification._meta.fields if f.name not in HIDDEN_FIELDS] + ["body_for_staff"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send the selected e-mails again"), permissions=["resend"])
    def resend(self, request, queryset):
        done = 0
        with transaction.atomic():
            for notification in queryset.select_for_update():
                try:
                    services.resend(notification)
                    done += 1
                except ValidationError as error:
                    self.message_user(request, f"{notification}: {error.messages[0]}", messages.WARNING)
        self.message_user(request, ngettext("%d e-mail queued again.", "%d e-mails queued again.", done) % done)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.unread_changed(obj.recipient_id)

    def delete_queryset(self, request, queryset):
        recipients = set(queryset.values_list("recipient_id", flat=True))
        super().delete_queryset(request, queryset)
        for user_id in recipients:
            services.unread_changed(user_id)

    def has_resend_permission(self, request):
        return request.user.has_perm("notifications.resend_notification")
