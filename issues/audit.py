from django.utils.translation import gettext_lazy as _

PROBLEM_CREATED = "problem.create"

LABELS = {
    PROBLEM_CREATED: _("Recorded a problem"),
}
