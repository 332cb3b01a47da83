from django.utils.translation import gettext_lazy as _

RULES_CHANGED = "supervision.rules"

LABELS = {RULES_CHANGED: _("Changed the supervision rules")}
