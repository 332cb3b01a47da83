import io

import factory
from openpyxl import Workbook

from core.models import Unit
from core.tests.factories import UnitFactory
from enterprises.codes import credit_check_char
from enterprises.models import Enterprise
from enterprises.resources import EnterpriseResource, EnterpriseYearResource, columns

FIRM_HEADERS = [h for h, _n in columns(EnterpriseResource)]
YEAR_HEADERS = [h for h, _n in columns(EnterpriseYearResource)]


def credit_code(n: int) -> str:
    head = f"91330185MA{n:07d}"
    return head + credit_check_char(head)


class TownFactory(UnitFactory):
    name = factory.Sequence(lambda n: f"测试镇{n}")
    kind = Unit.Kind.TOWN


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    credit_code = factory.Sequence(lambda n: credit_code(900000 + n))
    name = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    town = factory.SubFactory(TownFactory)
    size_class = Enterprise.SizeClass.ABOVE


def firm_row(n, *, town="锦城街道", name=None, **overrides):
    """A valid row of sheet one, as a dict header -> value."""
    row = {
        "统一社会信用代码": credit_code(n),
        "企业名称": name or f"临安测试{n}有限公司",
        "所属镇街": town,
        "行业代码": "C3831",
        "规模类型": "规上",
        "是否科技型企业": "否",
        "法定代表人": "张三",
        "联系人": "李四",
        "联系电话": "13812345678",
        "地址": "锦城街道钱王街1号",
        "经营状态": "在营",
    }
    row.update(overrides)
    return row


def xlsx(firms: list[dict], years: list[dict] | None = None, *, headers=None) -> bytes:
    """An .xlsx with sheet one (the given headers, default all) and optionally 年度数据."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "企业名单"
    headers = headers or FIRM_HEADERS
    sheet.append(headers)
    for row in firms:
        sheet.append([row.get(h, "") for h in headers])
    if years is not None:
        years_sheet = workbook.create_sheet("年度数据")
        years_sheet.append(YEAR_HEADERS)
        for row in years:
            years_sheet.append([row.get(h, "") for h in YEAR_HEADERS])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(firms: list[dict], encoding="utf-8") -> bytes:
    lines = [",".join(FIRM_HEADERS)]
    lines += [",".join(str(row.get(h, "")) for h in FIRM_HEADERS) for row in firms]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)
