"""Supervision bulletins (督查通报): what a period covers, the ranking and the overdue slips by
name, publishing (frozen, numbered per year, refused twice), who reads which bulletin, the
page, .xlsx and PDF, and query counts that do not grow with the data.

The slips of October 2026 (issued through the service, then put into known states with
``update``, as the measures tests do; the freeze test moves a slip through the services):

 #  lead unit  issued      state        deadline    notes
 1  经信局     2026-03-02  closed       2026-03-09  on time, satisfied, closed 03-09
 2  经信局     2026-10-12  signed       2026-10-20  overdue from 10-21
 3  经信局     2026-10-20  replied      2026-10-22  replied 10-21: answered, not overdue
 4  住建局     2026-09-01  closed       2026-09-08  late, basically satisfied, closed 10-15
 5  住建局     2026-11-03  signed       2026-11-10  after October: not in its bulletin
 6  锦城街道   2026-10-05  in progress  2026-12-20  (a town)
 7  商务局     2025-12-01  closed       2025-12-10  the year before, closed 12-08: in no 2026
                                                   bulletin (an old slip still overdue would
                                                   be named: see the as-of tests)
"""

import datetime
import io
import re
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
from supervision.models import Bulletin
from supervision.periods import period_parse
from supervision.reports import (
    bulletin_create,
    bulletin_figures,
    bulletin_publish,
    bulletin_update,
    bulletins_visible_to,
)

pytestmark = pytest.mark.django_db

S = Slip.Status
TZ = ZoneInfo("Asia/Shanghai")


def d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def at(text: str, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(hour=hour, tzinfo=TZ)


def url(name, *args):
    return reverse(f"supervision:{name}", args=args)


def page_text(response) -> str:
    """The page without its per-request CSRF tokens."""
    return re.sub(r'("X-CSRFToken": |name="csrfmiddlewaretoken" value=)"[^"]*"', "", response.text)


def as_user(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def make(firm, batch, office):
    """make(unit, "2026-10-12", S.SIGNED, deadline="2026-10-20", **facts) -> a slip of that
    lead unit issued that day, put into that state with those stored facts."""

    def make_slip(unit, issued: str, status=S.SIGNED, *, deadline: str, **facts) -> Slip:
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


@pytest.fixture
def commerce(db):
    return UnitFactory(name="商务局", kind=Unit.Kind.DEPARTMENT)


@pytest.fixture
def october(make, lead_unit, third_unit, town, commerce):
    replied = {"replied_at": at("2026-10-21"), "reply_outcome": "solved", "reply_text": "已解决"}
    return {
        1: make(lead_unit, "2026-03-02", S.CLOSED, deadline="2026-03-09", replied_at=at("2026-03-06"),
                fed_back_at=at("2026-03-07"), rating="satisfied", closed_at=at("2026-03-09"),
                closed_on_time=True),
        2: make(lead_unit, "2026-10-12", S.SIGNED, deadline="2026-10-20"),
        3: make(lead_unit, "2026-10-20", S.REPLIED, deadline="2026-10-22", **replied),
        4: make(third_unit, "2026-09-01", S.CLOSED, deadline="2026-09-08",
                replied_at=at("2026-09-20"), fed_back_at=at("2026-09-21"), rating="basic",
                closed_at=at("2026-10-15"), closed_on_time=False),
        5: make(third_unit, "2026-11-03", S.SIGNED, deadline="2026-11-10"),
        6: make(town, "2026-10-05", S.IN_PROGRESS, deadline="2026-12-20"),
        7: make(commerce, "2025-12-01", S.CLOSED, deadline="2025-12-10",
                replied_at=at("2025-12-05"), closed_at=at("2025-12-08"), closed_on_time=True),
    }  # fmt: skip


def ranking(figures, kind) -> list[tuple[int, str]]:
    return [(row["rank"], row["name"]) for row in figures["ranking"][kind]]


# --- What a bulletin covers ------------------------------------------------------------------


def test_a_monthly_bulletin_counts_the_year_to_the_month_end_and_the_month_itself(october):
    figures = bulletin_figures(period=period_parse("2026-10"), today=d("2026-11-29"))

    s = figures["summary"]
    # Issued 2026-01-01..2026-10-31: 1, 2, 3, 4, 6 (5 is November's, 7 last year's).
    assert s["issued"] == 5
    assert (s["closed"], s["closed_on_time"], s["closure_rate"]) == (2, 1, 40.0)
    # Overdue as of 10-31: only 2 (3 has replied, 6 is due in December).
    assert s["overdue"] == 1
    # The month's own figures: issued 2, 3, 6; closed 4 (on 10-15); replied 3.
    assert figures["period"] == {"issued": 3, "closed": 1, "replied": 1, "fed_back": 0}
    assert figures["params"]["from"] == "2026-01-01"
    assert figures["params"]["to"] == figures["params"]["as_of"] == "2026-10-31"


def test_a_weekly_bulletin_stops_at_the_end_of_its_week(october):
    # 2026-W41 is 10-05..10-11: slip 2 (10-12) is not issued yet, 6 (10-05) is the week's.
    early = bulletin_figures(period=period_parse("2026-W41"), today=d("2026-11-29"))
    assert early["summary"]["issued"] == 3  # 1, 4, 6
    assert early["period"]["issued"] == 1
    assert early["overdue"] == []

    # 2026-W43 is 10-19..10-25: 2 is issued and overdue since 10-21, 3 is the week's.
    late = bulletin_figures(period=period_parse("2026-W43"), today=d("2026-11-29"))
    assert late["summary"]["issued"] == 5
    assert late["period"]["issued"] == 1
    assert [row["number"] for row in late["overdue"]] == [october[2].number]


def test_overdue_is_counted_as_of_today_while_the_period_runs(october):
    running = bulletin_figures(period=period_parse("2026-10"), today=d("2026-10-16"))

    assert running["params"]["as_of"] == "2026-10-16"
    assert running["summary"]["overdue"] == 0  # slip 2 is due on 10-20
    assert running["overdue"] == []


def test_the_ranking_names_departments_and_towns_apart_and_the_overdue_slips(
    october, lead_unit, third_unit, town, commerce
):
    figures = bulletin_figures(period=period_parse("2026-10"), today=d("2026-11-29"))

    # 住建局 closed 1 of 1 (100 %), 经信局 1 of 3 (33.3 %); the town is ranked on its own.
    assert ranking(figures, "department") == [(1, "住建局"), (2, "经信局")]
    assert ranking(figures, "town") == [(1, "锦城街道")]
    jingxin = figures["ranking"]["department"][1]
    assert (jingxin["issued"], jingxin["closed"], jingxin["overdue"]) == (3, 1, 1)
    assert jingxin["satisfaction_rate"] == 100.0
    [named] = figures["overdue"]
    assert (named["number"], named["lead_unit"], named["enterprise"]) == (
        october[2].number,
        "经信局",
        "临安奥星电子有限公司",
    )
    assert named["working_days_overdue"] == 8  # 10-21..23 and 10-26..30 (weekdays)
    assert set(figures["mentioned_unit_ids"]) == {lead_unit.pk, third_unit.pk, town.pk}
    assert commerce.pk not in figures["mentioned_unit_ids"]


def test_equal_ranking_keys_share_a_rank(make, lead_unit, third_unit):
    make(lead_unit, "2026-10-05", S.SIGNED, deadline="2026-12-20")
    make(third_unit, "2026-10-06", S.SIGNED, deadline="2026-12-20")

    figures = bulletin_figures(period=period_parse("2026-10"), today=d("2026-11-29"))

    assert ranking(figures, "department") == [(1, "住建局"), (1, "经信局")]


def test_a_slip_of_an_earlier_year_still_overdue_is_named(october, make, commerce):
    old = make(commerce, "2025-11-03", S.SIGNED, deadline="2025-11-10")

    figures = bulletin_figures(period=period_parse("2026-10"), today=d("2026-11-29"))

    assert {row["number"] for row in figures["overdue"]} == {october[2].number, old.number}
    assert figures["summary"]["overdue"] == 2
    row = next(r for r in figures["ranking"]["department"] if r["name"] == "商务局")
    assert (row["issued"], row["overdue"], row["closure_rate"]) == (0, 1, None)
    assert row["rank"] == 3  # no rate to rank it by: last
    assert commerce.pk in figures["mentioned_unit_ids"]


def test_a_bulletin_counts_the_slips_as_they_stood_at_the_period_end(make, lead_unit):
    """October's bulletin, written in late November: what happened in November is not
    October's."""
    make(lead_unit, "2026-10-08", S.CLOSED, deadline="2026-10-15", replied_at=at("2026-11-02"),
         fed_back_at=at("2026-11-03"), rating="satisfied", rated_at=at("2026-11-04"),
         closed_at=at("2026-11-04"), closed_on_time=False)  # fmt: skip
    make(lead_unit, "2026-10-09", S.REPLIED, deadline="2026-10-30", replied_at=at("2026-10-28"))

    october = bulletin_figures(period=period_parse("2026-10"), today=d("2026-11-29"))
    november = bulletin_figures(period=period_parse("2026-11"), today=d("2026-11-29"))

    s = october["summary"]
    assert (s["issued"], s["closed"], s["replied"], s["fed_back"], s["rated"]) == (2, 0, 1, 0, 0)
    assert s["overdue"] == 1 and s["open"] == 2
    assert october["overdue"][0]["working_days_overdue"] == 11  # 10-16, 10-19..23, 10-26..30
    assert october["overdue"][0]["status_label"] == "已于 2026-11-04 办结（通报期后）"
    n = november["summary"]
    assert (n["closed"], n["replied"], n["fed_back"], n["rated"], n["overdue"]) == (1, 2, 1, 1, 0)


# --- Drafts and publishing -----------------------------------------------------------------


def test_a_draft_is_live_and_a_published_bulletin_is_frozen(
    client, october, office, lead, firm, batch, commerce
):
    draft = bulletin_create(actor=office, period_kind="month", period_key="2026-10")
    published = bulletin_publish(
        bulletin=bulletin_create(
            actor=office,
            period_kind="month",
            period_key="2026-10",
            comment="请被点名单位限期整改。",
        ),
        actor=office,
    )
    frozen = published.snapshot
    page_before = page_text(as_user(client, office).get(url("bulletin_detail", published.pk)))

    # The slips move on: slip 2 is replied, fed back and closed through the services; slip 1's
    # rating changes; a new October slip of 商务局 appears, overdue.
    slip = october[2]
    for step, actor in [("reply", lead), ("feed_back", office), ("rate_close", office)]:
        slip = take(slip, step, actor)
    assert slip.status == S.CLOSED
    Slip.objects.filter(pk=october[1].pk).update(rating="dissatisfied")
    new = slip_issue(
        problem=new_problem(firm, office),
        batch=batch,
        lead_unit=commerce,
        co_units=[],
        requirement="请协调解决。",
        days=5,
        actor=office,
    )
    Slip.objects.filter(pk=new.pk).update(
        issued_at=at("2026-10-08"), deadline=d("2026-10-15"), original_deadline=d("2026-10-15")
    )

    published.refresh_from_db()
    assert published.snapshot == frozen
    assert frozen["summary"]["issued"] == 5 and frozen["summary"]["overdue"] == 1
    with CaptureQueriesContext(connection) as ctx:
        page_after = page_text(as_user(client, office).get(url("bulletin_detail", published.pk)))
    assert not [q for q in ctx.captured_queries if "issues_slip" in q["sql"]]
    assert page_after == page_before
    assert "请被点名单位限期整改。" in page_after

    # The draft of the same month is computed again, from the slips as they stood on 31
    # October: the new slip is named; slip 2, closed in November, was still overdue then.
    live = reports.bulletin_content(draft, today=d("2026-11-29"))
    assert live["summary"]["issued"] == 6
    assert {row["number"] for row in live["overdue"]} == {new.number, october[2].number}
    assert live["summary"]["satisfaction_rate"] != frozen["summary"]["satisfaction_rate"]


def test_a_period_is_published_once(client, office, october):
    first = bulletin_publish(
        bulletin=bulletin_create(actor=office, period_kind="month", period_key="2026-10"),
        actor=office,
    )
    # A draft of the same period cannot be started, nor an existing draft moved onto it.
    with pytest.raises(ValidationError) as refused:
        bulletin_create(actor=office, period_kind="month", period_key="2026-10")
    assert "督查通报〔2026〕第1期" in refused.value.messages[0]
    draft = bulletin_create(actor=office, period_kind="month", period_key="2026-09")
    response = as_user(client, office).post(
        url("bulletin_update", draft.pk), {"period_kind": "month", "day": "2026-10-15"}
    )
    assert response.status_code == 400
    assert "已发布" in response.text, response.context["form"].errors
    # A draft made before the first was published is refused at publishing, and stays a draft.
    Bulletin.objects.filter(pk=draft.pk).update(period_key="2026-10")
    draft.refresh_from_db()
    with pytest.raises(ValidationError):
        bulletin_publish(bulletin=draft, actor=office)
    draft.refresh_from_db()
    assert not draft.is_published
    assert Bulletin.objects.filter(status=Bulletin.Status.PUBLISHED).get() == first


def test_bulletins_are_numbered_per_year_of_publication(office, october):
    first = bulletin_create(actor=office, period_kind="month", period_key="2026-09")
    second = bulletin_create(actor=office, period_kind="month", period_key="2026-10")
    january = bulletin_create(actor=office, period_kind="month", period_key="2026-11")

    first = bulletin_publish(bulletin=first, actor=office, now=at("2026-10-08"))
    second = bulletin_publish(bulletin=second, actor=office, now=at("2026-11-03"))
    january = bulletin_publish(bulletin=january, actor=office, now=at("2027-01-05"))

    assert [(b.year, b.number) for b in (first, second, january)] == [
        (2026, 1),
        (2026, 2),
        (2027, 1),
    ]
    assert str(second) == "督查通报〔2026〕第2期"
    assert str(january) == "督查通报〔2027〕第1期"
    assert AuditEvent.objects.filter(action=reports.BULLETIN_PUBLISHED).count() == 3


def test_a_number_taken_by_another_publisher_meanwhile_is_retried(office, october, monkeypatch):
    taken = bulletin_publish(
        bulletin=bulletin_create(actor=office, period_kind="month", period_key="2026-09"),
        actor=office,
        now=at("2026-10-08"),
    )
    draft = bulletin_create(actor=office, period_kind="month", period_key="2026-10")
    # The first count does not see the bulletin just published (as a concurrent publisher
    # would not): the unique (year, number) refuses 1 and the retry takes 2.
    real = Bulletin.objects.filter
    calls = []

    def stale_filter(*args, **kwargs):
        if kwargs == {"year": 2026} and not calls:
            calls.append(1)
            return Bulletin.objects.none()
        return real(*args, **kwargs)

    monkeypatch.setattr(Bulletin.objects, "filter", stale_filter)
    published = bulletin_publish(bulletin=draft, actor=office, now=at("2026-11-03"))

    assert calls and (taken.number, published.number) == (1, 2)


def test_publishing_twice_is_refused_and_a_published_bulletin_cannot_change(office, october):
    draft = bulletin_create(actor=office, period_kind="month", period_key="2026-10")
    stale = Bulletin.objects.get(pk=draft.pk)
    bulletin_publish(bulletin=draft, actor=office)

    with pytest.raises(ValidationError) as refused:
        bulletin_publish(bulletin=stale, actor=office)
    assert refused.value.code == "published"
    with pytest.raises(ValidationError):
        bulletin_update(
            bulletin=stale, actor=office, period_kind="month", period_key="2026-09", comment="改"
        )
    assert Bulletin.objects.get(pk=draft.pk).number == 1
    assert Bulletin.objects.filter(number__isnull=False).count() == 1


def test_a_draft_for_a_period_not_begun_is_refused_with_nothing_saved(client, office):
    response = as_user(client, office).post(
        url("bulletin_create"), {"period_kind": "month", "day": "2099-05-01", "comment": "x"}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["day"]
    assert not Bulletin.objects.exists()
    with pytest.raises(ValidationError) as refused:
        bulletin_create(actor=office, period_kind="month", period_key="2026-W41")
    assert "period" in refused.value.error_dict


def test_the_office_drafts_changes_and_publishes_through_the_pages(client, office, october):
    client = as_user(client, office)
    response = client.post(
        url("bulletin_create"), {"period_kind": "week", "day": "2026-10-21", "comment": ""}
    )
    draft = Bulletin.objects.get()
    assert response.status_code == 302 and draft.period_key == "2026-W43"
    assert client.get(url("bulletin_detail", draft.pk)).status_code == 200

    client.post(
        url("bulletin_update", draft.pk),
        {"period_kind": "month", "day": "2026-10-03", "comment": "经信局超期件较多。"},
    )
    draft.refresh_from_db()
    assert (draft.period_key, draft.comment) == ("2026-10", "经信局超期件较多。")

    client.post(url("bulletin_publish", draft.pk))
    draft.refresh_from_db()
    assert draft.is_published and draft.number == 1
    page = client.get(url("bulletin_detail", draft.pk)).text
    assert "督查通报〔" in page and october[2].number in page and "经信局超期件较多。" in page
    assert set(draft.mentioned_units.values_list("name", flat=True)) == {
        "经信局",
        "住建局",
        "锦城街道",
    }
    assert set(
        AuditEvent.objects.filter(object_type="supervision.bulletin").values_list(
            "action", flat=True
        )
    ) == {reports.BULLETIN_CREATED, reports.BULLETIN_UPDATED, reports.BULLETIN_PUBLISHED}


def test_a_draft_can_be_discarded_but_not_a_published_bulletin(client, office, october):
    client = as_user(client, office)
    draft = bulletin_create(actor=office, period_kind="month", period_key="2026-10")
    published = bulletin_publish(
        bulletin=bulletin_create(actor=office, period_kind="month", period_key="2026-09"),
        actor=office,
    )

    client.post(url("bulletin_delete", draft.pk))
    client.post(url("bulletin_delete", published.pk))

    assert list(Bulletin.objects.values_list("pk", flat=True)) == [published.pk]


# --- Who reads what --------------------------------------------------------------------------


@pytest.fixture
def leader(make_user):
    return make_user(Role.LEADER, username="cityleader", name="市领导甲")


@pytest.fixture
def commerce_handler(make_user, commerce):
    return make_user(Role.HANDLER, username="commerce1", name="商务经办", unit=commerce)


@pytest.fixture
def pair(office, october):
    """(published October bulletin, draft for September)."""
    published = bulletin_publish(
        bulletin=bulletin_create(actor=office, period_kind="month", period_key="2026-10"),
        actor=office,
    )
    draft = bulletin_create(actor=office, period_kind="month", period_key="2026-09")
    return published, draft


def _status(client, user, name, pk):
    return as_user(client, user).get(url(name, pk)).status_code


def test_the_office_reads_drafts_and_published(client, office, pair):
    published, draft = pair
    assert set(bulletins_visible_to(office)) == {published, draft}
    assert _status(client, office, "bulletin_detail", draft.pk) == 200
    assert _status(client, office, "bulletin_detail", published.pk) == 200


def test_a_leader_reads_every_published_bulletin_but_no_draft(client, leader, pair):
    published, draft = pair
    assert list(bulletins_visible_to(leader)) == [published]
    assert _status(client, leader, "bulletin_detail", published.pk) == 200
    assert _status(client, leader, "bulletin_detail", draft.pk) == 404
    assert as_user(client, leader).post(url("bulletin_publish", draft.pk)).status_code == 403
    assert as_user(client, leader).get(url("bulletin_create")).status_code == 403


@pytest.mark.parametrize(
    "name", ["bulletin_detail", "bulletin_print", "bulletin_pdf", "bulletin_xlsx"]
)
def test_a_mentioned_unit_reads_the_bulletin_and_an_unmentioned_one_does_not(
    client, lead, unit_leader, commerce_handler, pair, name
):
    published, draft = pair
    assert _status(client, lead, name, published.pk) == 200
    assert _status(client, unit_leader, name, published.pk) == 200  # 经信局's leader
    assert _status(client, commerce_handler, name, published.pk) == 404
    assert _status(client, lead, name, draft.pk) == 404


def test_a_unit_lists_only_the_bulletins_that_mention_it(client, lead, commerce_handler, pair):
    published, _draft = pair
    assert list(bulletins_visible_to(lead)) == [published]
    assert list(bulletins_visible_to(commerce_handler)) == []
    page = as_user(client, commerce_handler).get(url("bulletin_list"))
    assert page.status_code == 200 and list(page.context["page"]) == []


def test_a_unit_cannot_draft_or_publish(client, lead, pair):
    _published, draft = pair
    with pytest.raises(PermissionDenied):
        bulletin_publish(bulletin=draft, actor=lead)
    assert as_user(client, lead).post(url("bulletin_publish", draft.pk)).status_code == 403
    assert as_user(client, lead).get(url("bulletin_create")).status_code == 403


def test_a_cadre_reads_no_bulletin(client, cadre, pair):
    published, _draft = pair
    assert list(bulletins_visible_to(cadre)) == []
    assert as_user(client, cadre).get(url("bulletin_list")).status_code == 403
    assert _status(client, cadre, "bulletin_detail", published.pk) == 403


# --- Exports ---------------------------------------------------------------------------------


def test_the_xlsx_has_the_ranking_rows_and_the_overdue_slips(client, office, pair, october):
    published, _draft = pair
    response = as_user(client, office).get(url("bulletin_xlsx", published.pk))

    assert response.status_code == 200
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    summary, ranking_sheet, overdue_sheet = book.worksheets
    rows = list(ranking_sheet.iter_rows(min_row=2, values_only=True))
    assert [(row[1], row[2], row[3]) for row in rows] == [
        (1, "住建局", 1),
        (2, "经信局", 3),
        (1, "锦城街道", 1),
    ]
    [named] = list(overdue_sheet.iter_rows(min_row=2, values_only=True))
    assert named[:3] == ("经信局", october[2].number, "临安奥星电子有限公司")
    assert str(summary["B2"].value) == f"督查通报〔{published.year}〕第1期"


def test_the_pdf_is_a_pdf(client, lead, pair):
    published, _draft = pair
    response = as_user(client, lead).get(url("bulletin_pdf", published.pk))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_the_print_view_lays_out_the_bulletin(client, office, pair, october):
    published, _draft = pair
    page = as_user(client, office).get(url("bulletin_print", published.pk)).text
    assert f"〔{published.year}〕第1期" in page and october[2].number in page


# --- Query counts --------------------------------------------------------------------------------


def _more_units(n, make, offset):
    for i in range(n):
        unit = UnitFactory(
            name=f"测试部门{offset + i}",
            kind=Unit.Kind.DEPARTMENT if i % 2 else Unit.Kind.TOWN,
        )
        make(unit, "2026-10-06", S.SIGNED, deadline="2026-10-09")  # overdue
        make(unit, "2026-10-07", S.CLOSED, deadline="2026-10-20", closed_at=at("2026-10-10"),
             closed_on_time=True, replied_at=at("2026-10-09"), rating="satisfied")  # fmt: skip


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx)


@pytest.mark.parametrize("name", ["bulletin_detail", "bulletin_xlsx", "bulletin_list"])
def test_a_draft_costs_the_same_queries_with_more_units_and_slips(client, office, make, name):
    client = as_user(client, office)
    _more_units(2, make, 0)
    draft = bulletin_create(actor=office, period_kind="month", period_key="2026-10")
    path = url(name, draft.pk) if name != "bulletin_list" else url(name)
    few = _queries(client, path)

    _more_units(12, make, 100)
    many = _queries(client, path)

    assert Slip.objects.count() == 28
    assert many == few


def test_a_published_bulletin_costs_the_same_queries_whatever_it_holds(client, office, make):
    client = as_user(client, office)
    _more_units(2, make, 0)
    small = bulletin_publish(
        bulletin=bulletin_create(actor=office, period_kind="month", period_key="2026-10"),
        actor=office,
    )
    _more_units(12, make, 100)
    large = bulletin_publish(  # the next month: October's slips, still overdue, are named
        bulletin=bulletin_create(actor=office, period_kind="month", period_key="2026-11"),
        actor=office,
    )

    assert len(large.snapshot["overdue"]) == 14
    assert _queries(client, url("bulletin_detail", large.pk)) == _queries(
        client, url("bulletin_detail", small.pk)
    )


# --- Demo ------------------------------------------------------------------------------------


def test_the_demo_publishes_last_months_bulletin_and_drafts_this_weeks_once(office, october):
    from supervision.demo_reports import seed_reports
    from supervision.models import Evaluation

    said = []
    seed_reports(log=said.append)
    seed_reports(log=said.append)

    published, draft = Bulletin.objects.order_by("status").reverse()
    assert published.is_published and published.number == 1
    assert not draft.is_published and draft.period_kind == "week" and draft.comment
    assert not Evaluation.objects.get().is_published
    assert len(said) == 2 and "跳过" in said[1]


@pytest.mark.parametrize("day", ["9999-12-31", "1900-01-01"])
def test_a_day_out_of_range_is_refused_with_a_message(client, office, day):
    client.force_login(office)
    response = client.post(
        reverse("supervision:bulletin_create"), {"period_kind": "month", "day": day, "comment": ""}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["day"]
    assert not Bulletin.objects.exists()
