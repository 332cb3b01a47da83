from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "enterprises"
    verbose_name = _("Enterprise registry")

    def ready(self):
        from django.db.models.signals import post_migrate

        from core.audit import register_actions
        from core.navigation import section_link

        from . import audit
        from .data import industries_ensure
        from .file_section import accounts_file_section
        from .file_sections import file_section_register

        post_migrate.connect(industries_ensure, sender=self, dispatch_uid="enterprises.industries")

        register_actions(audit.LABELS)
        # First on the file page, before the parts apps above the registry add.
        file_section_register(accounts_file_section)
        section_link(
            "enterprises",
            "enterprises:list",
            extra_url_names=[
                "enterprises:detail",
                "enterprises:account_create",
                "enterprises:account_reset",
                "enterprises:accounts_bulk",
                "enterprises:accounts_issued",
                "enterprises:registration_list",
                "enterprises:correction_list",
                "enterprises:correction_detail",
            ],
        )
        section_link(
            "imports",
            "enterprises:import",
            extra_url_names=["enterprises:import_job"],
        )
