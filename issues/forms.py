from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapFormMixin
from core.models import Unit

from .models import Category, Problem, Urgency


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
