from django.utils.translation import gettext_lazy as _

PAIRINGS_IMPORTED = "pairing.import"
CAMPAIGN_CREATED = "campaign.create"
CAMPAIGN_UPDATED = "campaign.update"
VISIT_DRAFTED = "visit.draft"
VISIT_SUBMITTED = "visit.submit"
VISIT_DISCARDED = "visit.discard"
MEETING_CREATED = "meeting.create"
MEETING_UPDATED = "meeting.update"
MEETING_PROBLEM_RECORDED = "meeting.problem"
MEETING_ISSUED = "meeting.issue"

LABELS = {
    PAIRINGS_IMPORTED: _("Imported a pairing list"),
    CAMPAIGN_CREATED: _("Created a visit campaign"),
    CAMPAIGN_UPDATED: _("Changed a visit campaign"),
    VISIT_DRAFTED: _("Started a visit survey"),
    VISIT_SUBMITTED: _("Submitted a visit survey"),
    VISIT_DISCARDED: _("Discarded a draft visit survey"),
    MEETING_CREATED: _("Recorded a symposium or matchmaking meeting"),
    MEETING_UPDATED: _("Changed a symposium or matchmaking meeting"),
    MEETING_PROBLEM_RECORDED: _("Recorded a problem raised at a meeting"),
    MEETING_ISSUED: _("Issued a meeting's problems as one document"),
}
