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
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name=GROUP).first()
    if group is None:
        return  # a fresh database: roles_ensure creates the group with these permissions
    for (app_label, model), verbs in GRANTS.items():
        ct, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
        for verb in verbs:
            perm, _ = Permission.objects.get_or_create(
                content_type=ct,
                codename=f"{verb}_{model}",
                defaults={"name": f"Can {verb} {model}"},
            )
            group.permissions.add(perm)


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("issues", "0004_office_keeps_its_tables"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
