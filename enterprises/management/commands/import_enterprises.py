"""python manage.py import_enterprises PATH [--dry-run] [--user USERNAME]

The same engine as the web page. Prints what was (or would be) created, updated and left
unchanged, or every error with its sheet, row (as Excel numbers it), column and reason, and then
exits 1 having written nothing.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.models import User
from enterprises.importing import enterprises_import


class Command(BaseCommand):
    help = "Import a firm list (.xlsx or .csv) into the registry; all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--dry-run", action="store_true", help="Check only; write nothing.")
        parser.add_argument("--user", help="Record the import as done by this user name.")

    def handle(self, *args, path, dry_run=False, user=None, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"找不到文件：{path}")
        actor = None
        if user:
            actor = User.objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"没有用户名为 {user} 的用户。")
        report = enterprises_import(
            content=file.read_bytes(), file_name=file.name, actor=actor, commit=not dry_run
        )
        if report.file_error:
            self.stderr.write(f"文件无法导入：{report.file_error}")
            raise SystemExit(1)
        if report.error_count:
            self.stderr.write(f"发现 {report.error_count} 个错误，未写入任何数据：")
            for sheet, row, column, message in (e.as_list() for e in report.errors):
                self.stderr.write(f"  工作表“{sheet}” 第 {row} 行 [{column}]：{message}")
            if report.error_count > len(report.errors):
                self.stderr.write(
                    f"  ……另有 {report.error_count - len(report.errors)} 个错误未列出"
                )
            raise SystemExit(1)
        verb = "将" if dry_run else "已"
        self.stdout.write(
            f"{'检查完毕（未写入）' if dry_run else '导入完成'}：企业{verb}新增 {report.created} 家、"
            f"更新 {report.updated} 家、{report.unchanged} 家无变化；年度数据{verb}新增 "
            f"{report.years_created} 条、更新 {report.years_updated} 条、"
            f"{report.years_unchanged} 条无变化。"
        )
