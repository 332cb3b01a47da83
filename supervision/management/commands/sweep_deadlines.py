import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from supervision.sweep import deadlines_sweep


class Command(BaseCommand):
    help = "Run the deadline sweep now (reminders, chase-ups, escalation, unrated closing)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            help="Pretend it is this moment (ISO, e.g. 2026-10-09T09:00), for operators and tests.",
        )

    def handle(self, *args, now=None, **options):
        translation.activate("zh-hans")
        moment = None
        if now:
            try:
                moment = datetime.datetime.fromisoformat(now)
            except ValueError as exc:
                raise CommandError(f"--now 不是有效的时间：{now}") from exc
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
        report = deadlines_sweep(now=moment)
        self.stdout.write(
            f"提醒 {report.reminders} 件，催办 {report.overdue} 件，提级 {report.escalations} 件，"
            f"未评价办结 {report.unrated} 件，跳过 {report.skipped} 件，出错 {report.errors} 件。"
        )
