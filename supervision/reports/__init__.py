"""Supervision bulletins (督查通报) and the year-end evaluation (考评): what they count, who may
read them, and the writes that create, change and publish them.

Every figure comes from the one measures selector (``issues.measures``), as query aggregates:
a bulletin or an evaluation costs the same handful of queries whatever the number of units and
slips. Slips are counted by their lead unit (主办); only departments and towns are ranked.

Bulletin (督查通报), for a week or a month ``P`` of year ``Y`` (the year in the period's key,
so ISO week 2026-W01, which starts on 2025-12-29, belongs to 2026):

- **Cumulative figures and the ranking** cover the slips issued from 1 January of ``Y`` to the
  last day of ``P`` (bulletins report the year so far), **as they stood at the end of ``P``**
  (or now, while ``P`` still runs): a slip replied, fed back, rated or closed after that
  moment counts as not yet so (``issues.measures.measure_filters_as_of``), so October's
  bulletin says the same whether it is written on 1 or 29 November.
- **Overdue** (超期) counts, and names, every slip not answered and not closed at that moment
  whose deadline had passed by the *as-of day* (the last day of ``P``, or today while ``P``
  runs), **whatever year it was issued in**: a slip left lying since last year is the first a
  bulletin must name. Its unit is ranked even with nothing issued this year.
- **The period's own figures** are a second, small block: slips issued in ``P``, closed in
  ``P`` (closing time within ``P``), replied in ``P`` and fed back in ``P``, whatever year the
  slip was issued in.
- **Ranking**, departments and towns separately, of every unit with at least one slip counted
  as issued: by closure rate (high first; no rate last), then on-time rate, then fewer overdue.
  Equal keys share a rank (1, 1, 3).
- A unit is **mentioned** when it is in the ranking (it has a slip) or has an overdue slip
  named; its people may read the published bulletin.
- A bulletin is numbered when it is published: 督查通报〔year of publication〕第N期, N counting
  from 1 in each year. Two publishers at once get two numbers (a unique (year, number) and a
  retry); publishing the same draft twice is refused.

Evaluation (考评) of year ``Y``: the slips issued in ``Y``, as they stood at the end of 31
December (or now while ``Y`` runs); overdue = the slips overdue on 31 December, of ``Y`` or of
an earlier year; reopened = the sum of ``Slip.reopen_count``. For each unit with at
least one slip counted as issued::

    score = Σ_i  w_i × rate_i / W  −  d_overdue × overdue  −  d_reopen × reopened

where ``i`` runs over the four rates (on-time 按期办结率, closure 办结率, feedback 反馈率,
satisfaction 满意率, each in percent as the measures round it, to one decimal) *that can be
computed for the unit*, and ``W`` is the sum of the weights of those rates. The office's rate
weights sum to 100, so a unit for which every rate exists scores Σ w_i × rate_i / 100; a rate
with nothing to measure it on (no slip closed, none replied, none rated) is **left out and the
remaining weights are scaled up** to 100, rather than counted as zero — a unit is not punished
because no firm has rated it yet. If no weighted rate exists (``W`` = 0) the rate part is 0.
Each rate's points are rounded to 0.01 and the score is their sum minus the deductions; it may
be negative. Units are ranked by score, departments and towns separately; equal scores share a
rank. Weights: each ≥ 0, the four rate weights summing to exactly 100, deductions ≥ 0 and at
most 100 points per slip.

Published bulletins and evaluations keep their figures, and the parameters they were computed
with, as JSON; they are rendered from it alone.
"""

from .access import (
    bulletin_get_visible,
    bulletins_visible_to,
    evaluation_get_visible,
    evaluations_visible_to,
    may_manage_reports,
    may_read_all_reports,
    may_read_reports,
    reads_as_unit,
)
from .common import (
    AUDIT_LABELS,
    BULLETIN_CREATED,
    BULLETIN_DELETED,
    BULLETIN_PUBLISHED,
    BULLETIN_UPDATED,
    CENT,
    DEDUCTION_CAP,
    EVALUATION_CREATED,
    EVALUATION_PUBLISHED,
    EVALUATION_UPDATED,
    RANKED_KINDS,
    RATE_WEIGHTS,
    SNAPSHOT_VERSION,
)
from .figures import (
    RATES,
    bulletin_content,
    bulletin_figures,
    bulletin_period,
    bulletin_scope,
    evaluation_as_of,
    evaluation_content,
    evaluation_figures,
    report_dates,
    report_groups,
    score_compute,
)
from .services import (
    bulletin_create,
    bulletin_delete,
    bulletin_publish,
    bulletin_update,
    evaluation_create,
    evaluation_publish,
    evaluation_update,
    period_check,
    weights_check,
    year_check,
)

__all__ = [
    "AUDIT_LABELS",
    "BULLETIN_CREATED",
    "BULLETIN_DELETED",
    "BULLETIN_PUBLISHED",
    "BULLETIN_UPDATED",
    "CENT",
    "DEDUCTION_CAP",
    "EVALUATION_CREATED",
    "EVALUATION_PUBLISHED",
    "EVALUATION_UPDATED",
    "RANKED_KINDS",
    "RATES",
    "RATE_WEIGHTS",
    "SNAPSHOT_VERSION",
    "bulletin_content",
    "bulletin_create",
    "bulletin_delete",
    "bulletin_figures",
    "bulletin_get_visible",
    "bulletin_period",
    "bulletin_publish",
    "bulletin_scope",
    "bulletin_update",
    "bulletins_visible_to",
    "evaluation_as_of",
    "evaluation_content",
    "evaluation_create",
    "evaluation_figures",
    "evaluation_get_visible",
    "evaluation_publish",
    "evaluation_update",
    "evaluations_visible_to",
    "may_manage_reports",
    "may_read_all_reports",
    "may_read_reports",
    "period_check",
    "reads_as_unit",
    "report_dates",
    "report_groups",
    "score_compute",
    "weights_check",
    "year_check",
]
