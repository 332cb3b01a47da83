"""Supervision bulletins (督查通报) and year-end evaluations (考评): frozen snapshots.

A bulletin or an evaluation is a draft while the office works on it: its figures are computed
live from the slips every time it is shown. Publishing computes them once more and stores them,
with the parameters they were computed with, as JSON (``snapshot``); from then on the page, the
.xlsx and the PDF are rendered from that JSON only, so later edits to slips change nothing.
How the figures are computed is in the ``supervision.reports`` package.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Unit

__all__ = ["Bulletin", "Evaluation", "EvaluationScore"]

BULLETIN_NUMBER = "督查通报〔{year}〕第{number}期"


class Bulletin(models.Model):
    """A supervision bulletin for a week or a month, numbered per year when published."""

    class PeriodKind(models.TextChoices):
        WEEK = "week", _("Weekly")
        MONTH = "month", _("Monthly")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    period_kind = models.CharField(_("period kind"), max_length=8, choices=PeriodKind.choices)
    # The period as written in URLs ("2026-W40", "2026-10"), and its first and last day.
    period_key = models.CharField(_("period"), max_length=10)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Set when published: the year of publication and the number in that year (第N期).
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    number = models.PositiveSmallIntegerField(_("number"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    snapshot = models.JSONField(_("figures as published"), null=True, blank=True)
    # The units the published bulletin names (ranked with a slip, or with an overdue slip):
    # their people may read it.
    mentioned_units = models.ManyToManyField(
        Unit, verbose_name=_("units mentioned"), blank=True, related_name="bulletins_mentioning"
    )

    class Meta:
        verbose_name = _("supervision bulletin")
        verbose_name_plural = _("supervision bulletins")
        ordering = ["-period_start", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="bulletin_number_unique"),
            # A period is reported once: a second publication would give two different
            # "official" figures for it.
            models.UniqueConstraint(
                fields=["period_kind", "period_key"],
                condition=models.Q(status="published"),
                name="bulletin_one_published_per_period",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="bulletin_period_order",
            ),
            # Published ⇔ numbered and frozen.
            models.CheckConstraint(
                condition=(
                    models.Q(
                        status="draft",
                        number__isnull=True,
                        year__isnull=True,
                        published_at__isnull=True,
                        snapshot__isnull=True,
                    )
                    | models.Q(
                        status="published",
                        number__isnull=False,
                        year__isnull=False,
                        published_at__isnull=False,
                        snapshot__isnull=False,
                    )
                ),
                name="bulletin_published_is_frozen",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-period_start"], name="bulletin_status_period_idx"),
        ]

    def __str__(self):
        if self.number is not None:
            return BULLETIN_NUMBER.format(year=self.year, number=self.number)
        return str(_("Draft bulletin, %(period)s") % {"period": self.period_key})

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Evaluation(models.Model):
    """The year-end evaluation of the handling units: the weights the office set and, once
    published, every unit's score and rank (``EvaluationScore``) and the whole table as JSON.
    One per year; once published it cannot be changed or published again."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # Rate weights (points out of 100; they sum to 100) and deductions (points per slip).
    weight_on_time = models.DecimalField(
        _("weight of the on-time rate"), max_digits=5, decimal_places=2, default=Decimal(40)
    )
    weight_closure = models.DecimalField(
        _("weight of the closure rate"), max_digits=5, decimal_places=2, default=Decimal(30)
    )
    weight_feedback = models.DecimalField(
        _("weight of the feedback rate"), max_digits=5, decimal_places=2, default=Decimal(10)
    )
    weight_satisfaction = models.DecimalField(
        _("weight of the satisfaction rate"), max_digits=5, decimal_places=2, default=Decimal(20)
    )
    deduction_overdue = models.DecimalField(
        _("deduction per overdue slip"), max_digits=5, decimal_places=2, default=Decimal(1)
    )
    deduction_reopen = models.DecimalField(
        _("deduction per reopened slip"), max_digits=5, decimal_places=2, default=Decimal("0.5")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    snapshot = models.JSONField(_("figures as published"), null=True, blank=True)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    weight_on_time__gte=0,
                    weight_closure__gte=0,
                    weight_feedback__gte=0,
                    weight_satisfaction__gte=0,
                    deduction_overdue__gte=0,
                    deduction_reopen__gte=0,
                ),
                name="evaluation_weights_not_negative",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(status="draft", published_at__isnull=True, snapshot__isnull=True)
                    | models.Q(
                        status="published", published_at__isnull=False, snapshot__isnull=False
                    )
                ),
                name="evaluation_published_is_frozen",
            ),
        ]

    def __str__(self):
        return str(_("Evaluation %(year)d") % {"year": self.year})

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def weights(self) -> dict:
        return {name: getattr(self, name) for name in WEIGHT_FIELDS}


WEIGHT_FIELDS = [
    "weight_on_time",
    "weight_closure",
    "weight_feedback",
    "weight_satisfaction",
    "deduction_overdue",
    "deduction_reopen",
]


class EvaluationScore(models.Model):
    """One unit's row of a published evaluation, so a unit reads its own row (and nobody
    else's) with a query. ``components`` holds the counts, rates and points shown."""

    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("evaluation"), on_delete=models.CASCADE, related_name="scores"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="evaluation_scores"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Unit.Kind.choices)
    unit_name = models.CharField(_("unit name"), max_length=100)
    rank = models.PositiveIntegerField(_("rank"))
    # How many units of the same kind were ranked: "3rd of 18".
    ranked = models.PositiveIntegerField(_("units ranked"))
    score = models.DecimalField(_("score"), max_digits=8, decimal_places=2)
    components = models.JSONField(_("components"))

    class Meta:
        verbose_name = _("evaluation score")
        verbose_name_plural = _("evaluation scores")
        ordering = ["evaluation", "kind", "rank", "unit_name"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "unit"], name="evaluation_score_once"),
        ]
        indexes = [models.Index(fields=["unit", "evaluation"], name="evaluation_score_unit_idx")]

    def __str__(self):
        return f"{self.evaluation} {self.unit_name} {self.score}"
