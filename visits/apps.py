from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("Pairings, campaigns and visits")

    def ready(self):
        from core.audit import register_actions
        from core.navigation import section_extend, section_link
        from enterprises.file_sections import file_section_register
        from enterprises.selectors import enterprise_visibility_register
        from issues.selectors import slip_visibility_register
        from issues.slip_sections import slip_section_register
        from issues.workflow import rating_delegate_register

        from . import audit
        from .file_section import visits_file_section
        from .selectors import cadre_rates_for, enterprise_ids_of_cadre, enterprise_ids_paired_with
        from .slip_section import meeting_slip_section

        register_actions(audit.LABELS)
        enterprise_visibility_register(enterprise_ids_paired_with)
        file_section_register(visits_file_section)
        slip_visibility_register(enterprise_ids_of_cadre)
        rating_delegate_register(cadre_rates_for)
        slip_section_register(meeting_slip_section)
        section_link(
            "visits",
            "visits:my_firms",
            extra_url_names=["visits:visit_create", "visits:visit_edit", "visits:visit_detail"],
        )
        section_link(
            "campaigns",
            "visits:campaign_list",
            extra_url_names=[
                "visits:campaign_create",
                "visits:campaign_detail",
                "visits:campaign_edit",
                "visits:campaign_targets",
                "visits:pairing_list",
                "visits:pairing_coverage",
            ],
        )
        section_link("unit_visits", "visits:visit_list")
        section_extend("imports", ["visits:pairing_import", "visits:pairing_import_job"])
        # Symposiums and matchmaking meetings are part of the office's sorting (issues links
        # the section to its inbox, and runs first).
        section_extend(
            "assign",
            [
                "visits:meeting_list",
                "visits:meeting_create",
                "visits:meeting_detail",
                "visits:meeting_edit",
                "visits:meeting_problem_create",
                "visits:meeting_issue",
                "visits:meeting_print",
                "visits:meeting_pdf",
            ],
        )
