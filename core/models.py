"""The organisation (units and users), the audit log, and the role capabilities.

This app knows no domain app: the registry, problems, visits and supervision stand on it.
"""

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .audit import action_label, describe_changes
from .roles import CAPABILITIES

mobile_validator = RegexValidator(
    r"^1[3-9]\d{9}$",
    _("Enter an 11-digit mainland mobile number, such as 13812345678."),
)


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class Unit(TimeStampedModel):
    """A body a person works for: a department, a town/street, the office, a firm, ..."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("Department")
        TOWN = "town", _("Town / street")
        OFFICE = "office", _("Activity office")
        LEADING_GROUP = "leading_group", _("Leadership group")
        CITY_LEADERS = "city_leaders", _("City leaders")
        HIGHER_LEVEL = "higher_level", _("Higher level")
        ENTERPRISE = "enterprise", _("Enterprise")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["kind", "sort_order", "name"]
        indexes = [models.Index(fields=["kind", "sort_order"], name="unit_kind_order_idx")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(name=""), name="unit_name_not_empty"),
        ]

    def __str__(self):
        return self.name


class User(AbstractUser):
    """A person who logs in. Chinese names are one field; every user belongs to one unit."""

    first_name = None
    last_name = None
    name = models.CharField(_("full name"), max_length=50)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="members"
    )
    mobile = models.CharField(
        _("mobile number"), max_length=11, blank=True, validators=[mobile_validator]
    )
    # Set when someone else chose the password (an initial password handed to a firm, a
    # reset by the office): the user must choose a new one before doing anything else.
    must_change_password = models.BooleanField(_("must change the password"), default=False)

    objects = UserManager()

    REQUIRED_FIELDS = ["name", "unit"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["unit__sort_order", "username"]
        indexes = [models.Index(fields=["mobile"], name="user_mobile_idx")]

    def __str__(self):
        return f"{self.name}（{self.username}）" if self.name else self.username

    def get_full_name(self):
        return self.name

    def get_short_name(self):
        return self.name


class AuditEvent(models.Model):
    """One thing that happened, who did it (null = the system), and what it changed.

    Append-only: services write it, nobody edits or deletes it (the admin is read-only and the
    database refuses UPDATE, and on PostgreSQL DELETE, with a trigger).
    """

    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
    )
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["actor", "-created_at"], name="audit_actor_time_idx"),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.get_action_display()}"

    def get_action_display(self):
        return action_label(self.action)

    def changes(self) -> list[dict]:
        """before/after as rows a person can read."""
        return describe_changes(self)


class Capability(models.Model):
    """Holds the role capabilities as permissions; it has no table.

    A role (a Django group) is granted capabilities; navigation, start pages and views check
    them, so an administrator who changes a group's permissions in the admin changes what the
    people in it may use.
    """

    class Meta:
        managed = False
        default_permissions = ()
        permissions = CAPABILITIES
        verbose_name = _("capability")
        verbose_name_plural = _("capabilities")

    def __str__(self):
        return str(self._meta.verbose_name)


class CalendarDay(models.Model):
    """A day that breaks the ordinary week on the official calendar: a statutory holiday or
    day off (休息) on a weekday, or a make-up working day (调休上班) on a weekend."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Day off")
        WORKDAY = "workday", _("Make-up working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.name}".strip()


class CalendarYear(models.Model):
    """A year whose official schedule has been entered. Deadlines that reach into a year not
    listed here are provisional: the calendar does not know that year's holidays yet."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), default=timezone.now)
    confirmed_by = models.ForeignKey(
        User,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("confirmed calendar year")
        verbose_name_plural = _("confirmed calendar years")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)


class Notification(models.Model):
    """A notice for one person (a reminder, a chase-up, an escalation...), shown in the
    notification centre and e-mailed when the person has an address."""

    recipient = models.ForeignKey(
        User, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=32)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
            models.Index(fields=["recipient", "-created_at"], name="notification_recent_idx"),
        ]

    def __str__(self):
        return self.title
