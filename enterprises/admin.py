from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import AuditedAdminMixin
from core.http import client_ip

from .models import (
    ContactCorrection,
    Enterprise,
    EnterpriseYear,
    FirmRegistration,
    ImportJob,
    Industry,
)
from .services import enterprise_change_record, enterprise_history_snapshot


class EnterpriseYearInline(admin.TabularInline):
    """Read-only: yearly figures come from the 年度数据 sheet, so their history stays whole."""

    model = EnterpriseYear
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Enterprise)
class EnterpriseAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Single edits; bulk work goes through 导入企业名单 (linked from this list's top)."""

    change_list_template = "admin/enterprises/enterprise/change_list.html"
    list_display = ["name", "credit_code", "town", "industry", "size_class", "is_tech", "status"]
    list_filter = ["size_class", "is_tech", "status", "town"]
    search_fields = ["name", "credit_code"]
    list_select_related = ["town", "industry"]
    autocomplete_fields = ["town"]
    raw_id_fields = ["industry"]
    inlines = [EnterpriseYearInline]

    def audit_snapshot(self, obj) -> dict:
        return enterprise_history_snapshot(obj)

    def audit_change(self, request, obj, before: dict | None) -> None:
        enterprise_change_record(
            enterprise=obj, before=before, actor=request.user, ip_address=client_ip(request)
        )

    def has_delete_permission(self, request, obj=None):
        return False  # a firm's file is closed (status), never deleted


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "file_name", "created_by", "status", "rows_total"]
    list_filter = ["status"]
    exclude = ["content", "report"]
    readonly_fields = [
        "created_at",
        "file_name",
        "created_by",
        "status",
        "rows_total",
        "rows_done",
        "finished_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Decided in the office's pages (which notify, text and audit); read-only here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FirmRegistration)
class FirmRegistrationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "enterprise", "contact_name", "mobile", "status", "ip_address"]
    list_filter = ["status", "name_differs"]
    search_fields = ["enterprise__name", "enterprise__credit_code", "mobile", "user__username"]
    list_select_related = ["enterprise"]


@admin.register(ContactCorrection)
class ContactCorrectionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "enterprise", "proposed_by", "status"]
    list_filter = ["status"]
    search_fields = ["enterprise__name", "enterprise__credit_code"]
    list_select_related = ["enterprise", "proposed_by"]


admin.site.empty_value_display = _("(none)")
