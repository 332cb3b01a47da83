from django.utils.translation import gettext_lazy as _

IMPORTED = "enterprise.import"
EXPORTED = "enterprise.export"
UPDATED = "enterprise.update"
CREATED = "enterprise.create"

LABELS = {
    IMPORTED: _("Imported a firm list"),
    EXPORTED: _("Exported the firm list"),
    UPDATED: _("Changed a firm's file"),
    CREATED: _("Created a firm's file"),
}
