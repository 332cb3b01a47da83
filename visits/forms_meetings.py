"""Forms for symposiums and matchmaking meetings: the meeting with its firms present (pasted
from the sign-in sheet, by name or credit code), a problem raised there, and the rows of the
document that issues the meeting's problems."""

import re
import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapFormMixin
from enterprises.codes import credit_code_normalise, normalise
from enterprises.models import Enterprise
from issues.forms import HANDLING_UNITS
from issues.models import Batch, Category, Problem, Urgency

from .models import Meeting

# A sign-in sheet pasted from Word or Excel: one firm a line, or several separated by commas,
# 、 or semicolons; a line may carry a number in front and the credit code next to the name.
_SEPARATORS = re.compile(r"[\n\r,，;；、]+")
# A number in front needs its mark or a space after it: 3M中国有限公司 keeps its 3.
_NUMBERING = re.compile(r"^\s*[(（]?\d{1,3}(?:[)）.．:：、]|\s)\s*")
_CREDIT_CODE = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{18}(?![0-9A-Z])")
_MAX_CANDIDATES = 5


def firm_lines(text: str) -> list[str]:
    parts = []
    for part in _SEPARATORS.split(text or ""):
        part = normalise(part)
        if not part or part.isdigit():
            continue
        parts.append(part)
    return parts


def firms_from_text(text: str) -> tuple[list[Enterprise], list[str]]:
    """The registered firms a pasted list names, in its order and each once, and a message for
    every entry that names none or several. A credit code in an entry decides; otherwise the
    full name; otherwise a part of the name that only one firm has."""
    entries = firm_lines(text)
    codes = {}
    names = {}
    for entry in entries:
        match = _CREDIT_CODE.search(credit_code_normalise(entry))
        if match:
            codes[entry] = match.group(0)
        else:
            # The whole entry first (a name may begin with digits), then without a number.
            names[entry] = (entry.strip(), _NUMBERING.sub("", entry).strip())
    by_code = {
        f.credit_code: f for f in Enterprise.objects.filter(credit_code__in=set(codes.values()))
    }
    by_name: dict[str, list[Enterprise]] = {}
    wanted = {name for pair in names.values() for name in pair}
    for firm in Enterprise.objects.filter(name__in=wanted).order_by("pk"):
        by_name.setdefault(firm.name, []).append(firm)
    found: dict[int, Enterprise] = {}
    errors = []
    for entry in entries:
        if entry in codes:
            firm = by_code.get(codes[entry])
            if firm is None:
                errors.append(
                    str(_("“%(entry)s”: no firm in the registry has the credit code %(code)s."))
                    % {"entry": entry, "code": codes[entry]}
                )
                continue
            found.setdefault(firm.pk, firm)
            continue
        whole, name = names[entry]
        matches = (
            by_name.get(whole)
            or by_name.get(name)
            or list(
                Enterprise.objects.filter(name__icontains=name).order_by("name")[
                    : _MAX_CANDIDATES + 1
                ]
            )
        )
        if len(matches) == 1:
            found.setdefault(matches[0].pk, matches[0])
        elif matches:
            errors.append(
                str(
                    _(
                        "“%(entry)s” matches several firms: %(names)s. Enter the full name or "
                        "the credit code."
                    )
                )
                % {"entry": entry, "names": "、".join(m.name for m in matches[:_MAX_CANDIDATES])}
            )
        else:
            errors.append(
                str(_("“%(entry)s”: no firm in the registry matches it.")) % {"entry": entry}
            )
    return list(found.values()), errors


def firms_as_text(firms) -> str:
    """The firms present written back as the form reads them: credit code and name a line."""
    return "\n".join(f"{f.credit_code} {f.name}" for f in firms)


class MeetingForm(BootstrapFormMixin, forms.ModelForm):
    firms_text = forms.CharField(
        label=_("Firms present"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Paste the sign-in sheet: one firm a line (or separated by commas or 、), by its "
            "full name or its 18-character credit code. A part of the name is enough when only "
            "one firm has it."
        ),
        error_messages={"required": _("Name at least one firm present at the meeting.")},
    )

    class Meta:
        model = Meeting
        fields = ["kind", "title", "held_on", "place", "hosts", "notes"]
        widgets = {
            "held_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "title": _("As the minutes name it, e.g. 7月企业家座谈会."),
            "hosts": _("The leaders and departments at the table, e.g. 市长 张某，经信局、金融办."),
        }
        error_messages = {
            "title": {"required": _("Give the meeting a title.")},
            "held_on": {"required": _("Enter the day the meeting was held.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["held_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.fields["kind"].choices = Meeting.Kind.choices
        if self.instance.pk and not self.is_bound:
            self.initial["firms_text"] = firms_as_text(self.instance.firms.order_by("name"))

    def clean_held_on(self):
        day = self.cleaned_data["held_on"]
        if day and day > timezone.localdate():
            raise forms.ValidationError(
                _("The meeting date is in the future; record the meeting once held.")
            )
        if day and day.year < 2000:
            raise forms.ValidationError(
                _("Enter the day the meeting was held (from the year 2000).")
            )
        return day

    def clean_firms_text(self):
        firms, errors = firms_from_text(self.cleaned_data["firms_text"])
        if errors:
            raise forms.ValidationError(errors)
        if not firms:
            raise forms.ValidationError(_("Name at least one firm present at the meeting."))
        self.cleaned_data["firms"] = firms
        return self.cleaned_data["firms_text"]

    def meeting_values(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "title": data["title"],
            "held_on": data["held_on"],
            "place": data.get("place", ""),
            "hosts": data.get("hosts", ""),
            "notes": data.get("notes", ""),
            "firms": data["firms"],
        }


class MeetingProblemForm(BootstrapFormMixin, forms.Form):
    """A problem one of the firms present raised; the form stays on the meeting's page."""

    enterprise = forms.ModelChoiceField(
        label=_("Firm"),
        queryset=Enterprise.objects.none(),
        empty_label=_("Choose the firm that raised it"),
        error_messages={
            "required": _("Choose the firm that raised it."),
            "invalid_choice": _("Choose one of the firms present at the meeting."),
        },
    )
    description = forms.CharField(
        label=_("Problem description"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Describe the problem.")},
    )
    category = forms.ChoiceField(
        label=_("Category"),
        choices=[("", _("Choose a category")), *Category.choices],
        error_messages={"required": _("Choose the problem's category.")},
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    client_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = meeting.firms.order_by("name")
        if not self.is_bound:
            self.initial.setdefault("client_token", uuid.uuid4())


class MeetingIssueForm(BootstrapFormMixin, forms.Form):
    batch = forms.ModelChoiceField(
        label=_("Batch"),
        queryset=Batch.objects.none(),
        required=False,
        empty_label=_("Open a new batch for this meeting"),
        help_text=_("Every slip of this document goes into the same batch."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        recent = Batch.objects.order_by("-year", "-number").values_list("pk", flat=True)[:12]
        self.fields["batch"].queryset = Batch.objects.filter(pk__in=list(recent)).order_by(
            "-year", "-number"
        )


class MeetingIssueRowForm(BootstrapFormMixin, forms.Form):
    """One problem of the document: whether to issue it now, to whom, and in how long."""

    include = forms.BooleanField(label=_("Issue"), required=False)
    problem = forms.ModelChoiceField(queryset=Problem.objects.none(), widget=forms.HiddenInput)
    lead_unit = forms.ModelChoiceField(
        label=_("Lead unit"), queryset=HANDLING_UNITS, required=False, empty_label=_("Choose")
    )
    co_units = forms.ModelMultipleChoiceField(
        label=_("Co-units"),
        queryset=HANDLING_UNITS,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
        help_text=_("Hold Ctrl (or ⌘) to choose several; leave empty for none."),
    )
    days = forms.IntegerField(
        label=_("Working days allowed"),
        min_value=1,
        max_value=250,
        required=False,
        error_messages={"min_value": _("The deadline must be at least one working day.")},
    )
    requirement = forms.CharField(
        label=_("Requirement"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, meeting: Meeting, unit_choices: list | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["problem"].queryset = Problem.objects.filter(meeting_link__meeting=meeting)
        if unit_choices is not None:
            # Read once for the whole document, not once for each row's two lists.
            self.fields["lead_unit"].widget.choices = [("", _("Choose")), *unit_choices]
            self.fields["co_units"].widget.choices = unit_choices
        self.fields["days"].widget.attrs["inputmode"] = "numeric"
        self.fields["include"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        data = super().clean()
        if not data.get("include"):
            return data
        if not data.get("lead_unit"):
            self.add_error("lead_unit", _("Choose the lead unit."))
        if data.get("days") is None and "days" not in self.errors:
            self.add_error("days", _("Give the working days allowed."))
        if not (data.get("requirement") or "").strip():
            self.add_error("requirement", _("Write what the unit is required to do."))
        lead, co = data.get("lead_unit"), data.get("co_units") or []
        if lead and lead in co:
            self.add_error("co_units", _("The lead unit cannot also be a co-unit."))
        return data


def handling_unit_choices() -> list[tuple[int, str]]:
    return [(u.pk, str(u)) for u in HANDLING_UNITS.all()]


MeetingIssueFormSet = forms.formset_factory(
    MeetingIssueRowForm, extra=0, max_num=500, validate_max=True
)
