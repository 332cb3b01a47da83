from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapFormMixin
from core.models import Unit

from .models import Enterprise, Industry


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
