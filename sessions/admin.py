from django.contrib import admin
from django.db import models

from common.admin_widgets import SafeAutocompleteAdmin

from .models import CalendarFeed, Faculty, FacultyAssignment, Program, SessionChange, Topic, TrainingSession, Venue


class TopicInline(admin.TabularInline):
    model = Topic
    extra = 0


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name_zh", "name_en", "slug", "status", "starts_on", "ends_on"]
    list_filter = ["status"]
    search_fields = ["name_zh", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}
    inlines = [TopicInline]

    def has_delete_permission(self, request, obj=None):
        # A program that took lawyers keeps their admissions, seats and attendance: it is closed, not
        # deleted. A draft made by mistake may go.
        if obj is not None and (not obj.is_draft or obj.admissions.exists()):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # it would not ask the question above of each program
        return actions


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name_zh", "name_en", "capacity"]
    search_fields = ["name_zh", "name_en", "address_zh"]


@admin.register(Faculty)
class FacultyAdmin(SafeAutocompleteAdmin, admin.ModelAdmin):
    list_display = ["name_zh", "name_en", "affiliation_zh", "affiliation_kind", "user"]
    list_filter = ["affiliation_kind"]
    search_fields = ["name_zh", "name_en", "affiliation_zh", "affiliation_en", "email"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    prepopulated_fields = {"slug": ["name_en"]}


class AssignmentInline(SafeAutocompleteAdmin, admin.TabularInline):
    model = FacultyAssignment
    extra = 0
    autocomplete_fields = ["faculty"]


@admin.register(TrainingSession)
class TrainingSessionAdmin(SafeAutocompleteAdmin, admin.ModelAdmin):
    list_display = ["title_zh", "program", "format", "starts_at", "venue", "capacity", "is_required", "status"]
    list_filter = ["program", "format", "status", "is_required", "topic"]
    search_fields = ["title_zh", "title_en"]
    list_select_related = ["program", "venue"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["venue"]
    inlines = [AssignmentInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_change_permission(self, request, obj=None):
        # Changes go through the timetable screens, which check clashes and tell the faculty.
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # A session is cancelled on the timetable screens, which tell its lawyers and faculty; deleting it
        # would take its seats, attendance (and so credit hours) and materials with it, unannounced. Only
        # a draft program's sessions go (with the program, or one by one), and never in bulk.
        draft = obj is not None and obj.program.is_draft and not obj.enrolments.exists()
        return draft and super().has_delete_permission(request, obj)


@admin.register(SessionChange)
class SessionChangeAdmin(admin.ModelAdmin):
    list_display = ["session", "kind", "changed_by", "changed_at"]
    list_filter = ["kind"]
    list_select_related = ["session", "changed_by"]
    readonly_fields = ["session", "kind", "changed_by", "changed_at", "before", "after"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # The history is the record of who changed what; it goes only with a draft program's session.
        draft = obj is not None and obj.session.program.is_draft
        return draft and super().has_delete_permission(request, obj)


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    exclude = ["token"]
