"""The firm registry: one file per firm (一企一档), its yearly figures, and its edit history."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel, Unit

from .codes import credit_code_error, phone_error


def validate_credit_code(value):
    error = credit_code_error(value)
    if error:
        raise ValidationError(error, code="credit_code")


def validate_phone(value):
    error = phone_error(value)
    if error:
        raise ValidationError(error, code="phone")


# The fields of a firm's profile: what a list sets, the history records and the export writes.
PROFILE_FIELDS = [
    "credit_code",
    "name",
    "town",
    "address",
    "industry",
    "industry_code",
    "size_class",
    "is_tech",
    "legal_representative",
    "contact_person",
    "contact_phone",
    "status",
]


class Industry(models.Model):
    """GB/T 4754-2017: the 20 sections (门类, A–T) and 97 divisions (大类, 01–97)."""

    class Level(models.TextChoices):
        SECTION = "section", _("Section")
        DIVISION = "division", _("Division")

    code = models.CharField(_("code"), max_length=5, unique=True)
    name = models.CharField(_("name"), max_length=60)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("section"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="divisions",
    )

    class Meta:
        verbose_name = _("industry")
        verbose_name_plural = _("industries")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class Enterprise(TimeStampedModel):
    class SizeClass(models.TextChoices):
        LARGE = "large", _("Large enterprise or group")
        ABOVE = "above", _("Above designated size")
        BELOW = "below", _("Below designated size")

    class Status(models.TextChoices):
        OPERATING = "operating", _("Operating")
        CLOSED = "closed", _("Closed")

    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
    )
    name = models.CharField(_("enterprise name"), max_length=100)
    town = models.ForeignKey(
        Unit,
        verbose_name=_("town / street"),
        on_delete=models.PROTECT,
        related_name="enterprises",
        limit_choices_to={"kind": Unit.Kind.TOWN},
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    industry = models.ForeignKey(
        Industry,
        verbose_name=_("industry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enterprises",
    )
    # The code as the list gave it, with its section letter (C3831): more precise than the
    # division we file it under, and what the export writes back.
    industry_code = models.CharField(_("industry code"), max_length=5, blank=True)
    size_class = models.CharField(_("size class"), max_length=10, choices=SizeClass.choices)
    is_tech = models.BooleanField(_("tech firm"), default=False)
    legal_representative = models.CharField(_("legal representative"), max_length=50, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(
        _("contact phone"), max_length=30, blank=True, validators=[validate_phone]
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPERATING
    )

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["town__sort_order", "name"]
        permissions = [("view_full_phone", "查看企业联系电话全号")]
        # town and industry are indexed as foreign keys; names are searched with icontains,
        # which no b-tree index serves, and every extra text index slows bulk imports.
        indexes = [
            models.Index(fields=["size_class"], name="ent_size_idx"),
            models.Index(fields=["status"], name="ent_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(credit_code__regex=r"^[0-9A-HJ-NPQRTUWXY]{18}$"),
                name="ent_credit_code_charset",
            ),
        ]

    def __str__(self):
        return self.name


class EnterpriseYear(models.Model):
    """One year's operating figures; money in 万元."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="years"
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    output_value = models.DecimalField(
        _("output value (10k yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    sales = models.DecimalField(
        _("sales (10k yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    tax = models.DecimalField(
        _("tax (10k yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    profit = models.DecimalField(
        _("profit (10k yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)

    class Meta:
        verbose_name = _("yearly figures")
        verbose_name_plural = _("yearly figures")
        ordering = ["enterprise", "year"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "year"], name="ent_year_unique"),
            models.CheckConstraint(
                condition=models.Q(year__gte=1990, year__lte=2100), name="ent_year_range"
            ),
        ]

    def __str__(self):
        return f"{self.enterprise} {self.year}"


class EnterpriseRevision(models.Model):
    """One change to a firm's file: who, when, how (import, admin), and each field's old and
    new value. Written for bulk imports too, so the history has no gaps."""

    class Source(models.TextChoices):
        IMPORT = "import", _("Excel import")
        ADMIN = "admin", _("Administration")
        VISIT = "visit", _("Visit survey")
        DEMO = "demo", _("Demo data")
        # A correction the firm proposed in the portal and the office approved.
        FIRM = "firm", _("Firm's correction")

    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="revisions",
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    source_name = models.CharField(_("file"), max_length=200, blank=True)
    created = models.BooleanField(_("created"), default=False)
    # {field: [old, new]}; for yearly figures "year:2025" keys hold {field: [old, new]} dicts.
    changes = models.JSONField(_("changes"), default=dict)

    class Meta:
        verbose_name = _("edit history")
        verbose_name_plural = _("edit history")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["enterprise", "-created_at"], name="ent_rev_idx")]

    def __str__(self):
        return f"{self.enterprise} {self.created_at:%Y-%m-%d %H:%M}"


class ImportJob(models.Model):
    """One uploaded firm list, from upload through preview to the confirmed import."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        CHECKING = "checking", _("Checking")
        PREVIEW = "preview", _("Ready to confirm")
        INVALID = "invalid", _("Has errors")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    file_name = models.CharField(_("file"), max_length=200)
    content = models.BinaryField(_("content"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows checked"), default=0)
    report = models.JSONField(_("report"), default=dict)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def progress_percent(self) -> int:
        if not self.rows_total:
            return 0
        return min(100, round(100 * self.rows_done / self.rows_total))

    @property
    def is_running(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.CHECKING, self.Status.IMPORTING}


class FirmUser(models.Model):
    """An enterprise user's firm: the account reaches this firm's records and nothing else.
    Several accounts may belong to one firm; an account belongs to one firm. Made by the office
    (from the firm's file, or by approving a self-registration), never by the user alone."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="firm_link",
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="firm_users",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("enterprise account")
        verbose_name_plural = _("enterprise accounts")
        ordering = ["enterprise", "user__username"]

    def __str__(self):
        return f"{self.user} · {self.enterprise}"


class Decision(models.TextChoices):
    """Where a firm's request to the office stands: a registration or a contact correction.
    The one allowed move (pending to approved or rejected) is made by ``decisions.decide``."""

    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


def _decided_constraints(prefix: str) -> list:
    """A decided request says when and, when rejected, why."""
    return [
        models.CheckConstraint(
            condition=models.Q(status=Decision.PENDING) | models.Q(decided_at__isnull=False),
            name=f"{prefix}_decided_has_time",
        ),
        models.CheckConstraint(
            condition=~models.Q(status=Decision.REJECTED) | ~models.Q(reason=""),
            name=f"{prefix}_rejected_has_reason",
        ),
    ]


class FirmRegistration(models.Model):
    """Someone asks for an account for a firm in the file. The account is made inactive and
    belongs to no firm until the office approves: then it is linked (``FirmUser``), given the
    enterprise role and activated."""

    Status = Decision

    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="firm_registration",
    )
    firm_name = models.CharField(_("firm name given"), max_length=100)
    # Stored when submitted: the file's name may change later, the flag should not.
    name_differs = models.BooleanField(_("name differs from the file"), default=False)
    contact_name = models.CharField(_("contact person"), max_length=50)
    mobile = models.CharField(_("mobile number"), max_length=11)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("firm registration")
        verbose_name_plural = _("firm registrations")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="ent_reg_status_idx"),
            # The rate limit counts one address's registrations in the last hour.
            models.Index(fields=["ip_address", "created_at"], name="ent_reg_ip_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "mobile"],
                condition=models.Q(status=Decision.PENDING),
                name="ent_reg_one_pending_per_mobile",
            ),
            *_decided_constraints("ent_reg"),
        ]

    def __str__(self):
        return f"{self.enterprise} · {self.contact_name}"


# The contact details a firm may correct itself; the office approves each correction.
CORRECTABLE_FIELDS = ["contact_person", "contact_phone", "address"]


class ContactCorrection(models.Model):
    """A firm's proposed correction of its contact details, with the values the file had when
    it was proposed. Approval applies the fields the firm changed, through the file's edit
    history."""

    Status = Decision

    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="contact_corrections",
    )
    contact_person = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(
        _("contact phone"), max_length=30, blank=True, validators=[validate_phone]
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    old_contact_person = models.CharField(_("contact person before"), max_length=50, blank=True)
    old_contact_phone = models.CharField(_("contact phone before"), max_length=30, blank=True)
    old_address = models.CharField(_("address before"), max_length=200, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("contact correction")
        verbose_name_plural = _("contact corrections")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"], name="ent_corr_status_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=models.Q(status=Decision.PENDING),
                name="ent_corr_one_pending",
            ),
            *_decided_constraints("ent_corr"),
        ]

    def __str__(self):
        return f"{self.enterprise} {self.created_at:%Y-%m-%d}"

    def changed_fields(self) -> list[str]:
        """The fields the firm changed, in form order."""
        return [f for f in CORRECTABLE_FIELDS if getattr(self, f) != getattr(self, f"old_{f}")]

    def rows(self) -> list[dict]:
        """[{field, label, old, new}] for every field the firm changed."""
        return [
            {
                "field": f,
                "label": self._meta.get_field(f).verbose_name,
                "old": getattr(self, f"old_{f}"),
                "new": getattr(self, f),
            }
            for f in self.changed_fields()
        ]


class FormToken(models.Model):
    """The one-time token of a form that makes accounts or initial passwords (a hidden field,
    new each time the form is opened). It is recorded in the transaction that makes them, so
    the same form sent again (a double click, the back button) waits for the first request,
    finds its token and makes nothing (``accounts.form_token_claim``)."""

    token = models.CharField(_("token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("form token")
        verbose_name_plural = _("form tokens")

    def __str__(self):
        return self.token
