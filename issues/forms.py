from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapFormMixin
from core.models import Unit
from enterprises.codes import credit_code_normalise
from enterprises.models import Enterprise

from .models import Batch, Category, Problem, SpecialAction, Urgency


class ProblemFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("Firm or description"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *Problem.Status.choices], required=False
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("All")), *Problem.Channel.choices], required=False
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("All")), *Category.choices], required=False
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=[("", _("All")), *Urgency.choices], required=False
    )
    town = forms.ModelChoiceField(
        label=_("Town / street"),
        queryset=Unit.objects.filter(kind=Unit.Kind.TOWN).order_by("sort_order"),
        required=False,
        empty_label=_("All towns"),
    )

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        return self.cleaned_data


YES_NO = [("1", _("Yes")), ("0", _("No"))]
HANDLING_UNITS = Unit.objects.filter(
    kind__in=[Unit.Kind.DEPARTMENT, Unit.Kind.TOWN], is_active=True
).order_by("kind", "sort_order", "name")


class ProblemCreateForm(BootstrapFormMixin, forms.Form):
    """A problem received outside a visit: the hotline, a QQ/WeChat group, a symposium, e-mail."""

    firm = forms.CharField(
        label=_("Enterprise (credit code or full name)"),
        max_length=100,
        help_text=_("The 18-character unified social credit code, or the registered name."),
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[c for c in Problem.Channel.choices if c[0] != Problem.Channel.VISIT],
    )
    raised_on = forms.DateField(
        label=_("Received on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    description = forms.CharField(
        label=_("Problem description"), widget=forms.Textarea(attrs={"rows": 4})
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("Choose a category")), *Category.choices]
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    met_face_to_face = forms.TypedChoiceField(
        label=_("Met the firm face to face"),
        choices=YES_NO,
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        initial="0",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["met_face_to_face"].widget.attrs["class"] = "form-check-input"
        self.fields["raised_on"].widget.attrs["max"] = timezone.localdate().isoformat()

    def clean_raised_on(self):
        day = self.cleaned_data["raised_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date is in the future."))
        return day

    def clean_firm(self):
        text = self.cleaned_data["firm"].strip()
        code = credit_code_normalise(text)
        firm = Enterprise.objects.filter(credit_code=code).first()
        if firm is None:
            matches = list(Enterprise.objects.filter(name=text)[:2]) or list(
                Enterprise.objects.filter(name__icontains=text)[:6]
            )
            if len(matches) == 1:
                firm = matches[0]
            elif matches:
                raise forms.ValidationError(
                    _("Several firms match: %(names)s. Enter the full name or the credit code.")
                    % {"names": "、".join(m.name for m in matches)}
                )
            else:
                raise forms.ValidationError(
                    _("No firm in the registry matches “%(text)s”.") % {"text": text}
                )
        return firm


class ProblemSortForm(BootstrapFormMixin, forms.Form):
    description = forms.CharField(
        label=_("Problem description"), widget=forms.Textarea(attrs={"rows": 4})
    )
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    kind = forms.ChoiceField(label=_("Individual or shared"), choices=Problem.Kind.choices)
    special_action = forms.ModelChoiceField(
        label=_("Special action"),
        queryset=SpecialAction.objects.filter(is_active=True),
        required=False,
        empty_label=_("None"),
    )


class ProblemMergeForm(BootstrapFormMixin, forms.Form):
    into = forms.ModelChoiceField(
        label=_("Duplicate of"), queryset=Problem.objects.none(), empty_label=_("Choose")
    )

    def __init__(self, *args, problem: Problem, **kwargs):
        super().__init__(*args, **kwargs)
        # The same firm's open problems, and other firms' open problems of the same category
        # (a shared problem raised by several firms is handled once).
        candidates = (
            Problem.objects.filter(
                Q(enterprise=problem.enterprise_id) | Q(category=problem.category),
                status__in=[Problem.Status.NEW, Problem.Status.ASSIGNED],
                duplicate_of__isnull=True,
            )
            .exclude(pk=problem.pk)
            .order_by("-raised_at")
            .values_list("pk", flat=True)[:200]
        )
        self.fields["into"].queryset = (
            Problem.objects.filter(pk__in=list(candidates))
            .select_related("enterprise")
            .order_by("-raised_at")
        )
        self.fields["into"].label_from_instance = lambda p: (
            f"{p.enterprise.name} {p.raised_at:%Y-%m-%d}：{p.description[:30]}"
        )


class ProblemAnswerForm(BootstrapFormMixin, forms.Form):
    answer = forms.CharField(
        label=_("Answer given to the firm"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ProblemDeclineForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class ProblemSupervisionForm(BootstrapFormMixin, forms.Form):
    listed = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1", widget=forms.HiddenInput
    )
    note = forms.CharField(
        label=_("Why it is listed"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class SlipIssueForm(BootstrapFormMixin, forms.Form):
    batch = forms.ModelChoiceField(
        label=_("Batch"), queryset=Batch.objects.none(), empty_label=None
    )
    lead_unit = forms.ModelChoiceField(
        label=_("Lead unit"), queryset=HANDLING_UNITS, empty_label=_("Choose")
    )
    co_units = forms.ModelMultipleChoiceField(
        label=_("Co-units"),
        queryset=HANDLING_UNITS,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Hold Ctrl (or ⌘) to choose several; leave empty for none."),
    )
    requirement = forms.CharField(label=_("Requirement"), widget=forms.Textarea(attrs={"rows": 3}))
    days = forms.IntegerField(
        label=_("Working days allowed"),
        min_value=1,
        max_value=250,
        error_messages={"min_value": _("The deadline must be at least one working day.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["batch"].queryset = Batch.objects.filter(
            pk__in=[b.pk for b in Batch.objects.order_by("-year", "-number")[:12]]
        ).order_by("-year", "-number")
        self.fields["days"].widget.attrs["inputmode"] = "numeric"

    def clean(self):
        data = super().clean()
        lead, co = data.get("lead_unit"), data.get("co_units") or []
        if lead and lead in co:
            self.add_error("co_units", _("The lead unit cannot also be a co-unit."))
        return data


class BatchOpenForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=_("Title (optional)"), max_length=100, required=False)
