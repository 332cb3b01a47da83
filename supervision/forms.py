"""The coordinating body's forms on an escalated slip's page, and the filters of its list."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapFormMixin
from core.models import Unit

from .services import coordinators_for

TIERS = [
    ("2", _("Tier 2: leadership group")),
    ("3", _("Tier 3: city leaders")),
    ("4", _("Tier 4: higher level")),
]


class CoordinatorForm(BootstrapFormMixin, forms.Form):
    coordinator = forms.ModelChoiceField(
        label=_("Coordinator"), queryset=None, empty_label=_("Choose")
    )

    def __init__(self, *args, slip, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coordinator"].queryset = coordinators_for(slip)
        self.fields["coordinator"].label_from_instance = lambda user: user.name


class MeetingForm(BootstrapFormMixin, forms.Form):
    held_on = forms.DateField(
        label=_("Held on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    units = forms.ModelMultipleChoiceField(
        label=_("Units present"),
        queryset=Unit.objects.filter(
            kind__in=[Unit.Kind.DEPARTMENT, Unit.Kind.TOWN], is_active=True
        ).order_by("kind", "sort_order", "name"),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("The lead and co-units are chosen; hold Ctrl (or ⌘) to choose more."),
    )
    decisions = forms.CharField(label=_("Decisions"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, slip, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["held_on"].initial = timezone.localdate()
        self.fields["units"].initial = [slip.lead_unit_id, *(u.pk for u in slip.co_units.all())]


class EscalatedFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("Number, firm or problem"), required=False, max_length=100)
    tier = forms.ChoiceField(
        label=_("Escalation tier"), choices=[("", _("All tiers")), *TIERS], required=False
    )

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        return self.cleaned_data
