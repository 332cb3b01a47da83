"""The plan: every checked row compared with the open pairings, and the bulk writes."""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from core.tabular import Sheet
from enterprises.codes import credit_code_normalise
from enterprises.importing.rows import MAX_LISTED_ERRORS as MAX_LISTED_ENDINGS

from ..models import Pairing
from .rows import (
    COLUMNS,
    HEADERS,
    Report,
    _chunks,
    _column_index,
    _lookups,
    _parse_row,
    _Row,
    _word_key,
    mobile_normalise,
)

# --- The plan --------------------------------------------------------------------------------


@dataclass
class _Plan:
    creates: list = field(default_factory=list)  # _Row
    updates: list = field(default_factory=list)  # (pairing id, _Row)
    ends: list = field(default_factory=list)  # (pairing id, end date)


def _open_pairings(firm_ids, *, everywhere: bool, lock: bool) -> Iterator[tuple]:
    """The open pairings to compare with: of the file's firms, or all with ``everywhere``.
    ``lock`` (when committing) holds them until the import's transaction ends."""
    rows = Pairing.objects.filter(end_date__isnull=True)
    if lock:
        rows = rows.select_for_update(of=("self",))
    columns = ["id", "enterprise_id", "cadre_id", "unit_id", "tier", "start_date"]
    columns += ["enterprise__credit_code", "enterprise__name", "cadre__name", "unit__name"]
    if everywhere:
        yield from rows.order_by("enterprise__name", "tier", "id").values_list(*columns)
        return
    for chunk in _chunks(firm_ids):
        yield from rows.filter(enterprise_id__in=chunk).values_list(*columns)


def _plan(
    sheets: list[Sheet], report: Report, *, end_unlisted: bool, lock: bool = False
) -> _Plan | None:
    if not sheets or not sheets[0].headers:
        report.file_error = _("The file is empty.")
        return None
    sheet = sheets[0]
    index = _column_index(sheet, report)
    if index is None:
        return None
    rows = [
        (row_no, {name: cells[index[name]] if name in index else "" for name in COLUMNS})
        for row_no, cells in enumerate(sheet.rows, start=2)
        if any(cells)
    ]
    report.rows_total = len(rows)
    if not rows:
        report.file_error = _("The sheet has headers but no pairing in it.")
        return None

    lookups = _lookups(
        codes={credit_code_normalise(cells["credit_code"]) for _n, cells in rows},
        unit_names={cells["unit"] for _n, cells in rows},
        mobiles={mobile_normalise(cells["mobile"]) for _n, cells in rows if cells["mobile"]},
    )
    today = timezone.localdate()
    parsed: dict[tuple[int, int], _Row] = {}
    first_row: dict[tuple, int] = {}
    for row_no, cells in rows:
        row = _parse_row(row_no, cells, lookups, report, today)
        code = credit_code_normalise(cells["credit_code"])
        # A pair is the same firm and cadre: by account when resolved, else as written.
        key = (code, row.cadre.id) if row else (code, _word_key(cells["cadre"]))
        if code and key[1] and key in first_row:
            report.add_error(
                row_no,
                HEADERS["cadre"],
                _("This firm and cadre already appear in row %(row)d.") % {"row": first_row[key]},
            )
            continue
        first_row.setdefault(key, row_no)
        if row is not None:
            parsed[(row.firm_id, row.cadre.id)] = row
    if not report.ok:
        return None

    plan = _Plan()
    tier_labels = dict(Pairing.Tier.choices)
    firm_ids = {firm_id for firm_id, _cadre in parsed}
    seen = set()
    for pk, firm_id, cadre_id, unit_id, tier, start, code, firm, cadre, unit_name in _open_pairings(
        firm_ids, everywhere=end_unlisted, lock=lock
    ):
        row = parsed.get((firm_id, cadre_id))
        if row is not None:
            seen.add((firm_id, cadre_id))
            details = []
            if row.tier != tier:
                details.append(
                    [HEADERS["tier"], str(tier_labels[tier]), str(tier_labels[row.tier])]
                )
            if row.unit.pk != unit_id:
                details.append([HEADERS["unit"], unit_name, row.unit.name])
            if details:
                plan.updates.append((pk, row))
                report.changes.append(_change(row, "update", details, tier_labels))
            else:
                report.unchanged += 1
        elif end_unlisted:
            # No longer in force from today; one that has not started yet never comes into
            # force (it ends on its first day).
            plan.ends.append((pk, max(today, start)))
            if len(report.ending) < MAX_LISTED_ENDINGS:
                report.ending.append(
                    [code, firm, cadre, unit_name, str(tier_labels[tier]), start.isoformat()]
                )
    for key, row in parsed.items():
        if key not in seen:
            plan.creates.append(row)
            report.changes.append(_change(row, "create", None, tier_labels))
    report.changes.sort(key=lambda change: change[0])
    report.created, report.updated, report.ended = (
        len(plan.creates),
        len(plan.updates),
        len(plan.ends),
    )
    report.fingerprint = _fingerprint(plan)
    return plan


def _fingerprint(plan: _Plan) -> str:
    parts = sorted(
        [f"c:{r.firm_id}:{r.cadre.id}:{r.unit.pk}:{r.tier}" for r in plan.creates]
        + [f"u:{pk}:{r.unit.pk}:{r.tier}" for pk, r in plan.updates]
        + [f"e:{pk}" for pk, _end in plan.ends]
    )
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _change(row: _Row, action: str, details, tier_labels) -> list:
    return [
        row.row,
        row.code,
        row.firm_name,
        row.cadre.name,
        row.unit.name,
        str(tier_labels[row.tier]),
        action,
        details,
    ]


def _write(plan: _Plan) -> None:
    now = timezone.now()
    Pairing.objects.bulk_create(
        [
            Pairing(
                enterprise_id=row.firm_id,
                cadre_id=row.cadre.id,
                unit_id=row.unit.pk,
                tier=row.tier,
                start_date=row.start_date,
            )
            for row in plan.creates
        ],
        batch_size=500,
    )
    Pairing.objects.bulk_update(
        [
            Pairing(id=pk, tier=row.tier, unit_id=row.unit.pk, updated_at=now)
            for pk, row in plan.updates
        ],
        ["tier", "unit", "updated_at"],
        batch_size=500,
    )
    Pairing.objects.bulk_update(
        [Pairing(id=pk, end_date=end, updated_at=now) for pk, end in plan.ends],
        ["end_date", "updated_at"],
        batch_size=500,
    )
