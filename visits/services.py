"""Writes for campaigns and visit surveys. Problems are recorded through the issues services;
yearly figures through the registry's."""

import datetime
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import Unit, User
from core.services import audit_record
from enterprises.models import Enterprise, EnterpriseRevision
from enterprises.services import enterprise_year_figures_record
from issues.models import Problem
from issues.services import problem_create

from . import audit
from .models import Campaign, CampaignTarget, Pairing, Visit, VisitProblem

OLDEST_VISIT_DAYS = 366

# The survey fields a draft holds; all are optional except the date.
VISIT_FIELDS = [
    "campaign",
    "visit_date",
    "companions",
    "met_principal",
    "orders_trend",
    "orders_note",
    "vacancies",
    "talent_need",
    "automation",
    "financing_amount",
    "financing_purpose",
    "tech_upgrade",
    "sales",
    "employees",
    "profit",
    "opinions",
]


# --- Campaigns -------------------------------------------------------------------------------


def _targets_build(campaign: Campaign) -> int:
    """Choose the campaign's target firms by its filter and give each the unit answering for it
    through its pairing (city leader before department before town)."""
    firms = Enterprise.objects.filter(status=Enterprise.Status.OPERATING)
    if campaign.size_classes:
        firms = firms.filter(size_class__in=campaign.size_classes)
    town_ids = list(campaign.towns.values_list("pk", flat=True))
    if town_ids:
        firms = firms.filter(town__in=town_ids)
    pairings = Pairing.objects.active(max(campaign.start_date, timezone.localdate()))
    if campaign.tiers:
        pairings = pairings.filter(tier__in=campaign.tiers)
        firms = firms.filter(pk__in=pairings.values("enterprise_id"))
    priority = {tier: i for i, tier in enumerate(Pairing.TIER_PRIORITY)}
    answering: dict[int, tuple[str, int]] = {}
    for firm_id, tier, unit_id in (
        pairings.filter(enterprise__in=firms)
        .order_by("pk")
        .values_list("enterprise_id", "tier", "unit_id")
    ):
        held = answering.get(firm_id)
        if held is None or priority[tier] < priority[held[0]]:
            answering[firm_id] = (tier, unit_id)
    targets = []
    for firm_id in firms.values_list("pk", flat=True).iterator(chunk_size=2000):
        tier, unit_id = answering.get(firm_id, ("", None))
        targets.append(
            CampaignTarget(campaign=campaign, enterprise_id=firm_id, unit_id=unit_id, tier=tier)
        )
    CampaignTarget.objects.bulk_create(targets, batch_size=2000)
    return len(targets)


def _campaign_check(campaign: Campaign) -> None:
    errors = {}
    if campaign.start_date and campaign.end_date and campaign.end_date < campaign.start_date:
        errors["end_date"] = _("The end date is before the start date.")
    bad_sizes = set(campaign.size_classes) - set(Enterprise.SizeClass.values)
    bad_tiers = set(campaign.tiers) - set(Pairing.Tier.values)
    if bad_sizes:
        errors["size_classes"] = _("Unknown size class.")
    if bad_tiers:
        errors["tiers"] = _("Unknown pairing tier.")
    if errors:
        raise ValidationError(errors)
    campaign.full_clean()


@transaction.atomic
def campaign_create(
    *,
    name: str,
    start_date: datetime.date,
    end_date: datetime.date,
    description: str = "",
    size_classes: list[str],
    tiers: list[str],
    towns: list[Unit],
    actor: User,
    ip_address: str | None = None,
) -> Campaign:
    """A campaign and its target firms, chosen once by the filter (firms added to the registry
    later do not move its coverage)."""
    campaign = Campaign(
        name=name.strip(),
        start_date=start_date,
        end_date=end_date,
        description=description,
        size_classes=sorted(size_classes),
        tiers=sorted(tiers),
        created_by=actor,
    )
    _campaign_check(campaign)
    try:
        with transaction.atomic():
            campaign.save()
    except IntegrityError as exc:  # the same name saved a moment ago by someone else
        raise ValidationError({"name": _("A campaign with this name already exists.")}) from exc
    campaign.towns.set(towns)
    count = _targets_build(campaign)
    audit_record(
        actor=actor,
        action=audit.CAMPAIGN_CREATED,
        obj=campaign,
        after={**_campaign_values(campaign), "targets": count},
        ip_address=ip_address,
    )
    return campaign


def _campaign_values(campaign: Campaign) -> dict:
    return {
        "name": campaign.name,
        "description": campaign.description,
        "start_date": campaign.start_date.isoformat(),
        "end_date": campaign.end_date.isoformat(),
        "size_classes": campaign.size_classes,
        "tiers": campaign.tiers,
        "towns": sorted(campaign.towns.values_list("name", flat=True)),
    }


def campaign_has_visits(campaign: Campaign) -> bool:
    return campaign.visits.exists()


@transaction.atomic
def campaign_update(
    *,
    campaign: Campaign,
    name: str,
    start_date: datetime.date,
    end_date: datetime.date,
    description: str = "",
    size_classes: list[str],
    tiers: list[str],
    towns: list[Unit],
    actor: User,
    ip_address: str | None = None,
) -> Campaign:
    """Rename or re-date a campaign at any time; change which firms it targets only while no
    visit has been filed under it (its coverage would otherwise silently change)."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    before = _campaign_values(campaign)
    new_filter = (sorted(size_classes), sorted(tiers), sorted(u.pk for u in towns))
    old_filter = (
        sorted(campaign.size_classes),
        sorted(campaign.tiers),
        sorted(campaign.towns.values_list("pk", flat=True)),
    )
    filter_changed = new_filter != old_filter
    if filter_changed and campaign_has_visits(campaign):
        raise ValidationError(
            _(
                "Visits have already been filed under this campaign, so its target firms can no "
                "longer change. Create a new campaign instead."
            )
        )
    if (
        campaign.visits.filter(visit_date__lt=start_date).exists()
        or campaign.visits.filter(visit_date__gt=end_date).exists()
    ):
        raise ValidationError(
            _("Visits filed under this campaign fall outside the new period; keep them inside it.")
        )
    campaign.name = name.strip()
    campaign.start_date = start_date
    campaign.end_date = end_date
    campaign.description = description
    campaign.size_classes = sorted(size_classes)
    campaign.tiers = sorted(tiers)
    _campaign_check(campaign)
    campaign.save()
    if filter_changed:
        campaign.towns.set(towns)
        campaign.targets.all().delete()
        _targets_build(campaign)
    after = _campaign_values(campaign)
    changed = {k for k in after if after[k] != before[k]}
    if changed:
        audit_record(
            actor=actor,
            action=audit.CAMPAIGN_UPDATED,
            obj=campaign,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
            ip_address=ip_address,
        )
    return campaign


# --- Visit surveys ---------------------------------------------------------------------------


def _pairing_required(author: User, enterprise: Enterprise, on=None) -> None:
    """The author was paired with the firm on the day (default today)."""
    if not Pairing.objects.active(on).filter(cadre=author, enterprise=enterprise).exists():
        raise ValidationError(
            _(
                "You are not paired with %(firm)s, so you cannot file a visit survey for it. If "
                "you should be, ask the activity office to record the pairing."
            )
            % {"firm": enterprise.name}
        )


def _visit_check(visit: Visit) -> None:
    """What must hold for a draft as well as a submitted survey."""
    errors = {}
    today = timezone.localdate()
    if visit.visit_date and visit.visit_date > today:
        errors["visit_date"] = _("The visit date is in the future; enter the day you visited.")
    elif visit.visit_date and visit.visit_date < today - datetime.timedelta(days=OLDEST_VISIT_DAYS):
        errors["visit_date"] = _(
            "The visit date is more than a year ago; check it (a survey is filed soon after "
            "the visit)."
        )
    if visit.campaign_id and visit.visit_date:
        campaign = visit.campaign
        if not campaign.start_date <= visit.visit_date <= campaign.end_date:
            errors["campaign"] = _(
                "The visit date is outside the campaign's period (%(start)s to %(end)s)."
            ) % {"start": campaign.start_date, "end": campaign.end_date}
        elif not campaign.targets.filter(enterprise=visit.enterprise_id).exists():
            errors["campaign"] = _("This firm is not one of the campaign's target firms.")
    if errors:
        raise ValidationError(errors)
    visit.full_clean(exclude=["client_token"])


def _problems_check(problems: list[dict]) -> list[VisitProblem]:
    rows = []
    for position, data in enumerate(problems, start=1):
        description = (data.get("description") or "").strip()
        if not description:
            raise ValidationError(
                _("Problem %(n)d has no description; describe it or remove it.") % {"n": position}
            )
        row = VisitProblem(
            position=position,
            description=description,
            category=data.get("category") or "",
            urgency=data.get("urgency") or VisitProblem._meta.get_field("urgency").default,
        )
        try:
            row.full_clean(exclude=["visit", "problem"])
        except ValidationError as exc:
            raise ValidationError(
                _("Problem %(n)d: %(errors)s")
                % {
                    "n": position,
                    "errors": "；".join(m for ms in exc.message_dict.values() for m in ms),
                }
            ) from exc
        rows.append(row)
    return rows


def _visit_by_token(client_token: uuid.UUID | None, author: User) -> Visit | None:
    """The survey a form with this token already made, if any (only its author may reuse it)."""
    if client_token is None:
        return None
    existing = Visit.objects.filter(client_token=client_token).first()
    if existing is not None and existing.author_id != author.pk:
        raise ValidationError(_("This form has expired; open it again."))
    return existing


@transaction.atomic
def visit_save(
    *,
    visit: Visit | None,
    enterprise: Enterprise,
    author: User,
    fields: dict,
    problems: list[dict],
    client_token: uuid.UUID | None = None,
    ip_address: str | None = None,
) -> Visit:
    """Create or update a draft survey with its problems, all or nothing.

    A new survey carries the token its form was shown with: a second POST of the same form (a
    double click, a resend after a lost reply) updates the draft the first one made instead of
    making a second survey; once that survey is submitted, the resend is refused with a clear
    message and the form keeps what was typed."""
    if visit is None:
        existing = _visit_by_token(client_token, author)
        if existing is not None:
            if not existing.is_draft:
                raise ValidationError(
                    _(
                        "This form was already submitted as the survey of %(date)s, which can "
                        "no longer change. Open a new survey to record anything further."
                    )
                    % {"date": existing.visit_date.isoformat()}
                )
            visit = existing
    if visit is None:
        _pairing_required(author, enterprise)
        visit = Visit(
            enterprise=enterprise,
            author=author,
            author_unit_id=author.unit_id,
            client_token=client_token or uuid.uuid4(),
        )
        created = True
    else:
        visit = Visit.objects.select_for_update().get(pk=visit.pk)
        if visit.author_id != author.pk:
            raise ValidationError(_("Only the cadre who filed this survey may change it."))
        if not visit.is_draft:
            raise ValidationError(_("This survey has been submitted and can no longer be changed."))
        created = False
    unknown = set(fields) - set(VISIT_FIELDS)
    if unknown:
        raise ValueError(f"not survey fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(visit, name, value)
    _visit_check(visit)
    rows = _problems_check(problems)
    try:
        with transaction.atomic():
            visit.save()
    except IntegrityError:
        # Two POSTs of the same form at once: the other one inserted this token after the
        # lookup above. Apply this one to the draft it made rather than fail.
        existing = _visit_by_token(client_token, author) if created else None
        if existing is None:
            raise
        return visit_save(
            visit=existing,
            enterprise=enterprise,
            author=author,
            fields=fields,
            problems=problems,
            ip_address=ip_address,
        )
    visit.problems.all().delete()  # a draft's problems are replaced as a whole
    for row in rows:
        row.visit = visit
    VisitProblem.objects.bulk_create(rows)
    if created:
        audit_record(
            actor=author,
            action=audit.VISIT_DRAFTED,
            obj=visit,
            after={"enterprise": enterprise.pk, "visit_date": str(visit.visit_date)},
            ip_address=ip_address,
        )
    return visit


def _raised_at(visit_date: datetime.date) -> datetime.datetime:
    """Problems are dated by the visit: now when filed the same day, else that day's start."""
    now = timezone.localtime()
    if visit_date == now.date():
        return now
    return timezone.make_aware(datetime.datetime.combine(visit_date, datetime.time()))


@transaction.atomic
def visit_submit(*, visit: Visit, actor: User, ip_address: str | None = None) -> Visit:
    """Submit a draft: its problems go to the office's sorting inbox, the campaign counts the
    firm as visited, and this year's figures update the firm's file. Submitting twice does
    nothing the second time."""
    # Lock only the survey: PostgreSQL refuses FOR UPDATE on the nullable side of the outer
    # join to the campaign.
    visit = (
        Visit.objects.select_for_update(of=("self",))
        .select_related("enterprise", "campaign")
        .get(pk=visit.pk)
    )
    if visit.author_id != actor.pk:
        raise ValidationError(_("Only the cadre who filed this survey may submit it."))
    if not visit.is_draft:
        return visit
    # Paired on the day of the visit: a pairing ended since does not strand the draft.
    _pairing_required(actor, visit.enterprise, on=visit.visit_date)
    _visit_check(visit)
    rows = list(visit.problems.order_by("position", "pk"))
    raised_at = _raised_at(visit.visit_date)
    for row in rows:
        row.problem = problem_create(
            enterprise=visit.enterprise,
            channel=Problem.Channel.VISIT,
            description=row.description,
            category=row.category,
            urgency=row.urgency,
            raised_by=actor,
            raised_at=raised_at,
            met_face_to_face=visit.met_principal,
            ip_address=ip_address,
        )
    VisitProblem.objects.bulk_update(rows, ["problem"])
    visit.status = Visit.Status.SUBMITTED
    visit.submitted_at = timezone.now()
    visit.save(update_fields=["status", "submitted_at", "updated_at"])
    if visit.campaign_id:
        CampaignTarget.objects.filter(
            campaign=visit.campaign_id, enterprise=visit.enterprise_id, visit__isnull=True
        ).update(visit=visit, visited_on=visit.visit_date)
    # The latest visit's figures stand for the year: a survey filed late about an earlier
    # visit does not overwrite what a later visit reported.
    newer = (
        Visit.objects.filter(
            enterprise=visit.enterprise_id,
            status=Visit.Status.SUBMITTED,
            visit_date__year=visit.visit_date.year,
            visit_date__gt=visit.visit_date,
        )
        .exclude(pk=visit.pk)
        .exists()
    )
    if not newer:
        enterprise_year_figures_record(
            enterprise=visit.enterprise,
            year=visit.visit_date.year,
            figures={"sales": visit.sales, "employees": visit.employees, "profit": visit.profit},
            actor=actor,
            source=EnterpriseRevision.Source.VISIT,
            source_name=_("Visit survey of %(date)s") % {"date": visit.visit_date.isoformat()},
        )
    audit_record(
        actor=actor,
        action=audit.VISIT_SUBMITTED,
        obj=visit,
        after={
            "enterprise": visit.enterprise_id,
            "visit_date": visit.visit_date.isoformat(),
            "met_principal": visit.met_principal,
            "problems": [row.problem_id for row in rows],
        },
        ip_address=ip_address,
    )
    return visit


@transaction.atomic
def visit_discard(*, visit: Visit, actor: User, ip_address: str | None = None) -> Visit:
    """Set a draft aside (作废): it leaves the cadre's drafts but is kept, as everything is."""
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if visit.author_id != actor.pk:
        raise ValidationError(_("Only the cadre who filed this survey may discard it."))
    if not visit.is_draft:
        raise ValidationError(_("A submitted survey cannot be discarded."))
    visit.status = Visit.Status.DISCARDED
    visit.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action=audit.VISIT_DISCARDED, obj=visit, ip_address=ip_address)
    return visit
