"""Benchmark of the firm-list import, on the configured database.

    .venv/bin/python bench/import_enterprises.py [--rows 20000] [--with-years] [--stock]

Writes an N-row firm list (.xlsx; with --with-years, three years of figures per firm on the
second sheet), then measures, each phase in a fresh child process so its peak memory is its
own:
  - the bare openpyxl read of the file (read-only mode, every cell),
  - our dry run, commit, and re-import of the unchanged file,
  - with --stock, stock django-import-export (row by row) importing the same firm sheet,
and prints rows/s, the multiple of the openpyxl read time, and peak memory (max RSS).

The database is the one DATABASE_URL names (SQLite by default), in a throw-away test database
created and dropped by Django's test machinery, so no real data is touched.
"""

import argparse
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linan_visits.settings.local")
os.environ.setdefault("DJANGO_DEBUG", "false")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(target, args, queue):
    from django.db import connections

    for conn in connections.all():
        conn.close()
    started = time.perf_counter()
    detail = target(*args)
    queue.put((time.perf_counter() - started, peak_mb(), detail))


def run_phase(target, *args):
    """Run target in a forked child: (seconds, peak MB, whatever target returned)."""
    from django.db import connections

    for conn in connections.all():
        conn.close()
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    process = ctx.Process(target=_child, args=(target, args, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


# --- phases ----------------------------------------------------------------------------------


def write_file(path: str, rows: int, with_years: bool) -> None:
    from core.demo import TOWNS
    from enterprises import demo

    demo.ARTICLE_FIRMS = []  # plain generated firms only
    firms, years = demo.demo_rows(TOWNS, rows)
    from openpyxl import Workbook

    from enterprises.resources import EnterpriseResource, EnterpriseYearResource, columns

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("企业名单")
    sheet.append([h for h, _n in columns(EnterpriseResource)])
    for row in firms:
        sheet.append(row)
    if with_years:
        sheet = workbook.create_sheet("年度数据")
        sheet.append([h for h, _n in columns(EnterpriseYearResource)])
        for row in years:
            sheet.append(row)
    workbook.save(path)


def openpyxl_read(path: str) -> int:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    cells = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            cells += len(row)
    return cells


def our_import(path: str, commit: bool):
    from enterprises.importing import enterprises_import

    report = enterprises_import(
        content=Path(path).read_bytes(), file_name=Path(path).name, actor=None, commit=commit
    )
    if not report.ok:
        raise SystemExit(f"import failed: {report.file_error or report.errors[:3]}")
    return report.created, report.updated, report.unchanged, report.years_created


def stock_import(path: str):
    """django-import-export as it comes: a ModelResource, row by row, from the same file."""
    import tablib
    from import_export import fields, resources, widgets

    from core.models import Unit
    from enterprises.models import Enterprise

    size = {"大企业大集团": "large", "规上": "above", "规下": "below"}

    class StockResource(resources.ModelResource):
        credit_code = fields.Field(attribute="credit_code", column_name="统一社会信用代码")
        name = fields.Field(attribute="name", column_name="企业名称")
        town = fields.Field(
            attribute="town",
            column_name="所属镇街",
            widget=widgets.ForeignKeyWidget(Unit, "name"),
        )
        industry_code = fields.Field(attribute="industry_code", column_name="行业代码")
        size_class = fields.Field(attribute="size_class", column_name="规模类型")
        legal_representative = fields.Field(
            attribute="legal_representative", column_name="法定代表人"
        )
        contact_person = fields.Field(attribute="contact_person", column_name="联系人")
        contact_phone = fields.Field(attribute="contact_phone", column_name="联系电话")
        address = fields.Field(attribute="address", column_name="地址")

        class Meta:
            model = Enterprise
            import_id_fields = ("credit_code",)
            fields = (
                "credit_code",
                "name",
                "town",
                "industry_code",
                "size_class",
                "legal_representative",
                "contact_person",
                "contact_phone",
                "address",
            )

        def before_import_row(self, row, **kwargs):
            row["规模类型"] = size.get(row["规模类型"], row["规模类型"])

    book = tablib.Databook()
    with open(path, "rb") as handle:
        book.load(handle.read(), format="xlsx")
    dataset = book.sheets()[0]
    result = StockResource().import_data(dataset, dry_run=False, raise_errors=True)
    return result.totals["new"], result.totals["update"], result.totals["skip"], 0


def empty_registry() -> None:
    from django.db import connection

    from enterprises.models import Enterprise, EnterpriseRevision, EnterpriseYear

    with connection.cursor():
        EnterpriseRevision.objects.all().delete()
        EnterpriseYear.objects.all().delete()
        Enterprise.objects.all().delete()


# --- main ------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--with-years", action="store_true")
    parser.add_argument("--stock", action="store_true", help="also time stock django-import-export")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    if connection.vendor == "sqlite":
        # A file, not the in-memory default: the children of fork() must share it.
        test_name = str(Path(tempfile.gettempdir()) / "bench_linan.sqlite3")
        connection.settings_dict["TEST"]["NAME"] = test_name
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        from core.demo import TOWNS
        from core.models import Unit

        for order, name in enumerate(TOWNS):
            Unit.objects.get_or_create(name=name, defaults={"kind": "town", "sort_order": order})

        with tempfile.TemporaryDirectory() as folder:
            path = str(Path(folder) / "firms.xlsx")
            run_phase(write_file, path, args.rows, args.with_years)
            sheet_rows = args.rows * (4 if args.with_years else 1)
            size_mb = Path(path).stat().st_size / 1e6
            print(
                f"database: {connection.vendor}; file: {args.rows} firms"
                f"{' + ' + str(args.rows * 3) + ' yearly rows' if args.with_years else ''}"
                f" = {sheet_rows} sheet rows, {size_mb:.1f} MB"
            )
            print(f"{'phase':<34}{'seconds':>9}{'rows/s':>10}{'× read':>9}{'peak MB':>9}")

            def line(label, seconds, peak):
                rate = sheet_rows / seconds
                print(
                    f"{label:<34}{seconds:>9.2f}{rate:>10.0f}{read_s / seconds:>9.2f}{peak:>9.0f}"
                )

            read_s, read_peak, _cells = run_phase(openpyxl_read, path)
            line("openpyxl read only (reference)", read_s, read_peak)
            seconds, peak, counts = run_phase(our_import, path, False)
            line("ours: dry run", seconds, peak)
            seconds, peak, counts = run_phase(our_import, path, True)
            if counts[0] != args.rows:
                raise SystemExit(f"commit created {counts[0]} firms, expected {args.rows}")
            line("ours: commit (all new)", seconds, peak)
            seconds, peak, counts = run_phase(our_import, path, True)
            if counts[2] != args.rows:
                raise SystemExit(f"re-import left {counts[2]} unchanged, expected {args.rows}")
            line("ours: re-import (unchanged)", seconds, peak)
            if args.stock:
                run_phase(empty_registry)
                seconds, peak, counts = run_phase(stock_import, path)
                stock_rate = args.rows / seconds
                print(
                    f"{'stock django-import-export commit':<34}{seconds:>9.2f}"
                    f"{stock_rate:>10.0f}{read_s / seconds:>9.2f}{peak:>9.0f}"
                    "   (firm sheet only)"
                )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
