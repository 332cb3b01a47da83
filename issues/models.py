"""Problems (困难问题 / 诉求) firms raise, from every channel, on their way to being sorted."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import TimeStampedModel, Unit
from enterprises.models import Enterprise

from .attachments import attachment_path, kind_label, private_storage


class Category(models.TextChoices):
    """The kinds of difficulty DOMAIN.md names; deadlines and statistics group by them."""

    LAND = "land", _("Land and buildings")
    LABOUR = "labour", _("Talent and labour")
    FINANCING = "financing", _("Financing")
    ENERGY = "energy", _("Power and energy")
    TRANSPORT = "transport", _("Transport")
    APPROVAL = "approval", _("Approvals")
    POLICY = "policy", _("Policy")
    ENVIRONMENT = "environment", _("Environment")
    MARKET = "market", _("Market")
    TECHNOLOGY = "technology", _("Technology")
    INFRASTRUCTURE = "infrastructure", _("Infrastructure")
    OTHER = "other", _("Other")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    PRESSING = "pressing", _("Pressing")
    URGENT = "urgent", _("Urgent")


class SpecialAction(models.Model):
    """A special action (专项行动) problems are tagged with; the office edits the list."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("special action")
        verbose_name_plural = _("special actions")
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class DeadlineRule(models.Model):
    """How many working days a slip gets by default, by category and urgency; a blank category
    or urgency matches any. The most specific rule wins. The office edits the table."""

    category = models.CharField(_("category"), max_length=16, choices=Category.choices, blank=True)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, blank=True)
    days = models.PositiveSmallIntegerField(
        _("working days"), validators=[MinValueValidator(1), MaxValueValidator(250)]
    )

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        ordering = ["category", "urgency"]
        constraints = [
            models.UniqueConstraint(fields=["category", "urgency"], name="deadline_rule_unique"),
            models.CheckConstraint(
                condition=models.Q(days__gte=1), name="deadline_rule_days_positive"
            ),
        ]

    def __str__(self):
        return f"{self.get_category_display() or '*'} / {self.get_urgency_display() or '*'}: {self.days}"


class Batch(models.Model):
    """A numbered batch of slips (第N批) in a year."""

    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveSmallIntegerField(_("batch number"))
    title = models.CharField(_("title"), max_length=100, blank=True)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    last_seq = models.PositiveIntegerField(_("slips numbered"), default=0)

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        ordering = ["-year", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="batch_unique"),
        ]

    def __str__(self):
        return _("Batch %(number)d of %(year)d") % {"number": self.number, "year": self.year}


# A problem's reference is this letter and its number: P000123.
REFERENCE_PREFIX = "P"


class Problem(TimeStampedModel):
    class Channel(models.TextChoices):
        VISIT = "visit", _("Visit")
        HOTLINE = "hotline", _("Service hotline")
        WEB = "web", _("Web submission")
        GROUP_CHAT = "group_chat", _("QQ / WeChat group")
        SYMPOSIUM = "symposium", _("Symposium")
        ON_SITE = "on_site", _("On site")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        NEW = "new", _("Awaiting sorting")
        ASSIGNED = "assigned", _("Assigned")
        ANSWERED = "answered", _("Answered directly")
        DECLINED = "declined", _("Declined")
        MERGED = "merged", _("Merged into another")

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual")
        SHARED = "shared", _("Shared by many firms")

    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="problems",
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    description = models.TextField(_("description"))
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problems_raised",
    )
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    # Stored on the problem, so the meeting rate never reaches into the visits app.
    met_face_to_face = models.BooleanField(_("met face to face"), default=False)
    # A unit met the firm face to face about it on one of its slips. Kept by a database trigger
    # on the slips (supervision migration 0005), so no write can miss it.
    met_by_unit = models.BooleanField(_("met face to face by a unit"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NEW
    )
    # Sorting (梳理): the office may reword a problem; the firm's own words stay here.
    original_description = models.TextField(_("original wording"), blank=True)
    kind = models.CharField(
        _("individual or shared"), max_length=10, choices=Kind.choices, default=Kind.INDIVIDUAL
    )
    special_action = models.ForeignKey(
        SpecialAction,
        verbose_name=_("special action"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problems",
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    # A direct answer's text, or why the problem was declined.
    decision_note = models.TextField(_("answer or reason"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # 挂表督办: a key problem the office lists for supervision; the dashboard follows it.
    supervised_at = models.DateTimeField(_("listed for supervision at"), null=True, blank=True)
    supervised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("listed for supervision by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    supervision_note = models.TextField(_("why it is listed"), blank=True)
    # Set by the portal's form when it is shown: the same form sent twice records one problem.
    client_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        ordering = ["-raised_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-raised_at"], name="problem_status_idx"),
            models.Index(fields=["category"], name="problem_category_idx"),
            models.Index(fields=["channel"], name="problem_channel_idx"),
            models.Index(fields=["enterprise", "-raised_at"], name="problem_firm_idx"),
            models.Index(
                fields=["-supervised_at"],
                name="problem_supervised_idx",
                condition=models.Q(supervised_at__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(description=""), name="problem_description_not_empty"
            ),
        ]

    def __str__(self):
        return f"{self.enterprise}：{self.description[:30]}"

    @property
    def reference(self) -> str:
        """The number a firm quotes about its problem (on the phone, in a message)."""
        return f"{REFERENCE_PREFIX}{self.pk:06d}"


class Slip(TimeStampedModel):
    """An assignment slip (工作任务交办单): one problem (and its merged duplicates) sent to a lead
    unit and co-units with a deadline in working days. Only ``issues.workflow`` changes its
    status; the facts statistics rest on (on time, first contact, feedback, rating) are stored
    when they happen and never recomputed."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")
        SIGNED = "signed", _("Signed for")
        IN_PROGRESS = "in_progress", _("In progress")
        RETURN_REQUESTED = "return_requested", _("Return requested")
        EXTENSION_REQUESTED = "extension_requested", _("Extension requested")
        ESCALATION_REQUESTED = "escalation_requested", _("Escalation requested")
        ESCALATED = "escalated", _("Escalated")
        REPLIED = "replied", _("Replied")
        FED_BACK = "fed_back", _("Fed back to the firm")
        CLOSED = "closed", pgettext_lazy("slip status", "Closed")
        REOPENED = "reopened", _("Reopened")
        RETURNED = "returned", _("Returned")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Outcome(models.TextChoices):
        SOLVED = "solved", _("Solved")
        IN_HAND = "in_hand", _("Being solved (plan and date)")
        EXPLAINED = "explained", _("Explained / cannot be supported")

    class Rating(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        BASIC = "basic", _("Basically satisfied")
        DISSATISFIED = "dissatisfied", _("Dissatisfied")
        # Closed by the system when the firm gave no rating in time: never counted as satisfied.
        UNRATED = "unrated", _("Not rated")

    class FeedbackMethod(models.TextChoices):
        PHONE = "phone", _("By phone")
        VISIT = "visit", _("In person")
        MESSAGE = "message", _("Text or WeChat message")
        DOCUMENT = "document", _("In writing")

    number = models.CharField(_("slip number"), max_length=40, unique=True)
    batch = models.ForeignKey(
        Batch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="slips"
    )
    seq = models.PositiveIntegerField(_("number in batch"))
    problem = models.ForeignKey(
        Problem, verbose_name=_("problem"), on_delete=models.PROTECT, related_name="slips"
    )
    lead_unit = models.ForeignKey(
        Unit, verbose_name=_("lead unit"), on_delete=models.PROTECT, related_name="lead_slips"
    )
    co_units = models.ManyToManyField(
        Unit, verbose_name=_("co-units"), blank=True, related_name="co_slips"
    )
    requirement = models.TextField(_("requirement"))
    days = models.PositiveSmallIntegerField(
        _("working days allowed"), validators=[MinValueValidator(1), MaxValueValidator(250)]
    )
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    deadline = models.DateField(_("deadline"))
    # The count reached into a year whose official calendar was not confirmed.
    deadline_provisional = models.BooleanField(_("deadline provisional"), default=False)
    original_deadline = models.DateField(_("original deadline"))
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.ISSUED
    )
    # Where a refused request (return, extension, escalation) puts the slip back.
    resume_status = models.CharField(max_length=24, choices=Status.choices, blank=True)
    tier = models.PositiveSmallIntegerField(
        _("escalation tier"), default=1, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    # Who answers for the slip above tier 1: the leadership group, the city leaders, the higher
    # level. Null while the handling unit has it.
    tier_unit = models.ForeignKey(
        Unit,
        verbose_name=_("coordinating body"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalated_slips",
    )
    requested_deadline = models.DateField(_("requested deadline"), null=True, blank=True)

    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    first_contact_at = models.DateTimeField(_("first contact with the firm"), null=True, blank=True)
    contact_met = models.BooleanField(_("met the firm face to face"), default=False)

    reply_outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, blank=True
    )
    reply_text = models.TextField(_("reply"), blank=True)
    reply_plan_date = models.DateField(_("planned completion"), null=True, blank=True)
    reply_basis = models.TextField(_("policy basis"), blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("replied by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Stored when the reply is made, against the deadline in force then.
    replied_on_time = models.BooleanField(_("replied on time"), null=True, blank=True)
    # Some reply in the slip's life came after its deadline (it then cannot close on time).
    late_reply = models.BooleanField(_("a reply came late"), default=False)

    fed_back_at = models.DateTimeField(_("fed back at"), null=True, blank=True)
    feedback_method = models.CharField(
        _("feedback method"), max_length=10, choices=FeedbackMethod.choices, blank=True
    )
    feedback_note = models.TextField(_("feedback note"), blank=True)

    rating = models.CharField(_("rating"), max_length=12, choices=Rating.choices, blank=True)
    rating_comment = models.TextField(_("firm's comment"), blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rating recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rated_by_firm = models.BooleanField(_("rated by the firm itself"), default=False)

    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Stored at closing: the accepted reply came by the deadline in force then.
    closed_on_time = models.BooleanField(_("closed on time"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)

    class Meta:
        verbose_name = _("assignment slip")
        verbose_name_plural = _("assignment slips")
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["status", "deadline"], name="slip_status_deadline_idx"),
            models.Index(fields=["lead_unit", "status"], name="slip_lead_status_idx"),
            models.Index(fields=["batch", "seq"], name="slip_batch_idx"),
            models.Index(fields=["-issued_at"], name="slip_issued_idx"),
            # The slips still waiting for the unit's answer, by deadline: the overdue ones.
            models.Index(
                fields=["deadline", "issued_at"],
                name="slip_waiting_deadline_idx",
                condition=~models.Q(
                    status__in=["withdrawn", "closed", "returned", "replied", "fed_back"]
                ),
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["batch", "seq"], name="slip_batch_seq_unique"),
            # One live slip per problem: two office staff issuing it at once, one wins.
            models.UniqueConstraint(
                fields=["problem"],
                condition=~models.Q(status__in=["withdrawn", "returned"]),
                name="slip_one_live_per_problem",
            ),
            models.CheckConstraint(condition=models.Q(days__gte=1), name="slip_days_positive"),
            # 1 the handling unit, 2 the leadership group, 3 city leaders, 4 province/Hangzhou.
            models.CheckConstraint(
                condition=models.Q(tier__gte=1, tier__lte=4), name="slip_tier_range"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="closed") | models.Q(closed_at__isnull=False),
                name="slip_closed_has_time",
            ),
        ]

    # Not waiting for the unit's answer any more: overdue is counted among the others.
    WAITING_EXCLUDES = ["withdrawn", "closed", "returned", "replied", "fed_back"]

    def __str__(self):
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status not in {self.Status.CLOSED, self.Status.WITHDRAWN, self.Status.RETURNED}


class SlipEvent(models.Model):
    """One step in a slip's life: a transition (from → to) or a note that leaves the status as
    it is (progress, contact with the firm, a co-unit's input). Who (null: the system), which
    unit, when, why. Append-only."""

    slip = models.ForeignKey(
        Slip, verbose_name=_("assignment slip"), on_delete=models.PROTECT, related_name="events"
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("step"), max_length=24)
    from_status = models.CharField(_("from"), max_length=24, blank=True)
    to_status = models.CharField(_("to"), max_length=24, blank=True)
    text = models.TextField(_("text"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("slip step")
        verbose_name_plural = _("slip steps")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["slip", "created_at"], name="slip_event_idx")]

    def __str__(self):
        return f"{self.slip} {self.action}"


class Attachment(models.Model):
    """A file a firm sent with its problem (a photo, a PDF, an Office document). Stored under
    ``PRIVATE_MEDIA_ROOT`` with a random name; only ``issues.views_attachments`` serves it, to
    those who may see the problem. Its type was read from its content when it came in."""

    problem = models.ForeignKey(
        Problem, verbose_name=_("problem"), on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField(
        _("file"), storage=private_storage, upload_to=attachment_path, max_length=200
    )
    # The name as the sender's computer had it, cleaned: no folders, no control characters.
    name = models.CharField(_("file name"), max_length=120)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content_type = models.CharField(_("file type"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["problem", "created_at"], name="attachment_problem_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(size__gt=0), name="attachment_not_empty"),
        ]

    def __str__(self):
        return self.name

    @property
    def kind_label(self) -> str:
        return kind_label(self.content_type)
