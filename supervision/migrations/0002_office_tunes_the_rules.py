"""Let the office tune the sweep in the admin: the rules and the beat schedule."""

from django.db import migrations

GROUP = "活动办工作人员"
GRANTS = {
    ("supervision", "supervisionrules"): ["view", "change"],
    ("supervision", "deadlineaction"): ["view"],
    ("django_celery_beat", "periodictask"): ["view", "change"],
    ("django_celery_beat", "crontabschedule"): ["view", "change"],
    ("django_celery_beat", "intervalschedule"): ["view", "change"],
}


def grant(apps, schema_editor):
    from core.migration_helpers import grant_to_group

    grant_to_group(apps, GROUP, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("issues", "0004_office_keeps_its_tables"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
