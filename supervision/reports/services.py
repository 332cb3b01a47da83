"""The writes: create, change, delete and publish bulletins and evaluations."""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import (
    Max,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import User
from core.services import audit_record

from ..models_reports import WEIGHT_FIELDS, Bulletin, Evaluation, EvaluationScore
from ..periods import Period, period_parse
from .access import _office_check
from .common import (
    BULLETIN_CREATED,
    BULLETIN_DELETED,
    BULLETIN_PUBLISHED,
    BULLETIN_UPDATED,
    CENT,
    DEDUCTION_CAP,
    EVALUATION_CREATED,
    EVALUATION_PUBLISHED,
    EVALUATION_UPDATED,
    RATE_WEIGHTS,
)
from .figures import _decimal, _plain, bulletin_figures, bulletin_period, evaluation_figures

# --- Bulletin services ---------------------------------------------------------------------------


def period_check(kind: str, key: str, today: datetime.date | None = None) -> Period:
    """The period a draft is for: a week or a month that has begun."""
    today = today or timezone.localdate()
    if kind not in Bulletin.PeriodKind.values:
        raise ValidationError(
            {"period_kind": ValidationError(_("Choose weekly or monthly."), code="period_kind")}
        )
    period = period_parse(key)
    if period is None or period.kind != kind:
        raise ValidationError(
            {"period": ValidationError(_("Choose a week or a month."), code="period")}
        )
    if period.start > today:
        message = _("This period has not begun yet; a bulletin reports what has happened.")
        raise ValidationError({"period": ValidationError(message, code="future")})
    return period


def _draft_locked(model, pk: int):
    """The row, locked; refused unless it is still a draft."""
    row = model.objects.select_for_update().get(pk=pk)
    if row.status != model.Status.DRAFT:
        raise ValidationError(
            _("%(what)s is already published and can no longer be changed.") % {"what": row},
            code="published",
        )
    return row


@transaction.atomic
def _period_free(period: Period, exclude_pk: int | None = None) -> None:
    """Refuse a period that already has its published bulletin."""
    published = (
        Bulletin.objects.filter(
            period_kind=period.kind, period_key=period.key, status=Bulletin.Status.PUBLISHED
        )
        .exclude(pk=exclude_pk)
        .first()
    )
    if published is not None:
        raise ValidationError(
            _("%(bulletin)s already reports %(period)s; a period is published once.")
            % {"bulletin": published, "period": period.label},
            code="period_published",
        )


def bulletin_create(
    *, actor: User, period_kind: str, period_key: str, comment: str = "", ip_address=None
) -> Bulletin:
    """A draft bulletin for a week or a month; its figures are live until it is published."""
    _office_check(actor)
    period = period_check(period_kind, period_key)
    _period_free(period)
    bulletin = Bulletin(
        period_kind=period.kind,
        period_key=period.key,
        period_start=period.start,
        period_end=period.end,
        comment=(comment or "").strip(),
        created_by=actor,
    )
    bulletin.full_clean()
    bulletin.save()
    audit_record(
        actor=actor,
        action=BULLETIN_CREATED,
        obj=bulletin,
        after={"period": period.key},
        ip_address=ip_address,
    )
    return bulletin


@transaction.atomic
def bulletin_update(
    *,
    bulletin: Bulletin,
    actor: User,
    period_kind: str,
    period_key: str,
    comment: str,
    ip_address=None,
) -> Bulletin:
    """Change a draft's period or comment; a published bulletin is refused."""
    _office_check(actor)
    locked = _draft_locked(Bulletin, bulletin.pk)
    period = period_check(period_kind, period_key)
    _period_free(period, exclude_pk=locked.pk)
    before = {"period": locked.period_key, "comment": locked.comment}
    locked.period_kind = period.kind
    locked.period_key = period.key
    locked.period_start = period.start
    locked.period_end = period.end
    locked.comment = (comment or "").strip()
    locked.full_clean()
    locked.save()
    after = {"period": locked.period_key, "comment": locked.comment}
    if before != after:
        audit_record(
            actor=actor,
            action=BULLETIN_UPDATED,
            obj=locked,
            before={k: v for k, v in before.items() if after[k] != v},
            after={k: v for k, v in after.items() if before[k] != v},
            ip_address=ip_address,
        )
    return locked


@transaction.atomic
def bulletin_delete(*, bulletin: Bulletin, actor: User, ip_address=None) -> None:
    """Discard a draft (a published bulletin stays forever)."""
    _office_check(actor)
    locked = _draft_locked(Bulletin, bulletin.pk)
    audit_record(
        actor=actor,
        action=BULLETIN_DELETED,
        obj=locked,
        before={"period": locked.period_key, "comment": locked.comment},
        ip_address=ip_address,
    )
    locked.delete()


def bulletin_publish(
    *, bulletin: Bulletin, actor: User, ip_address=None, now: datetime.datetime | None = None
) -> Bulletin:
    """Freeze a draft: compute its figures once more, store them, number it 第N期 of the year
    of publication and record who it mentions. Two publishers at once: two numbers; the same
    draft twice: the second is refused."""
    _office_check(actor)
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    current = Bulletin.objects.get(pk=bulletin.pk)
    if current.is_published:
        raise ValidationError(
            _("%(what)s is already published.") % {"what": current}, code="published"
        )
    _period_free(bulletin_period(current), exclude_pk=current.pk)
    figures = bulletin_figures(period=bulletin_period(current), today=today)
    figures["comment"] = current.comment
    figures["params"]["published_at"] = now.isoformat()
    year = today.year
    for _attempt in range(5):
        try:
            with transaction.atomic():
                number = (
                    Bulletin.objects.filter(year=year).aggregate(n=Max("number"))["n"] or 0
                ) + 1
                # As read: a draft changed meanwhile (another period, another comment) is not
                # published with figures computed for the old one.
                done = Bulletin.objects.filter(
                    pk=current.pk, status=Bulletin.Status.DRAFT, updated_at=current.updated_at
                ).update(
                    status=Bulletin.Status.PUBLISHED,
                    year=year,
                    number=number,
                    published_at=now,
                    published_by=actor,
                    snapshot=figures,
                    updated_at=now,
                )
                if not done:
                    raise ValidationError(
                        _(
                            "Someone published or changed this bulletin a moment ago; reload "
                            "the page."
                        ),
                        code="published",
                    )
                current.refresh_from_db()
                current.mentioned_units.set(figures["mentioned_unit_ids"])
                audit_record(
                    actor=actor,
                    action=BULLETIN_PUBLISHED,
                    obj=current,
                    after={
                        "number": str(current),
                        "period": current.period_key,
                        "units_mentioned": len(figures["mentioned_unit_ids"]),
                        "overdue": len(figures["overdue"]),
                    },
                    ip_address=ip_address,
                )
                return current
        except IntegrityError:
            _period_free(bulletin_period(current), exclude_pk=current.pk)  # lost to another
            continue
    raise ValidationError(_("Could not number the bulletin; try again."), code="numbering")


# --- Evaluation services -------------------------------------------------------------------------


def weights_check(data: dict) -> dict[str, Decimal]:
    """The six weights as Decimals, or a ValidationError naming each wrong one: each ≥ 0, the
    four rate weights summing to 100, deductions at most 100 points per slip."""
    errors: dict[str, list] = {}
    weights: dict[str, Decimal] = {}
    for name in WEIGHT_FIELDS:
        value = data.get(name)
        try:
            number = _decimal(value).quantize(CENT) if value not in (None, "") else None
        except (InvalidOperation, ValueError):
            number = None
        if number is None or not number.is_finite():
            errors[name] = [ValidationError(_("Enter a number."), code="required")]
        elif number < 0:
            errors[name] = [ValidationError(_("Must not be negative."), code="negative")]
        elif name.startswith("deduction_") and number > DEDUCTION_CAP:
            errors[name] = [
                ValidationError(
                    _("At most %(cap)s points per slip.") % {"cap": DEDUCTION_CAP},
                    code="too_large",
                )
            ]
        else:
            weights[name] = number
    rate_fields = [field for field, _rate in RATE_WEIGHTS]
    if all(field in weights for field in rate_fields):
        total = sum((weights[field] for field in rate_fields), Decimal(0))
        if total != 100:
            errors["__all__"] = [
                ValidationError(
                    _("The four rate weights must add up to 100; they add up to %(total)s.")
                    % {"total": _plain(total)},
                    code="sum",
                )
            ]
    if errors:
        raise ValidationError(errors)
    return weights


def year_check(year, today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = 0
    if not 2000 <= year <= today.year:
        message = _("Choose a year from 2000 to %(year)d.") % {"year": today.year}
        raise ValidationError({"year": ValidationError(message, code="year")})
    return year


def evaluation_create(*, actor: User, year, weights: dict, ip_address=None) -> Evaluation:
    """The year's evaluation, as a draft with the office's weights. One per year."""
    _office_check(actor)
    year = year_check(year)
    checked = weights_check(weights)
    existing = Evaluation.objects.filter(year=year).first()
    if existing is not None:
        raise ValidationError({"year": ValidationError(_already(existing), code="exists")})
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(year=year, created_by=actor, **checked)
            audit_record(
                actor=actor,
                action=EVALUATION_CREATED,
                obj=evaluation,
                after={k: str(v) for k, v in checked.items()},
                ip_address=ip_address,
            )
    except IntegrityError as exc:  # someone created the year's evaluation a moment ago
        message = _already(Evaluation.objects.get(year=year))
        raise ValidationError({"year": ValidationError(message, code="exists")}) from exc
    return evaluation


def _already(evaluation: Evaluation) -> str:
    if evaluation.is_published:
        return _(
            "The %(year)d evaluation was published on %(date)s; there is one evaluation per year."
        ) % {
            "year": evaluation.year,
            "date": f"{timezone.localtime(evaluation.published_at):%Y-%m-%d}",
        }
    return _("There is already a draft evaluation for %(year)d; open it to change its weights.") % {
        "year": evaluation.year
    }


@transaction.atomic
def evaluation_update(
    *, evaluation: Evaluation, actor: User, weights: dict, ip_address=None
) -> Evaluation:
    """Change a draft's weights; a published evaluation is refused."""
    _office_check(actor)
    checked = weights_check(weights)
    try:
        locked = _draft_locked(Evaluation, evaluation.pk)
    except ValidationError as exc:
        message = _already(Evaluation.objects.get(pk=evaluation.pk))
        raise ValidationError(message, code="published") from exc
    before = {k: str(v) for k, v in locked.weights().items()}
    for name, value in checked.items():
        setattr(locked, name, value)
    locked.save()
    after = {k: str(v) for k, v in locked.weights().items()}
    if before != after:
        audit_record(
            actor=actor,
            action=EVALUATION_UPDATED,
            obj=locked,
            before={k: v for k, v in before.items() if after[k] != v},
            after={k: v for k, v in after.items() if before[k] != v},
            ip_address=ip_address,
        )
    return locked


def _today() -> datetime.date:
    return timezone.localdate()


@transaction.atomic
def evaluation_publish(
    *,
    evaluation: Evaluation,
    actor: User,
    ip_address=None,
    today: datetime.date | None = None,
) -> Evaluation:
    """Freeze the year's scores: the whole table as JSON and one row per unit. Publishing
    again is refused."""
    _office_check(actor)
    current = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if current.is_published:
        raise ValidationError(_already(current), code="published")
    if _today() <= datetime.date(current.year, 12, 31):
        # Published once and frozen for good: December must be in it.
        raise ValidationError(
            _("The %(year)d evaluation can be published once the year is over, from %(day)s.")
            % {"year": current.year, "day": f"{current.year + 1}-01-01"},
            code="year_running",
        )
    weights_check(current.weights())  # the weights in the database still hold
    figures = evaluation_figures(year=current.year, weights=current.weights(), today=today)
    now = timezone.now()
    done = Evaluation.objects.filter(pk=current.pk, status=Evaluation.Status.DRAFT).update(
        status=Evaluation.Status.PUBLISHED,
        published_at=now,
        published_by=actor,
        snapshot=figures,
        updated_at=now,
    )
    if not done:
        raise ValidationError(_already(Evaluation.objects.get(pk=current.pk)), code="published")
    EvaluationScore.objects.bulk_create(
        EvaluationScore(
            evaluation=current,
            unit_id=row["unit_id"],
            kind=row["kind"],
            unit_name=row["name"],
            rank=row["rank"],
            ranked=row["ranked"],
            score=Decimal(row["score"]),
            components=row,
        )
        for rows in figures["groups"].values()
        for row in rows
    )
    current.refresh_from_db()
    audit_record(
        actor=actor,
        action=EVALUATION_PUBLISHED,
        obj=current,
        after={
            "year": current.year,
            "units": sum(len(rows) for rows in figures["groups"].values()),
            **figures["params"]["weights"],
        },
        ip_address=ip_address,
    )
    return current
