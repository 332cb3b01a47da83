"""Reads of pairings, campaigns and visits, limited in the query to what the user may see.

Aggregates (last visit, coverage) are computed by the database, so a page's query count does
not grow with the number of firms.
"""

import datetime

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from core.http import id_or_none
from core.models import Unit
from enterprises.models import Enterprise

from .models import Campaign, CampaignTarget, Pairing, Visit

# --- Pairings --------------------------------------------------------------------------------


def pairings_of_cadre(user, on=None) -> QuerySet[Pairing]:
    return Pairing.objects.active(on).filter(cadre=user)


def enterprise_ids_paired_with(user):
    """Firms a user reaches through pairings: a cadre's own; a unit leader's unit's."""
    if not user.is_authenticated:
        return None
    query = None
    if user.has_perm("core.visit_paired_enterprises"):
        query = Q(cadre=user)
    if user.has_perm("core.view_unit_visits"):
        query = Q(unit=user.unit_id) if query is None else query | Q(unit=user.unit_id)
    if query is None:
        return None
    return Pairing.objects.active().filter(query).values("enterprise_id")


def paired_enterprise_for_filing(user, pk: int) -> Enterprise:
    """A firm the user may file a survey for (an active pairing with it), or 404."""
    if not user.has_perm("core.visit_paired_enterprises"):
        raise Http404
    firm = (
        Enterprise.objects.filter(pk=pk, pairings__in=pairings_of_cadre(user))
        .select_related("town")
        .first()
    )
    if firm is None:
        raise Http404
    return firm


def my_paired_firms(user, *, today=None) -> QuerySet[Pairing]:
    """The cadre's active pairings with, per firm: the last submitted visit's date, whether a
    current campaign still waits for a visit, and whether the cadre has a draft for it."""
    today = today or timezone.localdate()
    last_visit = (
        Visit.objects.filter(enterprise=OuterRef("enterprise"), status=Visit.Status.SUBMITTED)
        .order_by()
        .values("enterprise")
        .annotate(last=Max("visit_date"))
        .values("last")
    )
    # Due for this cadre: the running campaign names the cadre's unit as answering for the
    # firm (or nobody, when the firm had no pairing when the campaign was set up).
    due = CampaignTarget.objects.filter(
        Q(unit=OuterRef("unit")) | Q(unit__isnull=True),
        enterprise=OuterRef("enterprise"),
        visit__isnull=True,
        campaign__start_date__lte=today,
        campaign__end_date__gte=today,
    )
    draft = Visit.objects.filter(
        enterprise=OuterRef("enterprise"), author=user, status=Visit.Status.DRAFT
    )
    return (
        pairings_of_cadre(user, today)
        .select_related("enterprise", "enterprise__town", "unit")
        .annotate(last_visit=last_visit, visit_due=Exists(due), has_draft=Exists(draft))
        # Never-visited firms first: PostgreSQL would otherwise sort the NULLs last.
        .order_by("-visit_due", F("last_visit").asc(nulls_first=True), "enterprise__name", "pk")
    )


def pairings_visible_to(user) -> QuerySet[Pairing]:
    """Those who run campaigns or import pairings see them all."""
    if user.has_perm("core.manage_campaigns") or user.has_perm("core.import_data"):
        return Pairing.objects.all()
    return Pairing.objects.none()


def pairings_filter(
    qs: QuerySet[Pairing], *, q: str = "", tier: str = "", unit=None, state: str = ""
) -> QuerySet[Pairing]:
    """``state``: in force (the default), ended, or all."""
    state = state or "active"
    if state == "active":
        qs = qs.active()
    elif state == "ended":
        qs = qs.filter(end_date__lte=timezone.localdate())
    if q:
        qs = qs.filter(Q(enterprise__name__icontains=q) | Q(cadre__name__icontains=q))
    if tier:
        qs = qs.filter(tier=tier)
    if unit:
        qs = qs.filter(unit=unit)
    return qs.order_by("enterprise__town__sort_order", "enterprise__name", "tier", "pk")


def pairing_coverage(*, today=None) -> dict:
    """How far pairings cover the operating firms ("全覆盖"), overall and per tier, in a few
    grouped queries."""
    today = today or timezone.localdate()
    active = Pairing.objects.active(today)
    operating = Enterprise.objects.filter(status=Enterprise.Status.OPERATING)
    per_tier = {
        row["tier"]: row
        for row in active.filter(enterprise__status=Enterprise.Status.OPERATING)
        .order_by()
        .values("tier")
        .annotate(
            pairings=Count("id"),
            firms=Count("enterprise", distinct=True),
            cadres=Count("cadre", distinct=True),
            units=Count("unit", distinct=True),
        )
    }
    tiers = [
        {
            "tier": tier,
            "label": tier.label,
            "pairings": per_tier.get(tier, {}).get("pairings", 0),
            "firms": per_tier.get(tier, {}).get("firms", 0),
            "cadres": per_tier.get(tier, {}).get("cadres", 0),
            "units": per_tier.get(tier, {}).get("units", 0),
        }
        for tier in Pairing.Tier
    ]
    totals = operating.aggregate(
        firms=Count("id"),
        covered=Count("id", filter=Q(Exists(active.filter(enterprise=OuterRef("pk"))))),
    )
    totals["uncovered"] = totals["firms"] - totals["covered"]
    totals["rate"] = _rate(totals["covered"], totals["firms"])
    by_size = list(
        operating.order_by()
        .values("size_class")
        .annotate(
            firms=Count("id"),
            uncovered=Count("id", filter=~Q(Exists(active.filter(enterprise=OuterRef("pk"))))),
        )
    )
    labels = dict(Enterprise.SizeClass.choices)
    for row in by_size:
        row["label"] = labels.get(row["size_class"], row["size_class"])
    order = list(Enterprise.SizeClass.values)
    by_size.sort(key=lambda r: order.index(r["size_class"]) if r["size_class"] in order else 99)
    return {"tiers": tiers, "totals": totals, "by_size": by_size}


def enterprises_unpaired(*, today=None) -> QuerySet[Enterprise]:
    """Operating firms with no active pairing: the gaps in "全覆盖"."""
    active = Pairing.objects.active(today).filter(enterprise=OuterRef("pk"))
    return (
        Enterprise.objects.filter(status=Enterprise.Status.OPERATING)
        .filter(~Exists(active))
        .select_related("town")
        .order_by("town__sort_order", "name", "pk")
    )


# --- Visits ----------------------------------------------------------------------------------


def visits_visible_to(user) -> QuerySet[Visit]:
    """Authors see their own surveys, drafts included. Others see only submitted ones: the
    office and leaders all of them, a unit's leaders their cadres', a cadre those of the firms
    paired with him or her."""
    if not user.is_authenticated:
        return Visit.objects.none()
    own = Q(author=user)
    if user.has_perm("core.view_all_visits"):
        return Visit.objects.filter(own | Q(status=Visit.Status.SUBMITTED))
    scope = Q(pk__in=[])
    if user.has_perm("core.view_unit_visits"):
        scope |= Q(author_unit=user.unit_id)
    if user.has_perm("core.visit_paired_enterprises"):
        scope |= Q(enterprise__in=pairings_of_cadre(user).values("enterprise_id"))
    return Visit.objects.filter(own | (Q(status=Visit.Status.SUBMITTED) & scope))


def visit_get_visible(user, pk: int) -> Visit:
    try:
        return (
            visits_visible_to(user)
            .select_related("enterprise", "enterprise__town", "campaign", "author", "author_unit")
            .get(pk=pk)
        )
    except Visit.DoesNotExist as exc:
        raise Http404 from exc


def visits_filter(
    qs: QuerySet[Visit],
    *,
    q: str = "",
    status: str = "",
    campaign=None,
    unit=None,
    town=None,
    met: str = "",
    date_from=None,
    date_to=None,
) -> QuerySet[Visit]:
    if q:
        qs = qs.filter(Q(enterprise__name__icontains=q) | Q(author__name__icontains=q))
    if status:
        qs = qs.filter(status=status)
    if campaign:
        qs = qs.filter(campaign=campaign)
    if unit:
        qs = qs.filter(author_unit=unit)
    if town:
        qs = qs.filter(enterprise__town=town)
    if met in {"1", "0"}:
        qs = qs.filter(met_principal=met == "1")
    if date_from:
        qs = qs.filter(visit_date__gte=date_from)
    if date_to:
        qs = qs.filter(visit_date__lte=date_to)
    return qs


def visits_listed(qs: QuerySet[Visit]) -> QuerySet[Visit]:
    return qs.select_related(
        "enterprise", "enterprise__town", "author", "author_unit", "campaign"
    ).annotate(problem_count=Count("problems"))


# --- Campaigns -------------------------------------------------------------------------------


def campaigns_listed() -> QuerySet[Campaign]:
    return Campaign.objects.annotate(
        target_count=Count("targets"),
        visited_count=Count("targets", filter=Q(targets__visited_on__isnull=False)),
    ).order_by("-start_date", "-id")


LATE_FILING_DAYS = 30


def campaigns_open_for(enterprise: Enterprise, on) -> QuerySet[Campaign]:
    """Campaigns that target the firm and a survey filed on a day may belong to: those running,
    and those ended within the last month (a visit at a round's end is often written up late)."""
    return Campaign.objects.filter(
        start_date__lte=on,
        end_date__gte=on - datetime.timedelta(days=LATE_FILING_DAYS),
        targets__enterprise=enterprise,
    ).order_by("-start_date")


def campaign_coverage(campaign: Campaign) -> dict:
    """Targets and visited targets per responsible unit and per town, two grouped queries."""
    targets = CampaignTarget.objects.filter(campaign=campaign).order_by()
    counts = {
        "total": Count("id"),
        "visited": Count("id", filter=Q(visited_on__isnull=False)),
    }
    units = list(
        targets.values("unit", "unit__name", "unit__kind", "unit__sort_order", "tier")
        .annotate(**counts)
        .order_by("tier", "unit__kind", "unit__sort_order", "unit__name")
    )
    towns = list(
        targets.values("enterprise__town", "enterprise__town__name", "enterprise__town__sort_order")
        .annotate(**counts)
        .order_by("enterprise__town__sort_order")
    )
    # A unit answering at two tiers shows once per tier; merge to one row per unit.
    merged: dict = {}
    for row in units:
        key = row["unit"]
        if key in merged:
            merged[key]["total"] += row["total"]
            merged[key]["visited"] += row["visited"]
        else:
            merged[key] = row
    tier_labels = dict(Pairing.Tier.choices)
    # Firms without a pairing come last: they are the gap to close, not a unit.
    units = sorted(merged.values(), key=lambda row: row["unit"] is None)
    for row in units:
        row["tier_label"] = tier_labels.get(row["tier"], "")
    for row in [*units, *towns]:
        row["unvisited"] = row["total"] - row["visited"]
        row["rate"] = _rate(row["visited"], row["total"])
    total = sum(r["total"] for r in towns)
    visited = sum(r["visited"] for r in towns)
    return {
        "units": units,
        "towns": towns,
        "total": total,
        "visited": visited,
        "unvisited": total - visited,
        "rate": _rate(visited, total),
    }


def campaign_targets_filter(
    campaign: Campaign, *, unit: str = "", town: str = "", visited: str = ""
) -> QuerySet[CampaignTarget]:
    qs = campaign.targets.select_related(
        "enterprise", "enterprise__town", "unit", "visit", "visit__author"
    )
    if unit == "none":
        qs = qs.filter(unit__isnull=True)
    elif id_or_none(unit):
        qs = qs.filter(unit=id_or_none(unit))
    if id_or_none(town):
        qs = qs.filter(enterprise__town=id_or_none(town))
    if visited == "1":
        qs = qs.filter(visited_on__isnull=False)
    elif visited == "0":
        qs = qs.filter(visited_on__isnull=True)
    return qs.order_by("enterprise__town__sort_order", "enterprise__name", "pk")


def unit_named(pk: str) -> Unit | None:
    return Unit.objects.filter(pk=id_or_none(pk)).first() if id_or_none(pk) else None


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# --- What pairings open in the issues app ----------------------------------------------------


def enterprise_ids_of_cadre(user):
    """A cadre follows the slips of his or her paired firms (and rates for them)."""
    if not user.is_authenticated or not user.has_perm("core.visit_paired_enterprises"):
        return None
    return pairings_of_cadre(user).values("enterprise_id")


def cadre_rates_for(user, enterprise) -> bool:
    """A cadre paired with the firm may record its rating on the firm's behalf."""
    return (
        user.is_authenticated
        and user.has_perm("core.visit_paired_enterprises")
        and pairings_of_cadre(user).filter(enterprise=enterprise).exists()
    )
