"""What each person may use: the sections of the product, the navigation bar and start page.

A section is tied to a capability (a permission). The navigation bar shows the sections a user
may use that have a page; the home page describes every section the user's roles grant,
including those whose pages later parts of the product bring. Apps link their pages to a
section from their ``AppConfig.ready`` with ``section_link``.
"""

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass
class Section:
    key: str
    label: Promise
    description: Promise
    # One capability, or several of which any grants the section.
    permission: str | tuple[str, ...]
    # URL name of the section's page; None until the app that builds it links it.
    url_name: str | None = None
    # A user's start page is the first section, in this order, that has a page.
    is_start_page: bool = True
    extra_url_names: list[str] = field(default_factory=list)

    def url(self) -> str | None:
        return reverse(self.url_name) if self.url_name else None


SECTIONS: list[Section] = [
    Section(
        "visits",
        _("My paired firms"),
        _("See the firms paired with you, file visit surveys and record the problems they raise."),
        "core.visit_paired_enterprises",
    ),
    Section(
        "slips",
        _("My assignment slips"),
        _(
            "Sign for your unit's assignment slips, work them, reply, ask for an extension, "
            "return a wrong one or escalate a hard one."
        ),
        "core.handle_slips",
    ),
    Section(
        "assign",
        _("Sort and assign"),
        _("Sort the problems firms raise, issue assignment slips, approve extensions and returns."),
        "core.assign_problems",
    ),
    Section(
        "coordinate",
        _("Escalated to us"),
        _(
            "Coordinate the slips escalated to your body: assign a coordinator, hold a "
            "coordination meeting, send the slip back down with a new deadline or resolve it."
        ),
        "core.coordinate_escalations",
    ),
    Section(
        "campaigns",
        _("Visit campaigns"),
        _("Run visit campaigns, manage pairings and follow visit coverage."),
        "core.manage_campaigns",
    ),
    Section(
        "supervise",
        _("Supervision and evaluation"),
        _("Follow overdue slips, publish supervision bulletins and run the year-end evaluation."),
        "core.supervise",
    ),
    Section(
        "dashboard",
        _("Supervision dashboard"),
        _(
            "Read closure, on-time, feedback and satisfaction rates by batch, unit and town, "
            "and the bulletins."
        ),
        "core.view_dashboard",
    ),
    Section(
        "unit_board",
        _("Our unit's record"),
        _(
            "Read your unit's closure, on-time, feedback and satisfaction rates, its overdue "
            "slips and where it stands among the units."
        ),
        ("core.handle_slips", "core.view_unit_visits"),
        is_start_page=False,
    ),
    Section(
        "analytics",
        _("Analytics"),
        _(
            "Follow the firms' yearly figures by industry and by town, and which difficulties "
            "recur across firms and towns."
        ),
        ("core.assign_problems", "core.supervise", "core.view_dashboard"),
        is_start_page=False,
    ),
    Section(
        "unit_visits",
        _("Our unit's visits"),
        _("Read the visit surveys your unit's cadres filed and the problems they recorded."),
        "core.view_unit_visits",
    ),
    Section(
        "enterprises",
        _("Enterprise files"),
        _("Read every firm's file: profile, yearly figures, visits, problems and slips."),
        "core.view_all_enterprises",
    ),
    Section(
        "portal",
        _("Enterprise service"),
        _("Raise a problem online, follow how it is handled and rate the result."),
        "core.submit_requests",
    ),
    Section(
        "imports",
        _("Data import"),
        _("Import firm lists and pairings from Excel."),
        "core.import_data",
    ),
    Section(
        "audit",
        _("Audit log"),
        _("Read who did what and when: logins, failed logins, lockouts, denials and changes."),
        "core.view_auditevent",
        url_name="core:audit_list",
        is_start_page=False,
    ),
]


def section_link(key: str, url_name: str, *, extra_url_names: list[str] | None = None) -> None:
    """Give a section its page. Called by the app that builds it."""
    for section in SECTIONS:
        if section.key == key:
            section.url_name = url_name
            section.extra_url_names = list(extra_url_names or [])
            return
    raise KeyError(key)


def section_extend(key: str, url_names: list[str]) -> None:
    """Mark more pages as part of a section another app linked (for the active menu item)."""
    for section in SECTIONS:
        if section.key == key:
            section.extra_url_names.extend(n for n in url_names if n not in section.extra_url_names)
            return
    raise KeyError(key)


def sections_for(user) -> list[Section]:
    """Every section the user's permissions grant, linked or not, in display order."""
    if not user.is_authenticated:
        return []
    return [s for s in SECTIONS if _granted(user, s.permission)]


def _granted(user, permission) -> bool:
    if isinstance(permission, tuple):
        return any(user.has_perm(p) for p in permission)
    return user.has_perm(permission)


def start_url_for(user) -> str:
    """Where a user lands after logging in: the first section of theirs with a page, else home."""
    for section in sections_for(user):
        if section.url_name and section.is_start_page:
            return section.url()
    return reverse("core:home")
