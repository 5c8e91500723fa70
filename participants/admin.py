"""The admin shows quotas and their history; they change on the program's quota page
(participants:quotas), which refuses a quota below its use, records who changed it and takes the
program's lock as admission does. "View on site" leads there."""

from django.contrib import admin

from .models import ProvinceQuota, QuotaChange


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProvinceQuota)
class ProvinceQuotaAdmin(ReadOnlyAdmin):
    list_display = ["program", "province", "seats"]
    list_filter = ["program"]
    list_select_related = ["program", "province"]
    search_fields = ["program__name_zh", "program__name_en", "province__name_zh", "province__name_en"]


@admin.register(QuotaChange)
class QuotaChangeAdmin(ReadOnlyAdmin):
    list_display = ["program", "province", "seats_before", "seats_after", "source", "changed_by", "changed_at"]
    list_filter = ["program", "source"]
    list_select_related = ["program", "province", "changed_by"]
    date_hierarchy = "changed_at"
