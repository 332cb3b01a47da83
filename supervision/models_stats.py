"""Monthly figures kept by the database itself, so the dashboard reads a few thousand rows
instead of scanning every slip and problem of the period.

Each row holds counts for one key; database triggers (migration 0005) add every inserted,
changed or deleted slip or problem to its row and take it out of the old one, in the same
transaction as the change, whatever made it (a service, a bulk update, an import, the admin).
So the figures are exact to the last slip, and ``supervision.tests.test_stats`` checks them
against the same counts made over the slips themselves.

- ``SlipMonthStat``: slips by the month they were issued, the month they were closed (1900-01
  when not closed), lead unit, batch and tier; the counts are the measures' (issues.measures)
  that do not depend on today. Overdue depends on today, so it is counted on the slips.
- ``ProblemMonthStat``: problems by the month they were raised, the firm's town and the
  category: how many, and how many were met face to face (at the visit, or by a unit:
  ``Problem.met_by_unit``, set by a trigger when a slip records a face-to-face contact).
"""

from django.db import models

NOT_CLOSED = "1900-01-01"


class SlipMonthStat(models.Model):
    month = models.DateField()
    closed_month = models.DateField()
    lead_unit_id = models.IntegerField()
    batch_id = models.IntegerField()
    tier = models.PositiveSmallIntegerField()
    issued = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    closed_on_time = models.IntegerField(default=0)
    replied = models.IntegerField(default=0)
    fed_back = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    unrated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    open = models.IntegerField(default=0)
    # Every slip of the key, counted or not (withdrawn and returned too): a row at 0 is empty.
    slips = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "closed_month", "lead_unit_id", "batch_id", "tier"],
                name="slip_month_stat_key",
            )
        ]
        default_permissions = ()

    def __str__(self):
        return f"{self.month:%Y-%m} {self.lead_unit_id} {self.batch_id} {self.tier}"

    COUNTS = [
        "issued",
        "closed",
        "closed_on_time",
        "replied",
        "fed_back",
        "rated",
        "unrated",
        "satisfied",
        "open",
    ]


class ProblemMonthStat(models.Model):
    month = models.DateField()
    town_id = models.IntegerField()
    category = models.CharField(max_length=16)
    raised = models.IntegerField(default=0)
    met = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "town_id", "category"], name="problem_month_stat_key"
            )
        ]
        default_permissions = ()

    def __str__(self):
        return f"{self.month:%Y-%m} {self.town_id} {self.category}"


__all__ = ["ProblemMonthStat", "SlipMonthStat"]
