"""Writes for a firm's corrections of its contact details: proposed in the portal, decided by
the office. An approved correction changes the file through its edit history; the proposer
gets a notice either way."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from core.models import User
from core.notifications import notify
from core.services import audit_record

from . import audit
from .codes import phone_normalise
from .decisions import decide
from .models import (
    CORRECTABLE_FIELDS,
    ContactCorrection,
    Decision,
    Enterprise,
    EnterpriseRevision,
    FirmUser,
)
from .services import enterprise_change_record, enterprise_history_snapshot

NOTICE_KIND = "contact_correction"


@transaction.atomic
def contact_correction_propose(
    *,
    enterprise: Enterprise,
    proposed_by: User,
    contact_person: str,
    contact_phone: str,
    address: str,
    ip_address: str | None,
) -> ContactCorrection:
    """Propose new contact details for one's own firm; one proposal waits at a time."""
    if not FirmUser.objects.filter(user=proposed_by, enterprise=enterprise).exists():
        raise PermissionDenied
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if ContactCorrection.objects.filter(enterprise=enterprise, status=Decision.PENDING).exists():
        raise ValidationError(
            _(
                "Your previous correction is still waiting for the activity office; you can "
                "propose another once it is decided."
            ),
            code="pending",
        )
    proposed = {
        "contact_person": contact_person.strip(),
        "contact_phone": phone_normalise(contact_phone),
        "address": address.strip(),
    }
    _required_check(proposed, enterprise)
    correction = ContactCorrection(
        enterprise=enterprise,
        proposed_by=proposed_by,
        **proposed,
        **{f"old_{f}": getattr(enterprise, f) for f in CORRECTABLE_FIELDS},
    )
    changed = correction.changed_fields()
    if not changed:
        raise ValidationError(
            _("These are the details the file already has: change at least one."),
            code="unchanged",
        )
    correction.full_clean()
    correction.save()
    audit_record(
        actor=proposed_by,
        action=audit.CORRECTION_PROPOSED,
        obj=correction,
        before={f: getattr(correction, f"old_{f}") for f in changed},
        after={f: getattr(correction, f) for f in changed},
        ip_address=ip_address,
    )
    return correction


def _required_check(proposed: dict, enterprise: Enterprise) -> None:
    """A correction corrects: the office must still be able to reach the firm. A contact
    person and a phone are required; the address may stay as it is, not be blanked."""
    errors = {}
    if not proposed["contact_person"]:
        errors["contact_person"] = _("Give the contact person.")
    if not proposed["contact_phone"]:
        errors["contact_phone"] = _("Give the contact phone.")
    if not proposed["address"] and enterprise.address:
        errors["address"] = _("The file has an address: correct it rather than leave it empty.")
    if errors:
        raise ValidationError(
            {name: ValidationError(message, code="required") for name, message in errors.items()}
        )


def _notify_proposer(correction: ContactCorrection, title: str) -> None:
    notify(
        recipients=[correction.proposed_by],
        kind=NOTICE_KIND,
        title=title,
        body=correction.reason,
        url=reverse("enterprises:correction_detail", args=[correction.pk]),
    )


@transaction.atomic
def contact_correction_approve(
    *, correction: ContactCorrection, actor: User, ip_address: str | None
) -> ContactCorrection:
    """Apply the fields the firm changed to its file (recorded in the file's edit history as
    the firm's correction) and tell the proposer."""
    correction = decide(
        model=ContactCorrection, pk=correction.pk, to=Decision.APPROVED, actor=actor
    )
    # Only the firm's row is locked (its industry is a nullable join FOR UPDATE cannot take).
    enterprise = (
        Enterprise.objects.select_for_update(of=("self",))
        .select_related("town", "industry")
        .get(pk=correction.enterprise_id)
    )
    before = enterprise_history_snapshot(enterprise)
    changed = correction.changed_fields()
    for name in changed:
        setattr(enterprise, name, getattr(correction, name))
    others = [f.name for f in Enterprise._meta.concrete_fields if f.name not in changed]
    enterprise.clean_fields(exclude=others)
    enterprise.save(update_fields=[*changed, "updated_at"])
    enterprise_change_record(
        enterprise=enterprise,
        before=before,
        actor=actor,
        ip_address=ip_address,
        source=EnterpriseRevision.Source.FIRM,
    )
    audit_record(
        actor=actor,
        action=audit.CORRECTION_APPROVED,
        obj=correction,
        after={f: getattr(correction, f) for f in changed},
        ip_address=ip_address,
    )
    _notify_proposer(
        correction,
        _("The activity office approved your correction of %(firm)s's contact details")
        % {"firm": enterprise.name},
    )
    return correction


@transaction.atomic
def contact_correction_reject(
    *, correction: ContactCorrection, actor: User, reason: str, ip_address: str | None
) -> ContactCorrection:
    """Refuse with a reason, which the proposer reads in the notice."""
    correction = decide(
        model=ContactCorrection, pk=correction.pk, to=Decision.REJECTED, actor=actor, reason=reason
    )
    audit_record(
        actor=actor,
        action=audit.CORRECTION_REJECTED,
        obj=correction,
        after={"reason": correction.reason},
        ip_address=ip_address,
    )
    _notify_proposer(
        correction,
        _("The activity office did not approve your correction of %(firm)s's contact details")
        % {"firm": correction.enterprise.name},
    )
    return correction
