"""Load GB/T 4754-2017 sections and divisions. Re-running is harmless."""

from django.db import migrations


def load(apps, schema_editor):
    from enterprises.data import industries_load

    industries_load(apps.get_model("enterprises", "Industry"))


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
