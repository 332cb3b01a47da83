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
        ("issues", "0003_special_actions_and_deadlines"),
        ("core", "0007_grant_view_all_visits"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
