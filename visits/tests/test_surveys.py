"""visit_save and visit_submit: drafts, the double-click guard, and what a submission records."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.models import AuditEvent
from core.roles import Role
from enterprises.models import EnterpriseRevision, EnterpriseYear
from enterprises.tests.factories import EnterpriseFactory
from issues.models import Category, Problem, Urgency
from visits import services
from visits.models import CampaignTarget, Visit, VisitProblem
from visits.services import visit_save, visit_submit
from visits.tests.factories import (
    PairingFactory,
    campaign_make,
    days_ago,
    problem_data,
    visit_make,
)

pytestmark = pytest.mark.django_db


# --- Drafts ----------------------------------------------------------------------------------


def test_paired_cadre_saves_a_draft_with_its_problems(cadre, firm, paired):
    visit = visit_make(
        author=cadre,
        enterprise=firm,
        visit_date=days_ago(1),
        met_principal=True,
        problems=[
            problem_data("厂房用地紧张", Category.LAND),
            problem_data("招工难", Category.LABOUR, Urgency.URGENT),
        ],
    )

    visit.refresh_from_db()
    assert visit.is_draft and visit.submitted_at is None
    assert visit.author == cadre and visit.author_unit == cadre.unit
    assert list(visit.problems.values_list("position", "description", "category", "urgency")) == [
        (1, "厂房用地紧张", "land", "normal"),
        (2, "招工难", "labour", "urgent"),
    ]
    assert not Problem.objects.exists()  # nothing reaches the office before submission
    assert AuditEvent.objects.filter(action="visit.draft", object_id=str(visit.pk)).count() == 1


def test_saving_a_draft_again_replaces_its_problems(cadre, firm, paired):
    visit = visit_make(
        author=cadre, enterprise=firm, problems=[problem_data("甲"), problem_data("乙")]
    )

    visit_save(
        visit=visit,
        enterprise=firm,
        author=cadre,
        fields={"opinions": "希望多来"},
        problems=[problem_data("丙", Category.FINANCING)],
    )

    visit.refresh_from_db()
    assert visit.opinions == "希望多来"
    assert list(visit.problems.values_list("description", flat=True)) == ["丙"]
    assert VisitProblem.objects.count() == 1


def test_the_same_client_token_twice_makes_one_survey(cadre, firm, paired):
    token = uuid.uuid4()
    kwargs = {
        "visit": None,
        "enterprise": firm,
        "author": cadre,
        "fields": {"visit_date": timezone.localdate()},
        "problems": [problem_data()],
        "client_token": token,
    }

    first = visit_save(**kwargs)
    second = visit_save(**kwargs)

    assert first.pk == second.pk
    assert Visit.objects.count() == 1
    assert VisitProblem.objects.count() == 1


def test_a_concurrent_second_post_of_the_same_form_updates_the_first_survey(
    cadre, firm, paired, monkeypatch
):
    """The other POST inserts its survey between this one's token lookup and its insert."""
    token = uuid.uuid4()
    pairing_required = services._pairing_required

    def the_other_post_wins(author, enterprise, on=None):
        pairing_required(author, enterprise, on)
        Visit.objects.create(
            enterprise=enterprise,
            author=author,
            author_unit=author.unit,
            visit_date=timezone.localdate(),
            client_token=token,
        )

    monkeypatch.setattr(services, "_pairing_required", the_other_post_wins)

    visit = visit_save(
        visit=None,
        enterprise=firm,
        author=cadre,
        fields={"visit_date": timezone.localdate()},
        problems=[problem_data()],
        client_token=token,
    )

    # One survey, holding what this (later) POST sent.
    assert Visit.objects.get().pk == visit.pk
    assert VisitProblem.objects.filter(visit=visit).count() == 1


def test_someone_elses_client_token_is_refused(cadre, firm, paired, make_user):
    token = uuid.uuid4()
    visit_save(
        visit=None,
        enterprise=firm,
        author=cadre,
        fields={"visit_date": timezone.localdate()},
        problems=[],
        client_token=token,
    )
    colleague = make_user(Role.CADRE, unit=cadre.unit)
    PairingFactory(cadre=colleague, enterprise=firm)

    with pytest.raises(ValidationError):
        visit_save(
            visit=None,
            enterprise=firm,
            author=colleague,
            fields={"visit_date": timezone.localdate()},
            problems=[],
            client_token=token,
        )
    assert Visit.objects.count() == 1


def test_a_future_visit_date_is_refused(cadre, firm, paired):
    with pytest.raises(ValidationError) as caught:
        visit_make(author=cadre, enterprise=firm, visit_date=days_ago(-1))
    assert "visit_date" in caught.value.message_dict
    assert not Visit.objects.exists()


def test_a_problem_with_a_category_but_no_description_saves_nothing(cadre, firm, paired):
    with pytest.raises(ValidationError):
        visit_make(
            author=cadre,
            enterprise=firm,
            problems=[problem_data("有描述"), {"description": "  ", "category": "land"}],
        )
    assert not Visit.objects.exists()
    assert not VisitProblem.objects.exists()


def test_a_problem_without_a_category_is_refused(cadre, firm, paired):
    with pytest.raises(ValidationError):
        visit_make(author=cadre, enterprise=firm, problems=[{"description": "没有分类"}])
    assert not Visit.objects.exists()


def test_a_negative_sales_figure_is_refused_by_the_model(cadre, firm, paired):
    with pytest.raises(ValidationError):
        visit_make(author=cadre, enterprise=firm, sales=Decimal("-1"))
    assert not Visit.objects.exists()


def test_cadre_not_paired_with_the_firm_cannot_file(cadre, firm):
    with pytest.raises(ValidationError):
        visit_make(author=cadre, enterprise=firm)
    assert not Visit.objects.exists()


def test_an_ended_pairing_does_not_count(cadre, firm):
    PairingFactory(cadre=cadre, enterprise=firm, start_date=days_ago(100), end_date=days_ago(1))

    with pytest.raises(ValidationError):
        visit_make(author=cadre, enterprise=firm)
    assert not Visit.objects.exists()


def test_a_pairing_of_another_firm_does_not_count(cadre, firm, town):
    PairingFactory(cadre=cadre, enterprise=EnterpriseFactory(town=town))

    with pytest.raises(ValidationError):
        visit_make(author=cadre, enterprise=firm)


def test_only_the_author_edits_a_draft(cadre, firm, paired, make_user):
    visit = visit_make(author=cadre, enterprise=firm, problems=[problem_data("原文")])
    colleague = make_user(Role.CADRE, unit=cadre.unit)
    PairingFactory(cadre=colleague, enterprise=firm)

    with pytest.raises(ValidationError):
        visit_save(
            visit=visit,
            enterprise=firm,
            author=colleague,
            fields={"opinions": "改了"},
            problems=[],
        )
    visit.refresh_from_db()
    assert visit.opinions == ""
    assert list(visit.problems.values_list("description", flat=True)) == ["原文"]


def test_a_submitted_survey_cannot_be_changed(cadre, firm, paired):
    visit = visit_make(author=cadre, enterprise=firm, problems=[problem_data("原文")], submit=True)

    with pytest.raises(ValidationError):
        visit_save(
            visit=visit, enterprise=firm, author=cadre, fields={"opinions": "改了"}, problems=[]
        )
    visit.refresh_from_db()
    assert visit.opinions == ""
    assert visit.problems.count() == 1


def test_a_campaign_that_does_not_target_the_firm_is_refused(cadre, firm, paired, office, town):
    campaign = campaign_make(actor=office, size_classes=["large"])  # the firm is "above"

    with pytest.raises(ValidationError) as caught:
        visit_make(author=cadre, enterprise=firm, campaign=campaign)
    assert "campaign" in caught.value.message_dict


def test_a_visit_date_outside_the_campaign_is_refused(cadre, firm, paired, office):
    campaign = campaign_make(actor=office, start_date=days_ago(5), end_date=days_ago(-5))

    with pytest.raises(ValidationError) as caught:
        visit_make(author=cadre, enterprise=firm, campaign=campaign, visit_date=days_ago(6))
    assert "campaign" in caught.value.message_dict


# --- Submission ------------------------------------------------------------------------------


def test_submit_records_one_problem_per_survey_problem(cadre, firm, paired):
    visit = visit_make(
        author=cadre,
        enterprise=firm,
        visit_date=days_ago(3),
        met_principal=True,
        problems=[
            problem_data("厂房用地紧张", Category.LAND),
            problem_data("贷款难", Category.FINANCING, Urgency.PRESSING),
        ],
    )

    visit_submit(visit=visit, actor=cadre)

    visit.refresh_from_db()
    assert visit.status == Visit.Status.SUBMITTED and visit.submitted_at is not None
    problems = Problem.objects.order_by("pk")
    assert [(p.description, p.category, p.urgency, p.channel, p.status) for p in problems] == [
        ("厂房用地紧张", "land", "normal", "visit", "new"),
        ("贷款难", "financing", "pressing", "visit", "new"),
    ]
    assert all(p.enterprise == firm and p.raised_by == cadre for p in problems)
    assert all(p.met_face_to_face for p in problems)
    assert all(timezone.localtime(p.raised_at).date() == days_ago(3) for p in problems)
    rows = list(visit.problems.order_by("position"))
    assert [row.problem for row in rows] == list(problems)


def test_problems_of_a_visit_without_the_principal_are_not_met_face_to_face(cadre, firm, paired):
    visit = visit_make(
        author=cadre, enterprise=firm, met_principal=False, problems=[problem_data()]
    )

    visit_submit(visit=visit, actor=cadre)

    assert Problem.objects.get().met_face_to_face is False


def test_submitting_twice_records_the_problems_once(cadre, firm, paired):
    visit = visit_make(author=cadre, enterprise=firm, problems=[problem_data()])
    visit_submit(visit=visit, actor=cadre)
    submitted_at = Visit.objects.get().submitted_at

    visit_submit(visit=visit, actor=cadre)

    assert Problem.objects.count() == 1
    assert Visit.objects.get().submitted_at == submitted_at
    assert AuditEvent.objects.filter(action="visit.submit").count() == 1


def test_only_the_author_submits(cadre, firm, paired, make_user):
    visit = visit_make(author=cadre, enterprise=firm, problems=[problem_data()])
    colleague = make_user(Role.CADRE, unit=cadre.unit)
    PairingFactory(cadre=colleague, enterprise=firm)

    with pytest.raises(ValidationError):
        visit_submit(visit=visit, actor=colleague)
    assert Visit.objects.get().is_draft
    assert not Problem.objects.exists()


def test_a_draft_whose_pairing_ended_cannot_be_submitted(cadre, firm, paired):
    visit = visit_make(author=cadre, enterprise=firm, problems=[problem_data()])
    paired.end_date = days_ago(1)
    paired.start_date = days_ago(100)
    paired.save()

    with pytest.raises(ValidationError):
        visit_submit(visit=visit, actor=cadre)
    assert Visit.objects.get().is_draft
    assert not Problem.objects.exists()


def test_the_first_submitted_visit_marks_the_campaign_target(
    cadre, firm, paired, office, make_user
):
    campaign = campaign_make(actor=office)
    first = visit_make(
        author=cadre, enterprise=firm, campaign=campaign, visit_date=days_ago(2), submit=True
    )
    colleague = make_user(Role.CADRE, unit=cadre.unit)
    PairingFactory(cadre=colleague, enterprise=firm)

    visit_make(
        author=colleague, enterprise=firm, campaign=campaign, visit_date=days_ago(1), submit=True
    )

    target = CampaignTarget.objects.get(campaign=campaign, enterprise=firm)
    assert target.visit == first
    assert target.visited_on == days_ago(2)


def test_a_draft_does_not_mark_the_campaign_target(cadre, firm, paired, office):
    campaign = campaign_make(actor=office)

    visit_make(author=cadre, enterprise=firm, campaign=campaign)

    target = CampaignTarget.objects.get(campaign=campaign, enterprise=firm)
    assert target.visit is None and target.visited_on is None


def test_a_visit_outside_any_campaign_marks_no_target(cadre, firm, paired, office):
    campaign = campaign_make(actor=office)

    visit_make(author=cadre, enterprise=firm, submit=True)

    assert CampaignTarget.objects.get(campaign=campaign).visited_on is None


def test_submit_updates_the_firms_figures_for_the_visit_year(cadre, firm, paired):
    day = days_ago(1)
    EnterpriseYear.objects.create(
        enterprise=firm, year=day.year, sales=Decimal("900"), output_value=Decimal("1000")
    )
    visit = visit_make(
        author=cadre,
        enterprise=firm,
        visit_date=day,
        sales=Decimal("1200.50"),
        employees=85,
        profit=Decimal("-35.20"),  # a loss
    )

    visit_submit(visit=visit, actor=cadre)

    year = EnterpriseYear.objects.get(enterprise=firm, year=day.year)
    assert (year.sales, year.employees, year.profit) == (
        Decimal("1200.50"),
        85,
        Decimal("-35.20"),
    )
    assert year.output_value == Decimal("1000")  # not asked in the survey, left alone
    revision = EnterpriseRevision.objects.get(enterprise=firm)
    assert revision.source == EnterpriseRevision.Source.VISIT
    assert revision.actor == cadre
    assert set(revision.changes[f"year:{day.year}"]) == {"sales", "employees", "profit"}


def test_a_draft_does_not_touch_the_firms_figures(cadre, firm, paired):
    visit_make(author=cadre, enterprise=firm, sales=Decimal("100"))

    assert not EnterpriseYear.objects.exists()
    assert not EnterpriseRevision.objects.exists()


def test_a_survey_without_figures_writes_no_revision(cadre, firm, paired):
    visit_make(author=cadre, enterprise=firm, submit=True)

    assert not EnterpriseYear.objects.exists()
    assert not EnterpriseRevision.objects.exists()


def test_submit_writes_audit_events(cadre, firm, paired):
    visit = visit_make(author=cadre, enterprise=firm, problems=[problem_data(), problem_data("乙")])

    visit_submit(visit=visit, actor=cadre, ip_address="10.0.0.8")

    event = AuditEvent.objects.get(action="visit.submit")
    assert event.actor == cadre and event.object_id == str(visit.pk)
    assert event.ip_address == "10.0.0.8"
    assert sorted(event.after["problems"]) == sorted(Problem.objects.values_list("pk", flat=True))
    assert AuditEvent.objects.filter(action="problem.create", actor=cadre).count() == 2


def test_a_survey_filed_on_the_day_of_the_visit_dates_its_problems_now(cadre, firm, paired):
    before = timezone.now()
    visit_make(author=cadre, enterprise=firm, problems=[problem_data()], submit=True)

    assert Problem.objects.get().raised_at >= before - datetime.timedelta(seconds=1)


def test_a_survey_may_be_filed_late_under_a_campaign_that_just_ended(cadre, office, firm, paired):
    from visits.selectors import campaigns_open_for

    ended = campaign_make(
        actor=office, start_date=days_ago(60), end_date=days_ago(5), name="刚结束的活动"
    )
    long_ago = campaign_make(
        actor=office, start_date=days_ago(200), end_date=days_ago(100), name="很早的活动"
    )
    open_now = list(campaigns_open_for(firm, days_ago(0)))
    assert ended in open_now and long_ago not in open_now
    visit = visit_make(
        author=cadre, enterprise=firm, campaign=ended, visit_date=days_ago(6), submit=True
    )
    assert visit.campaign == ended
