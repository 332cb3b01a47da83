"""Let the office keep its tables in the admin: the calendar, special actions, deadline rules."""

from django.db import migrations

GROUP = "活动办工作人员"
GRANTS = {
    ("core", "calendarday"): ["view", "add", "change", "delete"],
    ("core", "calendaryear"): ["view", "add", "change"],
    ("issues", "specialaction"): ["view", "add", "change"],
    ("issues", "deadlinerule"): ["view", "add", "change"],
}


def grant(apps, schema_editor):
    from core.migration_helpers import grant_to_group

    grant_to_group(apps, GROUP, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("issues", "0003_special_actions_and_deadlines"),
        ("core", "0007_grant_view_all_visits"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
