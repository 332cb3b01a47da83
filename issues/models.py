"""Problems (困难问题 / 诉求) firms raise, from every channel, on their way to being sorted."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from enterprises.models import Enterprise


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
        # The sorting of the next part of the product moves problems on from here.
        NEW = "new", _("Awaiting sorting")

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
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NEW
    )

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        ordering = ["-raised_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-raised_at"], name="problem_status_idx"),
            models.Index(fields=["category"], name="problem_category_idx"),
            models.Index(fields=["channel"], name="problem_channel_idx"),
            models.Index(fields=["enterprise", "-raised_at"], name="problem_firm_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(description=""), name="problem_description_not_empty"
            ),
        ]

    def __str__(self):
        return f"{self.enterprise}：{self.description[:30]}"
