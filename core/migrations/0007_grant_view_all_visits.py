"""Give the new capability to the roles that read every visit (the office and leaders)."""

from django.db import migrations

GRANTS = {"活动办工作人员": "view_all_visits", "领导": "view_all_visits"}


def grant(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    ct, _ = ContentType.objects.get_or_create(app_label="core", model="capability")
    for group_name, codename in GRANTS.items():
        group = Group.objects.filter(name=group_name).first()
        if group is None:
            continue  # a fresh database: roles_ensure creates the group with it
        perm, _ = Permission.objects.get_or_create(
            content_type=ct, codename=codename, defaults={"name": "查阅全部走访调查表"}
        )
        group.permissions.add(perm)


class Migration(migrations.Migration):
    dependencies = [("core", "0006_view_all_visits")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
