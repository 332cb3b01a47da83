"""The firm's own file in the portal, its contact corrections, and who reaches what."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.models import AuditEvent, Notification
from core.roles import Role
from enterprises import audit
from enterprises.corrections import (
    contact_correction_approve,
    contact_correction_propose,
    contact_correction_reject,
)
from enterprises.models import ContactCorrection, EnterpriseRevision, EnterpriseYear
from enterprises.tests.factories import EnterpriseFactory
from enterprises.tests.portal import firm_user


@pytest.fixture
def office(make_user):
    return make_user(Role.OFFICE, username="office1", name="陈静")


@pytest.fixture
def firm_a(db):
    firm = EnterpriseFactory(
        name="临安甲电子有限公司",
        contact_person="张三",
        contact_phone="13800000001",
        address="锦城街道钱王街1号",
        legal_representative="甲法人",
    )
    EnterpriseYear.objects.create(enterprise=firm, year=2025, output_value=Decimal("1234.5"))
    return firm


@pytest.fixture
def firm_b(db):
    return EnterpriseFactory(
        name="临安乙机械有限公司", contact_person="李四", contact_phone="13800000002"
    )


@pytest.fixture
def user_a(firm_a):
    return firm_user(firm_a, "firm-a", name="甲用户")


@pytest.fixture
def user_b(firm_b):
    return firm_user(firm_b, "firm-b", name="乙用户")


def propose(firm, user, **values):
    fields = {
        "contact_person": firm.contact_person,
        "contact_phone": firm.contact_phone,
        "address": firm.address,
    }
    fields.update(values)
    return contact_correction_propose(enterprise=firm, proposed_by=user, ip_address=None, **fields)


def test_firm_user_reads_its_own_file(client, firm_a, user_a):
    client.force_login(user_a)
    response = client.get(reverse("enterprises:portal_profile"))
    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["firm"] == firm_a
    for text in [firm_a.name, firm_a.credit_code, "甲法人", "张三", "13800000001", "1234.50"]:
        assert text in page
    assert firm_a.get_size_class_display() in page and firm_a.get_status_display() in page


def test_portal_profile_is_only_for_a_firm_user(client, office, cadre, firm_a, make_user):
    unlinked = make_user(Role.ENTERPRISE, username="no-firm")
    for user in [office, cadre, unlinked]:
        client.force_login(user)
        assert client.get(reverse("enterprises:portal_profile")).status_code == 403


def test_firm_proposes_a_correction_and_the_office_approves_it(
    client, office, firm_a, user_a, django_capture_on_commit_callbacks
):
    client.force_login(user_a)
    response = client.post(
        reverse("enterprises:portal_profile"),
        {"contact_person": "王五", "contact_phone": "0571-6371 2345", "address": firm_a.address},
    )
    assert response.status_code == 302
    correction = ContactCorrection.objects.get()
    assert correction.status == ContactCorrection.Status.PENDING
    assert correction.proposed_by == user_a and correction.enterprise == firm_a
    assert (correction.contact_person, correction.old_contact_person) == ("王五", "张三")
    assert (correction.contact_phone, correction.old_contact_phone) == (
        "0571-63712345",
        "13800000001",
    )
    assert correction.changed_fields() == ["contact_person", "contact_phone"]
    firm_a.refresh_from_db()
    assert firm_a.contact_person == "张三"  # nothing changes before the office approves

    client.force_login(office)
    assert correction.pk in [
        c.pk for c in client.get(reverse("enterprises:correction_list")).context["page"]
    ]
    file_page = client.get(reverse("enterprises:detail", args=[firm_a.pk])).content.decode()
    assert reverse("enterprises:correction_detail", args=[correction.pk]) in file_page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("enterprises:correction_approve", args=[correction.pk]))
    assert response.status_code == 302
    firm_a.refresh_from_db()
    assert (firm_a.contact_person, firm_a.contact_phone) == ("王五", "0571-63712345")
    assert firm_a.address == "锦城街道钱王街1号"
    revision = EnterpriseRevision.objects.get(enterprise=firm_a)
    assert revision.source == EnterpriseRevision.Source.FIRM and revision.actor == office
    assert revision.changes == {
        "contact_person": ["张三", "王五"],
        "contact_phone": ["13800000001", "0571-63712345"],
    }
    correction.refresh_from_db()
    assert correction.status == ContactCorrection.Status.APPROVED
    assert correction.decided_by == office and correction.decided_at
    notice = Notification.objects.get(recipient=user_a)
    assert notice.kind == "contact_correction"
    assert notice.url == reverse("enterprises:correction_detail", args=[correction.pk])
    assert AuditEvent.objects.filter(action=audit.CORRECTION_APPROVED, actor=office).exists()
    assert AuditEvent.objects.filter(action=audit.CORRECTION_PROPOSED, actor=user_a).exists()


def test_office_rejects_with_a_reason_and_the_firm_is_told(client, office, firm_a, user_a):
    correction = propose(firm_a, user_a, address="青山湖街道科技大道8号")
    client.force_login(office)
    url = reverse("enterprises:correction_reject", args=[correction.pk])
    client.post(url, {"reason": ""})
    correction.refresh_from_db()
    assert correction.status == ContactCorrection.Status.PENDING
    assert not Notification.objects.exists()
    client.post(url, {"reason": "地址与营业执照不符"})
    correction.refresh_from_db()
    assert correction.status == ContactCorrection.Status.REJECTED
    assert correction.reason == "地址与营业执照不符"
    firm_a.refresh_from_db()
    assert firm_a.address == "锦城街道钱王街1号"
    assert not EnterpriseRevision.objects.filter(enterprise=firm_a).exists()
    notice = Notification.objects.get(recipient=user_a)
    assert notice.body == "地址与营业执照不符"
    # The firm reads the outcome and the reason.
    client.force_login(user_a)
    page = client.get(reverse("enterprises:correction_detail", args=[correction.pk]))
    assert page.status_code == 200 and "地址与营业执照不符" in page.content.decode()
    assert not page.context["can_decide"]


def test_a_correction_must_change_something_and_waits_alone(firm_a, user_a):
    with pytest.raises(ValidationError) as exc:
        propose(firm_a, user_a)
    assert exc.value.code == "unchanged"
    propose(firm_a, user_a, contact_person="王五")
    with pytest.raises(ValidationError) as exc:
        propose(firm_a, user_a, contact_person="赵六")
    assert exc.value.code == "pending"
    assert ContactCorrection.objects.count() == 1


def test_a_wrong_phone_is_refused_with_a_message(client, firm_a, user_a):
    client.force_login(user_a)
    response = client.post(
        reverse("enterprises:portal_profile"),
        {"contact_person": "张三", "contact_phone": "12345", "address": ""},
    )
    assert response.status_code == 400
    assert "contact_phone" in response.context["form"].errors
    assert not ContactCorrection.objects.exists()


def test_approval_applies_only_what_the_firm_changed(office, firm_a, user_a):
    correction = propose(firm_a, user_a, contact_person="王五")
    firm_a.address = "后来导入的新地址"
    firm_a.save()
    contact_correction_approve(correction=correction, actor=office, ip_address=None)
    firm_a.refresh_from_db()
    assert firm_a.contact_person == "王五" and firm_a.address == "后来导入的新地址"
    with pytest.raises(ValidationError):
        contact_correction_reject(correction=correction, actor=office, reason="x", ip_address=None)


def test_a_firm_user_cannot_propose_for_another_firm(firm_b, user_a):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        propose(firm_b, user_a, contact_person="冒名")
    assert not ContactCorrection.objects.exists()


def test_firm_users_reach_only_their_own_firms_corrections(
    client, office, firm_a, firm_b, user_a, user_b
):
    correction_a = propose(firm_a, user_a, contact_person="王五")
    correction_b = propose(firm_b, user_b, contact_person="赵六")
    client.force_login(user_a)
    assert (
        client.get(reverse("enterprises:correction_detail", args=[correction_a.pk])).status_code
        == 200
    )
    for name in ["correction_detail", "correction_approve", "correction_reject"]:
        url = reverse(f"enterprises:{name}", args=[correction_b.pk])
        response = client.get(url) if name == "correction_detail" else client.post(url)
        assert response.status_code == 404, name
    # Their own firm's correction: seen, never decided.
    for name in ["correction_approve", "correction_reject"]:
        url = reverse(f"enterprises:{name}", args=[correction_a.pk])
        assert client.post(url, {"reason": "自己批"}).status_code == 403
    correction_a.refresh_from_db()
    correction_b.refresh_from_db()
    assert correction_a.status == correction_b.status == ContactCorrection.Status.PENDING
    profile = client.get(reverse("enterprises:portal_profile")).context
    assert [c.pk for c in profile["corrections"]] == [correction_a.pk]

    client.force_login(office)
    firms_page = client.get(reverse("enterprises:list"))
    assert firms_page.context["pending"] == {"registrations": 0, "corrections": 2}
    listed = client.get(reverse("enterprises:correction_list")).context["page"]
    assert {c.pk for c in listed} == {correction_a.pk, correction_b.pk}
    for correction in [correction_a, correction_b]:
        url = reverse("enterprises:correction_detail", args=[correction.pk])
        assert client.get(url).context["can_decide"]


def test_firm_users_never_reach_office_pages(client, firm_a, firm_b, user_a):
    client.force_login(user_a)
    forbidden = [
        reverse("enterprises:list"),
        reverse("enterprises:export"),
        reverse("enterprises:import"),
        reverse("enterprises:import_template"),
        reverse("enterprises:accounts_bulk"),
        reverse("enterprises:registration_list"),
        reverse("enterprises:correction_list"),
        reverse("enterprises:account_create", args=[firm_a.pk]),
        reverse("enterprises:account_reset", args=[user_a.pk]),
    ]
    for url in forbidden:
        assert client.get(url).status_code == 403, url
    assert client.get(reverse("enterprises:detail", args=[firm_b.pk])).status_code == 404
    assert (
        client.post(reverse("enterprises:account_active", args=[user_a.pk]), {"active": "0"})
    ).status_code == 403
    user_a.refresh_from_db()
    assert user_a.is_active


def test_a_correction_cannot_blank_the_contact_details(client, firm_a, user_a):
    client.force_login(user_a)
    response = client.post(reverse("enterprises:portal_profile"), {})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"contact_person", "contact_phone", "address"}
    # The service refuses it too, whoever calls it.
    with pytest.raises(ValidationError) as exc:
        propose(firm_a, user_a, contact_person="", contact_phone="", address="")
    assert set(exc.value.error_dict) == {"contact_person", "contact_phone", "address"}
    with pytest.raises(ValidationError) as exc:
        propose(firm_a, user_a, contact_person="王五", address=" ")
    assert set(exc.value.error_dict) == {"address"}
    assert not ContactCorrection.objects.exists()
    # The address may stay as it is.
    assert propose(firm_a, user_a, contact_person="王五").changed_fields() == ["contact_person"]


def test_a_firm_without_an_address_on_file_may_leave_it_empty(client, firm_b, user_b):
    assert firm_b.address == ""
    client.force_login(user_b)
    form = client.get(reverse("enterprises:portal_profile")).context["form"]
    assert not form.fields["address"].required
    response = client.post(
        reverse("enterprises:portal_profile"),
        {"contact_person": "赵六", "contact_phone": firm_b.contact_phone, "address": ""},
    )
    assert response.status_code == 302
    assert ContactCorrection.objects.get().changed_fields() == ["contact_person"]


def test_a_firm_user_does_not_reach_the_offices_file_of_its_own_firm(client, firm_a, user_a):
    """The office's file shows pairings and cadres; the firm's view of its file is the
    portal's profile."""
    client.force_login(user_a)
    assert client.get(reverse("enterprises:detail", args=[firm_a.pk])).status_code == 404
    assert client.get(reverse("enterprises:portal_profile")).context["firm"] == firm_a
