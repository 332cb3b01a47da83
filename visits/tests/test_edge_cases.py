"""What a careful review found: resent forms, pairings ending under a draft, the import's
preview going stale, who reads every visit, late surveys and the due flag."""

import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.models import Unit
from core.roles import Role
from core.tests.factories import UnitFactory
from enterprises.models import EnterpriseYear
from visits.importing import pairing_import_confirm, pairing_import_start
from visits.models import Pairing, Visit
from visits.selectors import my_paired_firms
from visits.services import visit_discard, visit_save, visit_submit
from visits.tests.factories import PairingFactory, campaign_make, days_ago, problem_data, visit_make
from visits.tests.test_pairing_import import row, xlsx

pytestmark = pytest.mark.django_db


def save_with(token, cadre, firm, **fields):
    fields.setdefault("visit_date", timezone.localdate())
    problems = fields.pop("problems", [])
    return visit_save(
        visit=None,
        enterprise=firm,
        author=cadre,
        fields=fields,
        problems=problems,
        client_token=token,
    )


def test_a_resent_form_updates_its_draft_instead_of_dropping_the_changes(cadre, firm, paired):
    token = uuid.uuid4()
    first = save_with(token, cadre, firm, opinions="第一次")
    second = save_with(token, cadre, firm, opinions="第二次", problems=[problem_data()])
    assert second.pk == first.pk and Visit.objects.count() == 1
    second.refresh_from_db()
    assert second.opinions == "第二次" and second.problems.count() == 1


def test_a_form_resent_after_its_survey_was_submitted_is_refused_and_keeps_the_input(
    client, cadre, firm, paired
):
    token = uuid.uuid4()
    visit_submit(visit=save_with(token, cadre, firm), actor=cadre)
    client.force_login(cadre)
    response = client.post(
        reverse("visits:visit_create", args=[firm.pk]),
        {
            "client_token": str(token),
            "visit_date": timezone.localdate().isoformat(),
            "met_principal": "1",
            "opinions": "补充的意见",
            "problems-TOTAL_FORMS": "0",
            "problems-INITIAL_FORMS": "0",
            "action": "submit",
        },
    )
    assert response.status_code == 400
    assert "补充的意见" in response.content.decode()
    assert Visit.objects.count() == 1
    assert Visit.objects.get().opinions == ""


def test_a_draft_is_submitted_after_its_pairing_ended_when_the_visit_was_before(
    cadre, firm, paired
):
    draft = visit_make(author=cadre, enterprise=firm, visit_date=days_ago(3))
    Pairing.objects.filter(pk=paired.pk).update(end_date=timezone.localdate())
    assert visit_submit(visit=draft, actor=cadre).status == Visit.Status.SUBMITTED


def test_a_draft_can_be_discarded_and_is_kept(client, cadre, firm, paired):
    draft = visit_make(author=cadre, enterprise=firm)
    client.force_login(cadre)
    response = client.post(reverse("visits:visit_discard", args=[draft.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Visit.Status.DISCARDED
    assert client.get(reverse("visits:my_firms")).context["drafts"] == []
    with pytest.raises(ValidationError):
        visit_discard(visit=visit_make(author=cadre, enterprise=firm, submit=True), actor=cadre)


def test_an_implausibly_old_visit_date_is_refused(cadre, firm, paired):
    with pytest.raises(ValidationError) as exc:
        visit_make(author=cadre, enterprise=firm, visit_date=days_ago(400))
    assert "visit_date" in exc.value.message_dict


def test_a_late_survey_of_an_earlier_visit_does_not_overwrite_the_years_figures(
    cadre, firm, paired
):
    if days_ago(20).year != timezone.localdate().year:
        pytest.skip("the two visits must fall in one year")
    visit_make(
        author=cadre, enterprise=firm, visit_date=days_ago(2), sales=Decimal(900), submit=True
    )
    visit_make(
        author=cadre, enterprise=firm, visit_date=days_ago(20), sales=Decimal(500), submit=True
    )
    assert EnterpriseYear.objects.get(enterprise=firm).sales == Decimal(900)


def test_administrators_do_not_read_visit_surveys(client, cadre, firm, paired, make_user):
    visit = visit_make(author=cadre, enterprise=firm, submit=True)
    client.force_login(make_user(Role.ADMIN, is_staff=True))
    assert client.get(reverse("visits:visit_detail", args=[visit.pk])).status_code == 404
    client.force_login(make_user(Role.LEADER))
    assert client.get(reverse("visits:visit_detail", args=[visit.pk])).status_code == 200


def test_the_due_flag_is_for_the_unit_answering_in_the_campaign(
    cadre, firm, paired, make_user, office, town
):
    town_unit = Unit.objects.get(pk=town.pk)
    town_cadre = make_user(Role.CADRE, username="towncadre", unit=town_unit)
    PairingFactory(cadre=town_cadre, enterprise=firm, tier=Pairing.Tier.TOWN)
    campaign_make(actor=office)  # the department answers (it comes before the town)
    assert [p.visit_due for p in my_paired_firms(cadre)] == [True]
    assert [p.visit_due for p in my_paired_firms(town_cadre)] == [False]


def test_ending_unlisted_pairings_takes_them_out_of_force_today(org_for_import, office):
    listed, unlisted = org_for_import
    job = pairing_import_start(
        user=office, file_name="挂钩.xlsx", content=xlsx([row(1)]), end_unlisted=True
    )
    pairing_import_confirm(job=job, user=office, ip_address=None)
    assert Pairing.objects.active().filter(pk=unlisted.pk).count() == 0
    assert Pairing.objects.active().filter(pk=listed.pk).count() == 1


def test_confirming_a_stale_preview_writes_nothing_and_shows_the_new_one(
    org_for_import, office, make_user
):
    listed, _unlisted = org_for_import
    job = pairing_import_start(
        user=office, file_name="挂钩.xlsx", content=xlsx([row(1)]), end_unlisted=True
    )
    assert job.report["ended"] == 1
    # Someone imports another pairing before the confirmation.
    PairingFactory(enterprise=listed.enterprise, cadre=make_user(Role.CADRE, unit=listed.unit))
    job = pairing_import_confirm(job=job, user=office, ip_address=None)
    assert job.status == job.Status.PREVIEW and job.report["changed_since_preview"]
    assert job.report["ended"] == 2
    assert Pairing.objects.active().count() == 3  # nothing ended yet
    job = pairing_import_confirm(job=job, user=office, ip_address=None)
    assert job.status == job.Status.DONE and Pairing.objects.active().count() == 1


@pytest.fixture
def org_for_import(make_user):
    from enterprises.tests.factories import EnterpriseFactory, credit_code

    jxj = UnitFactory(name="经信局", kind=Unit.Kind.DEPARTMENT)
    town = UnitFactory(name="锦城街道", kind=Unit.Kind.TOWN)
    wang = make_user(Role.CADRE, username="wang", name="王强", unit=jxj, mobile="13800000001")
    firm = EnterpriseFactory(
        credit_code=credit_code(1), name="杭州（临安）奥星电子有限公司", town=town
    )
    other = EnterpriseFactory(credit_code=credit_code(2), name="杭叉集团股份有限公司", town=town)
    listed = PairingFactory(enterprise=firm, cadre=wang, unit=jxj)
    unlisted = PairingFactory(enterprise=other, cadre=wang, unit=jxj)
    return listed, unlisted
