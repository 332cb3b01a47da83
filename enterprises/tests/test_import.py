"""The import engine: every bad input gets a row-level Chinese message and nothing is written."""

import io
import zipfile
from decimal import Decimal

import pytest

from core.models import AuditEvent
from enterprises import audit
from enterprises.importing import enterprises_import
from enterprises.models import Enterprise, EnterpriseRevision, EnterpriseYear
from enterprises.tests.factories import FIRM_HEADERS, credit_code, csv_bytes, firm_row, xlsx


def run(content, *, commit=True, actor=None):
    return enterprises_import(content=content, file_name="名单.xlsx", actor=actor, commit=commit)


def year_row(n, year, **overrides):
    row = {
        "统一社会信用代码": credit_code(n),
        "年度": year,
        "产值(万元)": "1200.5",
        "销售收入(万元)": "1,100",
        "税收(万元)": 60,
        "利润(万元)": "-20",
        "从业人员(人)": 85,
    }
    row.update(overrides)
    return row


def test_import_creates_firms_with_years_history_and_one_audit_event(towns, cadre):
    content = xlsx(
        [firm_row(1), firm_row(2, town="青山湖街道")], [year_row(1, 2024), year_row(1, 2025)]
    )
    report = run(content, actor=cadre)
    assert report.ok and report.committed
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert report.years_created == 2
    firm = Enterprise.objects.get(credit_code=credit_code(1))
    assert firm.town.name == "锦城街道" and firm.industry.code == "C38"
    assert firm.industry_code == "C3831" and firm.size_class == Enterprise.SizeClass.ABOVE
    year = firm.years.get(year=2025)
    assert year.sales == Decimal("1100.00") and year.profit == Decimal("-20.00")
    assert year.employees == 85
    revision = firm.revisions.get()
    # A created firm's history starts with one "created" row; its first values are its current
    # ones (or the "old" side of the first later change), so they are not copied.
    assert revision.created and revision.actor == cadre and revision.changes == {}
    assert revision.source_name == "名单.xlsx"
    event = AuditEvent.objects.get(action=audit.IMPORTED)
    assert event.actor == cadre and event.after["created"] == 2


def test_reimporting_the_same_file_changes_nothing(towns):
    content = xlsx([firm_row(1), firm_row(2)], [year_row(1, 2025)])
    run(content)
    before = (EnterpriseRevision.objects.count(), list(Enterprise.objects.values("updated_at")))
    report = run(content)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert report.years_unchanged == 1
    assert (
        EnterpriseRevision.objects.count(),
        list(Enterprise.objects.values("updated_at")),
    ) == before


def test_new_years_of_an_existing_firm_are_recorded_as_changes(towns):
    run(xlsx([firm_row(1)]))
    run(xlsx([firm_row(1)], [year_row(1, 2025)]))
    revision = EnterpriseRevision.objects.get(created=False)
    assert revision.changes["year:2025"]["output_value"] == ["", "1200.5"]


def test_update_records_only_what_changed(towns, cadre):
    run(xlsx([firm_row(1)], [year_row(1, 2025)]))
    report = run(
        xlsx([firm_row(1, 联系人="王五")], [year_row(1, 2025, **{"税收(万元)": 61})]), actor=cadre
    )
    assert (report.created, report.updated) == (0, 1)
    assert report.changes[0][4] == [["联系人", "李四", "王五"], ["2025年 税收（万元）", "60", "61"]]
    revision = EnterpriseRevision.objects.filter(created=False).get()
    assert revision.changes == {
        "contact_person": ["李四", "王五"],
        "year:2025": {"tax": ["60", "61"]},
    }
    assert EnterpriseYear.objects.get().tax == Decimal("61.00")


def test_dry_run_writes_nothing(towns):
    report = run(xlsx([firm_row(1)]), commit=False)
    assert report.created == 1 and not report.committed
    assert not Enterprise.objects.exists() and not AuditEvent.objects.exists()


def test_column_order_does_not_matter_and_headers_are_trimmed(towns):
    headers = list(reversed(FIRM_HEADERS))
    row = firm_row(1)
    content = xlsx([row], headers=headers)
    # A header with spaces around it and full-width brackets still matches.
    report = run(content)
    assert report.created == 1
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(xlsx([row])))
    book.active["B1"] = "  企业名称 "
    out = io.BytesIO()
    book.save(out)
    assert run(out.getvalue()).unchanged == 1


def test_optional_columns_left_out_are_left_alone(towns):
    run(xlsx([firm_row(1)]))
    report = run(
        xlsx([firm_row(1)], headers=["统一社会信用代码", "企业名称", "所属镇街", "规模类型"])
    )
    assert report.unchanged == 1
    assert Enterprise.objects.get().contact_person == "李四"


def test_codes_are_normalised_and_industry_filed_under_the_division(towns):
    full_width = credit_code(1).translate(
        str.maketrans(
            "0123456789ABCDEFGHJKLMNPQRTUWXY",
            "０１２３４５６７８９ＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＸＹ",
        )
    )
    report = run(xlsx([firm_row(1, 统一社会信用代码=full_width.lower(), 行业代码="3831")]))
    assert report.ok
    firm = Enterprise.objects.get()
    assert firm.credit_code == credit_code(1)
    assert (firm.industry.code, firm.industry_code) == ("C38", "C3831")


def only_errors(report):
    return [(e.row, e.column, e.message) for e in report.errors]


def test_a_bad_check_digit_stops_the_whole_file(towns):
    bad = credit_code(2)[:-1] + ("0" if credit_code(2)[-1] != "0" else "1")
    report = run(xlsx([firm_row(1), firm_row(2, 统一社会信用代码=bad)]))
    assert not report.ok
    [(row, column, message)] = only_errors(report)
    assert (row, column) == (3, "统一社会信用代码") and "校验码错误" in message
    assert not Enterprise.objects.exists()


def test_duplicate_code_inside_the_file(towns):
    report = run(xlsx([firm_row(1), firm_row(2), firm_row(1, name="重复的企业")]))
    assert only_errors(report) == [
        (4, "统一社会信用代码", f"统一社会信用代码 {credit_code(1)} 与第 2 行重复。")
    ]
    assert not Enterprise.objects.exists()


def test_unknown_town_lists_the_valid_names(towns):
    [(_row, column, message)] = only_errors(run(xlsx([firm_row(1, town="新登镇")])))
    assert column == "所属镇街"
    assert "新登镇" in message and "锦城街道、锦北街道" in message and "岛石镇" in message


def test_short_town_names_are_understood(towns):
    assert run(xlsx([firm_row(1, town="青山湖")])).ok
    assert Enterprise.objects.get().town.name == "青山湖街道"


def test_unknown_industry_code(towns):
    [(_r, column, message)] = only_errors(run(xlsx([firm_row(1, 行业代码="99")])))
    assert column == "行业代码" and "不存在大类 99" in message


@pytest.mark.parametrize(
    ("overrides", "column", "message"),
    [
        ({"产值(万元)": "一千二"}, "产值(万元)", "不是有效的数字：一千二"),
        ({"年度": "二〇二五"}, "年度", "不是 1990 至 2100 之间的年度"),
        ({"年度": 1890}, "年度", "不是 1990 至 2100 之间的年度"),
        ({"从业人员(人)": "12.5"}, "从业人员(人)", "不是有效的数字"),
        ({"统一社会信用代码": credit_code(7)}, "统一社会信用代码", "都没有统一社会信用代码"),
    ],
)
def test_bad_yearly_figures(towns, overrides, column, message):
    report = run(xlsx([firm_row(1)], [year_row(1, 2025, **overrides)]))
    [(row, got_column, got_message)] = only_errors(report)
    assert (row, got_column) == (2, column) and message in got_message
    assert report.errors[0].sheet == "年度数据"
    assert not Enterprise.objects.exists()


def test_bad_size_phone_and_tech_flag(towns):
    report = run(xlsx([firm_row(1, 规模类型="中型", 联系电话="123", 是否科技型企业="也许")]))
    assert {column for _r, column, _m in only_errors(report)} == {
        "规模类型",
        "联系电话",
        "是否科技型企业",
    }


def test_missing_required_column_is_named(towns):
    report = run(xlsx([firm_row(1)], headers=["统一社会信用代码", "企业名称", "地址"]))
    assert "缺少必填列：所属镇街、规模类型" in report.file_error
    assert not Enterprise.objects.exists()


def test_empty_file_and_headers_only(towns):
    assert run(b"").file_error == "文件是空的。"
    assert "只有表头，没有企业数据" in run(xlsx([])).file_error


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "旧版 Excel 97-2003（.xls）"),
        (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 600, "不是 Excel（.xlsx）或 CSV 文件"),
        (b"%PDF-1.7\n" + b"x" * 100, "不是 Excel（.xlsx）或 CSV 文件"),
    ],
)
def test_files_are_judged_by_content_not_name(towns, content, message):
    assert message in run(content).file_error


def test_a_zip_that_is_not_a_workbook_is_refused(towns):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert "不是 Excel" in run(out.getvalue()).file_error


def test_a_zip_bomb_is_refused_before_it_is_opened(towns, settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 5 * 1024 * 1024
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (20 * 1024 * 1024))
    assert len(out.getvalue()) < 100 * 1024
    assert "解压后的数据量远超" in run(out.getvalue()).file_error


def test_upload_size_is_capped(towns, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1000
    assert "文件超过 0 MB" in run(xlsx([firm_row(1)])).file_error


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_utf8_with_or_without_bom_and_in_gbk(towns, encoding):
    report = run(csv_bytes([firm_row(1), firm_row(2, town="於潜镇")], encoding))
    assert report.ok and report.created == 2
    assert set(Enterprise.objects.values_list("town__name", flat=True)) == {"锦城街道", "於潜镇"}


def test_errors_are_listed_up_to_a_limit_but_all_counted(towns):
    rows = [firm_row(n, 所属镇街="") for n in range(1, 1206)]
    report = run(xlsx(rows), commit=False)
    assert report.error_count == 1205 and len(report.errors) == 1000


def test_a_change_to_yearly_figures_alone_is_imported(towns):
    run(xlsx([firm_row(1)], [year_row(1, 2025)]))
    report = run(xlsx([firm_row(1)], [year_row(1, 2025, **{"税收(万元)": 61})]))
    assert report.committed and report.updated == 1 and report.years_updated == 1
    assert EnterpriseYear.objects.get().tax == Decimal("61.00")
    assert EnterpriseRevision.objects.get(created=False).changes == {
        "year:2025": {"tax": ["60", "61"]}
    }


def test_figures_of_a_registry_firm_absent_from_sheet_one(towns):
    run(xlsx([firm_row(1)]))
    report = run(xlsx([firm_row(2)], [year_row(1, 2025)]))
    assert report.committed and report.years_created == 1
    assert EnterpriseYear.objects.get().enterprise.credit_code == credit_code(1)


def test_names_and_addresses_are_kept_as_written(towns):
    name, address = "临安某某科技有限公司（分公司）", "钱王街１号，东"
    content = xlsx([firm_row(1, name=name, 地址=address, 规模类型="规上")])
    assert run(content).committed
    firm = Enterprise.objects.get()
    assert (firm.name, firm.address) == (name, address)
    assert run(content).unchanged == 1


def test_full_width_numbers_and_words_are_read(towns):
    report = run(xlsx([firm_row(1)], [year_row(1, "２０２５", **{"产值(万元)": "１２００．５"})]))
    assert report.committed
    assert EnterpriseYear.objects.get().output_value == Decimal("1200.50")


def test_a_class_code_that_lost_its_leading_zero_is_refused(towns):
    [(_r, column, message)] = only_errors(run(xlsx([firm_row(1, 行业代码="610")])))
    assert column == "行业代码" and "0610" in message
    assert run(xlsx([firm_row(1, 行业代码="0610")])).committed
    assert Enterprise.objects.get().industry.code == "B06"


def test_a_sheet_spanning_billions_of_cells_is_refused_before_it_is_read(towns):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(FIRM_HEADERS)
    book.active["XFD1048576"] = "x"
    out = io.BytesIO()
    book.save(out)
    assert len(out.getvalue()) < 20_000
    assert "1048576 行、16384 列" in run(out.getvalue()).file_error


def test_a_clash_in_the_bulk_path_is_a_django_integrity_error(towns):
    """So the engine's "another import changed the same firms" message fires on PostgreSQL's
    COPY as on SQLite."""
    from django.db import IntegrityError, transaction

    from core.bulk import bulk_insert

    run(xlsx([firm_row(1)]))
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert(
            EnterpriseYear,
            ["enterprise", "year"],
            [(Enterprise.objects.get().pk, 2025), (Enterprise.objects.get().pk, 2025)],
        )
