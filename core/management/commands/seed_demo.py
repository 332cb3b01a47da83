"""Fill the database with a realistic Lin'an: units, firms, pairings, visits, slips...

Each installed app with a ``demo`` module contributes, in the order of INSTALLED_APPS (the floor
order), through ``demo.seed(with_logins=..., log=...)``; ``demo.is_empty()`` says whether that
app has no data yet, which ``--if-empty`` (used by `make run`) checks app by app, so a database
made before an app existed still gets that app's demo data. Idempotent: safe to run twice. Demo
logins are created only when DEBUG is on.
"""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from core.demo import demo_logins_text


class Command(BaseCommand):
    help = "Load demo data (idempotent). Demo logins only when DEBUG is on."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Seed only the apps that have no data yet (used by `make run`).",
        )

    def handle(self, *args, if_empty=False, **options):
        translation.activate(settings.LANGUAGE_CODE)
        with_logins = settings.DEBUG
        for app_config in apps.get_app_configs():
            module_name = f"{app_config.name}.demo"
            if find_spec(module_name) is None:
                continue
            module = import_module(module_name)
            if if_empty and not module.is_empty():
                continue  # this app's part is there already: leave the data as people left it
            module.seed(with_logins=with_logins, log=self.stdout.write)
        self.stdout.write(self.style.SUCCESS("演示数据已就绪。"))
        if with_logins:
            self.stdout.write(demo_logins_text())
