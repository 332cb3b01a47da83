from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IssuesConfig(AppConfig):
    name = "issues"
    verbose_name = _("Problems and assignment slips")

    def ready(self):
        from core.audit import register_actions
        from core.navigation import section_link

        from . import audit

        register_actions(audit.LABELS)
        section_link("assign", "issues:problem_list")
