"""The article's five special actions and a starting table of deadlines (issues/defaults.py),
which the office then edits."""

from django.db import migrations


def seed(apps, schema_editor):
    from issues.defaults import defaults_ensure

    defaults_ensure(
        apps.get_model("issues", "SpecialAction"), apps.get_model("issues", "DeadlineRule")
    )


class Migration(migrations.Migration):
    dependencies = [("issues", "0002_workflow")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
