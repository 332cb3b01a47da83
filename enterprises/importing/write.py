"""Writing a checked plan: bulk statements in batches, inside the caller's transaction."""

import itertools
import json

from django.utils import timezone

from core.bulk import bulk_insert, db_datetime, reserve_ids
from core.models import User

from ..models import PROFILE_FIELDS, Enterprise, EnterpriseRevision, EnterpriseYear
from .plan import _chunks, _ids_by_code, _Plan
from .rows import YEAR_FIELDS

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
