"""Fill the database with a realistic Lin'an: units, firms, pairings, visits, slips...

Each installed app with a ``demo`` module contributes, in the order of INSTALLED_APPS (the floor
order), through ``demo.seed(with_logins=..., log=...)``. Idempotent: safe to run twice. Demo
logins are created only when DEBUG is on.
"""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from core.demo import demo_logins_text
from core.models import Unit


class Command(BaseCommand):
    help = "Load demo data (idempotent). Demo logins only when DEBUG is on."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already has units (used by `make run`).",
        )

    def handle(self, *args, if_empty=False, **options):
        translation.activate(settings.LANGUAGE_CODE)
        with_logins = settings.DEBUG
        if if_empty and Unit.objects.exists():
            self.stdout.write("数据库已有数据，跳过演示数据。")
        else:
            for app_config in apps.get_app_configs():
                module_name = f"{app_config.name}.demo"
                if find_spec(module_name) is None:
                    continue
                import_module(module_name).seed(with_logins=with_logins, log=self.stdout.write)
            self.stdout.write(self.style.SUCCESS("演示数据已就绪。"))
        if with_logins:
            self.stdout.write(demo_logins_text())
