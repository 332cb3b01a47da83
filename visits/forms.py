from decimal import Decimal

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapFormMixin
from core.models import Unit
from enterprises.models import Enterprise
from issues.models import Category, Urgency

from .models import Campaign, Pairing, Visit

YES_NO = [("1", _("Yes")), ("0", _("No"))]


class VisitForm(BootstrapFormMixin, forms.ModelForm):
    """The survey itself; its problems are a formset alongside."""

    client_token = forms.UUIDField(widget=forms.HiddenInput, required=False)
    met_principal = forms.TypedChoiceField(
        label=_("Met the firm's principal face to face"),
        choices=YES_NO,
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether you met the firm's principal.")},
    )
    orders_trend = forms.ChoiceField(
        label=_("Orders"),
        choices=[("", _("Not asked")), *Visit.Trend.choices],
        required=False,
        widget=forms.RadioSelect,
    )
    sales = forms.DecimalField(
        label=_("Sales this year (10k yuan)"),
        min_value=Decimal(0),
        max_digits=14,
        decimal_places=2,
        required=False,
    )
    financing_amount = forms.DecimalField(
        label=_("Financing need (10k yuan)"),
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
        required=False,
    )
    profit = forms.DecimalField(
        label=_("Profit this year (10k yuan)"),
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text=_("A loss is entered as a negative number."),
    )

    class Meta:
        model = Visit
        fields = [
            "visit_date",
            "campaign",
            "companions",
            "met_principal",
            "orders_trend",
            "orders_note",
            "vacancies",
            "talent_need",
            "automation",
            "financing_amount",
            "financing_purpose",
            "tech_upgrade",
            "sales",
            "employees",
            "profit",
            "opinions",
        ]
        widgets = {
            "visit_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "orders_note": forms.Textarea(attrs={"rows": 2}),
            "talent_need": forms.Textarea(attrs={"rows": 2}),
            "automation": forms.Textarea(attrs={"rows": 2}),
            "tech_upgrade": forms.Textarea(attrs={"rows": 2}),
            "opinions": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "companions": _("Names of the others who came with you, if any."),
            "campaign": _("Choose the campaign this visit belongs to, if any."),
        }
        error_messages = {
            "visit_date": {"required": _("Enter the visit date.")},
            "vacancies": {"min_value": _("The number cannot be negative.")},
            "employees": {"min_value": _("The number cannot be negative.")},
        }

    def __init__(self, *args, campaigns=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = (
            campaigns if campaigns is not None else Campaign.objects.none()
        )
        self.fields["campaign"].empty_label = _("Routine visit (no campaign)")
        self.fields["vacancies"].min_value = 0
        self.fields["vacancies"].widget.attrs["min"] = 0
        self.fields["employees"].widget.attrs["min"] = 0
        for name in ("met_principal", "orders_trend"):
            self.fields[name].widget.attrs["class"] = "form-check-input"
        if self.instance.pk:
            # The model's True/False would match neither radio ("1"/"0").
            self.initial["met_principal"] = "1" if self.instance.met_principal else "0"
        for name in ("sales", "financing_amount", "profit", "vacancies", "employees"):
            self.fields[name].widget.attrs["inputmode"] = "decimal"
        self.fields["visit_date"].widget.attrs["max"] = timezone.localdate().isoformat()

    def clean_visit_date(self):
        day = self.cleaned_data["visit_date"]
        if day and day > timezone.localdate():
            raise forms.ValidationError(
                _("The visit date is in the future; enter the day you visited.")
            )
        return day

    def clean_sales(self):
        return self._not_negative("sales")

    def clean_financing_amount(self):
        return self._not_negative("financing_amount")

    def _not_negative(self, name):
        value = self.cleaned_data.get(name)
        if value is not None and value < 0:
            raise forms.ValidationError(_("The number cannot be negative."))
        return value

    def survey_fields(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


for _name in ("sales", "financing_amount"):
    VisitForm.base_fields[_name].error_messages["min_value"] = _("The number cannot be negative.")


class ProblemForm(BootstrapFormMixin, forms.Form):
    description = forms.CharField(
        label=_("Problem description"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=True,
        error_messages={"required": _("Describe the problem, or remove it.")},
    )
    category = forms.ChoiceField(
        label=_("Category"),
        choices=[("", _("Choose a category")), *Category.choices],
        error_messages={"required": _("Choose the problem's category.")},
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)


ProblemFormSet = forms.formset_factory(ProblemForm, extra=0, can_delete=True, max_num=50)


class CampaignForm(BootstrapFormMixin, forms.ModelForm):
    size_classes = forms.MultipleChoiceField(
        label=_("Size classes"),
        choices=Enterprise.SizeClass.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty for every size."),
    )
    tiers = forms.MultipleChoiceField(
        label=_("Pairing tiers"),
        choices=Pairing.Tier.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only firms paired at these tiers; leave empty for all firms."),
    )
    towns = forms.ModelMultipleChoiceField(
        label=_("Towns / streets"),
        queryset=Unit.objects.filter(kind=Unit.Kind.TOWN, is_active=True).order_by("sort_order"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty for every town and street."),
    )

    class Meta:
        model = Campaign
        fields = ["name", "start_date", "end_date", "description", "size_classes", "tiers", "towns"]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 2}),
        }
        error_messages = {
            "name": {"unique": _("A campaign with this name already exists.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # A town deactivated since stays selectable, so the campaign's filter is unchanged.
            self.fields["towns"].queryset = Unit.objects.filter(
                Q(kind=Unit.Kind.TOWN, is_active=True) | Q(pk__in=self.instance.towns.all())
            ).order_by("sort_order")
        for name in ("size_classes", "tiers", "towns"):
            self.fields[name].widget.attrs["class"] = "form-check-input"

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date is before the start date."))
        return data


class VisitFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("Firm or cadre"), required=False, max_length=100)
    campaign = forms.ModelChoiceField(
        label=_("Visit campaign"),
        queryset=Campaign.objects.order_by("-start_date"),
        required=False,
        empty_label=_("All"),
    )
    town = forms.ModelChoiceField(
        label=_("Town / street"),
        queryset=Unit.objects.filter(kind=Unit.Kind.TOWN).order_by("sort_order"),
        required=False,
        empty_label=_("All towns"),
    )
    met = forms.ChoiceField(
        label=_("Met face to face"),
        choices=[("", _("All")), ("1", _("Met face to face")), ("0", _("Not met face to face"))],
        required=False,
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        return self.cleaned_data


class PairingFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("Firm or cadre"), required=False, max_length=100)
    tier = forms.ChoiceField(
        label=_("Pairing tier"), choices=[("", _("All")), *Pairing.Tier.choices], required=False
    )
    unit = forms.ModelChoiceField(
        label=_("Paired unit"),
        queryset=Unit.objects.filter(
            kind__in=[Unit.Kind.DEPARTMENT, Unit.Kind.TOWN, Unit.Kind.CITY_LEADERS]
        ).order_by("kind", "sort_order"),
        required=False,
        empty_label=_("All units"),
    )
    state = forms.ChoiceField(
        label=_("State"),
        choices=[("active", _("In force")), ("ended", _("Ended")), ("all", _("All"))],
        required=False,
    )

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        return self.cleaned_data
