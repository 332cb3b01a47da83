"""Writes for the firms' accounts in the portal: made by the office from a firm's file, one or
many at a time, and kept (a new initial password, deactivate, reactivate).

An account the office makes gets a readable user name (the firm's credit code, then -2, -3 for
further accounts) and a random initial password that must be changed at the first login. The
password is returned to the caller once (``IssuedAccount``) and stored only as its hash: never
in the audit log, the log, or an error report (``sensitive_variables``).
"""

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from core import audit as core_audit
from core.models import Unit, User
from core.roles import Role
from core.services import audit_record, snapshot

from . import audit
from .codes import credit_code_error, is_mobile
from .models import Enterprise, FirmRegistration, FirmUser, FormToken

# Hashing a password costs about 0.2 s with the production hasher: a hundred accounts take
# some twenty seconds, about what one request should be asked to do.
BULK_MAX = 100

# Letters and digits that cannot be mistaken for one another on paper (no 0/O, 1/l/I).
_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_LOWER = "abcdefghijkmnpqrstuvwxyz"
_DIGITS = "23456789"


# How long a form's one-time token is remembered: long enough for the back button.
FORM_TOKEN_DAYS = 1


class FormAlreadySent(Exception):
    """The form with this one-time token was sent before and made its accounts (or initial
    password) then; this request made nothing."""

    def __init__(self, token: str):
        super().__init__(token)
        self.token = token


def form_token_claim(token: str) -> None:
    """Record a form's one-time token inside the transaction that acts on it; raise
    ``FormAlreadySent`` when it is recorded already. A second request with the same token
    waits at the unique index for the first transaction: if that one commits, the second
    finds the token; if it rolls back (the form had an error), the second goes ahead. An empty
    token (a caller other than a form) claims nothing."""
    if not token:
        return
    try:
        with transaction.atomic():
            FormToken.objects.create(token=token)
    except IntegrityError as exc:
        raise FormAlreadySent(token) from exc
    cutoff = timezone.now() - timedelta(days=FORM_TOKEN_DAYS)
    transaction.on_commit(lambda: FormToken.objects.filter(created_at__lt=cutoff).delete())


def conflict_error() -> ValidationError:
    """What a unique constraint hit by two requests at the same moment becomes."""
    return ValidationError(
        _(
            "Another request changed this firm's accounts at the same moment, so nothing was "
            "made. Open the firm's file and try again."
        ),
        code="conflict",
    )


def enterprise_lock(enterprise: Enterprise) -> Enterprise:
    """The firm's row, locked until the end of the transaction: whoever makes or links a
    firm's accounts takes it first, so two of them never pick the same user name or make the
    firm's unit twice."""
    return Enterprise.objects.select_for_update().get(pk=enterprise.pk)


@dataclass
class IssuedAccount:
    """An account and its initial password, handed to the page that shows it once."""

    enterprise: Enterprise
    user: User
    password: str = field(repr=False)


@sensitive_variables("password")
def initial_password_make(user: User | None = None) -> str:
    """Three groups of four (``Kx7m-Pq3r-Wd9t``): easy to read out and type, about 69 bits,
    and accepted by every configured password validator."""
    alphabet = _UPPER + _LOWER + _DIGITS
    for _attempt in range(100):
        password = "-".join(
            "".join(secrets.choice(alphabet) for _i in range(4)) for _group in range(3)
        )
        if not all(any(c in kind for c in password) for kind in (_UPPER, _LOWER, _DIGITS)):
            continue
        try:
            validate_password(password, user)
        except ValidationError:
            continue
        return password
    raise RuntimeError("no initial password passes the password validators")  # pragma: no cover


def firm_unit_for(*, enterprise: Enterprise, actor: User | None, ip_address: str | None) -> Unit:
    """The unit (kind enterprise) a firm's accounts belong to: the one its accounts already
    use, else the unit named after the firm, made when missing. Unit names are unique: when
    that name is another body's (a firm of the same name, a department), the credit code is
    added, as in 某公司（9133…）."""
    link = (
        FirmUser.objects.filter(enterprise=enterprise, user__unit__kind=Unit.Kind.ENTERPRISE)
        .select_related("user__unit")
        .first()
    )
    if link is not None:
        return link.user.unit
    names = [
        enterprise.name[:100],
        f"{enterprise.name[:80]}（{enterprise.credit_code}）",
    ]
    for name in names:
        unit = Unit.objects.filter(name=name).first()
        if unit is None:
            unit = Unit(name=name, kind=Unit.Kind.ENTERPRISE)
            unit.full_clean()
            unit.save()
            audit_record(
                actor=actor,
                action=core_audit.UNIT_CREATED,
                obj=unit,
                after=snapshot(unit),
                ip_address=ip_address,
            )
            return unit
        if unit.kind == Unit.Kind.ENTERPRISE and not _unit_used_by_another_firm(unit, enterprise):
            return unit
    raise ValidationError(
        _("The unit %(name)s belongs to another body; rename it in the administration first.")
        % {"name": names[-1]},
        code="unit",
    )


def _unit_used_by_another_firm(unit: Unit, enterprise: Enterprise) -> bool:
    return (
        FirmUser.objects.filter(user__unit=unit).exclude(enterprise=enterprise).exists()
        or FirmRegistration.objects.filter(user__unit=unit).exclude(enterprise=enterprise).exists()
    )


def username_for(enterprise: Enterprise) -> str:
    """The firm's credit code, or the code with -2, -3... when taken (in any case)."""
    base = enterprise.credit_code
    taken = {
        name.upper()
        for name in User.objects.filter(username__istartswith=base).values_list(
            "username", flat=True
        )
    }
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def firm_account_link(*, user: User, enterprise: Enterprise, actor: User | None) -> FirmUser:
    """Attach an account to its firm with the enterprise role: what makes it a firm's account.
    Only the office does this (here, or by approving a registration)."""
    user.groups.add(Group.objects.get(name=Role.ENTERPRISE.value))
    return FirmUser.objects.create(user=user, enterprise=enterprise, created_by=actor)


def _account_refuse_reason(enterprise: Enterprise) -> str | None:
    if enterprise.status == Enterprise.Status.CLOSED:
        return _("The firm is marked closed in the file.")
    return None


@sensitive_variables("password")
def _account_make(
    *, enterprise: Enterprise, name: str, mobile: str, actor: User, ip_address: str | None
) -> IssuedAccount:
    refused = _account_refuse_reason(enterprise)
    if refused:
        raise ValidationError(refused, code="closed")
    user = User(
        username=username_for(enterprise),
        name=name.strip()[:50],
        unit=firm_unit_for(enterprise=enterprise, actor=actor, ip_address=ip_address),
        mobile=mobile.strip(),
        must_change_password=True,
    )
    password = initial_password_make(user)
    user.set_password(password)
    user.full_clean()
    user.save()
    firm_account_link(user=user, enterprise=enterprise, actor=actor)
    audit_record(
        actor=actor,
        action=audit.ACCOUNT_CREATED,
        obj=user,
        # Keys the audit page labels (the user's fields): the unit is the firm's.
        after={
            "username": user.username,
            "name": user.name,
            "mobile": user.mobile,
            "unit": user.unit.name,
        },
        ip_address=ip_address,
    )
    return IssuedAccount(enterprise=enterprise, user=user, password=password)


@transaction.atomic
def firm_account_create(
    *,
    enterprise: Enterprise,
    name: str,
    mobile: str,
    actor: User,
    ip_address: str | None,
    once: str = "",
) -> IssuedAccount:
    """One more account for a firm, for a named person, with an initial password to change at
    the first login. ``once`` is the form's one-time token (``form_token_claim``)."""
    if not name.strip():
        raise ValidationError({"name": _("Give the name of the person who will use it.")})
    form_token_claim(once)
    enterprise = enterprise_lock(enterprise)
    try:
        with transaction.atomic():
            return _account_make(
                enterprise=enterprise, name=name, mobile=mobile, actor=actor, ip_address=ip_address
            )
    except IntegrityError as exc:
        raise conflict_error() from exc


@dataclass
class BulkPlan:
    """What a bulk creation would do with a list of credit codes."""

    create: list[Enterprise] = field(default_factory=list)
    skipped: list[tuple[Enterprise, str]] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (code as given, why)

    @property
    def ok(self) -> bool:
        return not self.errors and 0 < len(self.create) <= BULK_MAX

    @property
    def too_many(self) -> bool:
        return len(self.create) > BULK_MAX

    def problem(self) -> str | None:
        """Why nothing can be made from this list, or None."""
        if self.errors:
            return _(
                "Some codes are wrong or not in the file: correct or remove them, then check the "
                "list again. No account was made."
            )
        if self.too_many:
            return _(
                "At most %(max)d accounts can be made at a time; this list would make %(count)d. "
                "Split it into smaller lists."
            ) % {"max": BULK_MAX, "count": len(self.create)}
        if not self.create:
            return _("Every firm on this list already has an account or is closed: nothing to do.")
        return None


def firm_accounts_plan(credit_codes: list[str]) -> BulkPlan:
    """Read only: which firms get an account, which are skipped and why, which codes are
    wrong. Three queries whatever the length of the list."""
    plan = BulkPlan()
    valid = []
    for code in credit_codes:
        error = credit_code_error(code)
        if error:
            plan.errors.append((code, error))
        else:
            valid.append(code)
    firms = {f.credit_code: f for f in Enterprise.objects.filter(credit_code__in=valid)}
    usernames: dict[int, list[str]] = {}
    for firm_id, username in FirmUser.objects.filter(
        enterprise__in=list(firms.values())
    ).values_list("enterprise_id", "user__username"):
        usernames.setdefault(firm_id, []).append(username)
    for code in valid:
        firm = firms.get(code)
        if firm is None:
            plan.errors.append(
                (code, _("Not in the file of firms: check the code or import the firm first."))
            )
        elif firm.pk in usernames:
            plan.skipped.append(
                (
                    firm,
                    _("Already has an account: %(usernames)s.")
                    % {"usernames": "、".join(sorted(usernames[firm.pk]))},
                )
            )
        elif reason := _account_refuse_reason(firm):
            plan.skipped.append((firm, reason))
        else:
            plan.create.append(firm)
    return plan


def firm_contact_for_account(enterprise: Enterprise) -> tuple[str, str]:
    """Who a firm's account is made for when no one is named: the contact person (else the
    firm's name) and the contact phone when it is a mobile."""
    mobile = enterprise.contact_phone if is_mobile(enterprise.contact_phone) else ""
    return (enterprise.contact_person or enterprise.name)[:50], mobile


@dataclass
class BulkResult:
    issued: list[IssuedAccount]
    skipped: list[tuple[Enterprise, str]]


@sensitive_variables("issued")
@transaction.atomic
def firm_accounts_create_bulk(
    *, credit_codes: list[str], actor: User, ip_address: str | None, once: str = ""
) -> BulkResult:
    """One account for each listed firm that has none, for its contact person (or, without
    one, in the firm's name) with the contact phone when it is a mobile. All or nothing: a
    wrong code or a row that fails validation leaves no account made. ``once`` is the form's
    one-time token (``form_token_claim``)."""
    form_token_claim(once)
    # Lock the firms first, so two offices sending the same list cannot both make accounts.
    list(
        Enterprise.objects.select_for_update()
        .filter(credit_code__in=credit_codes)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    plan = firm_accounts_plan(credit_codes)
    problem = plan.problem()
    if problem:
        raise ValidationError(problem, code="plan")
    issued = []
    for firm in plan.create:
        name, mobile = firm_contact_for_account(firm)
        try:
            with transaction.atomic():
                issued.append(
                    _account_make(
                        enterprise=firm,
                        name=name,
                        mobile=mobile,
                        actor=actor,
                        ip_address=ip_address,
                    )
                )
        except IntegrityError as exc:
            raise conflict_error() from exc
        except ValidationError as exc:
            raise ValidationError(
                _("%(firm)s: %(error)s (no account was made)")
                % {"firm": firm.name, "error": "；".join(exc.messages)},
                code="row",
            ) from exc
    return BulkResult(issued=issued, skipped=plan.skipped)


@transaction.atomic
def firm_account_password_reset(
    *, account: FirmUser, actor: User, ip_address: str | None, once: str = ""
) -> IssuedAccount:
    """A new initial password, to be changed again at the next login. The old one stops
    working at once, and so do the account's open sessions. ``once`` is the form's one-time
    token (``form_token_claim``): sent twice, the form makes one password, not two."""
    form_token_claim(once)
    user = User.objects.select_for_update().get(pk=account.user_id)
    password = initial_password_make(user)
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    audit_record(
        actor=actor,
        action=audit.ACCOUNT_PASSWORD_RESET,
        obj=user,
        after={"username": user.username, "unit": user.unit.name},
        ip_address=ip_address,
    )
    return IssuedAccount(enterprise=account.enterprise, user=user, password=password)


@transaction.atomic
def firm_account_active_set(
    *, account: FirmUser, active: bool, actor: User, ip_address: str | None
) -> User:
    """Deactivate an account (it can no longer log in; its history stays) or reactivate it."""
    user = User.objects.select_for_update().get(pk=account.user_id)
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action=audit.ACCOUNT_REACTIVATED if active else audit.ACCOUNT_DEACTIVATED,
        obj=user,
        before={"is_active": not active},
        after={"is_active": active},
        ip_address=ip_address,
    )
    return user
