from django.utils.translation import gettext_lazy as _

RULES_CHANGED = "supervision.rules"
COORDINATOR_ASSIGNED = "coordination.coordinator"
MEETING_RECORDED = "coordination.meeting"

LABELS = {
    RULES_CHANGED: _("Changed the supervision rules"),
    COORDINATOR_ASSIGNED: _("Assigned the coordinator of an escalated slip"),
    MEETING_RECORDED: _("Recorded a coordination meeting"),
}
