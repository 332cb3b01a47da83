"""The year chooser of the analytics pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapFormMixin


class AnalyticsYearForm(BootstrapFormMixin, forms.Form):
    """One of the given years (latest first); the first one when none or an unknown one is
    asked for."""

    year = forms.TypedChoiceField(
        label=_("Year"),
        coerce=int,
        required=False,
        widget=forms.Select(attrs={"class": "form-select-sm"}),
    )

    def __init__(self, data=None, *, years: list[int], **kwargs):
        super().__init__(data, **kwargs)
        self.years = years
        self.fields["year"].choices = [(y, str(y)) for y in years]

    def chosen_year(self) -> int | None:
        if self.is_bound and self.is_valid() and self.cleaned_data["year"] not in (None, ""):
            return self.cleaned_data["year"]
        return self.years[0] if self.years else None
