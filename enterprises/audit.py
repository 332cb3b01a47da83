from django.utils.translation import gettext_lazy as _

IMPORTED = "enterprise.import"
EXPORTED = "enterprise.export"
UPDATED = "enterprise.update"
CREATED = "enterprise.create"
ACCOUNT_CREATED = "firm_account.create"
ACCOUNT_PASSWORD_RESET = "firm_account.password_reset"  # noqa: S105 (an action code)
ACCOUNT_DEACTIVATED = "firm_account.deactivate"
ACCOUNT_REACTIVATED = "firm_account.reactivate"
REGISTRATION_SUBMITTED = "firm_registration.submit"
REGISTRATION_APPROVED = "firm_registration.approve"
REGISTRATION_REJECTED = "firm_registration.reject"
CORRECTION_PROPOSED = "contact_correction.propose"
CORRECTION_APPROVED = "contact_correction.approve"
CORRECTION_REJECTED = "contact_correction.reject"

LABELS = {
    IMPORTED: _("Imported a firm list"),
    EXPORTED: _("Exported the firm list"),
    UPDATED: _("Changed a firm's file"),
    CREATED: _("Created a firm's file"),
    ACCOUNT_CREATED: _("Created an enterprise account"),
    ACCOUNT_PASSWORD_RESET: _("Reset an enterprise account's password"),
    ACCOUNT_DEACTIVATED: _("Deactivated an enterprise account"),
    ACCOUNT_REACTIVATED: _("Reactivated an enterprise account"),
    REGISTRATION_SUBMITTED: _("A firm registered for an account"),
    REGISTRATION_APPROVED: _("Approved a firm's registration"),
    REGISTRATION_REJECTED: _("Rejected a firm's registration"),
    CORRECTION_PROPOSED: _("A firm proposed a correction of its contact details"),
    CORRECTION_APPROVED: _("Approved a firm's contact correction"),
    CORRECTION_REJECTED: _("Rejected a firm's contact correction"),
}
