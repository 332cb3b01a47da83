"""Importing pairings from Excel: row-level errors, all or nothing, idempotent, and its pages."""

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent, Unit, User
from core.roles import Role
from core.tests.factories import UnitFactory
from enterprises.tests.factories import EnterpriseFactory, credit_code
from visits import audit
from visits.importing import (
    pairing_imports_visible_to,
    pairings_import,
)
from visits.importing.rows import date_parse, mobile_normalise
from visits.models import Pairing, PairingImport

HEADERS = [
    "统一社会信用代码",
    "企业名称",
    "挂钩层级",
    "挂钩单位",
    "联系干部",
    "干部手机",
    "开始日期",
]


def xlsx(rows: list[dict], *, headers=HEADERS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "挂钩关系"
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h, "") for h in headers])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def run(content, *, commit=True, end_unlisted=False, actor=None):
    return pairings_import(
        content=content,
        file_name="挂钩.xlsx",
        actor=actor,
        commit=commit,
        end_unlisted=end_unlisted,
    )


def errors(report) -> list[tuple]:
    return [(e.row, e.column, e.message) for e in report.errors]


@pytest.fixture
def org(make_user):
    """Two departments, a town, the city leaders, firms and cadres."""
    jxj = UnitFactory(name="经信局", kind=Unit.Kind.DEPARTMENT)
    kjj = UnitFactory(name="科技局", kind=Unit.Kind.DEPARTMENT)
    town = UnitFactory(name="锦城街道", kind=Unit.Kind.TOWN)
    leaders = UnitFactory(name="市领导", kind=Unit.Kind.CITY_LEADERS)
    firms = [
        EnterpriseFactory(
            credit_code=credit_code(1), name="杭州（临安）奥星电子有限公司", town=town
        ),
        EnterpriseFactory(credit_code=credit_code(2), name="杭叉集团股份有限公司", town=town),
    ]
    cadres = {
        "wang": make_user(Role.CADRE, username="wang", name="王强", unit=jxj, mobile="13800000001"),
        "li": make_user(Role.CADRE, username="li", name="李娜", unit=town, mobile="13800000002"),
        "zhao": make_user(Role.CADRE, username="zhao", name="赵书记", unit=leaders),
    }
    return {"jxj": jxj, "kjj": kjj, "town": town, "leaders": leaders, "firms": firms, **cadres}


def row(n=1, *, name=None, tier="部门", unit="经信局", cadre="王强", **overrides):
    values = {
        "统一社会信用代码": credit_code(n),
        "企业名称": name or {1: "杭州（临安）奥星电子有限公司", 2: "杭叉集团股份有限公司"}[n],
        "挂钩层级": tier,
        "挂钩单位": unit,
        "联系干部": cadre,
    }
    values.update(overrides)
    return values


def test_a_clean_file_creates_pairings_with_one_audit_event(org):
    content = xlsx(
        [
            row(1),
            row(1, tier="镇街", unit="锦城街道", cadre="李娜", 开始日期="2025-03-01"),
            row(2, tier="市领导", unit="市领导", cadre="赵书记"),
        ]
    )
    report = run(content, actor=org["wang"])
    assert report.ok and report.committed, errors(report)
    assert (report.created, report.updated, report.unchanged, report.ended) == (3, 0, 0, 0)
    firm = org["firms"][0]
    dept = Pairing.objects.get(enterprise=firm, cadre=org["wang"])
    assert (dept.tier, dept.unit, dept.end_date) == ("department", org["jxj"], None)
    assert dept.start_date == timezone.localdate()
    town = Pairing.objects.get(enterprise=firm, cadre=org["li"])
    assert (town.tier, town.unit, town.start_date) == (
        "town",
        org["town"],
        datetime.date(2025, 3, 1),
    )
    assert Pairing.objects.get(cadre=org["zhao"]).tier == "city_leader"
    event = AuditEvent.objects.get(action=audit.PAIRINGS_IMPORTED)
    assert event.actor == org["wang"] and event.object_repr == "挂钩.xlsx"
    assert event.after["created"] == 3 and event.after["ended"] == 0


def test_the_preview_writes_nothing_and_reimport_changes_nothing(org):
    content = xlsx([row(1), row(2, tier="镇街", unit="锦城街道", cadre="李娜")])
    preview = run(content, commit=False)
    assert preview.ok and preview.created == 2 and not preview.committed
    assert not Pairing.objects.exists()
    assert [change[6] for change in preview.changes] == ["create", "create"]
    run(content)
    before = list(Pairing.objects.values_list("id", "tier", "unit", "start_date", "updated_at"))
    again = run(content)
    assert again.committed and (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert list(Pairing.objects.values_list("id", "tier", "unit", "start_date", "updated_at")) == (
        before
    )


def test_a_new_tier_or_unit_changes_the_open_pairing(org):
    firm = org["firms"][0]
    old = Pairing.objects.create(
        enterprise=firm, cadre=org["wang"], unit=org["jxj"], tier="department"
    )
    org["wang"].unit = org["kjj"]  # the cadre moved to another department
    org["wang"].save()
    report = run(xlsx([row(1, unit="科技局")]))
    assert report.committed and report.updated == 1 and report.created == 0
    [[_row, _code, _firm, _cadre, _unit, _tier, action, details]] = report.changes
    assert action == "update" and details == [["挂钩单位", "经信局", "科技局"]]
    old.refresh_from_db()
    assert old.unit == org["kjj"] and old.end_date is None
    assert Pairing.objects.count() == 1


def test_the_name_must_agree_with_the_registry(org):
    # Half-width brackets and stray spaces are the same name.
    assert run(xlsx([row(1, name=" 杭州(临安)奥星电子 有限公司")]), commit=False).ok
    report = run(xlsx([row(1, name="临安奥星电子有限公司")]))
    [(line, column, message)] = errors(report)
    assert (line, column) == (2, "企业名称")
    assert "杭州（临安）奥星电子有限公司" in message
    assert not Pairing.objects.exists()


def test_the_firm_must_be_in_the_registry(org):
    report = run(xlsx([row(1), row(1, 统一社会信用代码=credit_code(99))]))
    [(line, column, message)] = errors(report)
    assert (line, column) == (3, "统一社会信用代码") and credit_code(99) in message
    bad = credit_code(1)[:-1] + ("0" if credit_code(1)[-1] != "0" else "1")
    [(line, column, _m)] = errors(run(xlsx([row(1, 统一社会信用代码=bad)])))
    assert (line, column) == (2, "统一社会信用代码")
    assert not Pairing.objects.exists()


@pytest.mark.parametrize(
    ("word", "unit", "tier"),
    [
        ("市级领导", "市领导", "city_leader"),
        ("市领导挂钩", "市领导", "city_leader"),
        ("市级部门", "经信局", "department"),
        ("部门挂钩", "经信局", "department"),
        ("镇（街道）", "锦城街道", "town"),
        ("镇(街道)", "锦城街道", "town"),
        ("乡镇街道", "锦城街道", "town"),
        ("属地", "锦城街道", "town"),
    ],
)
def test_tier_words(org, word, unit, tier):
    cadre = {"city_leader": "赵书记", "department": "王强", "town": "李娜"}[tier]
    report = run(xlsx([row(1, tier=word, unit=unit, cadre=cadre)]))
    assert report.committed, errors(report)
    assert Pairing.objects.get().tier == tier


def test_an_unknown_tier_word_lists_the_accepted_ones(org):
    [(line, column, message)] = errors(run(xlsx([row(1, tier="区领导")])))
    assert (line, column) == (2, "挂钩层级")
    assert "区领导" in message and "市领导" in message and "镇（街道）" in message


def test_the_unit_must_exist_and_suit_the_tier(org):
    report = run(xlsx([row(1, tier="镇街", unit="经信局"), row(2, unit="不存在局")]))
    assert [(e.row, e.column) for e in report.errors] == [(2, "挂钩单位"), (3, "挂钩单位")]
    mismatch, unknown = (e.message for e in report.errors)
    assert "经信局" in mismatch and "镇街" in mismatch and "部门" in mismatch
    assert "不存在局" in unknown
    org["kjj"].is_active = False
    org["kjj"].save()
    assert [(r, c) for r, c, m in errors(run(xlsx([row(1, unit="科技局")])))] == [(2, "挂钩单位")]
    assert not Pairing.objects.exists()


def test_a_cadre_of_another_unit_found_by_mobile_is_refused(org):
    # 王强 is in 经信局, not 科技局: the mobile finds him, and the row says he is elsewhere.
    [(line, column, message)] = errors(
        run(xlsx([row(1, unit="科技局", 干部手机="+86 138-0000-0001")]))
    )
    assert (line, column) == (2, "联系干部") and "经信局" in message and "科技局" in message
    assert not Pairing.objects.exists()


def test_the_mobile_tells_same_unit_namesakes_apart(org, make_user):
    make_user(Role.CADRE, username="wang2", name="王强", unit=org["jxj"], mobile="13900000009")
    report = run(xlsx([row(1, 干部手机="13800000001")]))
    assert report.committed, errors(report)
    assert Pairing.objects.get().cadre == org["wang"]


def test_an_account_without_the_cadre_role_is_refused(org, make_user):
    make_user(Role.HANDLER, username="handler", name="周经办", unit=org["jxj"])
    [(line, column, message)] = errors(run(xlsx([row(1, cadre="周经办")])))
    assert (line, column) == (2, "联系干部") and "周经办" in message
    assert not Pairing.objects.exists()


def test_a_mobile_of_someone_else_is_refused(org):
    [(line, column, message)] = errors(run(xlsx([row(1, unit="科技局", 干部手机="13800000002")])))
    assert (line, column) == (2, "干部手机") and "李娜" in message and "王强" in message
    assert not Pairing.objects.exists()


def test_an_unknown_cadre_is_not_created(org, make_user):
    make_user(Role.CADRE, username="gone", name="钱退休", unit=org["jxj"], is_active=False)
    users = User.objects.count()
    report = run(xlsx([row(1, cadre="孙新人"), row(2, cadre="钱退休")]))
    assert [(e.row, e.column) for e in report.errors] == [(2, "联系干部"), (3, "联系干部")]
    unknown, inactive = (e.message for e in report.errors)
    assert "孙新人" in unknown and "经信局" in unknown
    assert "钱退休" in inactive
    assert User.objects.count() == users and not Pairing.objects.exists()


def test_same_named_cadres_need_the_mobile(org, make_user):
    other = make_user(
        Role.CADRE, username="wang2", name="王强", unit=org["jxj"], mobile="13900000009"
    )
    [(line, column, message)] = errors(run(xlsx([row(1)])))
    assert (line, column) == (2, "干部手机") and "王强" in message and "经信局" in message
    report = run(xlsx([row(1, 干部手机="13900000009")]))
    assert report.committed, errors(report)
    assert Pairing.objects.get().cadre == other


def test_a_firm_and_cadre_twice_in_the_file(org):
    report = run(xlsx([row(1), row(2), row(1, tier="市级部门")]))
    [(line, column, message)] = errors(report)
    assert (line, column) == (4, "联系干部") and "2" in message
    assert not Pairing.objects.exists()


def test_one_bad_row_and_nothing_is_written(org):
    content = xlsx([row(1), row(2, tier="镇街", unit="锦城街道", cadre="李娜"), row(2, cadre="?")])
    report = run(content, actor=org["wang"])
    assert not report.ok and not report.committed and report.error_count == 1
    assert not Pairing.objects.exists()
    assert not AuditEvent.objects.filter(action=audit.PAIRINGS_IMPORTED).exists()


def test_a_complete_list_ends_the_pairings_it_leaves_out(org):
    firm, other_firm = org["firms"]
    kept = Pairing.objects.create(
        enterprise=firm, cadre=org["wang"], unit=org["jxj"], tier="department"
    )
    dropped = Pairing.objects.create(
        enterprise=other_firm,
        cadre=org["li"],
        unit=org["town"],
        tier="town",
        start_date=datetime.date(2024, 1, 1),
    )
    history = Pairing.objects.create(
        enterprise=other_firm,
        cadre=org["zhao"],
        unit=org["leaders"],
        tier="city_leader",
        start_date=datetime.date(2023, 1, 1),
        end_date=datetime.date(2023, 12, 31),
    )
    content = xlsx([row(1)])
    # Without the box ticked, pairings the file does not list stay.
    assert run(content, commit=False).ended == 0
    preview = run(content, commit=False, end_unlisted=True)
    assert preview.ok and (preview.unchanged, preview.ended) == (1, 1)
    assert preview.ending == [
        [credit_code(2), "杭叉集团股份有限公司", "李娜", "锦城街道", "镇街", "2024-01-01"]
    ]
    dropped.refresh_from_db()
    assert dropped.end_date is None  # a preview writes nothing
    report = run(content, end_unlisted=True)
    assert report.committed and report.ended == 1
    dropped.refresh_from_db()
    kept.refresh_from_db()
    history.refresh_from_db()
    assert dropped.end_date == timezone.localdate()
    assert kept.end_date is None and history.end_date == datetime.date(2023, 12, 31)
    assert run(content, end_unlisted=True).ended == 0  # idempotent


def test_a_missing_column_and_an_empty_sheet(org):
    report = run(xlsx([row(1)], headers=HEADERS[:3]))
    assert "挂钩单位" in report.file_error and "联系干部" in report.file_error
    assert run(xlsx([])).file_error
    assert run(b"").file_error


def test_a_clash_at_commit_time_becomes_a_file_error(org, monkeypatch):
    Pairing.objects.create(
        enterprise=org["firms"][0], cadre=org["wang"], unit=org["jxj"], tier="department"
    )
    # As if another import had added the same pairing after the plan read the database.
    monkeypatch.setattr("visits.importing.plan._open_pairings", lambda *a, **k: iter(()))
    report = run(xlsx([row(1), row(2)]))
    assert report.file_error and not report.committed
    assert Pairing.objects.count() == 1


@pytest.mark.parametrize(
    "text", ["2025-03-01", "2025/3/1", "2025.03.01", "2025年3月1日", "20250301", "45717"]
)
def test_dates_are_read_as_lists_write_them(text):
    assert date_parse(text) == datetime.date(2025, 3, 1)


def test_a_bad_date_and_mobile_forms(org):
    [(line, column, message)] = errors(run(xlsx([row(1, 开始日期="三月")])))
    assert (line, column) == (2, "开始日期") and "三月" in message
    assert mobile_normalise("８６ 138 0000 0001") == "13800000001"


def test_checking_a_long_list_takes_a_fixed_number_of_queries(org, django_assert_max_num_queries):
    firms = [
        EnterpriseFactory(credit_code=credit_code(100 + i), name=f"企业{i}") for i in range(30)
    ]
    content = xlsx(
        [row(1, **{"统一社会信用代码": f.credit_code, "企业名称": f.name}) for f in firms]
    )
    with django_assert_max_num_queries(5):
        report = run(content, commit=False)
    assert report.created == 30


# --- The pages -------------------------------------------------------------------------------


@pytest.fixture
def office(make_user):
    return make_user(Role.OFFICE, username="office1", name="陈静")


def upload(client, content, **data):
    return client.post(
        reverse("visits:pairing_import"),
        {"file": SimpleUploadedFile("挂钩.xlsx", content), **data},
    )


def test_upload_preview_confirm(client, office, org):
    Pairing.objects.create(
        enterprise=org["firms"][1], cadre=org["li"], unit=org["town"], tier="town"
    )
    client.force_login(office)
    response = upload(client, xlsx([row(1)]), end_unlisted="on")
    job = PairingImport.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "visits:pairing_import_job", args=[job.pk]
    )
    assert job.status == "preview" and job.end_unlisted and bytes(job.content)
    page = client.get(response.url).content.decode()
    assert "杭州（临安）奥星电子有限公司" in page and "杭叉集团股份有限公司" in page  # to end
    assert 'type="submit"' in page
    assert not Pairing.objects.filter(cadre=org["wang"]).exists()

    assert client.post(response.url).status_code == 302
    job.refresh_from_db()
    assert job.status == "done" and job.finished_at and not bytes(job.content)
    assert job.report["created"] == 1 and job.report["ended"] == 1
    assert Pairing.objects.get(cadre=org["wang"]).end_date is None
    assert Pairing.objects.get(cadre=org["li"]).end_date == timezone.localdate()
    # A second click does nothing.
    client.post(response.url)
    assert AuditEvent.objects.filter(action=audit.PAIRINGS_IMPORTED).count() == 1
    assert Pairing.objects.count() == 2
    page = client.get(reverse("visits:pairing_import")).content.decode()
    assert "挂钩.xlsx" in page


def test_a_file_with_errors_is_not_kept(client, office, org):
    client.force_login(office)
    response = upload(client, xlsx([row(1, cadre="孙新人")]))
    job = PairingImport.objects.get()
    assert job.status == "invalid" and not bytes(job.content)
    page = client.get(response.url).content.decode()
    assert "孙新人" in page
    client.post(response.url)  # not waiting for confirmation: nothing happens
    job.refresh_from_db()
    assert job.status == "invalid" and not Pairing.objects.exists()


def test_long_lists_are_paged(client, office, org):
    client.force_login(office)
    content = xlsx([row(1, 统一社会信用代码=credit_code(500 + i)) for i in range(120)])
    response = client.get(upload(client, content).url)
    assert response.context["page"].paginator.num_pages == 2
    assert client.get(response.request["PATH_INFO"], {"page": 2}).status_code == 200


def test_an_empty_upload_is_refused(client, office, org):
    client.force_login(office)
    response = upload(client, b"")
    assert response.status_code == 400 and not PairingImport.objects.exists()


def test_only_importers_may_import(client, org, office):
    job = PairingImport.objects.create(
        created_by=office, file_name="a.xlsx", status="invalid", report={}
    )
    cadre = org["wang"]
    client.force_login(cadre)
    for url in [
        reverse("visits:pairing_import"),
        reverse("visits:pairing_import_template"),
        reverse("visits:pairing_import_job", args=[job.pk]),
    ]:
        assert client.get(url).status_code == 403
    assert upload(client, xlsx([row(1)])).status_code == 403
    assert not pairing_imports_visible_to(cadre).exists()
    assert pairing_imports_visible_to(office).get() == job
    client.force_login(office)
    assert client.get(reverse("visits:pairing_import_job", args=[job.pk + 1])).status_code == 404


def test_the_template_opens_and_lists_tiers_and_units(client, office, org):
    client.force_login(office)
    response = client.get(reverse("visits:pairing_import_template"))
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    first, values = workbook.worksheets[:2]
    assert [c.value for c in first[1]] == HEADERS
    assert first.max_row == 2  # one example row
    listed = {c.value for r in values.iter_rows() for c in r if c.value}
    assert {"市领导", "部门", "镇街", "经信局", "科技局", "锦城街道"} <= listed
    # The example row reads as a pairing row: only its made-up firm and cadre are refused.
    report = run(response.content, commit=False)
    assert [e.column for e in report.errors] == ["统一社会信用代码", "联系干部"]


def test_both_import_pages_link_to_each_other(client, office, org):
    client.force_login(office)
    firm_page = client.get(reverse("enterprises:import")).content.decode()
    assert reverse("visits:pairing_import") in firm_page
    pairing_page = client.get(reverse("visits:pairing_import")).content.decode()
    assert reverse("enterprises:import") in pairing_page
    assert reverse("visits:pairing_import_template") in pairing_page
