"""Reading one row of a pairing list: the words lists use, the lookups made once per import,
and the checks that make each row's Chinese error messages."""

import datetime
import re
import unicodedata
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _

from core.models import Unit, User
from core.tabular import Sheet, header_normalise
from enterprises.codes import credit_code_error, credit_code_normalise, normalise
from enterprises.importing.rows import MAX_LISTED_ERRORS
from enterprises.models import Enterprise

from ..models import Pairing

CHUNK = 2000

# Field -> the header the template uses (also the column named in messages), then the other
# headers lists are known to use. Headers are compared after ``header_normalise``.
COLUMNS = {
    "credit_code": ["统一社会信用代码", "信用代码"],
    "name": ["企业名称"],
    "tier": ["挂钩层级", "层级"],
    "unit": ["挂钩单位"],
    "cadre": ["联系干部", "挂钩干部", "干部姓名"],
    "mobile": ["干部手机", "干部手机号", "手机", "手机号码"],
    "start_date": ["开始日期", "挂钩开始日期"],
}
HEADERS = {name: headers[0] for name, headers in COLUMNS.items()}
OPTIONAL = {"start_date"}

# The words lists use for a tier, as they are written (shown in messages and the template).
TIER_WORDS = {
    Pairing.Tier.CITY_LEADER: ["市领导", "市级领导", "市领导挂钩"],
    Pairing.Tier.DEPARTMENT: ["部门", "部门挂钩", "市级部门"],
    Pairing.Tier.TOWN: ["镇街", "镇（街道）", "镇街道", "乡镇街道", "属地"],
}


def _word_key(text) -> str:
    """NFKC (full-width brackets and letters → half-width), every space removed."""
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split())


_TIER_BY_WORD = {_word_key(w): tier for tier, words in TIER_WORDS.items() for w in words}
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")


def mobile_normalise(value) -> str:
    """Digits only, the country code dropped: "+86 138-1234-5678" → "13812345678"."""
    digits = re.sub(r"[\s\-()]", "", normalise(value))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def date_parse(text: str) -> datetime.date:
    """2025-03-01, 2025/3/1, 2025.3.1, 2025年3月1日, 20250301 or an Excel day number.
    Raises ValueError."""
    text = normalise(text)
    match = _DATE.match(text)
    if match:
        return datetime.date(*(int(part) for part in match.groups()))
    if text.isdigit() and len(text) == 8:
        return datetime.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    if text.isdigit() and 20_000 <= int(text) <= 80_000:  # a date cell read as a number
        return datetime.date(1899, 12, 30) + datetime.timedelta(days=int(text))
    raise ValueError(text)


# --- The report ------------------------------------------------------------------------------


@dataclass
class RowError:
    row: int  # as Excel shows it: the header is row 1
    column: str
    message: str

    def as_list(self) -> list:
        return [self.row, self.column, self.message]


@dataclass
class Report:
    rows_total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ended: int = 0
    end_unlisted: bool = False
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    # [excel row, credit code, firm, cadre, unit, tier label, "create" | "update",
    #  [[column, old, new], ...]]
    changes: list[list] = field(default_factory=list)
    # The open pairings the file does not list, ended with ``end_unlisted`` (the first ones):
    # [credit code, firm, cadre, unit, tier label, start date]
    ending: list[list] = field(default_factory=list)
    file_error: str = ""
    committed: bool = False
    # What the plan would write, summed up: confirming refuses a plan that differs from the
    # one previewed (someone changed pairings in between).
    fingerprint: str = ""
    changed_since_preview: bool = False

    @property
    def ok(self) -> bool:
        return not self.error_count and not self.file_error

    def add_error(self, row: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append(RowError(row, column, message))

    def as_dict(self) -> dict:
        return {
            "rows_total": self.rows_total,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "ended": self.ended,
            "end_unlisted": self.end_unlisted,
            "error_count": self.error_count,
            "errors": [e.as_list() for e in self.errors],
            "changes": self.changes,
            "ending": self.ending,
            "file_error": self.file_error,
            "committed": self.committed,
            "fingerprint": self.fingerprint,
            "changed_since_preview": self.changed_since_preview,
        }


CADRE_CODENAME = "visit_paired_enterprises"

# --- Lookups, made once per import -----------------------------------------------------------


@dataclass(frozen=True)
class _Person:
    id: int
    name: str
    unit_name: str
    unit_id: int | None = None
    is_cadre: bool = True


@dataclass
class _Lookups:
    firms: dict[str, tuple[int, str]]  # credit code -> (id, registered name)
    units: dict[str, Unit]  # exact name -> unit (active or not)
    units_by_key: dict[str, list[Unit]]  # _word_key(name) -> units
    in_unit: dict[tuple[int, str], list[_Person]]  # (unit id, name key) -> active users
    by_mobile: dict[str, list[_Person]]  # mobile -> active users


def _chunks(items, size=CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _lookups(codes: set[str], unit_names: set[str], mobiles: set[str]) -> _Lookups:
    firms = {}
    for chunk in _chunks(codes):
        rows = Enterprise.objects.filter(credit_code__in=chunk).order_by()
        for pk, code, name in rows.values_list("id", "credit_code", "name"):
            firms[code] = (pk, name)
    units = {unit.name: unit for unit in Unit.objects.all()}
    units_by_key: dict[str, list[Unit]] = {}
    for unit in units.values():
        units_by_key.setdefault(_word_key(unit.name), []).append(unit)
    wanted_units = {units[n].pk for n in unit_names if n in units}
    wanted_units |= {u.pk for n in unit_names for u in units_by_key.get(_word_key(n), [])}
    users = (
        User.objects.filter(is_active=True)
        .order_by()
        .values_list("id", "name", "unit_id", "mobile")
    )
    in_unit: dict[tuple[int, str], list[_Person]] = {}
    by_mobile: dict[str, list[_Person]] = {}
    unit_names_by_id = {u.pk: u.name for u in units.values()}
    found = []
    for chunk in _chunks(wanted_units):
        found += [("unit", row) for row in users.filter(unit_id__in=chunk)]
    for chunk in _chunks(mobiles):
        found += [("mobile", row) for row in users.filter(mobile__in=chunk)]
    # Only accounts that may visit (the cadre role, or the capability given directly) pair.
    cadres = set()
    ids = list({row[0] for _how, row in found})
    for chunk in _chunks(ids):
        cadres |= set(
            User.objects.filter(pk__in=chunk)
            .filter(
                Q(groups__permissions__codename=CADRE_CODENAME)
                | Q(user_permissions__codename=CADRE_CODENAME)
                | Q(is_superuser=True)
            )
            .values_list("pk", flat=True)
        )
    for how, (pk, name, unit_id, mobile) in found:
        person = _Person(pk, name, unit_names_by_id.get(unit_id, ""), unit_id, pk in cadres)
        if how == "unit":
            in_unit.setdefault((unit_id, _word_key(name)), []).append(person)
        else:
            by_mobile.setdefault(mobile, []).append(person)
    return _Lookups(firms, units, units_by_key, in_unit, by_mobile)


# --- Reading a row ---------------------------------------------------------------------------


@dataclass
class _Row:
    row: int
    firm_id: int
    code: str
    firm_name: str
    tier: str
    unit: Unit
    cadre: _Person
    start_date: datetime.date


def _unit(text: str, lookups: _Lookups) -> Unit | None:
    if text in lookups.units:
        return lookups.units[text]
    # The same name typed with full-width brackets or stray spaces.
    matches = lookups.units_by_key.get(_word_key(text), [])
    return matches[0] if len(matches) == 1 else None


def _parse_row(row_no: int, cells: dict, lookups: _Lookups, report: Report, today) -> _Row | None:
    """One row resolved to a firm, unit and cadre, or None (its errors are in the report)."""
    errors_before = report.error_count

    def err(column, message):
        report.add_error(row_no, HEADERS[column], message)

    # The firm: a valid code in the registry, under the name the registry has.
    code = credit_code_normalise(cells["credit_code"])
    firm = None
    if not code:
        err("credit_code", _("The credit code is missing."))
    elif problem := credit_code_error(code):
        err("credit_code", problem)
    else:
        firm = lookups.firms.get(code)
        if firm is None:
            err(
                "credit_code",
                _(
                    "No firm with credit code %(code)s is in the registry. Import it with the "
                    "firm list first."
                )
                % {"code": code},
            )
    name = cells["name"]
    if not name:
        err("name", _("The enterprise name is missing."))
    elif firm is not None and _word_key(name) != _word_key(firm[1]):
        err(
            "name",
            _("The name does not match the registry: credit code %(code)s is %(registered)s.")
            % {"code": code, "registered": firm[1]},
        )

    # The tier, and a unit of the kind the tier needs.
    tier_text = cells["tier"]
    tier = _TIER_BY_WORD.get(_word_key(tier_text))
    if tier is None:
        err(
            "tier",
            _("Unknown pairing tier %(value)s. Write one of: %(words)s.")
            % {
                "value": tier_text or _("(empty)"),
                "words": "、".join(w for words in TIER_WORDS.values() for w in words),
            },
        )
    unit_text = cells["unit"]
    unit = _unit(unit_text, lookups) if unit_text else None
    if not unit_text:
        err("unit", _("The paired unit is missing."))
    elif unit is None:
        err(
            "unit",
            _("No unit is named %(name)s. The second sheet of the template lists the unit names.")
            % {"name": unit_text},
        )
    elif not unit.is_active:
        err("unit", _("The unit %(name)s is no longer active.") % {"name": unit.name})
        unit = None
    elif tier is not None and unit.kind != Pairing.TIER_UNIT_KIND[tier]:
        err(
            "unit",
            _("The paired unit %(unit)s is a %(kind)s, which does not match the tier %(tier)s.")
            % {"unit": unit.name, "kind": Unit.Kind(unit.kind).label, "tier": tier_text},
        )

    cadre = _cadre(cells["cadre"], cells["mobile"], unit, unit_text, lookups, err)

    start_date = today
    if cells["start_date"]:
        try:
            start_date = date_parse(cells["start_date"])
        except ValueError:
            err(
                "start_date",
                _("Not a date: %(value)s. Write it like 2025-03-01.")
                % {"value": cells["start_date"]},
            )

    if report.error_count > errors_before:
        return None
    return _Row(row_no, firm[0], code, firm[1], tier, unit, cadre, start_date)


def _cadre(name, mobile_text, unit, unit_text, lookups, err) -> _Person | None:
    """The contact cadre, who must belong to the paired unit and hold the visiting cadre's
    role (an account that cannot file surveys would cover a firm only on paper)."""
    person = _cadre_find(name, mobile_text, unit, unit_text, lookups, err)
    if person is None or unit is None:
        return person
    if person.unit_id != unit.pk:
        err(
            "cadre",
            _(
                "%(name)s (mobile %(mobile)s) belongs to %(their_unit)s, not to the paired unit "
                "%(unit)s. Pair the firm with that unit, or ask the administrator to move the "
                "account."
            )
            % {
                "name": person.name,
                "mobile": mobile_normalise(mobile_text),
                "their_unit": person.unit_name,
                "unit": unit.name,
            },
        )
        return None
    if not person.is_cadre:
        err(
            "cadre",
            _(
                "%(name)s's account does not have the visiting cadre role, so it cannot file "
                "visit surveys. Ask the administrator to grant the role."
            )
            % {"name": person.name},
        )
        return None
    return person


def _cadre_find(name, mobile_text, unit, unit_text, lookups, err) -> _Person | None:
    """By name among the active users of the unit; failing one match, by mobile among all
    active users. Accounts are never created here."""
    if not name:
        err("cadre", _("The contact cadre is missing."))
        return None
    key = _word_key(name)
    in_unit = lookups.in_unit.get((unit.pk, key), []) if unit else []
    if len(in_unit) == 1:
        return in_unit[0]
    mobile = mobile_normalise(mobile_text)
    if mobile_text:
        if not _MOBILE.match(mobile):
            err(
                "mobile",
                _("Not an 11-digit mainland mobile number: %(value)s.") % {"value": mobile_text},
            )
            return None
        owners = lookups.by_mobile.get(mobile, [])
        same_name = [p for p in owners if _word_key(p.name) == key]
        if len(same_name) == 1:
            return same_name[0]
        if same_name:
            err(
                "mobile",
                _(
                    "Several accounts named %(name)s have mobile %(mobile)s; ask the "
                    "administrator to correct them."
                )
                % {"name": name, "mobile": mobile},
            )
            return None
        if owners:
            err(
                "mobile",
                _("Mobile %(mobile)s belongs to %(owners)s, not to %(name)s.")
                % {
                    "mobile": mobile,
                    "owners": "、".join(f"{p.name}（{p.unit_name}）" for p in owners),
                    "name": name,
                },
            )
            return None
    if in_unit:
        if mobile_text:
            message = _(
                "%(count)d accounts in %(unit)s are named %(name)s and none has mobile "
                "%(mobile)s. Check the mobile number."
            )
        else:
            message = _(
                "%(count)d accounts in %(unit)s are named %(name)s: fill in the cadre's mobile "
                "to say which."
            )
        err(
            "mobile",
            message % {"count": len(in_unit), "unit": unit.name, "name": name, "mobile": mobile},
        )
        return None
    if unit is None and not mobile_text:
        return None  # the unit's own error says what to fix
    if mobile_text:
        message = _(
            "%(name)s has no account in %(unit)s, and no account has mobile %(mobile)s. The "
            "import does not create accounts: ask the administrator to create one, then "
            "upload the file again."
        )
    else:
        message = _(
            "%(name)s has no account in %(unit)s. The import does not create accounts: ask the "
            "administrator to create one, then upload the file again."
        )
    err("cadre", message % {"name": name, "unit": unit_text, "mobile": mobile})
    return None


def _column_index(sheet: Sheet, report: Report) -> dict[str, int] | None:
    index = {}
    for position, header in enumerate(sheet.headers):
        for name, headers in COLUMNS.items():
            if name not in index and header in {header_normalise(h) for h in headers}:
                index[name] = position
    missing = [HEADERS[name] for name in COLUMNS if name not in OPTIONAL and name not in index]
    if missing:
        report.file_error = _("The sheet lacks the required column(s): %(columns)s.") % {
            "columns": "、".join(missing)
        }
        return None
    return index
