import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from core.navigation import sections_for, start_url_for
from core.roles import ROLE_PERMISSIONS, Role, user_roles


def test_migration_creates_every_role_with_its_permissions(db):
    for role, granted in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role.value)
        have = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert have == set(granted), role


def test_a_user_may_hold_several_roles(make_user):
    head = make_user(Role.HANDLER, Role.CADRE)
    assert user_roles(head) == [Role.CADRE, Role.HANDLER]
    assert head.has_perm("core.handle_slips") and head.has_perm("core.visit_paired_enterprises")
    keys = {s.key for s in sections_for(head)}
    assert {"slips", "visits"} <= keys and "assign" not in keys


def test_changing_a_group_in_the_admin_changes_what_its_members_may_use(make_user):
    cadre = make_user(Role.CADRE)
    assert "dashboard" not in {s.key for s in sections_for(cadre)}
    group = Group.objects.get(name=Role.CADRE.value)
    group.permissions.add(
        Group.objects.get(name=Role.LEADER.value).permissions.get(codename="view_dashboard")
    )
    cadre = type(cadre).objects.get(pk=cadre.pk)  # fresh permission cache
    assert "dashboard" in {s.key for s in sections_for(cadre)}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.CADRE, ["visits"]),
        (Role.HANDLER, ["slips", "unit_board"]),
        (
            Role.OFFICE,
            [
                "assign",
                "campaigns",
                "supervise",
                "dashboard",
                "analytics",
                "enterprises",
                "imports",
            ],
        ),
        (Role.LEADER, ["dashboard", "analytics", "enterprises"]),
        (Role.ENTERPRISE, ["portal"]),
        (Role.UNIT_LEADER, ["unit_board", "unit_visits"]),
        (Role.COORDINATOR, ["coordinate"]),
        (Role.ADMIN, ["enterprises", "imports", "audit"]),
    ],
)
def test_home_lists_the_sections_of_each_role_only(client, make_user, role, expected):
    user = make_user(role)
    assert [s.key for s in sections_for(user)] == expected
    client.force_login(user)
    page = client.get(reverse("core:home")).content.decode()
    assert str(role.label) in page
    for section in sections_for(user):
        assert str(section.label) in page


def test_navigation_bar_shows_only_pages_the_role_may_use(client, make_user, admin_user):
    cadre = make_user(Role.CADRE)
    client.force_login(cadre)
    page = client.get(reverse("core:home")).content.decode()
    assert reverse("core:audit_list") not in page
    assert "系统管理" not in page
    client.force_login(admin_user)
    page = client.get(reverse("core:home")).content.decode()
    assert reverse("core:audit_list") in page
    assert reverse("admin:index") in page


def test_start_page_is_home_until_a_role_page_exists(make_user, monkeypatch):
    from core import navigation

    portal = next(s for s in navigation.SECTIONS if s.key == "portal")
    monkeypatch.setattr(portal, "url_name", None)
    assert start_url_for(make_user(Role.ENTERPRISE)) == reverse("core:home")


@pytest.mark.parametrize(
    ("role", "url_name"),
    [
        (Role.CADRE, "visits:my_firms"),
        (Role.OFFICE, "issues:problem_list"),
        (Role.UNIT_LEADER, "visits:visit_list"),
        (Role.HANDLER, "issues:slip_inbox"),
        (Role.LEADER, "supervision:dashboard"),
        (Role.COORDINATOR, "supervision:escalated"),
        (Role.ADMIN, "enterprises:list"),
        (Role.ENTERPRISE, "portal:home"),
    ],
)
def test_each_role_starts_on_its_first_section_with_a_page(make_user, role, url_name):
    assert start_url_for(make_user(role)) == reverse(url_name)


def test_start_page_is_the_first_linked_section_of_the_role(make_user, monkeypatch):
    from core import navigation

    monkeypatch.setattr(navigation.SECTIONS[0], "url_name", "core:audit_list")  # "visits"
    assert start_url_for(make_user(Role.CADRE)) == reverse("core:audit_list")
    assert start_url_for(make_user(Role.ENTERPRISE)) == reverse("portal:home")


def test_home_shows_name_unit_and_roles(client, make_user, unit):
    user = make_user(Role.HANDLER, Role.CADRE, name="李明", unit=unit)
    client.force_login(user)
    page = client.get(reverse("core:home")).content.decode()
    for text in ["李明", "经信局", "部门", "承办单位经办人", "走访干部"]:
        assert text in page


def test_missing_role_groups_come_back_after_migrate_but_changed_ones_are_kept(db):
    from core.roles import roles_ensure

    Group.objects.get(name=Role.ENTERPRISE.value).delete()
    leader = Group.objects.get(name=Role.LEADER.value)
    leader.permissions.clear()
    assert roles_ensure() == [Role.ENTERPRISE.value]
    enterprise = Group.objects.get(name=Role.ENTERPRISE.value)
    assert [p.codename for p in enterprise.permissions.all()] == ["submit_requests"]
    assert not leader.permissions.exists()
