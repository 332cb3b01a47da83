import uuid

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapFormMixin

from ..attachments import ACCEPT, ACCEPTED_TEXT, size_text
from ..models import Category, Slip


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input. What each file is, and how many, the service checks (by
    content), naming the file that fails."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("allow_empty_file", True)  # refused by the service, with its name
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ProblemSubmitForm(BootstrapFormMixin, forms.Form):
    category = forms.ChoiceField(
        label=_("What is it about"), choices=[("", _("Choose a category")), *Category.choices]
    )
    description = forms.CharField(
        label=_("Your problem"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What is the difficulty, since when, and what you have tried or asked for."),
    )
    attachments = MultipleFileField(label=_("Files (optional)"), required=False)
    # A new value each time the form is shown: the same form sent twice records one problem.
    client_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("client_token", uuid.uuid4())
        self.fields["attachments"].help_text = _(
            "%(accepted)s Up to %(count)d files, each at most %(size)s."
        ) % {
            "accepted": ACCEPTED_TEXT,
            "count": settings.ATTACHMENT_MAX_FILES,
            "size": size_text(settings.ATTACHMENT_MAX_BYTES),
        }


RATINGS = [(value, label) for value, label in Slip.Rating.choices if value != Slip.Rating.UNRATED]


class RateForm(BootstrapFormMixin, forms.Form):
    rating = forms.ChoiceField(
        label=_("How satisfied are you with the result?"), choices=RATINGS, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required if you are dissatisfied: say what is still wrong."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rating"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        data = super().clean()
        if (
            data.get("rating") == Slip.Rating.DISSATISFIED
            and not (data.get("comment") or "").strip()
        ):
            self.add_error(
                "comment", _("Say what you are dissatisfied with: the unit works on it.")
            )
        return data
