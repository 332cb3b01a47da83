"""The firm-list import engine: set-based, all or nothing.

``enterprises_import`` reads a file (``core.tabular``), checks every row in Python against
lookups made once per import (existing firms by credit code, towns, industries, existing yearly
figures), and reports row by row what would be created, updated, left unchanged or is wrong.
With ``commit=True`` and no error it then writes everything with bulk inserts and updates in
batches inside one transaction, with an edit-history row for every firm it touches and one
audit event for the import. With any error it writes nothing.

The layout (headers ↔ fields) comes from the django-import-export resources.
"""

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.bulk import bulk_insert, db_datetime, reserve_ids
from core.models import Unit, User
from core.services import audit_record
from core.tabular import Sheet, TableError, header_normalise, read_table

from . import audit
from .codes import (
    credit_code_error,
    credit_code_normalise,
    industry_code_parse,
    normalise,
    phone_error,
    phone_normalise,
)
from .history import change_rows, raw_value, year_key
from .models import PROFILE_FIELDS, Enterprise, EnterpriseRevision, EnterpriseYear, Industry
from .resources import EnterpriseResource, EnterpriseYearResource, columns

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


# --- The plan --------------------------------------------------------------------------------


def _chunks(items, size=BATCH):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _OldFirm(tuple):
    """A firm as the registry has it: a tuple (a tenth of a dict's memory for 100,000 firms)
    read by field name."""

    __slots__ = ()
    KEYS = ("id", *[f for f in FIRM_FIELDS if f not in {"town", "industry"}], "town", "industry")
    _POS = {key: i for i, key in enumerate(KEYS)}

    def get(self, field_name):
        return tuple.__getitem__(self, self._POS[field_name])

    @property
    def pk(self) -> int:
        return tuple.__getitem__(self, 0)


def _existing_firms(codes, *, lock: bool = False) -> dict[str, _OldFirm]:
    """The registry's rows for these codes. ``lock`` (when committing) holds them until the
    import's transaction ends, so an edit made meanwhile is not overwritten unseen."""
    found = {}
    columns_ = [*_OldFirm.KEYS[:-2], "town_id", "industry_id"]
    code_at = _OldFirm._POS["credit_code"]
    for chunk in _chunks(codes, 5000):
        rows = Enterprise.objects.filter(credit_code__in=chunk)
        if lock:
            rows = rows.select_for_update()
        for row in rows.values_list(*columns_):
            found[row[code_at]] = _OldFirm(row)
    return found


def _existing_years(firm_ids) -> dict[tuple[int, int], dict]:
    found = {}
    for chunk in _chunks(firm_ids, 5000):
        for row in EnterpriseYear.objects.filter(enterprise_id__in=chunk).values_list(
            "id", "enterprise_id", "year", *YEAR_FIELDS
        ):
            found[(row[1], row[2])] = {"id": row[0], **dict(zip(YEAR_FIELDS, row[3:], strict=True))}
    return found


def _raw(field_name, value, lookups: _Lookups, town_name=None):
    """A value as the edit history stores it (see ``history``): towns and industries by name."""
    if type(value) is str and field_name != "town":
        return value
    if value is None or value == "":
        return ""
    if field_name == "town":
        return town_name or lookups.town_names_by_id.get(value, value)
    if field_name == "industry":
        return lookups.industry_names.get(value, value)
    return raw_value(value)


@dataclass
class _Plan:
    creates: list  # _FirmRow
    updates: list  # (_FirmRow, existing dict, changed field names)
    year_creates: list  # (credit code, year, values)
    year_updates: list  # (existing year id, values, changed fields)
    revisions: dict  # credit code -> {label: [old, new]}


def _plan(
    sheets: list[Sheet], report: Report, progress: Callable[[int], None], *, lock: bool = False
) -> _Plan | None:
    if not sheets or not sheets[0].headers:
        report.file_error = _("The file is empty.")
        return None
    firm_sheet = sheets[0]
    years_sheet = next((s for s in sheets[1:] if s.name.strip() == YEARS_SHEET), None)
    sheet_label = firm_sheet.name or _("(CSV)")
    index = _column_index(firm_sheet, EnterpriseResource, report)
    if index is None:
        return None
    firm_count = sum(1 for cells in firm_sheet.rows if any(cells))
    year_count = sum(1 for c in years_sheet.rows if any(c)) if years_sheet is not None else 0
    report.rows_total = firm_count + year_count
    if not firm_count:
        report.file_error = _("Sheet %(sheet)s has headers but no firm in it.") % {
            "sheet": sheet_label
        }
        return None

    lookups = _lookups()
    parsed: dict[str, _FirmRow] = {}
    first_row: dict[str, int] = {}
    done = 0
    for row_no, cells in enumerate(firm_sheet.rows, start=2):
        if not any(cells):
            continue
        done += 1
        firm = _parse_firm_row(row_no, cells, index, lookups, report, sheet_label)
        code = (
            firm.values["credit_code"]
            if firm
            else credit_code_normalise(cells[index["credit_code"]])
        )
        if code and code in first_row:
            report.add_error(
                sheet_label,
                row_no,
                HEADERS["credit_code"],
                _("Credit code %(code)s already appears in row %(row)d.")
                % {"code": code, "row": first_row[code]},
            )
            continue
        if code:
            first_row[code] = row_no
        if firm is not None:
            parsed[code] = firm
        if done % BATCH == 0:
            progress(done)
    firm_sheet.rows = []  # parsed: let the text go

    plan = _Plan(creates=[], updates=[], year_creates=[], year_updates=[], revisions={})
    existing: dict[str, int] = {}  # credit code -> id of the firms already in the registry
    # The registry's rows are compared a chunk at a time; only the changed ones are kept.
    for chunk in _chunks(parsed, 5000):
        registry = _existing_firms(chunk, lock=lock)
        for code in chunk:
            _compare(parsed[code], registry.get(code), plan, existing, lookups)

    if year_count:
        year_rows = [(n, c) for n, c in enumerate(years_sheet.rows, start=2) if any(c)]
        years_sheet.rows = []
        _plan_years(
            years_sheet, year_rows, parsed, existing, plan, report, lookups, progress, firm_count
        )

    # Counts and the row-by-row preview.
    created_codes = {f.values["credit_code"] for f in plan.creates}
    for code, firm in sorted(parsed.items(), key=lambda item: item[1].row):
        if code in created_codes:
            report.created += 1
            report.changes.append([firm.row, code, firm.values["name"], "create", None])
        elif code in plan.revisions:
            report.updated += 1
            report.changes.append(
                [firm.row, code, firm.values["name"], "update", _readable(plan.revisions[code])]
            )
        else:
            report.unchanged += 1
    progress(report.rows_total)
    return plan


def _readable(changes: dict) -> list[list[str]]:
    """A revision's changes for the preview: [label, old, new], in Chinese."""
    return [[row["label"], row["old"], row["new"]] for row in change_rows(changes)]


def _compare(firm: _FirmRow, old: _OldFirm | None, plan: _Plan, existing, lookups) -> None:
    code = firm.values["credit_code"]
    if old is None:
        plan.creates.append(firm)
        return
    existing[code] = old.pk
    changed = [f for f, v in firm.values.items() if old.get(f) != v]
    if changed:
        plan.updates.append((firm, old, changed))
        plan.revisions[code] = {
            f: [_raw(f, old.get(f), lookups), _raw(f, firm.values[f], lookups, firm.town_name)]
            for f in changed
        }


def _plan_years(sheet, rows, parsed, existing, plan, report, lookups, progress, offset):
    index = _column_index(sheet, EnterpriseYearResource, report)
    if index is None:
        return
    known_elsewhere = _ids_by_code(
        {credit_code_normalise(cells[index["credit_code"]]) for _n, cells in rows} - set(parsed)
    )
    old_years = _existing_years([*existing.values(), *known_elsewhere.values()])
    seen: dict[tuple[str, int], int] = {}
    for done, (row_no, cells) in enumerate(rows, start=1):
        if done % BATCH == 0:
            progress(offset + done)
        errors_before = report.error_count

        def err(field_name, message, row_no=row_no):
            report.add_error(sheet.name, row_no, YEAR_HEADERS[field_name], message)

        code = credit_code_normalise(cells[index["credit_code"]])
        firm_id = existing.get(code) or known_elsewhere.get(code)
        if not code:
            err("credit_code", _("The credit code is missing."))
        elif code not in parsed and firm_id is None:
            err(
                "credit_code",
                _("No firm with credit code %(code)s in sheet one or in the registry.")
                % {"code": code},
            )
        year_text = normalise(cells[index["year"]]).removesuffix("年")
        year = None
        if not year_text.isdigit() or not 1990 <= int(year_text) <= 2100:
            err(
                "year",
                _("Not a year between 1990 and 2100: %(value)s.")
                % {"value": year_text or _("(empty)")},
            )
        else:
            year = int(year_text)
        values = {}
        for field_name in YEAR_FIELDS:
            position = index.get(field_name)
            if position is None:
                continue
            text = normalise(cells[position]).replace(" ", "")
            if not text:
                values[field_name] = None
                continue
            try:
                if field_name == "employees":
                    number = _decimal(text)
                    if number != number.to_integral_value() or number < 0:
                        raise InvalidOperation
                    values[field_name] = int(number)
                else:
                    number = _decimal(text)
                    if abs(number) >= Decimal("1e12") or (field_name != "profit" and number < 0):
                        raise InvalidOperation
                    values[field_name] = number
            except (InvalidOperation, ValueError):
                err(field_name, _("Not a valid number: %(value)s.") % {"value": text})
        if year is not None and code:
            key = (code, year)
            if key in seen:
                err(
                    "year",
                    _("Year %(year)d of this firm already appears in row %(row)d.")
                    % {"year": year, "row": seen[key]},
                )
            seen[key] = row_no
        if report.error_count > errors_before:
            continue
        old = old_years.get((firm_id, year)) if firm_id else None
        label = year_key(year)
        if code in parsed and code not in existing:
            # Figures of a firm this file creates: part of its first state, not a change.
            plan.year_creates.append((code, year, values))
            report.years_created += 1
            continue
        if old is None:
            plan.year_creates.append((code, year, values))
            report.years_created += 1
            change = {f: ["", _raw(f, v, lookups)] for f, v in values.items() if v is not None}
        else:
            changed = [f for f, v in values.items() if old[f] != v]
            if not changed:
                report.years_unchanged += 1
                continue
            plan.year_updates.append((old["id"], values, changed))
            report.years_updated += 1
            change = {f: [_raw(f, old[f], lookups), _raw(f, values[f], lookups)] for f in changed}
        plan.revisions.setdefault(code, {})[label] = change


# --- Writing ---------------------------------------------------------------------------------


CREATE_FIELDS = PROFILE_FIELDS
CREATE_DEFAULTS = {
    "address": "",
    "industry": None,
    "industry_code": "",
    "is_tech": False,
    "legal_representative": "",
    "contact_person": "",
    "contact_phone": "",
    "status": Enterprise.Status.OPERATING,
}


def _ids_by_code(codes) -> dict[str, int]:
    found = {}
    for chunk in _chunks(codes, 5000):
        found.update(
            Enterprise.objects.filter(credit_code__in=chunk).values_list("credit_code", "id")
        )
    return found


def _write(plan: _Plan, *, actor: User | None, source_name: str, source: str) -> None:
    now = timezone.now()
    stamp = db_datetime(now)
    ids = reserve_ids(Enterprise, len(plan.creates))
    bulk_insert(
        Enterprise,
        ["id", *CREATE_FIELDS, "created_at", "updated_at"],
        (
            (pk, *(firm.values.get(f, CREATE_DEFAULTS.get(f)) for f in CREATE_FIELDS), stamp, stamp)
            for pk, firm in zip(ids, plan.creates, strict=True)
        ),
    )
    created_ids = {
        firm.values["credit_code"]: pk for pk, firm in zip(ids, plan.creates, strict=True)
    }

    update_fields = sorted({f for _firm, _old, changed in plan.updates for f in changed})
    for chunk in _chunks(plan.updates, 500):
        objs = []
        for firm, old, _changed in chunk:
            obj = Enterprise(id=old.pk, updated_at=now)
            for f in update_fields:
                attr = "town_id" if f == "town" else "industry_id" if f == "industry" else f
                setattr(obj, attr, firm.values[f] if f in firm.values else old.get(f))
            objs.append(obj)
        Enterprise.objects.bulk_update(objs, [*update_fields, "updated_at"])

    firm_ids = {firm.values["credit_code"]: old.pk for firm, old, _c in plan.updates}
    firm_ids.update(created_ids)
    # Firms touched only through their yearly figures (unchanged on sheet one, or only on the
    # 年度数据 sheet) need their ids too.
    missing = ({code for code, _y, _v in plan.year_creates} | set(plan.revisions)) - set(firm_ids)
    if missing:
        firm_ids.update(_ids_by_code(missing))
    bulk_insert(
        EnterpriseYear,
        ["enterprise", "year", *YEAR_FIELDS],
        (
            (firm_ids[code], year, *(values.get(f) for f in YEAR_FIELDS))
            for code, year, values in plan.year_creates
        ),
    )
    year_fields = sorted({f for _id, _v, changed in plan.year_updates for f in changed})
    for chunk in _chunks(plan.year_updates, 500):
        objs = []
        for year_id, values, _changed in chunk:
            obj = EnterpriseYear(id=year_id)
            for f in year_fields:
                setattr(obj, f, values.get(f))
            objs.append(obj)
        EnterpriseYear.objects.bulk_update(objs, year_fields)

    actor_id = actor.pk if actor is not None else None
    name = source_name[:200]
    bulk_insert(
        EnterpriseRevision,
        ["enterprise", "created_at", "actor", "source", "source_name", "created", "changes"],
        itertools.chain(
            # A new firm's history starts with one "created" row and no values: its first
            # values are its current ones, or the "old" side of the first later change.
            ((pk, stamp, actor_id, source, name, True, "{}") for pk in created_ids.values()),
            (
                (
                    firm_ids[code],
                    stamp,
                    actor_id,
                    source,
                    name,
                    False,
                    json.dumps(changes, ensure_ascii=False),
                )
                for code, changes in plan.revisions.items()
            ),
        ),
    )


def enterprises_import(
    *,
    content: bytes,
    file_name: str,
    actor: User | None,
    commit: bool,
    progress: Callable[[int], None] = lambda done: None,
    source: str = EnterpriseRevision.Source.IMPORT,
    ip_address: str | None = None,
) -> Report:
    """Check a firm list and, with ``commit`` and no error, import it. Never half-writes."""
    report = Report()
    try:
        sheets = read_table(content)
    except TableError as exc:
        report.file_error = str(exc)
        return report
    if not commit:
        _plan(sheets, report, progress)
        return report
    try:
        with transaction.atomic():
            plan = _plan(sheets, report, progress, lock=True)
            if plan is None or not report.ok:
                return report
            _write(plan, actor=actor, source_name=file_name, source=source)
            audit_record(
                actor=actor,
                action=audit.IMPORTED,
                object_type="enterprises.enterprise",
                object_repr=file_name[:200],
                after={
                    "file": file_name,
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "years_created": report.years_created,
                    "years_updated": report.years_updated,
                },
                ip_address=ip_address,
            )
            report.committed = True
    except IntegrityError:
        report.file_error = _(
            "Another import changed the same firms at the same moment; nothing was written. "
            "Import the file again."
        )
        report.committed = False
    return report
