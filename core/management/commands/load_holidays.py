from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from core.holidays_load import ScheduleUnknown, calendar_year_load


class Command(BaseCommand):
    help = "Load a year's official holidays and make-up working days (from the holidays package)."

    def add_arguments(self, parser):
        parser.add_argument("years", nargs="+", type=int)

    def handle(self, *args, years, **options):
        translation.activate("zh-hans")
        for year in years:
            try:
                result = calendar_year_load(year=year)
            except ScheduleUnknown as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                f"{year} 年：休息日 {result['days_off']} 天，调休上班 {result['workdays']} 天"
                f"（新增 {result['created']}，保留手工调整 {result['updated']}）；该年已确认。"
            )
