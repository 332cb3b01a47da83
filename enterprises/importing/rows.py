"""Reading one row of a firm list: the words lists use, and the checks that make each
row's Chinese error messages."""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from core.models import Unit
from core.tabular import Sheet, header_normalise

from ..codes import (
    credit_code_error,
    credit_code_normalise,
    industry_code_parse,
    normalise,
    phone_error,
    phone_normalise,
)
from ..models import Enterprise, Industry
from ..resources import EnterpriseResource, EnterpriseYearResource, columns

YEARS_SHEET = "年度数据"
BATCH = 2000
MAX_LISTED_ERRORS = 1000
FIRM_FIELDS = [name for _header, name in columns(EnterpriseResource)]
YEAR_FIELDS = ["output_value", "sales", "tax", "profit", "employees"]
MONEY_FIELDS = ["output_value", "sales", "tax", "profit"]
SIZE_WORDS = {
    "大企业大集团": Enterprise.SizeClass.LARGE,
    "大企业": Enterprise.SizeClass.LARGE,
    "大集团": Enterprise.SizeClass.LARGE,
    "规上": Enterprise.SizeClass.ABOVE,
    "规上企业": Enterprise.SizeClass.ABOVE,
    "规模以上": Enterprise.SizeClass.ABOVE,
    "规下": Enterprise.SizeClass.BELOW,
    "规下企业": Enterprise.SizeClass.BELOW,
    "规模以下": Enterprise.SizeClass.BELOW,
}
STATUS_WORDS = {
    "在营": Enterprise.Status.OPERATING,
    "正常": Enterprise.Status.OPERATING,
    "存续": Enterprise.Status.OPERATING,
    "关停": Enterprise.Status.CLOSED,
    "停业": Enterprise.Status.CLOSED,
    "注销": Enterprise.Status.CLOSED,
    "吊销": Enterprise.Status.CLOSED,
}
YES_WORDS = {"是", "y", "yes", "true", "1", "√", "✓", "科技型"}
NO_WORDS = {"否", "n", "no", "false", "0", ""}
MAX_LENGTHS = {
    name: Enterprise._meta.get_field(name).max_length
    for name in ["name", "address", "legal_representative", "contact_person", "contact_phone"]
}


@dataclass
class RowError:
    sheet: str
    row: int  # as Excel shows it: the header is row 1
    column: str
    message: str

    def as_list(self):
        return [self.sheet, self.row, self.column, self.message]


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    years_created: int = 0
    years_updated: int = 0
    years_unchanged: int = 0
    rows_total: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    # [excel row, credit code, name, "create" | "update", [[column, old, new], ...] | None]
    changes: list[list] = field(default_factory=list)
    file_error: str = ""
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.error_count and not self.file_error

    def add_error(self, sheet: str, row: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append(RowError(sheet, row, column, message))

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "years_created": self.years_created,
            "years_updated": self.years_updated,
            "years_unchanged": self.years_unchanged,
            "rows_total": self.rows_total,
            "error_count": self.error_count,
            "errors": [e.as_list() for e in self.errors],
            "changes": self.changes,
            "file_error": self.file_error,
            "committed": self.committed,
        }


# --- Reading a row ---------------------------------------------------------------------------


@dataclass
class _Lookups:
    towns: dict[str, Unit]
    town_names: list[str]
    divisions: dict[str, str]  # "38" -> "C"
    industries: dict[str, int]  # "C38" -> id
    industry_names: dict[int, str]
    town_names_by_id: dict[int, str]


def _lookups() -> _Lookups:
    towns = {u.name: u for u in Unit.objects.filter(kind=Unit.Kind.TOWN, is_active=True)}
    industries = list(Industry.objects.values_list("id", "code", "name", "level"))
    return _Lookups(
        towns=towns,
        town_names=sorted(towns, key=lambda n: towns[n].sort_order),
        divisions={code[1:]: code[0] for _id, code, _n, level in industries if level == "division"},
        industries={code: pk for pk, code, _n, _l in industries},
        industry_names={pk: f"{code} {name}" for pk, code, name, _l in industries},
        town_names_by_id={u.pk: name for name, u in towns.items()},
    )


def _town(text: str, lookups: _Lookups) -> Unit | None:
    if text in lookups.towns:
        return lookups.towns[text]
    # "青山湖" for 青山湖街道, "板桥" for 板桥镇: accept a unique unambiguous short form.
    matches = [u for name, u in lookups.towns.items() if name.startswith(text)] if text else []
    return matches[0] if len(matches) == 1 else None


def _decimal(text: str) -> Decimal:
    value = Decimal(text.replace(",", "").replace("，", ""))
    if not value.is_finite():
        raise InvalidOperation
    return value.quantize(Decimal("0.01"))


class _FirmRow:
    __slots__ = ("row", "town_name", "values")

    def __init__(self, row, values, town_name):
        self.row = row
        self.values = values
        self.town_name = town_name


def _parse_firm_row(row_no, cells, index, lookups, report, sheet_name) -> _FirmRow | None:
    """One row of sheet one as field values, or None (its errors are in the report)."""
    errors_before = report.error_count
    values = {}

    def col(field_name):
        # Cells come from core.tabular already NFKC-normalised and stripped.
        i = index.get(field_name)
        return cells[i] if i is not None else ""

    def err(field_name, message):
        report.add_error(sheet_name, row_no, HEADERS[field_name], message)

    code = credit_code_normalise(col("credit_code"))
    if not code:
        err("credit_code", _("The credit code is missing."))
    else:
        problem = credit_code_error(code)
        if problem:
            err("credit_code", problem)
    values["credit_code"] = code

    name = col("name")
    if not name:
        err("name", _("The enterprise name is missing."))
    values["name"] = name

    town_text = col("town")
    town = _town(town_text, lookups)
    if town is None:
        if town_text:
            message = _("Unknown town or street %(name)s. Valid names: %(names)s.")
        else:
            message = _("The town or street is missing. Valid names: %(names)s.")
        err("town", message % {"name": town_text, "names": "、".join(lookups.town_names)})
    else:
        values["town"] = town.pk
    town_name = town.name if town else town_text

    size_text = normalise(col("size_class"))
    size = SIZE_WORDS.get(size_text)
    if size is None:
        err(
            "size_class",
            _("Unknown size class %(value)s: write 大企业大集团, 规上 or 规下.")
            % {"value": size_text or _("(empty)")},
        )
    values["size_class"] = size

    for optional in ("legal_representative", "contact_person", "address"):
        if optional in index:
            values[optional] = col(optional)

    if "industry_code" in index:
        code_text, known, problem = industry_code_parse(col("industry_code"), lookups.divisions)
        if problem:
            err("industry_code", problem)
        values["industry_code"] = code_text
        values["industry"] = lookups.industries.get(known) if known else None

    if "is_tech" in index:
        text = normalise(col("is_tech")).lower()
        if text in YES_WORDS:
            values["is_tech"] = True
        elif text in NO_WORDS:
            values["is_tech"] = False
        else:
            err("is_tech", _("Write 是 or 否, not %(value)s.") % {"value": text})

    if "contact_phone" in index:
        phone = phone_normalise(col("contact_phone"))
        problem = phone_error(phone)
        if problem:
            err("contact_phone", problem)
        values["contact_phone"] = phone

    if "status" in index:
        text = normalise(col("status"))
        status = STATUS_WORDS.get(text) if text else Enterprise.Status.OPERATING
        if status is None:
            err("status", _("Unknown status %(value)s: write 在营 or 关停.") % {"value": text})
        values["status"] = status

    for field_name, limit in MAX_LENGTHS.items():
        if len(values.get(field_name) or "") > limit:
            err(field_name, _("Longer than %(limit)d characters.") % {"limit": limit})

    if report.error_count > errors_before:
        return None
    return _FirmRow(row_no, values, town_name)


# Field name -> the header that names it, for messages.
HEADERS = {name: header for header, name in columns(EnterpriseResource)}
YEAR_HEADERS = {name: header for header, name in columns(EnterpriseYearResource)}


def _column_index(sheet: Sheet, resource_class, report) -> dict[str, int] | None:
    """Field name -> column position; reports missing required columns."""
    by_header = {header_normalise(header): name for header, name in columns(resource_class)}
    index = {}
    for position, header in enumerate(sheet.headers):
        name = by_header.get(header)
        if name and name not in index:
            index[name] = position
    missing = [
        header
        for header, name in columns(resource_class)
        if name in resource_class.required and name not in index
    ]
    if missing:
        report.file_error = _("Sheet %(sheet)s lacks the required column(s): %(columns)s.") % {
            "sheet": sheet.name or _("(CSV)"),
            "columns": "、".join(missing),
        }
        return None
    return index
