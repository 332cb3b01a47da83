"""The office makes and keeps the firms' accounts: one at a time, in bulk, a new initial
password, deactivate and reactivate; initial passwords shown once and never stored."""

import io
import json
import secrets

import openpyxl
import pytest
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.debug import ExceptionReporter

from core.audit import describe_changes
from core.models import AuditEvent, Unit, User
from core.roles import Role, user_roles
from enterprises import accounts, audit, credentials, views_accounts
from enterprises.accounts import (
    conflict_error,
    firm_account_active_set,
    firm_account_create,
    firm_account_password_reset,
    firm_accounts_create_bulk,
    firm_accounts_plan,
    initial_password_make,
)
from enterprises.models import Enterprise, FirmUser
from enterprises.tests.factories import EnterpriseFactory, TownFactory
from enterprises.tests.portal import NOTICE_PASSWORD, firm_user, logged_in, login


@pytest.fixture
def office(make_user):
    return make_user(Role.OFFICE, username="office1", name="陈静")


@pytest.fixture
def firm(db):
    return EnterpriseFactory(
        name="临安奥星电子有限公司", contact_person="孙丽", contact_phone="13900001111"
    )


def once() -> str:
    """A form's one-time token, as the form's page would have given it."""
    return secrets.token_urlsafe(16)


def _notice_password(client, response) -> str:
    """Follow the redirect to the notice page and read the password from it."""
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page["Cache-Control"].startswith("max-age=0") and "no-store" in page["Cache-Control"]
    return NOTICE_PASSWORD.search(page.content.decode()).group(1)


def test_office_makes_an_account_whose_initial_password_must_be_changed(client, office, firm):
    client.force_login(office)
    response = client.post(
        reverse("enterprises:account_create", args=[firm.pk]),
        {"name": "孙丽", "mobile": "13900001111", "once": once()},
    )
    password = _notice_password(client, response)
    # Shown once: reloading the notice does not show it again.
    again = client.get(response["Location"])
    assert again.status_code == 410 and password not in again.content.decode()

    user = User.objects.get(username=firm.credit_code)
    assert user.name == "孙丽" and user.mobile == "13900001111" and user.is_active
    assert user.must_change_password
    assert user_roles(user) == [Role.ENTERPRISE]
    assert FirmUser.objects.get(user=user).enterprise == firm
    assert user.unit.kind == Unit.Kind.ENTERPRISE and user.unit.name == firm.name
    assert user.password != password and user.check_password(password)

    firm_client = Client()
    response = login(firm_client, firm.credit_code, password)
    assert response.redirect_chain[-1][0] == reverse("password_change")
    assert firm_client.get(reverse("enterprises:portal_profile")).status_code == 302
    response = firm_client.post(
        reverse("password_change"),
        {
            "old_password": password,
            "new_password1": "Qingshan-lake-77",
            "new_password2": "Qingshan-lake-77",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert firm_client.get(reverse("enterprises:portal_profile")).status_code == 200


def test_account_form_errors_make_nothing(client, office, firm):
    client.force_login(office)
    response = client.post(
        reverse("enterprises:account_create", args=[firm.pk]),
        {"name": "", "mobile": "123", "once": once()},
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "mobile"}
    assert not FirmUser.objects.exists()


def test_second_account_gets_the_next_user_name(office, firm):
    first = firm_account_create(
        enterprise=firm, name="孙丽", mobile="", actor=office, ip_address=None
    )
    second = firm_account_create(
        enterprise=firm, name="钱多", mobile="", actor=office, ip_address=None
    )
    third = firm_account_create(
        enterprise=firm, name="赵四", mobile="", actor=office, ip_address=None
    )
    assert [first.user.username, second.user.username, third.user.username] == [
        firm.credit_code,
        f"{firm.credit_code}-2",
        f"{firm.credit_code}-3",
    ]
    assert first.user.unit == second.user.unit == third.user.unit
    assert "password" not in repr(first) and first.password not in repr(first)


def test_unit_name_of_another_body_gets_the_credit_code(office, db):
    town = TownFactory()
    first = EnterpriseFactory(name="临安同名有限公司", town=town)
    namesake = EnterpriseFactory(name="临安同名有限公司", town=town)
    Unit.objects.create(name="经信局", kind=Unit.Kind.DEPARTMENT)
    department_named = EnterpriseFactory(name="经信局", town=town)
    a = firm_account_create(enterprise=first, name="甲", mobile="", actor=office, ip_address=None)
    b = firm_account_create(
        enterprise=namesake, name="乙", mobile="", actor=office, ip_address=None
    )
    c = firm_account_create(
        enterprise=department_named, name="丙", mobile="", actor=office, ip_address=None
    )
    assert a.user.unit.name == "临安同名有限公司"
    assert b.user.unit.name == f"临安同名有限公司（{namesake.credit_code}）"
    assert c.user.unit.name == f"经信局（{department_named.credit_code}）"
    assert {a.user.unit.kind, b.user.unit.kind, c.user.unit.kind} == {Unit.Kind.ENTERPRISE}


def test_initial_passwords_pass_the_validators_and_differ():
    passwords = {initial_password_make() for _ in range(50)}
    assert len(passwords) == 50
    for password in passwords:
        validate_password(password)
        assert len(password) == 14


def test_a_closed_firm_gets_no_account(office, firm):
    firm.status = Enterprise.Status.CLOSED
    firm.save()
    with pytest.raises(ValidationError):
        firm_account_create(enterprise=firm, name="孙丽", mobile="", actor=office, ip_address=None)
    assert not User.objects.filter(username=firm.credit_code).exists()


def test_new_initial_password_replaces_the_old_and_must_be_changed(client, office, firm):
    issued = firm_account_create(
        enterprise=firm, name="孙丽", mobile="", actor=office, ip_address=None
    )
    user = issued.user
    user.must_change_password = False
    user.save()
    client.force_login(office)
    assert client.get(reverse("enterprises:account_reset", args=[user.pk])).status_code == 200
    response = client.post(reverse("enterprises:account_reset", args=[user.pk]), {"once": once()})
    password = _notice_password(client, response)
    assert password != issued.password
    user.refresh_from_db()
    assert user.must_change_password
    assert not logged_in_with(firm.credit_code, issued.password)
    assert logged_in_with(firm.credit_code, password)
    assert AuditEvent.objects.filter(
        action=audit.ACCOUNT_PASSWORD_RESET, object_id=str(user.pk), actor=office
    ).exists()


def logged_in_with(username, password) -> bool:
    client = Client()
    login(client, username, password)
    return logged_in(client)


def test_deactivated_account_cannot_log_in_until_reactivated(client, office, firm, password):
    user = firm_user(firm, "aoxing")
    client.force_login(office)
    response = client.post(reverse("enterprises:account_active", args=[user.pk]), {"active": "0"})
    assert response.status_code == 302
    assert response["Location"] == reverse("enterprises:detail", args=[firm.pk])
    user.refresh_from_db()
    assert not user.is_active and not logged_in_with("aoxing", password)
    client.post(reverse("enterprises:account_active", args=[user.pk]), {"active": "1"})
    user.refresh_from_db()
    assert user.is_active and logged_in_with("aoxing", password)
    changes = AuditEvent.objects.filter(
        object_id=str(user.pk),
        action__in=[audit.ACCOUNT_DEACTIVATED, audit.ACCOUNT_REACTIVATED],
        actor=office,
    ).order_by("created_at", "id")
    assert [e.action for e in changes] == [audit.ACCOUNT_DEACTIVATED, audit.ACCOUNT_REACTIVATED]
    # Setting the same state again records nothing.
    firm_account_active_set(account=user.firm_link, active=True, actor=office, ip_address=None)
    assert changes.count() == 2


def test_firm_file_lists_accounts_for_the_office_only(client, office, firm, make_user):
    user = firm_user(firm, "aoxing", name="孙丽", mobile="13900001111")
    client.force_login(office)
    page = client.get(reverse("enterprises:detail", args=[firm.pk])).content.decode()
    assert 'id="accounts-title"' in page and "aoxing" in page
    assert reverse("enterprises:account_create", args=[firm.pk]) in page
    assert reverse("enterprises:account_reset", args=[user.pk]) in page
    leader = make_user(Role.LEADER, username="leader1")
    client.force_login(leader)
    page = client.get(reverse("enterprises:detail", args=[firm.pk])).content.decode()
    assert 'id="accounts-title"' not in page and "aoxing" not in page
    client.force_login(user)
    assert client.get(reverse("enterprises:detail", args=[firm.pk])).status_code == 404


def test_leader_may_not_make_or_change_accounts(client, firm, make_user):
    user = firm_user(firm, "aoxing")
    client.force_login(make_user(Role.LEADER, username="leader1"))
    assert (
        client.post(
            reverse("enterprises:account_create", args=[firm.pk]), {"name": "x"}
        ).status_code
        == 403
    )
    assert client.post(reverse("enterprises:account_reset", args=[user.pk])).status_code == 403
    assert client.get(reverse("enterprises:accounts_bulk")).status_code == 403
    assert FirmUser.objects.count() == 1


# --- in bulk ---------------------------------------------------------------------------------


@pytest.fixture
def bulk_firms(db):
    town = TownFactory()
    has_one = EnterpriseFactory(name="甲公司", town=town)
    closed = EnterpriseFactory(name="乙公司", town=town, status=Enterprise.Status.CLOSED)
    mobile = EnterpriseFactory(
        name="丙公司", town=town, contact_person="丙联系人", contact_phone="13812345678"
    )
    landline = EnterpriseFactory(name="丁公司", town=town, contact_phone="0571-63712345")
    firm_user(has_one, "jia")
    return has_one, closed, mobile, landline


def test_bulk_plan_says_who_gets_an_account_and_who_is_skipped(bulk_firms):
    has_one, closed, mobile, landline = bulk_firms
    plan = firm_accounts_plan([c.credit_code for c in bulk_firms] + ["91330185MA0000000X", "123"])
    assert plan.create == [mobile, landline]
    assert [f for f, _why in plan.skipped] == [has_one, closed]
    assert "jia" in plan.skipped[0][1]
    assert [code for code, _why in plan.errors] == ["91330185MA0000000X", "123"]
    assert not plan.ok


def test_bulk_makes_one_account_per_firm_without_one(client, office, bulk_firms):
    has_one, closed, mobile, landline = bulk_firms
    codes = "\n".join(f.credit_code for f in bulk_firms)
    client.force_login(office)
    token = once()
    check = client.post(
        reverse("enterprises:accounts_bulk"), {"codes": codes, "action": "check", "once": token}
    )
    assert check.status_code == 200 and check.context["plan"].ok
    assert not User.objects.filter(username=mobile.credit_code).exists()  # checking makes nothing

    response = client.post(
        reverse("enterprises:accounts_bulk"), {"codes": codes, "action": "create", "once": token}
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    text = page.content.decode()

    made = {
        u.username: u for u in User.objects.filter(firm_link__enterprise__in=[mobile, landline])
    }
    assert set(made) == {mobile.credit_code, landline.credit_code}
    assert made[mobile.credit_code].name == "丙联系人"
    assert made[mobile.credit_code].mobile == "13812345678"
    assert made[landline.credit_code].name == "丁公司" and made[landline.credit_code].mobile == ""
    assert all(u.must_change_password for u in made.values())
    assert FirmUser.objects.filter(enterprise=has_one).count() == 1
    assert not FirmUser.objects.filter(enterprise=closed).exists()
    assert "甲公司" in text and "乙公司" in text  # listed as skipped

    download = client.get(reverse("enterprises:accounts_issued_xlsx", args=[page.context["token"]]))
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(download.content)).worksheets[0]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert {r[4] for r in rows} == set(made)
    for row in rows:
        assert made[row[4]].check_password(row[5])
        assert row[5] in text  # the page showed the same passwords
    # Downloaded once, the passwords are gone from the session and the page.
    again = client.get(reverse("enterprises:accounts_issued_xlsx", args=[page.context["token"]]))
    assert again.status_code == 410
    assert credentials.SESSION_KEY not in client.session
    assert client.get(response["Location"]).status_code == 410


def test_bulk_is_all_or_nothing(office, bulk_firms, monkeypatch):
    _has_one, _closed, mobile, landline = bulk_firms
    made = accounts._account_make

    def fail_on_landline(*, enterprise, **kwargs):
        if enterprise == landline:
            raise ValidationError({"mobile": "wrong"})
        return made(enterprise=enterprise, **kwargs)

    monkeypatch.setattr(accounts, "_account_make", fail_on_landline)
    users_before = User.objects.count()
    with pytest.raises(ValidationError) as exc:
        firm_accounts_create_bulk(
            credit_codes=[mobile.credit_code, landline.credit_code], actor=office, ip_address=None
        )
    assert "丁公司" in exc.value.messages[0]
    assert User.objects.count() == users_before
    assert not FirmUser.objects.filter(enterprise__in=[mobile, landline]).exists()
    assert not AuditEvent.objects.filter(action=audit.ACCOUNT_CREATED).exists()


def test_bulk_with_a_wrong_code_makes_nothing(client, office, bulk_firms):
    _has_one, _closed, mobile, _landline = bulk_firms
    client.force_login(office)
    response = client.post(
        reverse("enterprises:accounts_bulk"),
        {"codes": f"{mobile.credit_code}, 91330185MA0000000X", "action": "create", "once": once()},
    )
    assert response.status_code == 400
    assert response.context["plan"].errors
    assert not FirmUser.objects.filter(enterprise=mobile).exists()


def test_bulk_refuses_more_than_the_maximum(office, bulk_firms, monkeypatch):
    monkeypatch.setattr(accounts, "BULK_MAX", 1)
    _has_one, _closed, mobile, landline = bulk_firms
    with pytest.raises(ValidationError):
        firm_accounts_create_bulk(
            credit_codes=[mobile.credit_code, landline.credit_code], actor=office, ip_address=None
        )
    assert not FirmUser.objects.filter(enterprise__in=[mobile, landline]).exists()


def test_list_ticks_lead_to_the_bulk_page_filled_in(client, office, bulk_firms):
    _has_one, _closed, mobile, landline = bulk_firms
    client.force_login(office)
    listing = client.get(reverse("enterprises:list")).content.decode()
    assert 'form="bulk-accounts"' in listing and f'value="{mobile.pk}"' in listing
    page = client.get(reverse("enterprises:accounts_bulk"), {"firm": [mobile.pk, landline.pk]})
    assert set(page.context["form"].initial["codes"].split("\n")) == {
        mobile.credit_code,
        landline.credit_code,
    }


def test_passwords_are_forgotten_when_the_page_is_left(client, office, firm, settings):
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE,
        "enterprises.credentials.IssuedCredentialsMiddleware",
    ]
    client.force_login(office)
    response = client.post(
        reverse("enterprises:accounts_bulk"),
        {"codes": firm.credit_code, "action": "create", "once": once()},
    )
    issued = response["Location"]
    assert client.get(issued).status_code == 200
    assert credentials.SESSION_KEY in client.session  # kept for the download
    client.get(reverse("enterprises:list"))
    assert credentials.SESSION_KEY not in client.session
    token = issued.rstrip("/").rsplit("/", 1)[-1]
    assert client.get(reverse("enterprises:accounts_issued_xlsx", args=[token])).status_code == 410


def test_passwords_expire(client, office, firm):
    client.force_login(office)
    response = client.post(
        reverse("enterprises:account_create", args=[firm.pk]), {"name": "孙丽", "once": once()}
    )
    session = client.session
    entry = session[credentials.SESSION_KEY]
    entry["expires"] = 0
    session[credentials.SESSION_KEY] = entry
    session.save()
    assert client.get(response["Location"]).status_code == 410
    assert credentials.SESSION_KEY not in client.session


def test_no_initial_password_reaches_the_audit_log(client, office, firm, bulk_firms, sms_outbox):
    _has_one, _closed, mobile, landline = bulk_firms
    issued = firm_account_create(
        enterprise=firm, name="孙丽", mobile="13900001111", actor=office, ip_address="10.0.0.1"
    )
    reset = firm_account_password_reset(
        account=issued.user.firm_link, actor=office, ip_address=None
    )
    bulk = firm_accounts_create_bulk(
        credit_codes=[mobile.credit_code, landline.credit_code], actor=office, ip_address=None
    )
    passwords = [issued.password, reset.password, *(i.password for i in bulk.issued)]
    assert len(passwords) == 4
    events = list(AuditEvent.objects.all())
    assert {e.action for e in events} >= {audit.ACCOUNT_CREATED, audit.ACCOUNT_PASSWORD_RESET}
    dump = json.dumps(
        [[e.object_repr, e.before, e.after] for e in events], ensure_ascii=False, default=str
    )
    for password in passwords:
        assert password not in dump
    assert "password" not in dump.replace("password_reset", "")


# --- the same form sent twice; clashes; error reports; the session's set; audit labels -------


def read_stale_session_once(monkeypatch, stale: dict):
    """The next request reads the session as ``stale`` (as a second click does when it starts
    before the first request has saved the session), whatever is stored meanwhile; later
    reads see what is stored. Returns the function that ends this."""
    real = SessionStore.load
    done = []

    def load(self):
        if not done:
            done.append(True)
            return dict(stale)
        return real(self)

    monkeypatch.setattr(SessionStore, "load", load)
    return lambda: monkeypatch.setattr(SessionStore, "load", real)


def test_the_account_form_sent_twice_makes_one_account_and_shows_its_password(
    client, office, firm, monkeypatch
):
    client.force_login(office)
    url = reverse("enterprises:account_create", args=[firm.pk])
    data = {"name": "孙丽", "mobile": "", "once": once()}
    stale = client.session.load()
    first = client.post(url, data)
    assert first.status_code == 302
    stop = read_stale_session_once(monkeypatch, stale)
    second = client.post(url, data)  # the double click, which read the session too early
    stop()
    assert second.status_code == 302 and second["Location"] == first["Location"]
    assert FirmUser.objects.filter(enterprise=firm).count() == 1
    password = _notice_password(client, second)
    assert User.objects.get(username=firm.credit_code).check_password(password)
    # Sent once more later (the back button): still one account; the page says it is gone.
    third = client.post(url, data)
    assert third["Location"] == first["Location"]
    assert client.get(third["Location"]).status_code == 410
    assert FirmUser.objects.filter(enterprise=firm).count() == 1
    assert AuditEvent.objects.filter(action=audit.ACCOUNT_CREATED).count() == 1


def test_the_bulk_list_sent_twice_keeps_the_first_runs_passwords(
    client, office, bulk_firms, monkeypatch
):
    _has_one, _closed, mobile, landline = bulk_firms
    client.force_login(office)
    url = reverse("enterprises:accounts_bulk")
    codes = f"{mobile.credit_code}\n{landline.credit_code}"
    data = {"codes": codes, "action": "create", "once": once()}
    stale = client.session.load()
    first = client.post(url, data)
    assert first.status_code == 302
    stop = read_stale_session_once(monkeypatch, stale)
    second = client.post(url, data)
    stop()
    assert second.status_code == 302 and second["Location"] == first["Location"]
    page = client.get(second["Location"])
    assert page.status_code == 200
    rows = page.context["entry"]["rows"]
    assert {r["username"] for r in rows} == {mobile.credit_code, landline.credit_code}
    for row in rows:
        assert User.objects.get(username=row["username"]).check_password(row["password"])
        assert row["password"] in page.content.decode()


def test_the_reset_form_sent_twice_makes_one_password(client, office, firm, monkeypatch):
    user = firm_user(firm, "aoxing")
    client.force_login(office)
    url = reverse("enterprises:account_reset", args=[user.pk])
    form_page = client.get(url)
    data = {"once": form_page.context["form"]["once"].value()}
    assert f'value="{data["once"]}"' in form_page.content.decode()
    stale = client.session.load()
    first = client.post(url, data)
    stop = read_stale_session_once(monkeypatch, stale)
    second = client.post(url, data)
    stop()
    assert second["Location"] == first["Location"]
    password = _notice_password(client, second)
    user.refresh_from_db()
    assert user.check_password(password)
    assert AuditEvent.objects.filter(action=audit.ACCOUNT_PASSWORD_RESET).count() == 1


def test_a_form_without_its_token_makes_nothing(client, office, firm):
    client.force_login(office)
    response = client.post(
        reverse("enterprises:account_create", args=[firm.pk]), {"name": "孙丽", "once": ""}
    )
    assert response.status_code == 400 and response.context["form"].non_field_errors()
    assert not FirmUser.objects.exists()
    # The form's page gives a new token each time it is opened.
    url = reverse("enterprises:account_create", args=[firm.pk])
    tokens = {client.get(url).context["form"]["once"].value() for _ in range(2)}
    assert len(tokens) == 2


def test_two_accounts_in_a_row_share_one_unit(client, office, firm):
    client.force_login(office)
    url = reverse("enterprises:account_create", args=[firm.pk])
    for name in ["孙丽", "钱多"]:
        assert client.post(url, {"name": name, "once": once()}).status_code == 302
    users = User.objects.filter(firm_link__enterprise=firm)
    assert sorted(u.username for u in users) == [firm.credit_code, f"{firm.credit_code}-2"]
    assert Unit.objects.filter(name__startswith=firm.name).count() == 1


def test_a_clash_making_an_account_is_a_message_not_an_error_page(
    client, office, firm, bulk_firms, monkeypatch
):
    """What the firm's lock cannot prevent (a unit or user name taken by another request at
    the same moment) is refused with a message, and nothing is made."""

    def clash(**kwargs):
        raise IntegrityError("UNIQUE constraint failed: core_unit.name")

    monkeypatch.setattr(accounts, "firm_account_link", clash)
    client.force_login(office)
    response = client.post(
        reverse("enterprises:account_create", args=[firm.pk]), {"name": "孙丽", "once": once()}
    )
    assert response.status_code == 400
    assert conflict_error().messages[0] in response.context["form"].non_field_errors()
    _has_one, _closed, mobile, _landline = bulk_firms
    response = client.post(
        reverse("enterprises:accounts_bulk"),
        {"codes": mobile.credit_code, "action": "create", "once": once()},
    )
    assert response.status_code == 400
    assert conflict_error().messages[0] in [str(m) for m in response.context["messages"]]
    assert not User.objects.filter(username__in=[firm.credit_code, mobile.credit_code]).exists()


def _report_html(info) -> str:
    request = RequestFactory().get("/")
    return ExceptionReporter(request, info.type, info.value, info.tb).get_traceback_html()


def test_error_reports_of_the_pages_that_show_passwords_hide_them(
    client, office, firm, bulk_firms, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("the page broke")

    client.force_login(office)
    response = client.post(
        reverse("enterprises:account_create", args=[firm.pk]), {"name": "孙丽", "once": once()}
    )
    monkeypatch.setattr(views_accounts, "render", broken)
    with pytest.raises(RuntimeError) as info:
        client.get(response["Location"])
    html = _report_html(info)
    password = client.session[credentials.SESSION_KEY]["accounts"][0][1]
    assert "the page broke" in html and password not in html

    _has_one, _closed, mobile, _landline = bulk_firms
    response = client.post(
        reverse("enterprises:accounts_bulk"),
        {"codes": mobile.credit_code, "action": "create", "once": once()},
    )
    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    monkeypatch.setattr(views_accounts, "credentials_xlsx", broken)
    with pytest.raises(RuntimeError) as info:
        client.get(reverse("enterprises:accounts_issued_xlsx", args=[token]))
    html = _report_html(info)
    password = client.session[credentials.SESSION_KEY]["accounts"][0][1]
    assert "the page broke" in html and password not in html


class Sealed:
    """Keeps what a test saw out of the test's own frame in a report (the test is no view)."""

    def __repr__(self):
        return "<sealed>"


@pytest.mark.parametrize("view", ["create", "reset", "bulk"])
def test_error_reports_of_the_views_that_make_passwords_hide_them(
    client, office, firm, view, monkeypatch
):
    """Whatever a view that holds new passwords calls may fail: the report shows nothing of
    it."""
    seen = Sealed()

    def broken(request, *, issued, **kwargs):
        passwords = [account.password for account in issued]
        seen.passwords = passwords
        raise RuntimeError("keeping broke")

    monkeypatch.setattr(credentials, "credentials_keep", broken)
    client.force_login(office)
    if view == "create":
        url, data = reverse("enterprises:account_create", args=[firm.pk]), {"name": "孙丽"}
    elif view == "reset":
        user = firm_user(firm, "aoxing")
        url, data = reverse("enterprises:account_reset", args=[user.pk]), {}
    else:
        url, data = reverse("enterprises:accounts_bulk"), {"codes": firm.credit_code}
        data["action"] = "create"
    with pytest.raises(RuntimeError) as info:
        client.post(url, {**data, "once": once()})
    html = _report_html(info)
    assert "keeping broke" in html and len(seen.passwords) == 1
    assert seen.passwords[0] not in html


def test_the_session_keeps_only_ids_and_passwords(client, office, firm):
    client.force_login(office)
    response = client.post(
        reverse("enterprises:account_create", args=[firm.pk]),
        {"name": "孙丽", "mobile": "13900001111", "once": once()},
    )
    stored = json.dumps(client.session[credentials.SESSION_KEY], ensure_ascii=False)
    for text in ["孙丽", "13900001111", firm.name, firm.credit_code]:
        assert text not in stored
    page = client.get(response["Location"]).content.decode()  # read again to be shown
    for text in ["孙丽", firm.name, firm.credit_code]:
        assert text in page


def test_a_set_not_shown_yet_waits_for_its_page_until_it_expires(client, office, firm):
    client.force_login(office)
    url = reverse("enterprises:account_create", args=[firm.pk])
    response = client.post(url, {"name": "孙丽", "once": once()})
    client.get(reverse("enterprises:list"))  # another request first (another tab, a click)
    assert client.get(response["Location"]).status_code == 200
    client.post(url, {"name": "钱多", "once": once()})
    session = client.session
    session[credentials.SESSION_KEY] = {**session[credentials.SESSION_KEY], "expires": 0}
    session.save()
    client.get(reverse("enterprises:list"))  # any request of the session drops it
    assert credentials.SESSION_KEY not in client.session


def test_account_audit_rows_are_labelled_on_the_audit_page(office, firm):
    issued = firm_account_create(
        enterprise=firm, name="孙丽", mobile="13900001111", actor=office, ip_address=None
    )
    firm_account_password_reset(account=issued.user.firm_link, actor=office, ip_address=None)
    for action in [audit.ACCOUNT_CREATED, audit.ACCOUNT_PASSWORD_RESET]:
        event = AuditEvent.objects.get(action=action)
        rows = describe_changes(event)
        assert [row["label"] for row in rows if row["label"] in event.after] == [], action
        assert firm.name in [row["after"] for row in rows]


def test_odd_firm_ids_on_the_bulk_page_are_ignored(client, office):
    client.force_login(office)
    response = client.get(reverse("enterprises:accounts_bulk"), {"firm": ["²", "9" * 25, "x"]})
    assert response.status_code == 200
