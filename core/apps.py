from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Organisation and security")

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import receivers
        from .roles import roles_ensure

        receivers.connect()
        # After every app's permissions exist: roles also hold permissions of later apps.
        post_migrate.connect(roles_ensure, dispatch_uid="core.roles_ensure")
