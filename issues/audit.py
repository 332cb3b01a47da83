from django.utils.translation import gettext_lazy as _

PROBLEM_CREATED = "problem.create"
PROBLEM_UPDATED = "problem.update"
PROBLEM_MERGED = "problem.merge"
PROBLEM_ANSWERED = "problem.answer"
PROBLEM_DECLINED = "problem.decline"
BATCH_OPENED = "batch.open"
SLIP_ISSUED = "slip.issue"
SLIP_STEP = "slip.step"
SETTINGS_CHANGED = "issues.settings"
PROBLEM_SUPERVISED = "problem.supervise"
ATTACHMENT_ADDED = "attachment.add"

LABELS = {
    PROBLEM_CREATED: _("Recorded a problem"),
    PROBLEM_UPDATED: _("Sorted a problem (wording, category, tags)"),
    PROBLEM_MERGED: _("Merged a duplicate problem"),
    PROBLEM_ANSWERED: _("Answered a problem directly"),
    PROBLEM_DECLINED: _("Declined a problem"),
    BATCH_OPENED: _("Opened a batch of slips"),
    SLIP_ISSUED: _("Issued an assignment slip"),
    SLIP_STEP: _("Took a step on an assignment slip"),
    SETTINGS_CHANGED: _("Changed special actions or deadline rules"),
    PROBLEM_SUPERVISED: _("Listed a problem for supervision, or took it off"),
    ATTACHMENT_ADDED: _("Attached a file to a problem"),
}
