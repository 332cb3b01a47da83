"""Create the six roles as groups with their permissions.

Permissions are normally created after all migrations run; this migration creates the ones it
grants itself, so the groups are complete on a fresh database. Re-running is harmless.
"""

from django.db import migrations

# Frozen copies: a migration must not change when the code that wrote it does.
CAPABILITIES = [
    ("visit_paired_enterprises", "走访挂钩企业、填写走访调查表"),
    ("view_all_enterprises", "查阅全部企业档案"),
    ("manage_campaigns", "管理走访活动与挂钩关系"),
    ("assign_problems", "梳理问题、签发交办单"),
    ("handle_slips", "签收、办理、答复本单位交办单"),
    ("supervise", "督查督办、发布通报、组织考评"),
    ("view_dashboard", "查看督查看板与通报"),
    ("submit_requests", "企业在线反映诉求并评价"),
    ("import_data", "批量导入企业名单与挂钩关系"),
]
MODEL_PERMISSIONS = {
    # codename: (app_label, model, name)
    "view_unit": ("core", "unit", "Can view unit"),
    "add_unit": ("core", "unit", "Can add unit"),
    "change_unit": ("core", "unit", "Can change unit"),
    "view_user": ("core", "user", "Can view user"),
    "add_user": ("core", "user", "Can add user"),
    "change_user": ("core", "user", "Can change user"),
    "view_auditevent": ("core", "auditevent", "Can view audit event"),
    "view_group": ("auth", "group", "Can view group"),
    "change_group": ("auth", "group", "Can change group"),
}
ROLES = {
    "走访干部": ["core.visit_paired_enterprises"],
    "活动办工作人员": [
        "core.view_all_enterprises",
        "core.manage_campaigns",
        "core.assign_problems",
        "core.supervise",
        "core.view_dashboard",
        "core.import_data",
    ],
    "承办单位经办人": ["core.handle_slips"],
    "领导": ["core.view_all_enterprises", "core.view_dashboard"],
    "企业用户": ["core.submit_requests"],
    "系统管理员": [
        "core.view_all_enterprises",
        "core.import_data",
        "core.view_unit",
        "core.add_unit",
        "core.change_unit",
        "core.view_user",
        "core.add_user",
        "core.change_user",
        "core.view_auditevent",
        "auth.view_group",
        "auth.change_group",
    ],
}


def create_roles(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")

    def permission(app_label, model, codename, name):
        ct, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
        perm, _ = Permission.objects.get_or_create(
            content_type=ct, codename=codename, defaults={"name": name}
        )
        return perm

    perms = {}
    for codename, name in CAPABILITIES:
        perms[f"core.{codename}"] = permission("core", "capability", codename, name)
    for codename, (app_label, model, name) in MODEL_PERMISSIONS.items():
        perms[f"{app_label}.{codename}"] = permission(app_label, model, codename, name)
    for group_name, granted in ROLES.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        group.permissions.add(*(perms[p] for p in granted))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
