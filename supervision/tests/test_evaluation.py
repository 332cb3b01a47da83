"""The year-end evaluation (考评): the score formula against a hand computation, departments and
towns ranked apart, a rate with nothing to measure left out, weight validation, one evaluation
per year, a published evaluation frozen, who reads which rows, the .xlsx, and query counts.

The slips of 2026, with weights on-time 40, closure 30, feedback 10, satisfaction 20, 2 points
off per overdue slip and 1 per reopening:

 unit      slips (issued in 2026 unless said)                     rates (on-time/closure/
                                                                  feedback/satisfaction)
 经信局    a1 closed on time, satisfied, reopened once before;   50 / 50 / 100 / 100
           a2 closed late, basically satisfied; a3 fed back;    overdue 1 (a4), reopened 1
           a4 signed, overdue; a5 issued 2025, replied in 2025
           (not counted);
           a6 withdrawn, reopened 3 times (not counted)
 住建局    b1 closed on time, not rated (未评价); b2 replied        100 / 50 / 50 / —
 供电公司  c1 closed on time, satisfied                           100 / 100 / 100 / 100
 商务局    d1 the same as c1                                     100 / 100 / 100 / 100
 锦城街道  t1 signed, overdue                                     — / 0 / — / —

Scores by hand:
 经信局    (40×50 + 30×50 + 10×100 + 20×100) / 100 = 65.00, − 2×1 − 1×1 = 62.00
 住建局    satisfaction left out, W = 80: 40×100/80 + 30×50/80 + 10×50/80
           = 50.00 + 18.75 + 6.25 = 75.00 (counted as 0 it would be 60.00)
 供电公司  100.00, 商务局 100.00 (equal: both rank 1; 住建局 3rd, 经信局 4th of 4)
 锦城街道  only the closure rate exists: 30×0/30 = 0.00, − 2×1 = −2.00; 1st of 1 town
"""

import datetime
import io
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import AuditEvent, Unit
from core.roles import Role
from core.tests.factories import UnitFactory
from issues.models import Slip
from issues.services import slip_issue
from issues.tests.conftest import new_problem
from issues.tests.helpers import take
from supervision import reports
from supervision.models import Evaluation, EvaluationScore
from supervision.reports import (
    evaluation_create,
    evaluation_figures,
    evaluation_publish,
    evaluation_update,
    evaluations_visible_to,
    score_compute,
    weights_check,
)

pytestmark = pytest.mark.django_db

S = Slip.Status
TZ = ZoneInfo("Asia/Shanghai")
WEIGHTS = {
    "weight_on_time": 40,
    "weight_closure": 30,
    "weight_feedback": 10,
    "weight_satisfaction": 20,
    "deduction_overdue": 2,
    "deduction_reopen": 1,
}
YEAR_END = datetime.date(2026, 12, 31)


@pytest.fixture(autouse=True)
def year_over(monkeypatch):
    """The 2026 evaluation is published once 2026 is over: these tests run on 2 January 2027
    (the slips they count are still the ones made today)."""
    monkeypatch.setattr("supervision.reports.services._today", lambda: datetime.date(2027, 1, 2))


def d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def at(text: str, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(hour=hour, tzinfo=TZ)


def url(name, *args):
    return reverse(f"supervision:{name}", args=args)


def as_user(client, user):
    client.force_login(user)
    return client


def page_text(response) -> str:
    return re.sub(r'("X-CSRFToken": |name="csrfmiddlewaretoken" value=)"[^"]*"', "", response.text)


@pytest.fixture
def make(firm, batch, office):
    def make_slip(unit, issued: str, status=S.SIGNED, *, deadline="2026-12-30", **facts) -> Slip:
        slip = slip_issue(
            problem=new_problem(firm, office),
            batch=batch,
            lead_unit=unit,
            co_units=[],
            requirement="请协调解决。",
            days=5,
            actor=office,
        )
        Slip.objects.filter(pk=slip.pk).update(
            issued_at=at(issued),
            status=status,
            deadline=d(deadline),
            original_deadline=d(deadline),
            **facts,
        )
        slip.refresh_from_db()
        return slip

    return make_slip


REPLIED = {"replied_at": at("2026-06-01"), "reply_outcome": "solved", "reply_text": "已解决"}
FED_BACK = {**REPLIED, "fed_back_at": at("2026-06-02")}
REPLIED_2025 = {**REPLIED, "replied_at": at("2025-12-26")}


def closed(on_time: bool, rating: str, **more) -> dict:
    return {**FED_BACK, "closed_at": at("2026-06-03"), "closed_on_time": on_time,
            "rating": rating, **more}  # fmt: skip


@pytest.fixture
def commerce(db):
    return UnitFactory(name="商务局", kind=Unit.Kind.DEPARTMENT)


@pytest.fixture
def year_2026(make, lead_unit, third_unit, co_unit, commerce, town):
    return {
        "a1": make(lead_unit, "2026-02-02", S.CLOSED, **closed(True, "satisfied", reopen_count=1)),
        "a2": make(lead_unit, "2026-03-02", S.CLOSED, **closed(False, "basic")),
        "a3": make(lead_unit, "2026-04-01", S.FED_BACK, deadline="2026-04-10", **FED_BACK),
        "a4": make(lead_unit, "2026-05-04", S.SIGNED, deadline="2026-06-01"),
        "a5": make(lead_unit, "2025-12-20", S.REPLIED, deadline="2025-12-28", **REPLIED_2025),
        "a6": make(lead_unit, "2026-05-05", S.WITHDRAWN, reopen_count=3),
        "b1": make(third_unit, "2026-05-05", S.CLOSED, **closed(True, "unrated")),
        "b2": make(third_unit, "2026-05-06", S.REPLIED, **REPLIED),
        "c1": make(co_unit, "2026-07-01", S.CLOSED, **closed(True, "satisfied")),
        "d1": make(commerce, "2026-07-02", S.CLOSED, **closed(True, "satisfied")),
        "t1": make(town, "2026-02-10", S.SIGNED, deadline="2026-03-01"),
    }


def rows_by_name(figures) -> dict[str, dict]:
    return {row["name"]: row for rows in figures["groups"].values() for row in rows}


# --- The arithmetic --------------------------------------------------------------------------


def test_scores_match_the_hand_computation(year_2026):
    rows = rows_by_name(evaluation_figures(year=2026, weights=WEIGHTS, today=YEAR_END))

    a = rows["经信局"]
    assert (a["issued"], a["overdue"], a["reopens"]) == (4, 1, 1)
    assert [(c["rate"], c["value"], c["points"]) for c in a["components"]] == [
        ("on_time_rate", 50.0, "20.00"),
        ("closure_rate", 50.0, "15.00"),
        ("feedback_rate", 100.0, "10.00"),
        ("satisfaction_rate", 100.0, "20.00"),
    ]
    assert (a["base"], a["overdue_points"], a["reopen_points"], a["score"]) == (
        "65.00",
        "2.00",
        "1.00",
        "62.00",
    )
    assert {name: row["score"] for name, row in rows.items()} == {
        "经信局": "62.00",
        "住建局": "75.00",
        "供电公司": "100.00",
        "商务局": "100.00",
        "锦城街道": "-2.00",
    }


def test_a_rate_with_nothing_to_measure_is_left_out_and_the_weights_rescaled(year_2026):
    b = rows_by_name(evaluation_figures(year=2026, weights=WEIGHTS, today=YEAR_END))["住建局"]

    assert b["satisfaction_rate"] is None  # b1 closed 未评价: nothing rated
    assert b["weight_used"] == "80.00"
    assert [c["points"] for c in b["components"]] == ["50.00", "18.75", "6.25", None]
    assert b["score"] == "75.00"


def test_score_compute_alone():
    row = {
        "on_time_rate": 80.0,
        "closure_rate": 75.0,
        "feedback_rate": None,
        "satisfaction_rate": 90.0,
        "overdue": 3,
        "reopens": 2,
    }
    weights = {**WEIGHTS, "deduction_overdue": Decimal("0.5"), "deduction_reopen": Decimal("0.25")}

    result = score_compute(row, weights)

    # W = 40 + 30 + 20 = 90: 40×80/90 = 35.56, 30×75/90 = 25.00, 20×90/90 = 20.00 -> 80.56;
    # minus 0.5×3 + 0.25×2 = 2.00 -> 78.56.
    assert [c["points"] for c in result["components"]] == ["35.56", "25.00", None, "20.00"]
    assert (result["base"], result["score"]) == ("80.56", "78.56")


def test_departments_and_towns_are_ranked_separately_and_ties_share_a_rank(year_2026):
    figures = evaluation_figures(year=2026, weights=WEIGHTS, today=YEAR_END)

    departments = [(r["rank"], r["name"], r["ranked"]) for r in figures["groups"]["department"]]
    assert departments == [
        (1, "供电公司", 4),
        (1, "商务局", 4),
        (3, "住建局", 4),
        (4, "经信局", 4),
    ]
    assert [(r["rank"], r["name"], r["ranked"]) for r in figures["groups"]["town"]] == [
        (1, "锦城街道", 1)
    ]


def test_only_the_years_slips_count(year_2026, make, lead_unit):
    make(lead_unit, "2027-01-04", S.SIGNED, deadline="2027-01-08")

    a = rows_by_name(evaluation_figures(year=2026, weights=WEIGHTS, today=YEAR_END))["经信局"]

    assert a["issued"] == 4  # not a5 (2025), a6 (withdrawn) or the 2027 slip


def test_the_year_is_judged_as_it_stood_on_31_december(make, lead_unit, town):
    """Closed, replied and rated after the year are not the year's; a slip of an earlier year
    still overdue on 31 December costs its unit, like the year's own."""
    make(lead_unit, "2026-11-02", S.CLOSED, deadline="2026-12-10",
         replied_at=at("2027-01-03"), fed_back_at=at("2027-01-03"), rating="satisfied",
         rated_at=at("2027-01-04"), closed_at=at("2027-01-04"), closed_on_time=False)  # fmt: skip
    make(lead_unit, "2026-11-03", S.CLOSED, deadline="2026-12-10", **closed(True, "satisfied"))
    make(town, "2025-10-08", S.SIGNED, deadline="2025-10-20")
    make(town, "2025-10-09", S.SIGNED, deadline="2025-10-21", closed_at=None)
    make(town, "2026-04-01", S.CLOSED, deadline="2026-04-20", **closed(True, "basic"))
    Slip.objects.filter(issued_at__year=2025, deadline=d("2025-10-21")).update(
        status=S.REPLIED, replied_at=at("2026-12-30")
    )

    rows = rows_by_name(evaluation_figures(year=2026, weights=WEIGHTS, today=d("2027-01-05")))

    jingxin = rows["经信局"]
    assert (jingxin["issued"], jingxin["closed"], jingxin["replied"]) == (2, 1, 1)
    assert (jingxin["rated"], jingxin["overdue"]) == (1, 1)  # the first: late on 31 December
    town_row = rows["锦城街道"]
    assert (town_row["issued"], town_row["overdue"]) == (1, 1)  # the 2025 slip never answered
    assert town_row["overdue_points"] == "2.00"


# --- Weights ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"weight_feedback": -10, "weight_satisfaction": 40}, "weight_feedback", "negative"),
        ({"weight_closure": 20}, "__all__", "sum"),
        ({"weight_closure": 40}, "__all__", "sum"),
        ({"deduction_overdue": -1}, "deduction_overdue", "negative"),
        ({"deduction_reopen": 101}, "deduction_reopen", "too_large"),
        ({"weight_on_time": ""}, "weight_on_time", "required"),
        ({"weight_on_time": "abc"}, "weight_on_time", "required"),
    ],
)
def test_wrong_weights_are_refused_naming_the_field(change, field, code):
    with pytest.raises(ValidationError) as refused:
        weights_check({**WEIGHTS, **change})

    assert [e.code for e in refused.value.error_dict[field]] == [code]


def test_weights_summing_to_100_with_decimals_pass():
    checked = weights_check(
        {
            **WEIGHTS,
            "weight_on_time": "33.33",
            "weight_closure": "33.33",
            "weight_feedback": "13.34",
        }
    )
    assert sum(checked[f] for f in ["weight_on_time", "weight_closure", "weight_feedback",
                                    "weight_satisfaction"]) == 100  # fmt: skip


def test_the_page_refuses_wrong_weights_and_saves_nothing(client, office):
    data = {"year": 2026, **WEIGHTS, "weight_closure": 20, "deduction_overdue": -1}

    response = as_user(client, office).post(url("evaluation_create"), data)

    assert response.status_code == 400
    form = response.context["form"]
    assert form.non_field_errors() and form.errors["deduction_overdue"]
    assert not Evaluation.objects.exists()
    assert not AuditEvent.objects.filter(action=reports.EVALUATION_CREATED).exists()


def test_a_future_year_is_refused(office):
    with pytest.raises(ValidationError) as refused:
        evaluation_create(actor=office, year=2999, weights=WEIGHTS)
    assert refused.value.error_dict["year"][0].code == "year"


# --- One per year, frozen once published ------------------------------------------------------


def test_one_evaluation_per_year_and_publishing_again_is_refused(client, office, year_2026):
    evaluation = evaluation_create(actor=office, year=2026, weights=WEIGHTS)
    with pytest.raises(ValidationError) as second:
        evaluation_create(actor=office, year=2026, weights=WEIGHTS)
    assert second.value.error_dict["year"][0].code == "exists"

    evaluation_publish(evaluation=evaluation, actor=office)
    with pytest.raises(ValidationError) as again:
        evaluation_publish(evaluation=evaluation, actor=office)
    assert again.value.code == "published"
    with pytest.raises(ValidationError):
        evaluation_update(evaluation=evaluation, actor=office, weights=WEIGHTS)
    with pytest.raises(ValidationError) as third:
        evaluation_create(actor=office, year=2026, weights=WEIGHTS)
    assert "2026" in third.value.error_dict["year"][0].message

    response = as_user(client, office).post(url("evaluation_publish", evaluation.pk), follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert Evaluation.objects.count() == 1
    assert EvaluationScore.objects.count() == 5
    assert AuditEvent.objects.filter(action=reports.EVALUATION_PUBLISHED).count() == 1


def test_a_published_evaluation_does_not_move_with_the_slips(
    client, office, lead, year_2026, leader
):
    evaluation = evaluation_create(actor=office, year=2026, weights=WEIGHTS)
    evaluation = evaluation_publish(evaluation=evaluation, actor=office, today=YEAR_END)
    frozen = evaluation.snapshot
    scores = list(EvaluationScore.objects.values_list("unit_name", "rank", "score"))
    page_before = page_text(as_user(client, leader).get(url("evaluation_detail", evaluation.pk)))

    slip = year_2026["a4"]  # 经信局's overdue slip is answered and closed through the services
    for step, actor in [("reply", lead), ("feed_back", office), ("rate_close", office)]:
        slip = take(slip, step, actor)
    Slip.objects.filter(pk=year_2026["b1"].pk).update(rating="satisfied")

    evaluation.refresh_from_db()
    assert evaluation.snapshot == frozen
    assert list(EvaluationScore.objects.values_list("unit_name", "rank", "score")) == scores
    assert rows_by_name(frozen)["经信局"]["score"] == "62.00"
    with CaptureQueriesContext(connection) as ctx:
        page_after = page_text(as_user(client, leader).get(url("evaluation_detail", evaluation.pk)))
    assert not [q for q in ctx.captured_queries if "issues_slip" in q["sql"]]
    assert page_after == page_before
    # The live figures have moved: 经信局 no longer has an overdue slip.
    live = rows_by_name(evaluation_figures(year=2026, weights=WEIGHTS, today=YEAR_END))
    assert live["经信局"]["overdue"] == 0


def test_the_office_starts_changes_and_publishes_through_the_pages(client, office, year_2026):
    client = as_user(client, office)
    response = client.post(url("evaluation_create"), {"year": 2026, **WEIGHTS})
    evaluation = Evaluation.objects.get()
    assert response.status_code == 302
    assert "62.00" in client.get(url("evaluation_detail", evaluation.pk)).text

    client.post(url("evaluation_update", evaluation.pk), {**WEIGHTS, "deduction_overdue": 0})
    evaluation.refresh_from_db()
    assert evaluation.deduction_overdue == 0
    assert "64.00" in client.get(url("evaluation_detail", evaluation.pk)).text

    client.post(url("evaluation_publish", evaluation.pk))
    evaluation.refresh_from_db()
    assert evaluation.is_published
    assert set(
        AuditEvent.objects.filter(object_type="supervision.evaluation").values_list(
            "action", flat=True
        )
    ) == {reports.EVALUATION_CREATED, reports.EVALUATION_UPDATED, reports.EVALUATION_PUBLISHED}


# --- Who reads what --------------------------------------------------------------------------


@pytest.fixture
def leader(make_user):
    return make_user(Role.LEADER, username="cityleader", name="市领导甲")


@pytest.fixture
def unscored(make_user):
    unit = UnitFactory(name="农业农村局", kind=Unit.Kind.DEPARTMENT)
    return make_user(Role.HANDLER, username="agri1", name="农业经办", unit=unit)


@pytest.fixture
def published(office, year_2026):
    return evaluation_publish(
        evaluation=evaluation_create(actor=office, year=2026, weights=WEIGHTS),
        actor=office,
        today=YEAR_END,
    )


@pytest.fixture
def draft(office, year_2026):
    return evaluation_create(actor=office, year=2025, weights=WEIGHTS)


def test_a_leader_reads_every_row_of_a_published_evaluation_but_no_draft(
    client, leader, published, draft
):
    assert list(evaluations_visible_to(leader)) == [published]
    page = as_user(client, leader).get(url("evaluation_detail", published.pk))
    assert page.status_code == 200
    for name in ["经信局", "住建局", "供电公司", "商务局", "锦城街道"]:
        assert name in page.text
    assert as_user(client, leader).get(url("evaluation_detail", draft.pk)).status_code == 404
    assert as_user(client, leader).post(url("evaluation_publish", draft.pk)).status_code == 403


def test_a_unit_reads_only_its_own_row_and_rank(client, lead, unit_leader, published, draft):
    for user in [lead, unit_leader]:
        page = as_user(client, user).get(url("evaluation_detail", published.pk))
        assert page.status_code == 200
        assert "经信局" in page.text and "62.00" in page.text
        for other in ["住建局", "供电公司", "商务局", "锦城街道", "75.00", "100.00"]:
            assert other not in page.text
        assert [
            (row["name"], row["rank"], row["ranked"])
            for group in page.context["groups"]
            for row in group["rows"]
        ] == [("经信局", 4, 4)]
    [listed] = evaluations_visible_to(lead)
    assert (listed.own_rank, listed.own_ranked, listed.own_score) == (4, 4, Decimal("62.00"))
    assert as_user(client, lead).get(url("evaluation_detail", draft.pk)).status_code == 404
    assert as_user(client, lead).get(url("evaluation_xlsx", published.pk)).status_code == 403


def test_a_unit_without_a_score_and_a_cadre_read_nothing(client, unscored, cadre, published):
    assert list(evaluations_visible_to(unscored)) == []
    assert as_user(client, unscored).get(url("evaluation_detail", published.pk)).status_code == 404
    assert as_user(client, cadre).get(url("evaluation_list")).status_code == 403
    assert as_user(client, cadre).get(url("evaluation_detail", published.pk)).status_code == 403


def test_only_the_office_starts_or_publishes(client, lead, leader, draft):
    with pytest.raises(PermissionDenied):
        evaluation_publish(evaluation=draft, actor=leader)
    assert as_user(client, lead).get(url("evaluation_create")).status_code == 403
    assert as_user(client, lead).post(url("evaluation_publish", draft.pk)).status_code == 403


# --- Export and query counts ----------------------------------------------------------------


def test_the_xlsx_has_every_scored_unit(client, leader, published):
    response = as_user(client, leader).get(url("evaluation_xlsx", published.pk))

    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    scores, weights = book.worksheets
    rows = [row[1:4] for row in scores.iter_rows(min_row=2, values_only=True)]
    assert rows == [
        (1, "供电公司", 100.0),
        (1, "商务局", 100.0),
        (3, "住建局", 75.0),
        (4, "经信局", 62.0),
        (1, "锦城街道", -2.0),
    ]
    assert [row[1] for row in weights.iter_rows(min_row=4, max_row=9, values_only=True)] == [
        40.0,
        30.0,
        10.0,
        20.0,
        2.0,
        1.0,
    ]


def _more_units(n, make, offset):
    for i in range(n):
        unit = UnitFactory(
            name=f"测试单位{offset + i}", kind=Unit.Kind.TOWN if i % 2 else Unit.Kind.DEPARTMENT
        )
        make(unit, "2026-03-02", S.SIGNED, deadline="2026-03-09", reopen_count=1)
        make(unit, "2026-03-03", S.CLOSED, **closed(True, "satisfied"))


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx)


def test_the_preview_costs_the_same_queries_with_more_units_and_slips(client, office, make):
    client = as_user(client, office)
    _more_units(2, make, 0)
    evaluation = evaluation_create(actor=office, year=2026, weights=WEIGHTS)
    few = [
        _queries(client, url(n, evaluation.pk)) for n in ["evaluation_detail", "evaluation_xlsx"]
    ]

    _more_units(12, make, 100)
    many = [
        _queries(client, url(n, evaluation.pk)) for n in ["evaluation_detail", "evaluation_xlsx"]
    ]

    assert Slip.objects.count() == 28
    assert many == few


def test_published_pages_cost_the_same_queries_whatever_they_hold(
    client, office, make, leader, make_user
):
    _more_units(2, make, 0)
    small = evaluation_publish(
        evaluation=evaluation_create(actor=office, year=2025, weights=WEIGHTS), actor=office
    )
    _more_units(12, make, 100)
    large = evaluation_publish(
        evaluation=evaluation_create(actor=office, year=2026, weights=WEIGHTS), actor=office
    )
    assert EvaluationScore.objects.filter(evaluation=large).count() == 14
    unit_user = make_user(Role.HANDLER, username="t100", unit=Unit.objects.get(name="测试单位100"))
    EvaluationScore.objects.create(
        evaluation=small,
        unit=unit_user.unit,
        kind="department",
        unit_name=unit_user.unit.name,
        rank=1,
        ranked=1,
        score=0,
        components=EvaluationScore.objects.get(evaluation=large, unit=unit_user.unit).components,
    )

    for user in [leader, unit_user]:
        client = as_user(client, user)
        assert _queries(client, url("evaluation_detail", large.pk)) == _queries(
            client, url("evaluation_detail", small.pk)
        )
        assert _queries(client, url("evaluation_list")) > 0


def test_the_evaluation_of_a_running_year_cannot_be_published(office, monkeypatch):
    monkeypatch.setattr("supervision.reports.services._today", lambda: datetime.date(2026, 12, 31))
    evaluation = evaluation_create(actor=office, year=2026, weights=WEIGHTS)
    with pytest.raises(ValidationError) as caught:
        evaluation_publish(evaluation=evaluation, actor=office)
    assert caught.value.code == "year_running"
    evaluation.refresh_from_db()
    assert not evaluation.is_published
    monkeypatch.setattr("supervision.reports.services._today", lambda: datetime.date(2027, 1, 1))
    assert evaluation_publish(evaluation=evaluation, actor=office).is_published
