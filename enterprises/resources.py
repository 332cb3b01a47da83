"""django-import-export resources: the one declaration of the firm list's layout.

The columns here are what the import reads, the export writes and the template offers; the
fast import engine (``importing.py``) and the export (``exporting.py``) both take their layout
from these resources, so an exported file always imports back unchanged.
"""

from import_export import fields, resources, widgets

from core.models import Unit

from .models import Enterprise, EnterpriseYear

YES, NO = "是", "否"


class ChoiceLabelWidget(widgets.Widget):
    """A choice field written as its Chinese label (规上), as people type it."""

    def __init__(self, choices, **kwargs):
        self.labels = {value: str(label) for value, label in choices}
        super().__init__(**kwargs)

    def render(self, value, obj=None, **kwargs):
        return self.labels.get(value, value or "")


class YesNoWidget(widgets.Widget):
    def render(self, value, obj=None, **kwargs):
        return YES if value else NO


class EnterpriseResource(resources.ModelResource):
    credit_code = fields.Field(attribute="credit_code", column_name="统一社会信用代码")
    name = fields.Field(attribute="name", column_name="企业名称")
    town = fields.Field(
        attribute="town",
        column_name="所属镇街",
        widget=widgets.ForeignKeyWidget(Unit, "name"),
    )
    industry_code = fields.Field(attribute="industry_code", column_name="行业代码")
    size_class = fields.Field(
        attribute="size_class",
        column_name="规模类型",
        widget=ChoiceLabelWidget(Enterprise.SizeClass.choices),
    )
    is_tech = fields.Field(attribute="is_tech", column_name="是否科技型企业", widget=YesNoWidget())
    legal_representative = fields.Field(attribute="legal_representative", column_name="法定代表人")
    contact_person = fields.Field(attribute="contact_person", column_name="联系人")
    contact_phone = fields.Field(attribute="contact_phone", column_name="联系电话")
    address = fields.Field(attribute="address", column_name="地址")
    status = fields.Field(
        attribute="status",
        column_name="经营状态",
        widget=ChoiceLabelWidget(Enterprise.Status.choices),
    )

    # Columns a list must have; the others may be left out (and are then left as they are).
    required = ("credit_code", "name", "town", "size_class")

    class Meta:
        model = Enterprise
        import_id_fields = ("credit_code",)
        fields = (
            "credit_code",
            "name",
            "town",
            "industry_code",
            "size_class",
            "is_tech",
            "legal_representative",
            "contact_person",
            "contact_phone",
            "address",
            "status",
        )
        export_order = fields
        sheet_name = "企业名单"

    def __init__(self, *, mask_phone: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.mask_phone = mask_phone

    def dehydrate_contact_phone(self, enterprise):
        from .codes import phone_mask

        phone = enterprise.contact_phone
        return phone_mask(phone) if self.mask_phone and phone else phone


class DecimalTextWidget(widgets.Widget):
    """Figures written as plain numbers, without trailing zeros (1234.5, not 1234.50)."""

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        text = format(value.normalize(), "f")
        return text


class EnterpriseYearResource(resources.ModelResource):
    credit_code = fields.Field(attribute="enterprise__credit_code", column_name="统一社会信用代码")
    year = fields.Field(attribute="year", column_name="年度")
    output_value = fields.Field(
        attribute="output_value", column_name="产值(万元)", widget=DecimalTextWidget()
    )
    sales = fields.Field(
        attribute="sales", column_name="销售收入(万元)", widget=DecimalTextWidget()
    )
    tax = fields.Field(attribute="tax", column_name="税收(万元)", widget=DecimalTextWidget())
    profit = fields.Field(attribute="profit", column_name="利润(万元)", widget=DecimalTextWidget())
    employees = fields.Field(attribute="employees", column_name="从业人员(人)")

    required = ("credit_code", "year")

    class Meta:
        model = EnterpriseYear
        fields = ("credit_code", "year", "output_value", "sales", "tax", "profit", "employees")
        export_order = fields
        sheet_name = "年度数据"


def columns(resource_class) -> list[tuple[str, str]]:
    """(header, field name) pairs in the order the resource declares them."""
    declared = resource_class._meta.export_order
    by_name = resource_class.fields
    return [(by_name[name].column_name, name) for name in declared]
