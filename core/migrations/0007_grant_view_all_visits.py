"""Give the new capability to the roles that read every visit (the office and leaders)."""

from django.db import migrations

GROUPS = ["活动办工作人员", "领导"]


def grant(apps, schema_editor):
    from core.migration_helpers import grant_to_group

    for group in GROUPS:
        grant_to_group(
            apps, group, {("core", "capability"): [("view_all_visits", "查阅全部走访调查表")]}
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0006_view_all_visits")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
