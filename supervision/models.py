"""The rules the deadline sweep follows (the office tunes them in the admin), the record of
every action it took, which makes it idempotent, and the coordination of escalated slips by the
body they climbed to (a coordinator, coordination meetings)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Unit
from issues.models import Slip


def _days(label, default):
    return models.PositiveSmallIntegerField(
        label, default=default, validators=[MinValueValidator(1), MaxValueValidator(120)]
    )


class SupervisionRules(models.Model):
    """One row: reminder lead time, overdue thresholds per tier, which categories climb by
    themselves, and when a fed-back slip without a rating closes as 未评价."""

    enabled = models.BooleanField(_("the sweep is on"), default=True)
    reminder_days = _days(_("remind this many working days before the deadline"), 2)
    tier2_after = _days(_("escalate to the leadership group after (working days overdue)"), 5)
    tier3_after = _days(_("escalate to the city leaders after (working days overdue)"), 10)
    tier4_after = _days(_("escalate to the higher level after (working days overdue)"), 15)
    # Empty: every category climbs when overdue.
    escalate_categories = models.JSONField(
        _("categories that escalate automatically"),
        default=list,
        blank=True,
        help_text=_("Leave empty for every category."),
    )
    unrated_close_days = _days(_("close as 未评价 after (working days without a rating)"), 10)

    class Meta:
        verbose_name = _("supervision rules")
        verbose_name_plural = _("supervision rules")

    def __str__(self):
        return str(_("Supervision rules"))

    @classmethod
    def current(cls) -> "SupervisionRules":
        rules, _created = cls.objects.get_or_create(pk=1)
        return rules

    def tier_threshold(self, tier: int) -> int | None:
        """Working days overdue after which a slip at ``tier`` climbs to the next."""
        return {1: self.tier2_after, 2: self.tier3_after, 3: self.tier4_after}.get(tier)


class DeadlineAction(models.Model):
    """One thing the sweep did to one slip. The unique key (slip, kind, deadline, tier) makes
    every action happen once: a second sweep, a second worker or a catch-up after beat was down
    finds the row and does nothing."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Deadline reminder")
        OVERDUE = "overdue", _("Overdue chase-up (催办)")
        ESCALATION = "escalation", _("Escalation")
        UNRATED = "unrated", _("Closed without a rating")

    slip = models.ForeignKey(
        Slip, verbose_name=_("assignment slip"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    # The deadline (or, for 未评价, the feedback day) the action was about.
    deadline = models.DateField(_("about the date"))
    tier = models.PositiveSmallIntegerField(_("tier"), default=0)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("deadline action")
        verbose_name_plural = _("deadline actions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["slip", "kind", "deadline", "tier"], name="deadline_action_once"
            ),
        ]
        indexes = [models.Index(fields=["kind", "created_at"], name="deadline_action_kind_idx")]

    def __str__(self):
        return f"{self.slip} {self.get_kind_display()}"


class Coordination(models.Model):
    """Who coordinates an escalated slip at a tier: a member of the body it climbed to."""

    slip = models.ForeignKey(
        Slip,
        verbose_name=_("assignment slip"),
        on_delete=models.PROTECT,
        related_name="coordinations",
    )
    tier = models.PositiveSmallIntegerField(_("tier"))
    body = models.ForeignKey(
        Unit, verbose_name=_("coordinating body"), on_delete=models.PROTECT, related_name="+"
    )
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("coordinator"),
        on_delete=models.PROTECT,
        related_name="coordinations",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)

    class Meta:
        verbose_name = _("coordination")
        verbose_name_plural = _("coordinations")
        ordering = ["tier"]
        constraints = [
            # One coordinator per slip and tier; assigning another replaces the first.
            models.UniqueConstraint(fields=["slip", "tier"], name="coordination_once_per_tier"),
        ]

    def __str__(self):
        return f"{self.slip} {self.coordinator}"


class CoordinationMeeting(models.Model):
    """A coordination meeting (协调会) on an escalated slip: when, which units sat at the table,
    what was decided."""

    slip = models.ForeignKey(
        Slip,
        verbose_name=_("assignment slip"),
        on_delete=models.PROTECT,
        related_name="coordination_meetings",
    )
    tier = models.PositiveSmallIntegerField(_("tier"))
    body = models.ForeignKey(
        Unit, verbose_name=_("coordinating body"), on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField(_("held on"))
    units_present = models.ManyToManyField(
        Unit, verbose_name=_("units present"), related_name="coordination_meetings"
    )
    decisions = models.TextField(_("decisions"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("coordination meeting")
        verbose_name_plural = _("coordination meetings")
        ordering = ["held_on", "pk"]
        indexes = [models.Index(fields=["slip", "held_on"], name="coord_meeting_slip_idx")]

    def __str__(self):
        return f"{self.slip} {self.held_on:%Y-%m-%d}"


from .models_reports import *  # noqa: E402, F403 (bulletins and evaluations live there)
from .models_stats import *  # noqa: E402, F403 (the monthly figures the triggers keep)
