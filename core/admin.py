"""The admin is where administrators maintain units, users and roles. Every change is audited
through ``object_change_record``; the audit log itself can only be read."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import audit
from .http import client_ip
from .models import AuditEvent, CalendarDay, CalendarYear, Unit, User
from .services import audit_record, object_change_record, snapshot, user_unlock


class AuditedAdminMixin:
    """Record who created or changed what, with the fields before and after."""

    created_action = ""
    updated_action = ""
    # Roles and permissions as plain checkboxes: few enough to list, and the two-box picker's
    # help text has no Chinese translation in Django's catalogue.
    filter_horizontal = ()

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in {"groups", "permissions"}:
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        request._audit_before = (
            self.audit_snapshot(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else None
        )
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self.audit_change(request, form.instance, getattr(request, "_audit_before", None))

    def audit_snapshot(self, obj) -> dict:
        """The object's state before an edit; an app with its own history may override."""
        return snapshot(obj)

    def audit_change(self, request, obj, before: dict | None) -> None:
        """Record the edit, once the object and its many-to-many fields are saved."""
        object_change_record(
            obj=obj,
            before=before,
            actor=request.user,
            ip_address=client_ip(request),
            created_action=self.created_action,
            updated_action=self.updated_action,
        )

    def has_delete_permission(self, request, obj=None):
        # Nothing here is deleted: deactivate instead, so history keeps its references.
        return False


@admin.register(Unit)
class UnitAdmin(AuditedAdminMixin, admin.ModelAdmin):
    created_action = audit.UNIT_CREATED
    updated_action = audit.UNIT_UPDATED
    list_display = ["name", "kind", "sort_order", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(AuditedAdminMixin, BaseUserAdmin):
    created_action = audit.USER_CREATED
    updated_action = audit.USER_UPDATED
    list_display = ["username", "name", "unit", "mobile", "is_active", "last_login"]
    list_filter = ["is_active", "is_staff", "groups", "unit__kind"]
    search_fields = ["username", "name", "mobile", "unit__name"]
    ordering = ["unit__sort_order", "username"]
    autocomplete_fields = ["unit"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("name", "unit", "mobile", "email")}),
        (_("Roles and access"), {"fields": ("is_active", "groups", "is_staff", "is_superuser")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "name",
                    "unit",
                    "mobile",
                    "groups",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    readonly_fields = ["last_login", "date_joined"]
    actions = ["unlock"]

    @admin.action(
        description=_("Unlock the selected accounts (failed logins)"), permissions=["change"]
    )
    def unlock(self, request, queryset):
        cleared = 0
        for user in queryset:
            cleared += user_unlock(user=user, actor=request.user, ip_address=client_ip(request))
        self.message_user(
            request,
            _("Unlocked %(users)d account(s); %(attempts)d failed attempt(s) cleared.")
            % {"users": queryset.count(), "attempts": cleared},
        )

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = User.objects.get(pk=id)
            audit_record(
                actor=request.user,
                action=audit.USER_PASSWORD_SET,
                obj=user,
                ip_address=client_ip(request),
            )
        return response


admin.site.unregister(Group)


# The apps whose permissions a role may be given; Django's own bookkeeping models are left out.
ROLE_PERMISSION_APPS = ["core", "enterprises", "issues", "visits", "supervision"]
_VERBS = {"add": _("Add"), "change": _("Change"), "view": _("View"), "delete": _("Delete")}


class PermissionChoiceField(forms.ModelMultipleChoiceField):
    """A permission in words an administrator reads: a capability's own Chinese name, or
    "verb + model" for a model permission."""

    def label_from_instance(self, perm):
        model = perm.content_type.model_class()
        verb = perm.codename.split("_", 1)[0]
        if model is None or model._meta.managed is False or verb not in _VERBS:
            return perm.name
        return f"{_VERBS[verb]}{model._meta.verbose_name}"


@admin.register(Group)
class GroupAdmin(AuditedAdminMixin, BaseGroupAdmin):
    created_action = audit.GROUP_CREATED
    updated_action = audit.GROUP_UPDATED

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "permissions":
            queryset = (
                Permission.objects.filter(
                    Q(content_type__app_label__in=ROLE_PERMISSION_APPS)
                    | Q(content_type__app_label="auth", content_type__model="group")
                )
                .exclude(codename__startswith="delete_")
                .exclude(
                    content_type__model="auditevent",
                    codename__in=["add_auditevent", "change_auditevent"],
                )
                .select_related("content_type")
                .order_by("content_type__app_label", "content_type__model", "codename")
            )
            return PermissionChoiceField(
                queryset=queryset,
                widget=forms.CheckboxSelectMultiple,
                required=False,
                label=db_field.verbose_name,
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "actor",
        "action_label",
        "object_type",
        "object_repr",
        "ip_address",
    ]
    list_filter = ["action", "object_type"]
    search_fields = ["actor__username", "actor__name", "object_repr", "object_id"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]

    @admin.display(description=_("action"), ordering="action")
    def action_label(self, obj):
        return obj.get_action_display()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CalendarLoadForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """The office corrects the official calendar here: a holiday the package lacks, a make-up
    working day, a local change. A wrong entry may be deleted (the ordinary week returns)."""

    created_action = audit.CALENDAR_CHANGED
    updated_action = audit.CALENDAR_CHANGED
    list_display = ["date", "weekday", "kind", "name"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name"]

    @admin.display(description=_("Weekday"))
    def weekday(self, obj):
        return "一二三四五六日"[obj.date.weekday()]

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("core.delete_calendarday")

    def delete_model(self, request, obj):
        audit_record(
            actor=request.user,
            action=audit.CALENDAR_CHANGED,
            obj=obj,
            before={"date": obj.date.isoformat(), "kind": obj.kind, "name": obj.name},
            ip_address=client_ip(request),
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(CalendarYear)
class CalendarYearAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Confirming a year says its schedule is complete; deadlines into unconfirmed years are
    marked provisional. "Load from the holidays package" fills and confirms a year at once."""

    created_action = audit.CALENDAR_CHANGED
    updated_action = audit.CALENDAR_CHANGED
    list_display = ["year", "source", "confirmed_at", "confirmed_by"]
    readonly_fields = ["confirmed_at", "confirmed_by"]
    fields = ["year", "source", "confirmed_at", "confirmed_by"]
    change_list_template = "admin/core/calendaryear/change_list.html"

    def save_model(self, request, obj, form, change):
        obj.confirmed_by = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self):
        from django.urls import path

        return [
            path(
                "load/",
                self.admin_site.admin_view(self.load_view),
                name="core_calendaryear_load",
            ),
            *super().get_urls(),
        ]

    def load_view(self, request):
        from django.contrib import messages
        from django.shortcuts import redirect
        from django.template.response import TemplateResponse

        from .holidays_load import ScheduleUnknown, calendar_year_load

        if not self.has_add_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        form = CalendarLoadForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            year = form.cleaned_data["year"]
            try:
                result = calendar_year_load(year=year, actor=request.user)
            except ScheduleUnknown as exc:
                form.add_error("year", str(exc))
            else:
                messages.success(
                    request,
                    _(
                        "%(year)d loaded: %(off)d days off and %(work)d make-up working days; "
                        "the year is confirmed."
                    )
                    % {"year": year, "off": result["days_off"], "work": result["workdays"]},
                )
                return redirect("admin:core_calendaryear_changelist")
        return TemplateResponse(
            request,
            "admin/core/calendaryear/load.html",
            {
                **self.admin_site.each_context(request),
                "form": form,
                "opts": self.model._meta,
                "title": _("Load a year from the holidays package"),
            },
        )
