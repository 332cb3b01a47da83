"""The firm list as .xlsx, in the layout the import reads, safe to open in Excel.

Formula injection: a text cell that begins with = + - @, a tab or a carriage return is written
as a string cell with Excel's quote prefix, so Excel shows it as text and never evaluates it,
and the import reads the same text back (an export re-imports unchanged).
"""

import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from .models import Enterprise, EnterpriseYear
from .resources import EnterpriseResource, EnterpriseYearResource, columns

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
INSTRUCTIONS_SHEET = "填写说明"


def _cell(sheet, value, *, bold=False):
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text begins with
        if value.startswith(DANGEROUS_START):
            cell.quotePrefix = True
    if bold:
        cell.font = Font(bold=True)
    return cell


def _write_sheet(workbook, title, headers, rows, widths):
    sheet = workbook.create_sheet(title)
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.append([_cell(sheet, h, bold=True) for h in headers])
    for row in rows:
        sheet.append([_cell(sheet, "" if v is None else v) for v in row])


FIRM_WIDTHS = [22, 30, 12, 10, 14, 14, 12, 10, 16, 36, 10]
YEAR_WIDTHS = [22, 8, 14, 16, 12, 12, 14]


def enterprises_export_xlsx(queryset, *, mask_phone: bool) -> bytes:
    queryset = queryset.select_related("town").order_by("town__sort_order", "name", "pk")
    firms = EnterpriseResource(mask_phone=mask_phone).export(queryset=queryset)
    years = EnterpriseYearResource().export(
        queryset=EnterpriseYear.objects.filter(enterprise__in=queryset)
        .select_related("enterprise")
        .order_by("enterprise__credit_code", "year")
    )
    workbook = Workbook(write_only=True)
    _write_sheet(workbook, EnterpriseResource._meta.sheet_name, firms.headers, firms, FIRM_WIDTHS)
    _write_sheet(
        workbook, EnterpriseYearResource._meta.sheet_name, years.headers, years, YEAR_WIDTHS
    )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def import_template_xlsx(town_names: list[str]) -> bytes:
    """Empty sheets with the headers, and a sheet explaining every column."""
    workbook = Workbook(write_only=True)
    firm_headers = [h for h, _n in columns(EnterpriseResource)]
    year_headers = [h for h, _n in columns(EnterpriseYearResource)]
    _write_sheet(workbook, EnterpriseResource._meta.sheet_name, firm_headers, [], FIRM_WIDTHS)
    _write_sheet(workbook, EnterpriseYearResource._meta.sheet_name, year_headers, [], YEAR_WIDTHS)
    size_words = "、".join(str(label) for _v, label in Enterprise.SizeClass.choices)
    notes = [
        [
            "统一社会信用代码",
            "必填。18 位，末位校验码按 GB 32100-2015 校验；全角字符、空格、小写字母会自动规范。",
        ],
        ["企业名称", "必填。"],
        ["所属镇街", "必填。可填：" + "、".join(town_names) + "。"],
        [
            "行业代码",
            "选填。GB/T 4754-2017：门类字母（C）、大类（C38 或 38）、中类（383）或小类（3831）。",
        ],
        ["规模类型", f"必填。{size_words}（可简写为 规上、规下）。"],
        ["是否科技型企业", "选填。是 或 否，空白按否。"],
        ["联系电话", "选填。11 位手机号，或 0571-63712345 这样的固定电话。"],
        ["经营状态", "选填。在营 或 关停，空白按在营。"],
        ["其他列", "法定代表人、联系人、地址选填；缺少某一选填列时，系统中该项保持不变。"],
        [
            "年度数据",
            "第二个工作表，名称须为“年度数据”：统一社会信用代码、年度必填，金额单位为万元。",
        ],
        [
            "导入规则",
            "按统一社会信用代码新增或更新；任何一行有错，整个文件都不会导入。列的顺序不限。",
        ],
    ]
    _write_sheet(workbook, INSTRUCTIONS_SHEET, ["列", "说明"], notes, [18, 100])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def credentials_xlsx(rows: list[dict], *, login_url: str) -> bytes:
    """The accounts of a bulk run with their initial passwords, for the office to hand out.
    Made in memory for one download; never written to disk."""
    from django.utils.translation import gettext as _

    workbook = Workbook(write_only=True)
    headers = [
        _("Enterprise name"),
        _("Unified social credit code"),
        _("Name"),
        _("Mobile number"),
        _("User name"),
        _("Initial password"),
    ]
    keys = ["firm", "credit_code", "name", "mobile", "username", "password"]
    _write_sheet(
        workbook,
        _("Enterprise accounts"),
        headers,
        [[row.get(k, "") for k in keys] for row in rows],
        [32, 22, 12, 14, 24, 18],
    )
    notes = [
        [_("Login address"), login_url],
        [
            _("First login"),
            _("Log in with the user name and the initial password, then choose a new password."),
        ],
    ]
    _write_sheet(workbook, _("How to log in"), [_("Item"), _("Note")], notes, [14, 80])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
