"""The template people fill in: the headers with an example row, and the words and unit
names the import accepts (formula-safe, as the firm export is)."""

import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from core.models import Unit
from enterprises.codes import credit_check_char
from enterprises.exporting import DANGEROUS_START

from ..models import Pairing
from .rows import HEADERS, TIER_WORDS


def _cell(sheet, value, *, bold=False):
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # never a formula, whatever a unit's name begins with
    if value.startswith(DANGEROUS_START):
        cell.quotePrefix = True
    if bold:
        cell.font = Font(bold=True)
    return cell


def _sheet(workbook, title, rows, widths):
    sheet = workbook.create_sheet(title)
    for position, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + position)].width = width
    for number, row in enumerate(rows):
        sheet.append([_cell(sheet, value, bold=number == 0) for value in row])


def pairing_import_template_xlsx() -> bytes:
    """The headers with one example row, and a sheet of the tiers and unit names to use."""
    tiers = list(Pairing.TIER_UNIT_KIND)
    units = {tier: [] for tier in tiers}
    tier_of_kind = {kind: tier for tier, kind in Pairing.TIER_UNIT_KIND.items()}
    for name, kind in (
        Unit.objects.filter(is_active=True, kind__in=list(tier_of_kind))
        .order_by("sort_order", "name")
        .values_list("name", "kind")
    ):
        units[tier_of_kind[kind]].append(name)
    example_code = "91330185MA2B3C4D5"  # a made-up firm: left in, the row is refused
    example = [
        example_code + credit_check_char(example_code),
        "杭州示例科技有限公司",
        TIER_WORDS[Pairing.Tier.DEPARTMENT][0],
        (units[Pairing.Tier.DEPARTMENT] or ["经信局"])[0],
        "张三",
        "13800000000",
        timezone.localdate().isoformat(),
    ]
    workbook = Workbook(write_only=True)
    _sheet(workbook, "挂钩关系", [list(HEADERS.values()), example], [22, 30, 10, 18, 10, 14, 12])

    # Left: each tier and the other words for it; right: the unit names of each tier.
    values = [["挂钩层级", "也可填写", "", *(f"{TIER_WORDS[t][0]}挂钩单位" for t in tiers)]]
    for i in range(max(len(tiers), *(len(names) for names in units.values()))):
        words = TIER_WORDS[tiers[i]] if i < len(tiers) else ["", ""]
        names = [units[t][i] if i < len(units[t]) else "" for t in tiers]
        values.append([words[0], "、".join(words[1:]), "", *names])
    notes = [
        ["填写说明"],
        [
            "第一个工作表为挂钩关系名单，列的顺序不限；开始日期选填，空白按导入当天，只用于新建的挂钩关系。"
        ],
        ["统一社会信用代码须已在企业名单中，企业名称须与系统登记的名称一致。"],
        ["挂钩单位须与挂钩层级相符：市领导挂钩填市领导单位，部门挂钩填部门，镇街挂钩填镇街。"],
        ["联系干部按挂钩单位内的姓名查找；重名或不在该单位的，按干部手机查找。"],
        ["干部还没有账号的，请管理员先建账号：导入不会新建账号。"],
        ["任何一行有错，整个文件都不会导入；同一文件重复导入不会产生重复记录。"],
    ]
    _sheet(workbook, "可填写的值", values, [12, 36, 4, 18, 18, 18])
    _sheet(workbook, "填写说明", notes, [100])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
