"""Writes for a firm's self-registration: submitted on a public page, decided by the office.

A registration makes an inactive account with the password its owner chose, and attaches it
to nothing: only the office's approval links it to the firm (``FirmUser``), moves it to the
firm's unit (made then if missing), gives it the enterprise role and activates it. An SMS
tells the mobile the outcome either way.

The public page answers questions about the file (is this code a firm of it, is this user name
taken), so every attempt is counted per address in the cache, valid or not, before the form is
even read (``registration_attempts_exceeded``); successful registrations are counted again in
the database (``registration_rate_exceeded``).
"""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from core import audit as core_audit
from core.models import Unit, User, mobile_validator
from core.services import audit_record, snapshot
from core.sms import sms_send

from . import audit
from .accounts import conflict_error, enterprise_lock, firm_account_link, firm_unit_for
from .codes import credit_code_error, credit_code_normalise, normalise
from .decisions import decide
from .models import Decision, Enterprise, FirmRegistration, FirmUser

logger = logging.getLogger(__name__)

# Every account needs a unit, but a firm's own unit is made only when the office approves one
# of its registrations: an anonymous page must not create units (nor audit rows for them) that
# spam would leave behind. Until the decision every registrant's inactive account waits in
# this one shared unit, itself inactive so that no one picks it anywhere; approval moves the
# account to its firm's unit, and a rejected one simply stays here, inactive.
REGISTRANTS_UNIT_NAME = "企业自助注册（待审核）"


def _same_name(given: str, filed: str) -> bool:
    """Names compared as people write them: full-width brackets, spaces."""
    return normalise(given).replace(" ", "") == normalise(filed).replace(" ", "")


def registration_refused_message() -> str:
    return _(
        "Too many registrations have come from your network in the last hour. Try again in an "
        "hour, or call the activity office."
    )


def registration_attempts_exceeded(ip_address: str | None) -> bool:
    """Count one more attempt of the registration form from this address (any POST, valid or
    not) and say whether this one is beyond ``REGISTRATION_ATTEMPTS_PER_HOUR``. One counter
    per address and clock hour in the shared cache (Redis in production): ``add`` makes it,
    ``incr`` counts atomically across processes. If the cache is down, the attempt is let
    through (the database still limits successful registrations) and the failure logged."""
    key = f"enterprises:registration-attempts:{ip_address or 'unknown'}:{int(time.time()) // 3600}"
    try:
        cache.add(key, 0, timeout=3600 + 60)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=3600 + 60)
            count = 1
    except Exception:  # the cache server is unreachable
        logger.exception("registration attempts not counted")
        return False
    return count > settings.REGISTRATION_ATTEMPTS_PER_HOUR


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
        raise ValidationError(registration_refused_message(), code="rate")
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
        unit=registrants_unit(),
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


def registrants_unit() -> Unit:
    """The shared unit of accounts waiting for the office's decision (``REGISTRANTS_UNIT_NAME``),
    made the first time it is needed."""
    unit = Unit.objects.filter(name=REGISTRANTS_UNIT_NAME).first()
    if unit is not None:
        return unit
    try:
        with transaction.atomic():
            unit = Unit.objects.create(
                name=REGISTRANTS_UNIT_NAME, kind=Unit.Kind.ENTERPRISE, is_active=False
            )
    except IntegrityError:  # made by another registration at the same moment
        return Unit.objects.get(name=REGISTRANTS_UNIT_NAME)
    audit_record(
        actor=None, action=core_audit.UNIT_CREATED, obj=unit, after=snapshot(unit), ip_address=None
    )
    return unit


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
    """Link the account to the firm and move it to the firm's unit (made now if missing), give
    it the enterprise role, activate it, and text the mobile that it may log in."""
    registration = decide(
        model=FirmRegistration, pk=registration.pk, to=Decision.APPROVED, actor=actor
    )
    # The firm's row first, as everyone who makes a firm's accounts does (enterprise_lock).
    enterprise = enterprise_lock(registration.enterprise)
    user = User.objects.select_for_update().get(pk=registration.user_id)
    if FirmUser.objects.filter(user=user).exists():
        raise ValidationError(_("This account already belongs to a firm."), code="linked")
    try:
        with transaction.atomic():
            user.unit = firm_unit_for(enterprise=enterprise, actor=actor, ip_address=ip_address)
            user.is_active = True
            user.save(update_fields=["unit", "is_active"])
            firm_account_link(user=user, enterprise=enterprise, actor=actor)
    except IntegrityError as exc:
        raise conflict_error() from exc
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
