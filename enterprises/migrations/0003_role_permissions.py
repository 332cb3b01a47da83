"""Grant the registry's permissions to the roles that maintain it. Re-running is harmless."""

from django.db import migrations

GRANTS = {
    "活动办工作人员": ["view_full_phone"],
    "系统管理员": ["view_full_phone", "view_enterprise", "change_enterprise"],
}
NAMES = {
    "view_full_phone": "查看企业联系电话全号",
    "view_enterprise": "Can view enterprise",
    "change_enterprise": "Can change enterprise",
}


def grant(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    ct, _ = ContentType.objects.get_or_create(app_label="enterprises", model="enterprise")
    for group_name, codenames in GRANTS.items():
        group = Group.objects.filter(name=group_name).first()
        if group is None:
            continue
        for codename in codenames:
            perm, _ = Permission.objects.get_or_create(
                content_type=ct, codename=codename, defaults={"name": NAMES[codename]}
            )
            group.permissions.add(perm)


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0002_industries"), ("core", "0003_audit_append_only")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
