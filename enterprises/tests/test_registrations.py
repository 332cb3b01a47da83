"""A firm registers on the public page; the office approves or rejects."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core import audit as core_audit
from core.models import AuditEvent, Unit, User
from core.roles import Role, user_roles
from enterprises import audit, registrations
from enterprises.accounts import conflict_error, firm_account_create
from enterprises.models import Enterprise, FirmRegistration, FirmUser
from enterprises.registrations import (
    REGISTRANTS_UNIT_NAME,
    firm_registration_approve,
    firm_registration_reject,
    firm_registration_submit,
    registration_refused_message,
    username_taken_message,
)
from enterprises.tests.factories import EnterpriseFactory, credit_code
from enterprises.tests.portal import firm_user, logged_in, login

PASSWORD = "Tianmu-mountain-9"


@pytest.fixture
def office(make_user):
    return make_user(Role.OFFICE, username="office1", name="陈静")


@pytest.fixture
def firm(db):
    return EnterpriseFactory(name="杭叉集团股份有限公司")


def form_data(firm, **overrides):
    data = {
        "credit_code": firm.credit_code.lower(),
        "firm_name": firm.name,
        "contact_name": "孙丽",
        "mobile": "13900001111",
        "username": "hangcha-sun",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(overrides)
    return data


def submit(firm, *, ip="10.1.1.1", **overrides):
    data = form_data(firm, **overrides)
    return firm_registration_submit(
        credit_code=data["credit_code"],
        firm_name=data["firm_name"],
        contact_name=data["contact_name"],
        mobile=data["mobile"],
        username=data["username"],
        password=data["password1"],
        ip_address=ip,
    )


def test_registration_page_is_public_and_makes_an_inactive_account(client, firm):
    assert client.get(reverse("enterprises:register")).status_code == 200
    response = client.post(reverse("enterprises:register"), form_data(firm), REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 302
    assert response["Location"] == reverse("enterprises:register_done")
    assert client.get(response["Location"]).status_code == 200
    registration = FirmRegistration.objects.get()
    assert registration.status == FirmRegistration.Status.PENDING
    assert registration.enterprise == firm and registration.ip_address == "10.1.1.1"
    assert registration.mobile == "13900001111" and not registration.name_differs
    user = registration.user
    assert user.username == "hangcha-sun" and not user.is_active
    assert user.check_password(PASSWORD) and not user.must_change_password
    # Attached to no firm and holding no role until the office approves.
    assert not FirmUser.objects.filter(user=user).exists() and user_roles(user) == []
    assert not logged_in_with("hangcha-sun", PASSWORD)
    event = AuditEvent.objects.get(action=audit.REGISTRATION_SUBMITTED)
    assert event.actor is None and event.ip_address == "10.1.1.1"


def logged_in_with(username, password) -> bool:
    client = Client()
    login(client, username, password)
    return logged_in(client)


def test_a_different_name_is_accepted_and_flagged(firm):
    registration = submit(firm, firm_name="杭叉集团")
    assert registration.name_differs and registration.firm_name == "杭叉集团"
    # Full-width brackets and spaces are not a difference.
    other = EnterpriseFactory(name="临安（杭州）电子有限公司")
    assert not submit(other, firm_name="临安(杭州) 电子有限公司", username="x2").name_differs


def test_unknown_credit_code_asks_to_contact_the_office(client, db):
    EnterpriseFactory()
    unknown = credit_code(123456)
    response = client.post(
        reverse("enterprises:register"),
        {**form_data(EnterpriseFactory.build(credit_code=unknown)), "credit_code": unknown},
    )
    assert response.status_code == 400
    assert "credit_code" in response.context["form"].errors
    with pytest.raises(ValidationError) as exc:
        submit(EnterpriseFactory.build(credit_code=unknown))
    assert exc.value.error_dict["credit_code"][0].code == "unknown_firm"
    assert not FirmRegistration.objects.exists() and not User.objects.exists()


def test_invalid_credit_code_is_refused(client, firm):
    wrong = firm.credit_code[:17] + ("0" if firm.credit_code[17] != "0" else "1")
    response = client.post(reverse("enterprises:register"), form_data(firm, credit_code=wrong))
    assert response.status_code == 400
    assert "credit_code" in response.context["form"].errors
    assert not FirmRegistration.objects.exists()


def test_closed_firm_cannot_register(firm):
    firm.status = Enterprise.Status.CLOSED
    firm.save()
    with pytest.raises(ValidationError):
        submit(firm)
    assert not FirmRegistration.objects.exists()


def test_form_checks_the_passwords_and_the_user_name(client, firm, make_user):
    make_user(username="Taken")
    response = client.post(
        reverse("enterprises:register"),
        form_data(firm, password2="Other-password-1", username="taken"),
    )
    assert response.status_code == 400
    assert "password2" in response.context["form"].errors
    assert "username" in response.context["form"].errors
    response = client.post(
        reverse("enterprises:register"), form_data(firm, password1="123", password2="123")
    )
    assert "password1" in response.context["form"].errors
    assert not FirmRegistration.objects.exists()


def test_another_firms_credit_code_is_no_user_name(firm):
    other = EnterpriseFactory()
    with pytest.raises(ValidationError):
        submit(firm, username=other.credit_code)
    assert submit(firm, username=firm.credit_code).user.username == firm.credit_code


def test_registrations_from_one_address_are_limited_per_hour(client, settings, db):
    settings.REGISTRATION_RATE_PER_HOUR = 2
    firms = [EnterpriseFactory() for _ in range(4)]
    submit(firms[0], username="a1", mobile="13900000001")
    old = submit(firms[1], username="a2", mobile="13900000002")
    response = client.post(
        reverse("enterprises:register"),
        form_data(firms[2], username="a3", mobile="13900000003"),
        REMOTE_ADDR="10.1.1.1",
    )
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert FirmRegistration.objects.count() == 2
    # Another address may register; an hour later this one may again.
    submit(firms[2], username="b1", mobile="13900000003", ip="10.2.2.2")
    FirmRegistration.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(minutes=61)
    )
    submit(firms[3], username="a4", mobile="13900000004")
    assert FirmRegistration.objects.count() == 4


def test_a_second_pending_registration_for_the_same_mobile_and_firm_is_refused(firm):
    submit(firm)
    with pytest.raises(ValidationError) as exc:
        submit(firm, username="another-name")
    assert exc.value.code == "duplicate"
    submit(firm, username="another-name", mobile="13900002222")
    assert FirmRegistration.objects.count() == 2


def test_approval_links_the_firm_and_lets_the_account_log_in(
    client, office, firm, sms_outbox, django_capture_on_commit_callbacks
):
    registration = submit(firm)
    client.force_login(office)
    page = client.get(reverse("enterprises:registration_list")).content.decode()
    assert "hangcha-sun" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("enterprises:registration_approve", args=[registration.pk]))
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == FirmRegistration.Status.APPROVED
    assert registration.decided_by == office and registration.decided_at
    user = registration.user
    user.refresh_from_db()
    assert user.is_active and user_roles(user) == [Role.ENTERPRISE]
    assert FirmUser.objects.get(user=user).enterprise == firm
    assert [mobile for mobile, _text in sms_outbox] == ["13900001111"]
    assert "hangcha-sun" in sms_outbox[0][1]
    firm_client = Client()
    login(firm_client, "hangcha-sun", PASSWORD)
    assert firm_client.get(reverse("enterprises:portal_profile")).status_code == 200
    # Deciding again is refused and changes nothing.
    with pytest.raises(ValidationError):
        firm_registration_reject(
            registration=registration, actor=office, reason="晚了", ip_address=None
        )
    assert FirmUser.objects.filter(user=user).count() == 1


def test_rejection_needs_a_reason_and_texts_it(
    client, office, firm, sms_outbox, django_capture_on_commit_callbacks
):
    registration = submit(firm)
    client.force_login(office)
    url = reverse("enterprises:registration_reject", args=[registration.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"reason": "  "})
    registration.refresh_from_db()
    assert registration.status == FirmRegistration.Status.PENDING and sms_outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"reason": "联系人不是本企业员工"})
    registration.refresh_from_db()
    assert registration.status == FirmRegistration.Status.REJECTED
    assert registration.reason == "联系人不是本企业员工"
    assert sms_outbox[0][0] == "13900001111" and "联系人不是本企业员工" in sms_outbox[0][1]
    registration.user.refresh_from_db()
    assert not registration.user.is_active
    assert not FirmUser.objects.filter(user=registration.user).exists()
    assert not logged_in_with("hangcha-sun", PASSWORD)
    assert AuditEvent.objects.filter(action=audit.REGISTRATION_REJECTED, actor=office).exists()


def test_only_the_office_sees_and_decides_registrations(client, firm, cadre, make_user):
    registration = submit(firm)
    other_firm_user = firm_user(EnterpriseFactory(), "other-firm")
    for user in [cadre, other_firm_user, make_user(Role.LEADER, username="leader1")]:
        client.force_login(user)
        assert client.get(reverse("enterprises:registration_list")).status_code == 403
        url = reverse("enterprises:registration_approve", args=[registration.pk])
        assert client.post(url).status_code == 403
    registration.refresh_from_db()
    assert registration.status == FirmRegistration.Status.PENDING


def test_approving_in_the_service_records_the_decision(office, firm):
    registration = firm_registration_approve(
        registration=submit(firm), actor=office, ip_address="10.0.0.9"
    )
    event = AuditEvent.objects.get(action=audit.REGISTRATION_APPROVED)
    assert event.actor == office and event.object_id == str(registration.pk)
    assert PASSWORD not in str([e.before for e in AuditEvent.objects.all()])
    assert PASSWORD not in str([e.after for e in AuditEvent.objects.all()])


# --- every attempt counted; no unit before the decision; the firm locked at approval ---------


@pytest.fixture(autouse=True)
def attempts_cache():
    """The attempt counters live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


def test_every_attempt_is_counted_and_refused_beyond_the_limit_before_the_form_is_read(
    client, settings, firm, make_user
):
    settings.REGISTRATION_ATTEMPTS_PER_HOUR = 3
    make_user(username="taken")
    url = reverse("enterprises:register")
    for _attempt in range(3):  # failed attempts count as much as successful ones
        response = client.post(url, form_data(firm, username="taken"), REMOTE_ADDR="10.1.1.1")
        assert response.status_code == 400
        assert "username" in response.context["form"].errors
    # The fourth, even a good one, is refused without a word about the code or the user name.
    response = client.post(url, form_data(firm), REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 429
    form = response.context["form"]
    assert not form.is_bound and not form.errors
    assert response.context["refused"] == registration_refused_message()
    page = response.content.decode()
    assert registration_refused_message() in page
    assert username_taken_message() not in page and PASSWORD not in page
    assert not FirmRegistration.objects.exists() and not User.objects.filter(is_active=False)
    # Another address is counted apart.
    other = client.post(url, form_data(firm), REMOTE_ADDR="10.2.2.2")
    assert other.status_code == 302 and FirmRegistration.objects.count() == 1


def test_attempts_are_counted_per_clock_hour(settings, monkeypatch):
    settings.REGISTRATION_ATTEMPTS_PER_HOUR = 1
    now = [1_000 * 3600 + 10.0]
    monkeypatch.setattr(registrations.time, "time", lambda: now[0])
    assert not registrations.registration_attempts_exceeded("10.1.1.1")
    assert registrations.registration_attempts_exceeded("10.1.1.1")
    now[0] += 3600
    assert not registrations.registration_attempts_exceeded("10.1.1.1")


def test_a_registration_makes_no_unit_until_the_office_approves(office, firm):
    other = EnterpriseFactory(name="临安另一家有限公司")
    units_before = set(Unit.objects.values_list("pk", flat=True))
    first = submit(firm)
    second = submit(other, username="other-firm", mobile="13900002222")
    # Both wait in the one shared unit, made once; nothing is named after either firm.
    shared = Unit.objects.get(name=REGISTRANTS_UNIT_NAME)
    assert first.user.unit == second.user.unit == shared
    assert shared.kind == Unit.Kind.ENTERPRISE and not shared.is_active
    assert set(Unit.objects.values_list("pk", flat=True)) - units_before == {shared.pk}
    assert not Unit.objects.filter(name__in=[firm.name, other.name]).exists()
    created = AuditEvent.objects.filter(action=core_audit.UNIT_CREATED)
    assert [e.object_id for e in created] == [str(shared.pk)]

    firm_registration_approve(registration=first, actor=office, ip_address=None)
    first.user.refresh_from_db()
    assert first.user.unit.name == firm.name and first.user.unit.kind == Unit.Kind.ENTERPRISE
    assert created.filter(actor=office, object_id=str(first.user.unit_id)).exists()
    second.user.refresh_from_db()
    assert second.user.unit == shared  # still waiting


def test_approval_joins_the_unit_of_the_firms_other_accounts(office, firm):
    made = firm_account_create(
        enterprise=firm, name="钱多", mobile="", actor=office, ip_address=None
    )
    registration = submit(firm)
    firm_registration_approve(registration=registration, actor=office, ip_address=None)
    registration.user.refresh_from_db()
    assert registration.user.unit == made.user.unit
    assert Unit.objects.filter(name__startswith=firm.name).count() == 1


def test_a_clash_at_approval_is_a_message_not_an_error_page(client, office, firm, monkeypatch):
    """Two offices approving two registrations of a firm without accounts at the same moment
    would both make its unit; the firm's row is locked so they take turns, and a unique clash
    that still happens is refused with a message."""
    registration = submit(firm)

    def clash(**kwargs):
        raise IntegrityError("UNIQUE constraint failed: core_unit.name")

    monkeypatch.setattr(registrations, "firm_account_link", clash)
    client.force_login(office)
    response = client.post(
        reverse("enterprises:registration_approve", args=[registration.pk]), follow=True
    )
    assert response.status_code == 200
    assert conflict_error().messages[0] in [str(m) for m in response.context["messages"]]
    registration.refresh_from_db()
    assert registration.status == FirmRegistration.Status.PENDING
    assert not FirmUser.objects.exists()


def test_a_logged_in_user_is_sent_to_the_start_page_not_the_registration(client, office):
    client.force_login(office)
    for response in [
        client.get(reverse("enterprises:register")),
        client.post(reverse("enterprises:register"), {}),
    ]:
        assert response.status_code == 302 and response["Location"] == reverse("core:start")
    assert not FirmRegistration.objects.exists()
