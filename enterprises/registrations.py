"""Writes for a firm's self-registration: submitted on a public page, decided by the office.

A registration makes an inactive account with the password its owner chose, and attaches it
to nothing: only the office's approval links it to the firm (``FirmUser``), gives it the
enterprise role and activates it. An SMS tells the mobile the outcome either way.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from core.models import User, mobile_validator
from core.services import audit_record
from core.sms import sms_send

from . import audit
from .accounts import firm_account_link, firm_unit_for
from .codes import credit_code_error, credit_code_normalise, normalise
from .decisions import decide
from .models import Decision, Enterprise, FirmRegistration, FirmUser


def _same_name(given: str, filed: str) -> bool:
    """Names compared as people write them: full-width brackets, spaces."""
    return normalise(given).replace(" ", "") == normalise(filed).replace(" ", "")


def registration_rate_exceeded(ip_address: str | None) -> bool:
    """More registrations from this address in the last hour than the setting allows. Counted
    in the database, so every process and server sees the same count."""
    since = timezone.now() - timedelta(hours=1)
    recent = FirmRegistration.objects.filter(created_at__gte=since)
    if ip_address:
        recent = recent.filter(ip_address=ip_address)
    else:
        recent = recent.filter(ip_address__isnull=True)
    return recent.count() >= settings.REGISTRATION_RATE_PER_HOUR


@sensitive_variables("password")
@transaction.atomic
def firm_registration_submit(
    *,
    credit_code: str,
    firm_name: str,
    contact_name: str,
    mobile: str,
    username: str,
    password: str,
    ip_address: str | None,
) -> FirmRegistration:
    """Record a registration for a firm in the file and make its account, inactive."""
    if registration_rate_exceeded(ip_address):
        raise ValidationError(
            _(
                "Too many registrations have come from your network in the last hour. Try again "
                "in an hour, or call the activity office."
            ),
            code="rate",
        )
    code = credit_code_normalise(credit_code)
    error = credit_code_error(code)
    if error:
        raise ValidationError({"credit_code": ValidationError(error, code="credit_code")})
    enterprise = (
        Enterprise.objects.select_for_update().filter(credit_code=code).order_by("pk").first()
    )
    if enterprise is None:
        raise ValidationError(
            {
                "credit_code": ValidationError(
                    _(
                        "This credit code is not in the activity office's file of firms. Check "
                        "it; if it is right, contact the activity office to have your firm added."
                    ),
                    code="unknown_firm",
                )
            }
        )
    if enterprise.status == Enterprise.Status.CLOSED:
        raise ValidationError(
            {
                "credit_code": ValidationError(
                    _("This firm is marked closed in the file. Contact the activity office."),
                    code="closed",
                )
            }
        )
    mobile = mobile.strip()
    mobile_validator(mobile)
    if FirmRegistration.objects.filter(
        enterprise=enterprise, mobile=mobile, status=Decision.PENDING
    ).exists():
        raise ValidationError(
            _(
                "A registration for this firm from this mobile number is already waiting for the "
                "activity office. You will get a text message when it is decided."
            ),
            code="duplicate",
        )
    username = username.strip()
    _username_check(username, enterprise)
    user = User(
        username=username,
        name=contact_name.strip(),
        unit=firm_unit_for(enterprise=enterprise, actor=None, ip_address=ip_address),
        mobile=mobile,
        is_active=False,
    )
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    registration = FirmRegistration(
        enterprise=enterprise,
        user=user,
        firm_name=firm_name.strip(),
        name_differs=not _same_name(firm_name, enterprise.name),
        contact_name=user.name,
        mobile=mobile,
        ip_address=ip_address,
    )
    registration.full_clean()
    try:
        registration.save()
    except IntegrityError as exc:  # the same registration sent twice at the same moment
        raise ValidationError(
            _("This registration was just submitted. Wait for the activity office's decision."),
            code="duplicate",
        ) from exc
    audit_record(
        actor=None,
        action=audit.REGISTRATION_SUBMITTED,
        obj=registration,
        after={
            "enterprise": enterprise.name,
            "firm_name": registration.firm_name,
            "name_differs": registration.name_differs,
            "contact_name": registration.contact_name,
            "mobile": mobile,
            "username": username,
        },
        ip_address=ip_address,
    )
    return registration


def username_taken_message() -> str:
    return _("This user name is taken: choose another.")


def username_taken(username: str) -> bool:
    """Taken in any case: Li and li would be two accounts people cannot tell apart."""
    return User.objects.filter(username__iexact=username).exists()


def _username_check(username: str, enterprise: Enterprise) -> None:
    if username_taken(username):
        raise ValidationError({"username": ValidationError(username_taken_message(), code="taken")})
    # The office names accounts after the firm's credit code: keep other firms' codes free.
    code = credit_code_normalise(username)
    if code != enterprise.credit_code and credit_code_error(code) is None:
        raise ValidationError(
            {
                "username": ValidationError(
                    _("Do not use another firm's credit code as your user name."),
                    code="credit_code",
                )
            }
        )


def _login_url() -> str:
    return f"{settings.SITE_URL.rstrip('/')}{reverse('login')}"


@transaction.atomic
def firm_registration_approve(
    *, registration: FirmRegistration, actor: User, ip_address: str | None
) -> FirmRegistration:
    """Link the account to the firm, give it the enterprise role, activate it, and text the
    mobile that it may log in."""
    registration = decide(
        model=FirmRegistration, pk=registration.pk, to=Decision.APPROVED, actor=actor
    )
    user = User.objects.select_for_update().get(pk=registration.user_id)
    if FirmUser.objects.filter(user=user).exists():
        raise ValidationError(_("This account already belongs to a firm."), code="linked")
    enterprise = registration.enterprise
    user.is_active = True
    user.save(update_fields=["is_active"])
    firm_account_link(user=user, enterprise=enterprise, actor=actor)
    audit_record(
        actor=actor,
        action=audit.REGISTRATION_APPROVED,
        obj=registration,
        after={"username": user.username, "enterprise": enterprise.name},
        ip_address=ip_address,
    )
    sms_send(
        mobile=registration.mobile,
        text=_(
            "Lin'an enterprise service: your account %(username)s for %(firm)s is approved. "
            "Log in at %(url)s"
        )
        % {"username": user.username, "firm": enterprise.name, "url": _login_url()},
    )
    return registration


@transaction.atomic
def firm_registration_reject(
    *, registration: FirmRegistration, actor: User, reason: str, ip_address: str | None
) -> FirmRegistration:
    """Refuse with a reason; the account stays inactive and attached to nothing."""
    registration = decide(
        model=FirmRegistration,
        pk=registration.pk,
        to=Decision.REJECTED,
        actor=actor,
        reason=reason,
    )
    audit_record(
        actor=actor,
        action=audit.REGISTRATION_REJECTED,
        obj=registration,
        after={"reason": registration.reason},
        ip_address=ip_address,
    )
    sms_send(
        mobile=registration.mobile,
        text=_(
            "Lin'an enterprise service: your account registration for %(firm)s was not "
            "approved: %(reason)s For questions, contact the activity office."
        )
        % {"firm": registration.enterprise.name, "reason": registration.reason},
    )
    return registration
