"""The firm's file (一企一档) shows its pairings and its visits on a timeline."""

from django.db.models import Count
from django.utils import timezone

from enterprises.file_sections import FileSection

from .models import Pairing, Visit
from .selectors import visits_visible_to


def visits_file_section(request, firm) -> FileSection | None:
    user = request.user
    visits = list(
        visits_visible_to(user)
        .filter(enterprise=firm)
        .exclude(status=Visit.Status.DISCARDED)
        .select_related("author", "author_unit", "campaign")
        .annotate(problem_count=Count("problems"))
        .order_by("-visit_date", "-pk")[:50]
    )
    pairings = list(
        Pairing.objects.filter(enterprise=firm)
        .select_related("cadre", "unit")
        .order_by("end_date", "tier", "pk")
    )
    today = timezone.localdate()
    for pairing in pairings:
        pairing.in_force = (
            pairing.start_date <= today
            and (pairing.end_date is None or pairing.end_date > today)
            and pairing.cadre.is_active
        )
    can_file = user.has_perm("core.visit_paired_enterprises") and any(
        p.in_force and p.cadre_id == user.pk for p in pairings
    )
    return FileSection(
        "visits/_file_section.html",
        {
            "firm": firm,
            "pairings": pairings,
            "visits": visits,
            "can_file": can_file,
            "submitted": Visit.Status.SUBMITTED,
        },
    )
