"""The registry's own part of a firm's file for the office: the firm's accounts, with the form
to make one, and what the firm asked that waits for a decision."""

from django.utils.translation import gettext as _

from .file_sections import FileSection
from .forms import FirmAccountForm
from .models import Decision
from .selectors import firm_accounts_manageable, firm_accounts_of


def accounts_file_section(request, firm) -> FileSection | None:
    if not firm_accounts_manageable(request.user):
        return None
    return FileSection(
        "enterprises/_accounts_section.html",
        {
            "firm": firm,
            "accounts": list(firm_accounts_of(firm)),
            "form": FirmAccountForm(initial=FirmAccountForm.initial_for(firm)),
            "registrations": list(
                firm.registrations.filter(status=Decision.PENDING).select_related("user")
            ),
            "corrections": list(firm.contact_corrections.filter(status=Decision.PENDING)),
            "title": _("Enterprise accounts"),
        },
    )
