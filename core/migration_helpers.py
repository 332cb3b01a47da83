"""Shared pieces for data migrations."""


def grant_to_group(apps, group_name: str, grants: dict) -> None:
    """Give a role group permissions ``{(app_label, model): [verb or codename, ...]}`` (a verb
    like "view" becomes ``view_<model>``; a ``(codename, display name)`` pair names a permission
    the migration has to create before ``post_migrate`` does). Does nothing on a fresh database, where the group does
    not exist yet: ``roles_ensure`` then creates it with these permissions. Safe to re-run."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name=group_name).first()
    if group is None:
        return
    for (app_label, model), names in grants.items():
        ct, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
        for name in names:
            name, label = name if isinstance(name, tuple) else (name, "")
            codename = name if "_" in name else f"{name}_{model}"
            label = label or f"Can {name} {model}" if "_" not in name else label or codename
            perm, _ = Permission.objects.get_or_create(
                content_type=ct, codename=codename, defaults={"name": label}
            )
            group.permissions.add(perm)
