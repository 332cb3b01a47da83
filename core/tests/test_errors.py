from django.test import Client
from django.urls import reverse

from core import audit
from core.models import AuditEvent


def test_unknown_page_is_a_chinese_404(client, cadre):
    client.force_login(cadre)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_missing_csrf_token_gets_a_chinese_page_and_is_recorded(cadre):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cadre)
    response = client.post(reverse("password_change"), {"old_password": "x"})
    assert response.status_code == 403
    assert "表单已失效" in response.content.decode()
    event = AuditEvent.objects.get(action=audit.CSRF_FAILED)
    assert event.actor == cadre
    assert event.after["path"] == "/accounts/password/"


def test_login_without_csrf_token_is_refused_and_recorded(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "表单已失效" in response.content.decode()
    assert AuditEvent.objects.get(action=audit.CSRF_FAILED).actor is None


def test_htmx_request_after_timeout_redirects_the_whole_page(client, db):
    client.cookies["sessionid"] = "gone"
    response = client.get(reverse("core:home"), headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/accounts/login/?next=/&expired=1")


def test_security_headers_are_sent(client, cadre):
    client.force_login(cadre)
    response = client.get(reverse("core:home"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp


def test_health_check_answers_without_login(client, db):
    response = client.get(reverse("core:health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_server_error_is_a_chinese_500_page(cadre, settings):
    settings.ROOT_URLCONF = "core.tests.urls_failing"
    client = Client(raise_request_exception=False)
    client.force_login(cadre)
    response = client.get("/boom/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "系统出现错误" in page and "返回首页" in page
