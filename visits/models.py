"""Pairings (挂钩联系), visit campaigns (走访活动) and visit surveys (走访调查表)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel, Unit
from enterprises.models import Enterprise
from issues.models import Category, Problem, Urgency


class PairingQuerySet(models.QuerySet):
    def active(self, on=None):
        """Pairings in force on a day (default today): started, not yet ended (the end date is
        the first day it is no longer in force), and with a cadre whose account is active."""
        on = on or timezone.localdate()
        return self.filter(start_date__lte=on, cadre__is_active=True).filter(
            Q(end_date__isnull=True) | Q(end_date__gt=on)
        )


class Pairing(TimeStampedModel):
    """A cadre and his or her unit linked to a firm, at one tier."""

    class Tier(models.TextChoices):
        CITY_LEADER = "city_leader", _("City leader")
        DEPARTMENT = "department", _("Department")
        TOWN = "town", _("Town / street")

    # The kind of unit each tier's cadres belong to.
    TIER_UNIT_KIND = {
        Tier.CITY_LEADER: Unit.Kind.CITY_LEADERS,
        Tier.DEPARTMENT: Unit.Kind.DEPARTMENT,
        Tier.TOWN: Unit.Kind.TOWN,
    }
    # When a firm has several pairings, the one answering for it in a campaign.
    TIER_PRIORITY = [Tier.CITY_LEADER, Tier.DEPARTMENT, Tier.TOWN]

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="pairings"
    )
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contact cadre"),
        on_delete=models.PROTECT,
        related_name="pairings",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("paired unit"), on_delete=models.PROTECT, related_name="pairings"
    )
    tier = models.CharField(_("pairing tier"), max_length=12, choices=Tier.choices)
    start_date = models.DateField(_("start date"), default=timezone.localdate)
    # The first day the pairing is no longer in force.
    end_date = models.DateField(_("end date"), null=True, blank=True)

    objects = PairingQuerySet.as_manager()

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["enterprise", "tier"]
        indexes = [
            models.Index(fields=["cadre", "end_date"], name="pairing_cadre_idx"),
            models.Index(fields=["unit", "tier"], name="pairing_unit_tier_idx"),
            models.Index(fields=["tier", "end_date"], name="pairing_tier_idx"),
        ]
        constraints = [
            # A cadre has one open pairing with a firm; an ended one stays as history.
            models.UniqueConstraint(
                fields=["enterprise", "cadre"],
                condition=Q(end_date__isnull=True),
                name="pairing_one_open",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="pairing_dates_in_order",
            ),
        ]

    def __str__(self):
        return f"{self.enterprise} ↔ {self.cadre.name}（{self.get_tier_display()}）"


class Campaign(TimeStampedModel):
    """A visiting round: its period and the target firms its filter chose."""

    name = models.CharField(_("campaign name"), max_length=100, unique=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    description = models.TextField(_("campaign notes"), blank=True)
    # The filter the targets were chosen by, kept as given. Empty means "any".
    size_classes = models.JSONField(_("size classes"), default=list, blank=True)
    tiers = models.JSONField(_("pairing tiers"), default=list, blank=True)
    towns = models.ManyToManyField(
        Unit, verbose_name=_("towns / streets"), blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )  # null: the system (demo data)

    class Meta:
        verbose_name = _("visit campaign")
        verbose_name_plural = _("visit campaigns")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="campaign_dates_in_order"
            ),
        ]

    def __str__(self):
        return self.name

    def is_current(self, on=None) -> bool:
        on = on or timezone.localdate()
        return self.start_date <= on <= self.end_date


class CampaignTarget(models.Model):
    """One firm a campaign must visit, the unit answering for it, and when it was visited."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("visit campaign"), on_delete=models.CASCADE, related_name="targets"
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="campaign_targets",
    )
    # Through the firm's pairing when the campaign was set up; null when it had none.
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("responsible unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    tier = models.CharField(_("pairing tier"), max_length=12, blank=True)
    # The first submitted visit in this campaign: set when that visit is submitted.
    visit = models.ForeignKey(
        "Visit",
        verbose_name=_("visit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    visited_on = models.DateField(_("visited on"), null=True, blank=True)

    class Meta:
        verbose_name = _("campaign target")
        verbose_name_plural = _("campaign targets")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "enterprise"], name="campaign_target_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "unit"], name="target_unit_idx"),
            models.Index(fields=["campaign", "visited_on"], name="target_visited_idx"),
            models.Index(fields=["enterprise", "visited_on"], name="target_firm_idx"),
        ]

    def __str__(self):
        return f"{self.campaign}：{self.enterprise}"


class Visit(TimeStampedModel):
    """A visit survey (走访调查表): draft until its author submits it, read-only after."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        DISCARDED = "discarded", _("Discarded")

    class Trend(models.TextChoices):
        UP = "up", _("Rising")
        FLAT = "flat", _("Flat")
        DOWN = "down", _("Falling")

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="visits"
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("visit campaign"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        on_delete=models.PROTECT,
        related_name="visits_filed",
    )
    # The author's unit when filing: a unit's leaders see their cadres' visits by it.
    author_unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    visit_date = models.DateField(_("visit date"))
    companions = models.CharField(_("other visitors"), max_length=200, blank=True)
    met_principal = models.BooleanField(_("met the firm's principal face to face"), default=False)

    orders_trend = models.CharField(_("orders"), max_length=4, choices=Trend.choices, blank=True)
    orders_note = models.TextField(_("orders: note"), blank=True)
    vacancies = models.PositiveIntegerField(_("hiring: vacancies"), null=True, blank=True)
    talent_need = models.TextField(_("talent needs"), blank=True)
    automation = models.TextField(_("automation (machines for people)"), blank=True)
    financing_amount = models.DecimalField(
        _("financing need (10k yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    financing_purpose = models.CharField(_("financing: purpose"), max_length=200, blank=True)
    tech_upgrade = models.TextField(_("technical upgrading"), blank=True)
    sales = models.DecimalField(
        _("sales this year (10k yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    profit = models.DecimalField(
        _("profit this year (10k yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    opinions = models.TextField(_("opinions and suggestions"), blank=True)

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # Set by the form when it is first shown: a double-clicked "save" makes one survey, not two.
    client_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        verbose_name = _("visit survey")
        verbose_name_plural = _("visit surveys")
        ordering = ["-visit_date", "-id"]
        indexes = [
            models.Index(fields=["author", "status"], name="visit_author_idx"),
            models.Index(fields=["enterprise", "status", "visit_date"], name="visit_firm_idx"),
            models.Index(fields=["author_unit", "status"], name="visit_unit_idx"),
            models.Index(fields=["campaign", "status"], name="visit_campaign_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="submitted") | Q(submitted_at__isnull=False),
                name="visit_submitted_has_time",
            ),
            models.CheckConstraint(
                condition=Q(sales__isnull=True) | Q(sales__gte=0), name="visit_sales_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(financing_amount__isnull=True) | Q(financing_amount__gte=0),
                name="visit_financing_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.enterprise} {self.visit_date:%Y-%m-%d}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class VisitProblem(models.Model):
    """A problem as written in the survey. On submission the issues app records it as a
    ``Problem`` (linked here), which the office then sorts."""

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit survey"), on_delete=models.CASCADE, related_name="problems"
    )
    position = models.PositiveSmallIntegerField(_("number"), default=0)
    description = models.TextField(_("description"))
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    problem = models.OneToOneField(
        Problem,
        verbose_name=_("recorded problem"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visit_problem",
    )

    class Meta:
        verbose_name = _("problem raised")
        verbose_name_plural = _("problems raised")
        ordering = ["visit", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(description=""), name="visit_problem_description_not_empty"
            ),
        ]

    def __str__(self):
        return self.description[:40]


class PairingImport(models.Model):
    """One uploaded pairing list, checked at upload (a dry run) and imported on confirmation."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Ready to confirm")
        INVALID = "invalid", _("Has errors")
        DONE = "done", _("Imported")

    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    file_name = models.CharField(_("file"), max_length=200)
    content = models.BinaryField(_("content"))
    # The file is the complete list: open pairings it does not list are ended on import.
    end_unlisted = models.BooleanField(_("end pairings not in the file"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    report = models.JSONField(_("report"), default=dict)
    finished_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("pairing import")
        verbose_name_plural = _("pairing imports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.file_name


class Meeting(TimeStampedModel):
    """A meeting the city holds with firms — a symposium (座谈会) or a bank–enterprise
    matchmaking meeting (政银企对接会) — recorded as one event: the firms present and the
    problems they raised, which the office issues together as one document."""

    class Kind(models.TextChoices):
        SYMPOSIUM = "symposium", _("Symposium")
        MATCHMAKING = "matchmaking", _("Bank–enterprise matchmaking meeting")
        OTHER = "other", _("Other meeting")

    kind = models.CharField(_("kind of meeting"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("meeting title"), max_length=100)
    held_on = models.DateField(_("held on"))
    place = models.CharField(_("place"), max_length=100, blank=True)
    # Free text: the leaders and departments at the table, as the minutes name them.
    hosts = models.CharField(_("host and leaders present"), max_length=200, blank=True)
    firms = models.ManyToManyField(
        Enterprise, verbose_name=_("firms present"), related_name="meetings"
    )
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )  # null: the system (demo data)

    class Meta:
        verbose_name = _("firm meeting")
        verbose_name_plural = _("firm meetings")
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["-held_on", "-id"], name="meeting_held_idx"),
            models.Index(fields=["kind", "-held_on"], name="meeting_kind_idx"),
        ]
        constraints = [
            # The same meeting saved twice (a double click, two office staff) is one meeting.
            models.UniqueConstraint(
                fields=["held_on", "title"],
                name="meeting_unique_day_title",
                violation_error_message=_(
                    "A meeting with this title on this day is already recorded."
                ),
            ),
            models.CheckConstraint(condition=~Q(title=""), name="meeting_title_not_empty"),
            models.CheckConstraint(
                condition=Q(kind__in=["symposium", "matchmaking", "other"]),
                name="meeting_kind_known",
            ),
        ]

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} {self.title}"


class MeetingProblem(models.Model):
    """A problem raised at a meeting. The problem itself lives in the issues app (which knows
    nothing of meetings); this row says where it was raised. A problem belongs to at most one
    meeting."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="problem_links"
    )
    problem = models.OneToOneField(
        Problem,
        verbose_name=_("problem"),
        on_delete=models.PROTECT,
        related_name="meeting_link",
    )
    # Denormalised from the problem: the meeting page groups by firm, and a firm present can
    # be checked against it.
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    # Set by the form when it is shown: the same form posted twice records one problem.
    client_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("problem raised at a meeting")
        verbose_name_plural = _("problems raised at meetings")
        ordering = ["meeting", "enterprise", "created_at", "id"]
        indexes = [
            models.Index(fields=["meeting", "enterprise"], name="meeting_problem_firm_idx"),
        ]

    def __str__(self):
        return f"{self.meeting}：{self.problem_id}"
