from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IssuesConfig(AppConfig):
    name = "issues"
    verbose_name = _("Problems and assignment slips")

    def ready(self):
        from django.db.models.signals import post_migrate

        from core.audit import register_actions
        from core.navigation import section_link
        from enterprises.file_sections import file_section_register
        from enterprises.selectors import enterprise_visibility_register

        from . import audit
        from .defaults import defaults_ensure
        from .file_section import enterprise_ids_of_unit_slips, issues_file_section
        from .portal.selectors import firm_rates_for
        from .workflow import rating_delegate_register

        post_migrate.connect(
            lambda **kw: defaults_ensure(), sender=self, dispatch_uid="issues.defaults", weak=False
        )
        register_actions(audit.LABELS)
        enterprise_visibility_register(enterprise_ids_of_unit_slips)
        file_section_register(issues_file_section)
        # A firm's own user rates its firm's slips (the two rating moves, nothing else).
        rating_delegate_register(firm_rates_for)
        section_link(
            "assign",
            "issues:problem_list",
            extra_url_names=[
                "issues:problem_create",
                "issues:problem_detail",
                "issues:batch_list",
                "issues:batch_detail",
                "issues:slip_list",
                "issues:slip_detail",
            ],
        )
        section_link(
            "slips", "issues:slip_inbox", extra_url_names=["issues:slip_list", "issues:slip_detail"]
        )
        section_link(
            "portal",
            "portal:home",
            extra_url_names=[
                "portal:problem_create",
                "portal:problem_detail",
                # The firm's own file and its corrections (enterprises' pages of the portal).
                "enterprises:portal_profile",
                "enterprises:correction_detail",
            ],
        )
