import pytest
from django.contrib import admin
from django.db import IntegrityError, InternalError, OperationalError, connection, transaction
from django.test import RequestFactory
from django.urls import reverse

from core import audit
from core.models import AuditEvent
from core.roles import Role
from core.services import audit_record

DB_REFUSALS = (IntegrityError, InternalError, OperationalError)


def test_database_refuses_to_update_an_audit_event(db, cadre):
    event = audit_record(actor=cadre, action=audit.LOGIN, obj=cadre)
    with pytest.raises(DB_REFUSALS), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    event.refresh_from_db()
    assert event.action == audit.LOGIN


@pytest.mark.skipif(connection.vendor != "postgresql", reason="DELETE is guarded on PostgreSQL")
def test_database_refuses_to_delete_an_audit_event(db, cadre):
    event = audit_record(actor=cadre, action=audit.LOGIN, obj=cadre)
    with pytest.raises(DB_REFUSALS), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_admin_cannot_add_change_or_delete_events(admin_user):
    request = RequestFactory().get("/")
    request.user = admin_user
    model_admin = admin.site._registry[AuditEvent]
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_cadre_is_refused_the_audit_log_with_a_chinese_page_and_it_is_recorded(client, cadre):
    client.force_login(cadre)
    response = client.get(reverse("core:audit_list"))
    assert response.status_code == 403
    assert "您的角色无权使用此页面" in response.content.decode()
    event = AuditEvent.objects.get(action=audit.PERMISSION_DENIED)
    assert event.actor == cadre
    assert event.after == {"method": "GET", "path": "/audit/"}


def test_administrator_reads_and_filters_the_log(client, admin_user, cadre):
    audit_record(actor=cadre, action=audit.LOGIN, obj=cadre)
    audit_record(
        actor=None,
        action=audit.LOGIN_FAILED,
        object_type="core.user",
        object_repr="ghost",
        after={"username": "ghost", "locked": False},
    )
    client.force_login(admin_user)
    page = client.get(reverse("core:audit_list")).content.decode()
    assert "王干部" in page and "登录失败" in page and "ghost" in page
    assert "用户名" in page and "账户已锁定" in page  # details in Chinese, not raw keys
    assert "locked" not in page.split("<tbody>")[1]

    page = client.get(reverse("core:audit_list"), {"action": audit.LOGIN_FAILED}).content.decode()
    assert "ghost" in page and "王干部" not in page
    page = client.get(reverse("core:audit_list"), {"actor": "王干部"}).content.decode()
    assert "王干部" in page and "ghost" not in page


def test_bad_filter_dates_get_a_chinese_message(client, admin_user):
    client.force_login(admin_user)
    page = client.get(
        reverse("core:audit_list"), {"date_from": "2026-12-01", "date_to": "2026-11-01"}
    ).content.decode()
    assert "开始日期不能晚于结束日期" in page
    page = client.get(reverse("core:audit_list"), {"date_from": "2026-13-45"}).content.decode()
    assert "输入一个有效的日期" in page


def test_audit_list_query_count_does_not_grow_with_rows(
    client, admin_user, make_user, django_assert_max_num_queries
):
    for n in range(30):
        user = make_user(Role.CADRE, username=f"c{n}")
        audit_record(actor=user, action=audit.LOGIN, obj=user)
    client.force_login(admin_user)
    with django_assert_max_num_queries(11):  # 10 + the notification bell's unread count
        client.get(reverse("core:audit_list"))


def test_admin_changing_a_unit_records_before_and_after(client, admin_user, unit):
    client.force_login(admin_user)
    url = reverse("admin:core_unit_change", args=[unit.pk])
    response = client.post(
        url, {"name": "经济和信息化局", "kind": unit.kind, "sort_order": 3, "is_active": "on"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action=audit.UNIT_UPDATED)
    assert event.actor == admin_user
    assert event.before == {"name": "经信局", "sort_order": 0}
    assert event.after == {"name": "经济和信息化局", "sort_order": 3}


def test_admin_creating_a_user_with_roles_is_recorded(client, admin_user, unit):
    from django.contrib.auth.models import Group

    client.force_login(admin_user)
    cadre_group = Group.objects.get(name=Role.CADRE.value)
    response = client.post(
        reverse("admin:core_user_add"),
        {
            "username": "newcadre",
            "name": "新干部",
            "unit": unit.pk,
            "mobile": "13812345678",
            "groups": [cadre_group.pk],
            "password1": "Qingshan-Lake-9",
            "password2": "Qingshan-Lake-9",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    event = AuditEvent.objects.get(action=audit.USER_CREATED)
    assert event.after["username"] == "newcadre"
    assert event.after["groups"] == [cadre_group.pk]
    assert "password" not in event.after


def test_nothing_in_the_admin_can_be_deleted(client, admin_user, unit):
    client.force_login(admin_user)
    response = client.post(reverse("admin:core_unit_delete", args=[unit.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert type(unit).objects.filter(pk=unit.pk).exists()


def test_admin_changing_a_roles_permissions_is_recorded_and_takes_effect(client, admin_user, cadre):
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.get(name=Role.CADRE.value)
    granted = list(group.permissions.values_list("pk", flat=True))
    dashboard = Permission.objects.get(codename="view_dashboard")
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:auth_group_change", args=[group.pk]),
        {"name": group.name, "permissions": [*granted, dashboard.pk]},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action=audit.GROUP_UPDATED)
    assert event.before == {"permissions": sorted(granted)}
    assert event.after == {"permissions": sorted([*granted, dashboard.pk])}
    assert type(cadre).objects.get(pk=cadre.pk).has_perm("core.view_dashboard")


def test_role_editor_offers_capabilities_in_chinese_not_djangos_bookkeeping(client, admin_user):
    from django.contrib.auth.models import Group

    client.force_login(admin_user)
    group = Group.objects.get(name=Role.CADRE.value)
    page = client.get(reverse("admin:auth_group_change", args=[group.pk])).content.decode()
    assert "走访挂钩企业、填写走访调查表" in page and "新增单位" in page
    assert "Can add" not in page and "log entry" not in page and "删除单位" not in page
