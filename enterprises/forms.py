import re
import secrets

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapFormMixin
from core.models import Unit, User, mobile_validator

from .accounts import firm_contact_for_account
from .codes import (
    credit_code_error,
    credit_code_normalise,
    credit_codes_parse,
    phone_error,
    phone_normalise,
)
from .models import Enterprise, Industry
from .registrations import username_taken, username_taken_message


class EnterpriseFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("Name or credit code"), required=False, max_length=100)
    town = forms.ModelChoiceField(
        label=_("Town / street"),
        queryset=Unit.objects.filter(kind=Unit.Kind.TOWN).order_by("sort_order"),
        required=False,
        empty_label=_("All towns"),
    )
    industry = forms.ModelChoiceField(
        label=_("Industry"),
        queryset=Industry.objects.all(),
        required=False,
        empty_label=_("All industries"),
    )
    size_class = forms.ChoiceField(
        label=_("Size class"),
        choices=[("", _("All sizes")), *Enterprise.SizeClass.choices],
        required=False,
    )
    is_tech = forms.ChoiceField(
        label=_("Tech firm"),
        choices=[("", _("All")), ("1", _("Tech firms")), ("0", _("Not tech firms"))],
        required=False,
    )
    status = forms.ChoiceField(
        label=_("Business status"),
        choices=[("", _("All")), *Enterprise.Status.choices],
        required=False,
    )

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        return self.cleaned_data


class ImportUploadForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label=_("Firm list (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB; split it into smaller files.")
                % {"mb": limit // (1024 * 1024)}
            )
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        return upload


def form_errors_add(form, exc: ValidationError) -> None:
    """A service's ValidationError on the form: under its field when the form has that field,
    at the top otherwise."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


class OnceFormMixin(forms.Form):
    """A hidden one-time token, new each time the form is opened: the service that acts on the
    form records it (``accounts.form_token_claim``), so the same form sent twice acts once."""

    once = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["once"].initial = secrets.token_urlsafe(16)

    def clean(self):
        data = super().clean()
        if not _TOKEN.fullmatch(data.get("once") or ""):
            raise forms.ValidationError(
                _("This page is out of date: open it again and send it from there."),
                code="once",
            )
        return data


class FirmAccountForm(OnceFormMixin, BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("Name of the person who will use it"), max_length=50)
    mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=11,
        required=False,
        validators=[mobile_validator],
        help_text=_("Optional; the activity office can reach the firm on it."),
    )

    @staticmethod
    def initial_for(enterprise: Enterprise) -> dict:
        _name, mobile = firm_contact_for_account(enterprise)
        return {"name": enterprise.contact_person, "mobile": mobile}


class BulkAccountsForm(OnceFormMixin, BootstrapFormMixin, forms.Form):
    codes = forms.CharField(
        label=_("Unified social credit codes"),
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text=_(
            "One per line, or separated by spaces or commas: copy the column from your Excel "
            "list. Firms ticked on the list of firms are filled in already."
        ),
    )

    def clean_codes(self) -> list[str]:
        codes = credit_codes_parse(self.cleaned_data["codes"])
        if not codes:
            raise forms.ValidationError(_("Give at least one credit code."))
        return codes


class AccountResetForm(OnceFormMixin, forms.Form):
    """Nothing to fill in: the confirmation of a new initial password, with its token."""


class RegistrationForm(BootstrapFormMixin, forms.Form):
    # What may be shown back unchecked (a refused attempt keeps what was typed, not passwords).
    PUBLIC_FIELDS = ("credit_code", "firm_name", "contact_name", "mobile", "username")

    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=30)
    firm_name = forms.CharField(label=_("Enterprise name"), max_length=100)
    contact_name = forms.CharField(label=_("Your name"), max_length=50)
    mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=11,
        validators=[mobile_validator],
        help_text=_("The activity office texts the outcome of your registration to it."),
    )
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        validators=[User.username_validator],
        help_text=_("Letters, digits and @ . + - _ only."),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_credit_code(self) -> str:
        code = credit_code_normalise(self.cleaned_data["credit_code"])
        error = credit_code_error(code)
        if error:
            raise forms.ValidationError(error)
        return code

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if username_taken(username):
            raise forms.ValidationError(username_taken_message())
        return username

    def clean(self):
        data = super().clean()
        password1, password2 = data.get("password1"), data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password1:
            candidate = User(
                username=data.get("username", ""),
                name=data.get("contact_name", ""),
                mobile=data.get("mobile", ""),
            )
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class ContactCorrectionForm(BootstrapFormMixin, forms.Form):
    """The contact person and phone are required; an address on file may be corrected, not
    blanked (``corrections.contact_correction_propose`` checks that, knowing the file)."""

    contact_person = forms.CharField(label=_("Contact person"), max_length=50)
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        max_length=30,
        help_text=_("A mobile, or a landline such as 0571-63712345."),
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)

    def __init__(self, *args, address_on_file: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["address"].required = address_on_file

    def clean_contact_phone(self) -> str:
        phone = phone_normalise(self.cleaned_data["contact_phone"])
        error = phone_error(phone)
        if error:
            raise forms.ValidationError(error)
        return phone
