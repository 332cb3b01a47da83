"""Roles and the capabilities they grant.

A role is a Django group; the data migration ``0002_roles`` creates the groups below with these
capabilities and the model permissions listed, and from then on the groups are data: an
administrator may change their permissions in the admin. Code refers to a role by its key
(``Role.CADRE``), never by the group's display name.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

# (codename, name shown in the admin). The names are stored in the database as they are, so
# they are written in Chinese here rather than translated.
CAPABILITIES = [
    ("visit_paired_enterprises", "走访挂钩企业、填写走访调查表"),
    ("view_all_enterprises", "查阅全部企业档案"),
    ("manage_campaigns", "管理走访活动与挂钩关系"),
    ("assign_problems", "梳理问题、签发交办单"),
    ("handle_slips", "签收、办理、答复本单位交办单"),
    ("supervise", "督查督办、发布通报、组织考评"),
    ("view_dashboard", "查看督查看板与通报"),
    ("view_unit_visits", "查看本单位干部的走访记录"),
    ("view_all_visits", "查阅全部走访调查表"),
    ("submit_requests", "企业在线反映诉求并评价"),
    ("import_data", "批量导入企业名单与挂钩关系"),
    ("coordinate_escalations", "协调处理上交本级的交办单（领导小组、市领导、上级）"),
]


class Role(models.TextChoices):
    """The value is the group's name in the database."""

    CADRE = "走访干部", _("Visiting cadre")
    OFFICE = "活动办工作人员", _("Activity office staff")
    HANDLER = "承办单位经办人", _("Unit handler")
    LEADER = "领导", _("Leader")
    UNIT_LEADER = "单位负责人", _("Unit leader")
    ENTERPRISE = "企业用户", _("Enterprise user")
    ADMIN = "系统管理员", _("Administrator")
    # A member of a body slips climb to: the leadership group, the city leaders, the higher level.
    COORDINATOR = "协调机构成员", _("Member of a coordinating body")


# What each role is granted when the groups are created: "app_label.codename".
ROLE_PERMISSIONS = {
    Role.CADRE: ["core.visit_paired_enterprises"],
    Role.OFFICE: [
        "core.view_all_enterprises",
        "core.manage_campaigns",
        "core.assign_problems",
        "core.supervise",
        "core.view_dashboard",
        "core.view_all_visits",
        "core.import_data",
        "enterprises.view_full_phone",
        # The tables the office keeps in the admin (its users are made staff for this).
        "core.view_calendarday",
        "core.add_calendarday",
        "core.change_calendarday",
        "core.delete_calendarday",
        "core.view_calendaryear",
        "core.add_calendaryear",
        "core.change_calendaryear",
        "issues.view_specialaction",
        "issues.add_specialaction",
        "issues.change_specialaction",
        "issues.view_deadlinerule",
        "issues.add_deadlinerule",
        "issues.change_deadlinerule",
        "supervision.view_supervisionrules",
        "supervision.change_supervisionrules",
        "supervision.view_deadlineaction",
        "django_celery_beat.view_periodictask",
        "django_celery_beat.change_periodictask",
        "django_celery_beat.view_crontabschedule",
        "django_celery_beat.change_crontabschedule",
        "django_celery_beat.view_intervalschedule",
        "django_celery_beat.change_intervalschedule",
    ],
    Role.HANDLER: ["core.handle_slips"],
    Role.LEADER: ["core.view_all_enterprises", "core.view_dashboard", "core.view_all_visits"],
    Role.UNIT_LEADER: ["core.view_unit_visits"],
    Role.ENTERPRISE: ["core.submit_requests"],
    Role.COORDINATOR: ["core.coordinate_escalations"],
    Role.ADMIN: [
        "core.view_all_enterprises",
        "core.import_data",
        "core.view_unit",
        "core.add_unit",
        "core.change_unit",
        "core.view_user",
        "core.add_user",
        "core.change_user",
        "core.view_auditevent",
        "enterprises.view_full_phone",
        "enterprises.view_enterprise",
        "enterprises.change_enterprise",
        "auth.view_group",
        "auth.change_group",
    ],
}


def user_roles(user) -> list[Role]:
    """The roles a user holds, in the order of ``Role``; groups that are not roles are ignored."""
    if not user.is_authenticated:
        return []
    names = {group.name for group in user.groups.all()}
    return [role for role in Role if role.value in names]


def roles_ensure(**kwargs) -> list[str]:
    """Create any role group that is missing, with the permissions above; leave existing groups
    alone (administrators may have changed them). Runs after every ``migrate`` and ``flush``, so
    a database emptied by a flush (as the test runner does) gets its roles back. Returns the
    names of the groups it created."""
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    created = []
    if Group.objects.filter(name__in=Role.values).count() == len(Role.values):
        return created
    for role, granted in ROLE_PERMISSIONS.items():
        if Group.objects.filter(name=role.value).exists():
            continue
        query = Q(pk__in=[])
        for dotted in granted:
            app_label, codename = dotted.split(".")
            query |= Q(content_type__app_label=app_label, codename=codename)
        permissions = list(Permission.objects.filter(query))
        if len(permissions) != len(granted):
            continue  # permissions not created yet; the next post_migrate pass will do it
        group = Group.objects.create(name=role.value)
        group.permissions.set(permissions)
        created.append(role.value)
    return created
