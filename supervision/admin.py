from django import forms
from django.contrib import admin

from core.admin import AuditedAdminMixin
from issues.models import Category

from . import admin_reports, audit  # noqa: F401 (bulletins and evaluations in the admin)
from .models import DeadlineAction, SupervisionRules


class RulesForm(forms.ModelForm):
    escalate_categories = forms.MultipleChoiceField(
        label=SupervisionRules._meta.get_field("escalate_categories").verbose_name,
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=SupervisionRules._meta.get_field("escalate_categories").help_text,
    )

    class Meta:
        model = SupervisionRules
        fields = [
            "enabled",
            "reminder_days",
            "tier2_after",
            "tier3_after",
            "tier4_after",
            "escalate_categories",
            "unrated_close_days",
        ]


@admin.register(SupervisionRules)
class SupervisionRulesAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = RulesForm
    created_action = audit.RULES_CHANGED
    updated_action = audit.RULES_CHANGED

    def has_add_permission(self, request):
        return not SupervisionRules.objects.exists() and super().has_add_permission(request)


@admin.register(DeadlineAction)
class DeadlineActionAdmin(admin.ModelAdmin):
    list_display = ["slip", "kind", "deadline", "tier", "created_at"]
    list_filter = ["kind"]
    search_fields = ["slip__number"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
