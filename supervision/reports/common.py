"""The reports' constants and their audit vocabulary."""

from decimal import Decimal

from django.utils.translation import gettext_lazy

from core.models import Unit

SNAPSHOT_VERSION = 1
RANKED_KINDS = [Unit.Kind.DEPARTMENT, Unit.Kind.TOWN]
RATE_WEIGHTS = [
    # (weight field, rate name in Measures)
    ("weight_on_time", "on_time_rate"),
    ("weight_closure", "closure_rate"),
    ("weight_feedback", "feedback_rate"),
    ("weight_satisfaction", "satisfaction_rate"),
]
DEDUCTION_CAP = Decimal(100)
CENT = Decimal("0.01")

# --- Audit vocabulary (registered by ``admin_reports``, or the app's ready()) -----------------

BULLETIN_CREATED = "bulletin.create"
BULLETIN_UPDATED = "bulletin.update"
BULLETIN_DELETED = "bulletin.delete"
BULLETIN_PUBLISHED = "bulletin.publish"
EVALUATION_CREATED = "evaluation.create"
EVALUATION_UPDATED = "evaluation.update"
EVALUATION_PUBLISHED = "evaluation.publish"

AUDIT_LABELS = {
    BULLETIN_CREATED: gettext_lazy("Drafted a supervision bulletin"),
    BULLETIN_UPDATED: gettext_lazy("Changed a draft supervision bulletin"),
    BULLETIN_DELETED: gettext_lazy("Discarded a draft supervision bulletin"),
    BULLETIN_PUBLISHED: gettext_lazy("Published a supervision bulletin"),
    EVALUATION_CREATED: gettext_lazy("Started a year-end evaluation"),
    EVALUATION_UPDATED: gettext_lazy("Changed the weights of a year-end evaluation"),
    EVALUATION_PUBLISHED: gettext_lazy("Published a year-end evaluation"),
}
