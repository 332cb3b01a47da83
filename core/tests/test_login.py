from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from core import audit
from core.models import AuditEvent
from core.roles import Role

LOGIN = "/accounts/login/"


def post_login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_login_page_is_in_chinese(client, db):
    response = client.get(LOGIN)
    page = response.content.decode()
    assert response.status_code == 200
    assert "登录" in page and "用户名" in page and "密码" in page
    assert '<html lang="zh-CN">' in page


def test_anonymous_user_is_sent_to_login(client, db):
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_login_lands_on_start_page_and_is_audited(client, cadre, password):
    response = post_login(client, "cadre1", password)
    assert response.status_code == 302
    assert response.url == reverse("core:start")
    home = client.get(response.url, follow=True)
    assert "王干部" in home.content.decode()
    event = AuditEvent.objects.get(action=audit.LOGIN)
    assert event.actor == cadre
    assert event.ip_address == "127.0.0.1"


def test_wrong_password_says_so_in_chinese_and_is_audited(client, cadre):
    response = post_login(client, "cadre1", "wrong-password-1")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    event = AuditEvent.objects.get(action=audit.LOGIN_FAILED)
    assert event.actor is None
    assert event.object_id == str(cadre.pk)
    assert event.after == {"username": "cadre1", "locked": False}


def test_failed_login_for_unknown_user_is_audited_by_name(client, db):
    post_login(client, "nobody", "wrong-password-1")
    event = AuditEvent.objects.get(action=audit.LOGIN_FAILED)
    assert event.object_repr == "nobody"
    assert event.object_id == ""


def test_five_failures_lock_the_account_and_the_right_password_is_refused(client, cadre, password):
    for _ in range(4):
        assert post_login(client, "cadre1", "wrong-password-1").status_code == 200
    fifth = post_login(client, "cadre1", "wrong-password-1")
    assert fifth.status_code == 429
    assert "已被锁定 15 分钟" in fifth.content.decode()

    refused = post_login(client, "cadre1", password)
    assert refused.status_code == 429
    assert "已被锁定" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action=audit.LOCKED_OUT, object_id=str(cadre.pk)).count() == 2


def test_lockout_is_per_account_not_per_address(client, make_user, password):
    make_user(Role.CADRE, username="locked")
    make_user(Role.CADRE, username="colleague")
    for _ in range(5):
        post_login(client, "locked", "wrong-password-1")
    assert post_login(client, "colleague", password).status_code == 302


def test_lock_ends_after_the_cool_off(client, cadre, password):
    for _ in range(5):
        post_login(client, "cadre1", "wrong-password-1")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert post_login(client, "cadre1", password).status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3, AXES_COOLOFF_TIME=timedelta(minutes=30))
def test_limit_and_cool_off_are_configurable(client, cadre):
    for _ in range(2):
        assert post_login(client, "cadre1", "wrong-password-1").status_code == 200
    third = post_login(client, "cadre1", "wrong-password-1")
    assert third.status_code == 429
    assert "已被锁定 30 分钟" in third.content.decode()


def test_success_resets_the_failure_count(client, cadre, password):
    for _ in range(4):
        post_login(client, "cadre1", "wrong-password-1")
    assert post_login(client, "cadre1", password).status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        assert post_login(client, "cadre1", "wrong-password-1").status_code == 200


def test_logout_needs_post_and_is_audited(client, cadre, password):
    post_login(client, "cadre1", password)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action=audit.LOGOUT, actor=cadre).exists()
    assert client.get(reverse("core:home")).status_code == 302


def test_idle_session_expires_and_login_page_says_so(client, cadre, password):
    post_login(client, "cadre1", password)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    page = client.get(response.url).content.decode()
    assert "登录已超时，请重新登录" in page


def test_each_request_extends_the_idle_timeout(client, cadre, password, settings):
    post_login(client, "cadre1", password)
    client.get(reverse("core:home"))
    session = Session.objects.get()
    remaining = session.expire_date - timezone.now()
    assert timedelta(minutes=29) < remaining <= timedelta(minutes=30)
    assert settings.SESSION_SAVE_EVERY_REQUEST


def test_fresh_visit_to_login_page_shows_no_expiry_notice(client, db):
    assert "登录已超时" not in client.get(LOGIN).content.decode()


@pytest.mark.parametrize("path", ["/admin/", "/admin/core/unit/"])
def test_admin_login_uses_the_one_login_page(client, db, path):
    response = client.get(path, follow=True)
    assert response.redirect_chain[-1][0].startswith(LOGIN)


def test_a_logged_in_user_without_admin_access_is_refused_not_looped(client, cadre):
    client.force_login(cadre)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert len(response.redirect_chain) == 1
    assert "您的角色无权使用此页面" in response.content.decode()
    assert AuditEvent.objects.filter(action=audit.PERMISSION_DENIED, actor=cadre).exists()


def test_administrator_unlocks_an_account_in_the_admin(client, cadre, admin_user, password):
    for _ in range(5):
        post_login(client, "cadre1", "wrong-password-1")
    admin_client = type(client)()
    admin_client.force_login(admin_user)
    response = admin_client.post(
        reverse("admin:core_user_changelist"),
        {"action": "unlock", "_selected_action": [cadre.pk]},
        follow=True,
    )
    assert "已解除 1 个账户的锁定" in response.content.decode()
    event = AuditEvent.objects.get(action=audit.USER_UNLOCKED)
    assert event.actor == admin_user and event.object_id == str(cadre.pk)
    assert post_login(client, "cadre1", password).status_code == 302
