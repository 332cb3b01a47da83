"""The office's forms for bulletins (the period and the comment) and evaluations (the year and
the weights). The rules themselves are checked in ``supervision.reports``; the forms only read
the input and show the services' messages on the right fields."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapFormMixin

from .models_reports import WEIGHT_FIELDS, Bulletin, Evaluation
from .periods import period_containing
from .reports import period_check, weights_check, year_check


def _add(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class BulletinForm(BootstrapFormMixin, forms.Form):
    """A week or a month, chosen by any day in it."""

    period_kind = forms.ChoiceField(
        label=_("Period kind"), choices=Bulletin.PeriodKind.choices, initial="month"
    )
    day = forms.DateField(
        label=_("A day in the period"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The bulletin covers the week (Monday to Sunday) or the month of this day."),
    )
    comment = forms.CharField(
        label=_("The office's comment"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Printed under the figures; it can be changed until the bulletin is published."
        ),
    )

    def __init__(self, *args, bulletin: Bulletin | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if bulletin is not None:
            self.fields["period_kind"].initial = bulletin.period_kind
            self.fields["day"].initial = bulletin.period_start
            self.fields["comment"].initial = bulletin.comment
        else:
            # By default the month just ended: what a monthly bulletin usually reports.
            today = timezone.localdate()
            self.fields["day"].initial = today.replace(day=1) - datetime.timedelta(days=1)

    def clean(self):
        data = super().clean()
        day = data.get("day")
        if day is not None and not 2000 <= day.year <= timezone.localdate().year:
            self.add_error(
                "day", _("Choose a day from the year 2000 up to today; bulletins report the past.")
            )
            return data
        if data.get("period_kind") and day:
            period = period_containing(data["period_kind"], day)
            try:
                period_check(data["period_kind"], period.key)
            except ValidationError as exc:
                for errors in exc.error_dict.values():
                    self.add_error("day", errors)
            data["period_key"] = period.key
        return data


def _weight_field(name: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=Evaluation._meta.get_field(name).verbose_name,
        max_digits=5,
        decimal_places=2,
        initial=Evaluation._meta.get_field(name).default,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


class EvaluationForm(BootstrapFormMixin, forms.Form):
    """The year (only when the evaluation is started) and the six weights."""

    year = forms.IntegerField(label=_("Year"))
    weight_on_time = _weight_field("weight_on_time")
    weight_closure = _weight_field("weight_closure")
    weight_feedback = _weight_field("weight_feedback")
    weight_satisfaction = _weight_field("weight_satisfaction")
    deduction_overdue = _weight_field("deduction_overdue")
    deduction_reopen = _weight_field("deduction_reopen")

    RATE_FIELDS = ["weight_on_time", "weight_closure", "weight_feedback", "weight_satisfaction"]
    DEDUCTION_FIELDS = ["deduction_overdue", "deduction_reopen"]

    def __init__(self, *args, evaluation: Evaluation | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if evaluation is not None:
            del self.fields["year"]
            for name in WEIGHT_FIELDS:
                self.fields[name].initial = getattr(evaluation, name)
        else:
            self.fields["year"].initial = timezone.localdate().year
        for name in self.RATE_FIELDS:
            self.fields[name].help_text = _("Points out of 100.")
        for name in self.DEDUCTION_FIELDS:
            self.fields[name].help_text = _("Points taken off for each such slip.")

    def clean(self):
        data = super().clean()
        if "year" in self.fields and "year" in data:
            try:
                data["year"] = year_check(data["year"])
            except ValidationError as exc:
                _add(self, exc)
        if all(name in data for name in WEIGHT_FIELDS):
            try:
                weights_check(data)
            except ValidationError as exc:
                _add(self, exc)
        return data

    def weights(self) -> dict:
        return {name: self.cleaned_data[name] for name in WEIGHT_FIELDS}

    def rate_fields(self):
        return [self[name] for name in self.RATE_FIELDS]

    def deduction_fields(self):
        return [self[name] for name in self.DEDUCTION_FIELDS]
