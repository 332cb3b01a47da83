"""Bulletins and evaluations in the admin: read-only (they are written through the pages, which
check the rules and record the audit trail). Importing this module also registers the audit
labels of their actions."""

from django.contrib import admin

from core.audit import register_actions

from .models_reports import Bulletin, Evaluation, EvaluationScore
from .reports import AUDIT_LABELS

register_actions(AUDIT_LABELS)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Bulletin)
class BulletinAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "period_kind", "period_key", "status", "published_at"]
    list_filter = ["status", "period_kind", "year"]
    search_fields = ["period_key", "comment"]


class EvaluationScoreInline(admin.TabularInline):
    model = EvaluationScore
    fields = ["kind", "rank", "unit_name", "score"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "status", "published_at"]
    list_filter = ["status"]
    inlines = [EvaluationScoreInline]
