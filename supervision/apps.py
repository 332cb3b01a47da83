from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("Supervision and evaluation")

    def ready(self):
        from core.audit import register_actions

        from . import audit

        register_actions(audit.LABELS)
