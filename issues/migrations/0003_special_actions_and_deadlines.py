"""The article's five special actions and a starting table of deadlines (working days), which
the office then edits. Following the 12345 practice: an answer or explanation within a few
days, ordinary problems within about two weeks, land and approvals longer; urgent ones faster."""

from django.db import migrations

ACTIONS = ["环境优化", "企业减负", "创新服务", "项目集中征迁和开工", "融资保障"]
# (category, urgency, days); "" matches any.
RULES = [
    ("", "", 10),
    ("", "pressing", 7),
    ("", "urgent", 3),
    ("policy", "", 5),
    ("land", "", 20),
    ("approval", "", 15),
    ("infrastructure", "", 20),
    ("financing", "", 10),
]


def seed(apps, schema_editor):
    SpecialAction = apps.get_model("issues", "SpecialAction")
    DeadlineRule = apps.get_model("issues", "DeadlineRule")
    for order, name in enumerate(ACTIONS):
        SpecialAction.objects.get_or_create(name=name, defaults={"sort_order": order})
    for category, urgency, days in RULES:
        DeadlineRule.objects.get_or_create(
            category=category, urgency=urgency, defaults={"days": days}
        )


class Migration(migrations.Migration):
    dependencies = [("issues", "0002_workflow")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
