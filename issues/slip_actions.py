"""The forms a slip's page offers, each tied to the workflow moves it makes and the service
that makes them. The page shows a form only when ``actions_for`` allows one of its moves."""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapFormMixin
from core.models import Unit

from . import services
from .models import Slip

HANDLING_UNITS = Unit.objects.filter(
    kind__in=[Unit.Kind.DEPARTMENT, Unit.Kind.TOWN], is_active=True
).order_by("kind", "sort_order", "name")


def _text(label, rows=3, required=True):
    return forms.CharField(
        label=label, widget=forms.Textarea(attrs={"rows": rows}), required=required
    )


def _date(label, required=True):
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class _Form(BootstrapFormMixin, forms.Form):
    radio_fields: tuple = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.radio_fields:
            self.fields[name].widget.attrs["class"] = "form-check-input"


class EmptyForm(_Form):
    pass


class TextForm(_Form):
    text = _text(_("Text"))


class ContactForm(_Form):
    radio_fields = ("met",)
    met = forms.TypedChoiceField(
        label=_("How"),
        choices=[("1", _("Face to face")), ("0", _("By phone"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    text = _text(_("What was discussed"))


class ReasonForm(_Form):
    reason = _text(_("Reason"))


class ExtensionForm(_Form):
    new_deadline = _date(_("Extend to"))
    reason = _text(_("Reason"))


class ReplyForm(_Form):
    radio_fields = ("outcome",)
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=Slip.Outcome.choices, widget=forms.RadioSelect
    )
    text = _text(_("Reply"), rows=4)
    plan_date = _date(_("Solved by (when being solved)"), required=False)
    basis = _text(_("Policy basis (when explained)"), rows=2, required=False)


class DecideForm(_Form):
    radio_fields = ("decision",)
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    note = _text(_("Note"), rows=2, required=False)


class ReturnDecideForm(_Form):
    radio_fields = ("decision",)
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("reassign", _("Approve and re-assign to another unit")),
            ("sorting", _("Approve and send the problem back to sorting")),
            ("refuse", _("Refuse: the unit keeps the slip")),
        ],
        widget=forms.RadioSelect,
    )
    reassign_to = forms.ModelChoiceField(
        label=_("New lead unit"), queryset=HANDLING_UNITS, required=False, empty_label=_("Choose")
    )
    days = forms.IntegerField(
        label=_("Working days allowed"), min_value=1, max_value=250, required=False
    )
    note = _text(_("Note"), rows=2, required=False)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reassign" and not data.get("reassign_to"):
            self.add_error("reassign_to", _("Choose the unit the slip goes to."))
        return data


class SendDownForm(_Form):
    instructions = _text(_("Instructions"))
    days = forms.IntegerField(label=_("Working days allowed"), min_value=1, max_value=250)


class FeedBackForm(_Form):
    radio_fields = ("method",)
    method = forms.ChoiceField(
        label=_("How the firm was told"),
        choices=Slip.FeedbackMethod.choices,
        widget=forms.RadioSelect,
    )
    note = _text(_("What the firm said"), rows=2, required=False)


class RateForm(_Form):
    radio_fields = ("rating",)
    rating = forms.ChoiceField(
        label=_("The firm's rating"), choices=Slip.Rating.choices, widget=forms.RadioSelect
    )
    comment = _text(_("The firm's comment (required when dissatisfied)"), rows=2, required=False)


@dataclass
class SlipAction:
    key: str
    label: object
    moves: tuple
    form: type
    style: str = "primary"
    # For steps apps above ``issues`` add: ``runner(slip, actor, data, ip)``. A form whose
    # choices depend on the slip takes it as ``slip=``.
    runner: Callable | None = None
    form_takes_slip: bool = False

    def form_for(self, slip, data=None):
        kwargs = {"slip": slip} if self.form_takes_slip else {}
        return self.form(data, prefix=self.key, **kwargs)

    def run(self, *, slip, actor, data, ip):
        return (self.runner or RUNNERS[self.key])(slip, actor, data, ip)


RUNNERS = {
    "sign": lambda s, a, d, ip: services.slip_sign(slip=s, actor=a, ip_address=ip),
    "note": lambda s, a, d, ip: services.slip_note(slip=s, actor=a, text=d["text"], ip_address=ip),
    "contact": lambda s, a, d, ip: services.slip_contact(
        slip=s, actor=a, met=d["met"], text=d["text"], ip_address=ip
    ),
    "co_input": lambda s, a, d, ip: services.slip_co_input(
        slip=s, actor=a, text=d["text"], ip_address=ip
    ),
    "request_return": lambda s, a, d, ip: services.slip_request_return(
        slip=s, actor=a, reason=d["reason"], ip_address=ip
    ),
    "request_extension": lambda s, a, d, ip: services.slip_request_extension(
        slip=s, actor=a, reason=d["reason"], new_deadline=d["new_deadline"], ip_address=ip
    ),
    "request_escalation": lambda s, a, d, ip: services.slip_request_escalation(
        slip=s, actor=a, reason=d["reason"], ip_address=ip
    ),
    "reply": lambda s, a, d, ip: services.slip_reply(
        slip=s,
        actor=a,
        outcome=d["outcome"],
        text=d["text"],
        plan_date=d.get("plan_date"),
        basis=d.get("basis") or "",
        ip_address=ip,
    ),
    "return_decide": lambda s, a, d, ip: services.slip_return_decide(
        slip=s,
        actor=a,
        approve=d["decision"] != "refuse",
        note=d.get("note") or "",
        reassign_to=d.get("reassign_to") if d["decision"] == "reassign" else None,
        days=d.get("days"),
        ip_address=ip,
    ),
    "extension_decide": lambda s, a, d, ip: services.slip_extension_decide(
        slip=s, actor=a, approve=d["decision"] == "approve", note=d.get("note") or "", ip_address=ip
    ),
    "escalation_decide": lambda s, a, d, ip: services.slip_escalation_decide(
        slip=s, actor=a, approve=d["decision"] == "approve", note=d.get("note") or "", ip_address=ip
    ),
    "send_down": lambda s, a, d, ip: services.slip_send_down(
        slip=s, actor=a, instructions=d["instructions"], days=d["days"], ip_address=ip
    ),
    "reject_reply": lambda s, a, d, ip: services.slip_reject_reply(
        slip=s, actor=a, reason=d["reason"], ip_address=ip
    ),
    "feed_back": lambda s, a, d, ip: services.slip_feed_back(
        slip=s, actor=a, method=d["method"], note=d.get("note") or "", ip_address=ip
    ),
    "rate": lambda s, a, d, ip: services.slip_rate(
        slip=s, actor=a, rating=d["rating"], comment=d.get("comment") or "", ip_address=ip
    ),
    "withdraw": lambda s, a, d, ip: services.slip_withdraw(
        slip=s, actor=a, reason=d["reason"], ip_address=ip
    ),
}

ACTIONS = [
    SlipAction("sign", _("Sign for the slip"), ("sign",), EmptyForm),
    SlipAction(
        "contact", _("Record contact with the firm"), ("contact",), ContactForm, "secondary"
    ),
    SlipAction("note", _("Record progress"), ("note",), TextForm, "secondary"),
    SlipAction("co_input", _("Add our unit's input"), ("co_input",), TextForm, "secondary"),
    SlipAction("reply", _("Reply with the outcome"), ("reply",), ReplyForm),
    SlipAction(
        "request_extension",
        _("Ask for an extension"),
        ("request_extension",),
        ExtensionForm,
        "warning",
    ),
    SlipAction(
        "request_escalation",
        _("Ask for escalation"),
        ("request_escalation",),
        ReasonForm,
        "warning",
    ),
    SlipAction(
        "request_return", _("Return: not our business"), ("request_return",), ReasonForm, "danger"
    ),
    SlipAction(
        "return_decide",
        _("Decide the return request"),
        ("approve_return", "close_returned", "refuse_return"),
        ReturnDecideForm,
    ),
    SlipAction(
        "extension_decide",
        _("Decide the extension request"),
        ("approve_extension", "refuse_extension"),
        DecideForm,
    ),
    SlipAction(
        "escalation_decide",
        _("Decide the escalation request"),
        ("approve_escalation", "refuse_escalation"),
        DecideForm,
    ),
    SlipAction("send_down", _("Send back down with instructions"), ("send_down",), SendDownForm),
    SlipAction("feed_back", _("Record the feedback to the firm"), ("feed_back",), FeedBackForm),
    SlipAction("reject_reply", _("Send the reply back"), ("reject_reply",), ReasonForm, "warning"),
    SlipAction("rate", _("Record the firm's rating"), ("rate_close", "rate_reopen"), RateForm),
    SlipAction("withdraw", _("Withdraw the slip"), ("withdraw",), ReasonForm, "danger"),
]
BY_KEY = {action.key: action for action in ACTIONS}


def slip_action_register(action: SlipAction, *, before: str | None = None) -> None:
    """Add a step from an app above ``issues`` (the tier's coordination), shown before the
    step ``before`` on the slip's page."""
    if action.key in BY_KEY:
        return
    keys = [a.key for a in ACTIONS]
    ACTIONS.insert(keys.index(before) if before in keys else len(ACTIONS), action)
    BY_KEY[action.key] = action


def slip_actions_for(allowed_moves: list[str]) -> list[SlipAction]:
    allowed = set(allowed_moves)
    return [action for action in ACTIONS if allowed & set(action.moves)]
