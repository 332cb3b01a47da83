from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("Supervision and evaluation")

    def ready(self):
        from django.db.models.signals import post_migrate

        from core.audit import register_actions
        from core.navigation import section_link
        from issues.slip_actions import SlipAction, slip_action_register
        from issues.slip_sections import slip_section_register

        from . import audit, services
        from .forms import CoordinatorForm, MeetingForm
        from .slip_section import coordination_section
        from .stats_sql import stats_settle_after_flush

        post_migrate.connect(stats_settle_after_flush, sender=self)

        register_actions(audit.LABELS)
        slip_section_register(coordination_section)
        slip_action_register(
            SlipAction(
                "coordinator",
                _("Assign the coordinator"),
                ("assign_coordinator",),
                CoordinatorForm,
                "secondary",
                runner=lambda s, a, d, ip: services.coordinator_assign(
                    slip=s, actor=a, coordinator=d["coordinator"], ip_address=ip
                ),
                form_takes_slip=True,
            ),
            before="reply",
        )
        slip_action_register(
            SlipAction(
                "meeting",
                _("Record a coordination meeting"),
                ("coordination_meeting",),
                MeetingForm,
                "secondary",
                runner=lambda s, a, d, ip: services.coordination_meeting_record(
                    slip=s,
                    actor=a,
                    held_on=d["held_on"],
                    units=list(d["units"]),
                    decisions=d["decisions"],
                    ip_address=ip,
                ),
                form_takes_slip=True,
            ),
            before="reply",
        )
        section_link("coordinate", "supervision:escalated", extra_url_names=["issues:slip_detail"])
        section_link(
            "supervise",
            "supervision:bulletin_list",
            extra_url_names=[
                "supervision:escalated",
                "supervision:bulletin_create",
                "supervision:bulletin_detail",
                "supervision:bulletin_update",
                "supervision:bulletin_print",
                "supervision:evaluation_list",
                "supervision:evaluation_create",
                "supervision:evaluation_detail",
                "supervision:evaluation_update",
            ],
        )
        section_link("unit_board", "supervision:dashboard")
        section_link(
            "analytics", "supervision:analytics", extra_url_names=["supervision:analytics_problems"]
        )
        section_link(
            "dashboard",
            "supervision:dashboard",
            extra_url_names=[
                "supervision:dashboard_slips",
                "supervision:dashboard_problems",
                "supervision:dashboard_targets",
            ],
        )
