"""The plan: every row compared with the registry, looked up once per import."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from core.tabular import Sheet

from ..codes import (
    credit_code_normalise,
    normalise,
)
from ..history import change_rows, raw_value, year_key
from ..models import Enterprise, EnterpriseYear
from ..resources import EnterpriseResource, EnterpriseYearResource
from .rows import (
    BATCH,
    FIRM_FIELDS,
    HEADERS,
    YEAR_FIELDS,
    YEAR_HEADERS,
    YEARS_SHEET,
    Report,
    _column_index,
    _decimal,
    _FirmRow,
    _Lookups,
    _lookups,
    _parse_firm_row,
)

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


def _ids_by_code(codes) -> dict[str, int]:
    found = {}
    for chunk in _chunks(codes, 5000):
        found.update(
            Enterprise.objects.filter(credit_code__in=chunk).values_list("credit_code", "id")
        )
    return found
