"""The tables the office maintains: special actions and the deadline rules. Problems and
slips change only through their pages (every step recorded), so the admin shows them read-only."""

from django.contrib import admin

from core.admin import AuditedAdminMixin

from . import audit
from .models import Batch, DeadlineRule, Problem, Slip, SlipEvent, SpecialAction


@admin.register(SpecialAction)
class SpecialActionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    created_action = audit.SETTINGS_CHANGED
    updated_action = audit.SETTINGS_CHANGED
    list_display = ["name", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(AuditedAdminMixin, admin.ModelAdmin):
    created_action = audit.SETTINGS_CHANGED
    updated_action = audit.SETTINGS_CHANGED
    list_display = ["category", "urgency", "days"]
    list_editable = ["days"]
    list_filter = ["category", "urgency"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Batch)
class BatchAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "title", "opened_at", "last_seq"]


@admin.register(Problem)
class ProblemAdmin(ReadOnlyAdmin):
    list_display = ["enterprise", "category", "channel", "status", "raised_at"]
    list_filter = ["status", "category", "channel"]
    search_fields = ["enterprise__name", "description"]
    list_select_related = ["enterprise"]


class SlipEventInline(admin.TabularInline):
    model = SlipEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "action", "from_status", "to_status", "actor", "unit", "text"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Slip)
class SlipAdmin(ReadOnlyAdmin):
    list_display = ["number", "lead_unit", "status", "deadline", "issued_at"]
    list_filter = ["status", "batch"]
    search_fields = ["number", "problem__enterprise__name"]
    list_select_related = ["lead_unit"]
    inlines = [SlipEventInline]
