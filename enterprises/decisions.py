"""The one state machine of a firm's request to the office (a registration, a contact
correction): pending, then approved or rejected, once. ``decide`` is the only code that sets
their status."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import User

from .models import Decision

MOVES = {Decision.PENDING: {Decision.APPROVED, Decision.REJECTED}}


def decide(
    *, model: type[models.Model], pk: int, to: str, actor: User, reason: str = ""
) -> models.Model:
    """Lock the request, refuse a move the table does not allow (a second click, a request
    another member of the office decided meanwhile), record who decided, when and why. Call
    inside a transaction."""
    request = model.objects.select_for_update().get(pk=pk)
    if to not in MOVES.get(request.status, set()):
        raise ValidationError(
            _("This request was already decided (%(status)s).")
            % {"status": request.get_status_display()},
            code="decided",
        )
    reason = reason.strip()
    if to == Decision.REJECTED and not reason:
        raise ValidationError(_("Give the reason for the rejection."), code="reason")
    request.status = to
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.reason = reason[:500]
    request.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    return request
