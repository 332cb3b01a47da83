from io import StringIO

import pytest
from django.core.management import call_command

from enterprises.models import Enterprise
from enterprises.tests.factories import firm_row, xlsx


def call(*args):
    out, err = StringIO(), StringIO()
    try:
        call_command("import_enterprises", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_dry_run_then_import(tmp_path, towns):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(xlsx([firm_row(1), firm_row(2)]))
    code, out, _err = call(str(path), "--dry-run")
    assert code == 0 and "将新增 2 家" in out and not Enterprise.objects.exists()
    code, out, _err = call(str(path))
    assert code == 0 and "已新增 2 家" in out and Enterprise.objects.count() == 2
    code, out, _err = call(str(path))
    assert "2 家无变化" in out


def test_errors_name_sheet_row_column_and_exit_1(tmp_path, towns):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(xlsx([firm_row(1), firm_row(2, 规模类型="特大")]))
    code, _out, err = call(str(path))
    assert code == 1
    assert "工作表“企业名单” 第 3 行 [规模类型]：无法识别的规模类型“特大”" in err
    assert not Enterprise.objects.exists()


def test_unreadable_file_exits_1(tmp_path, towns):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    code, _out, err = call(str(path))
    assert code == 1 and "旧版 Excel" in err


def test_missing_file_is_a_clear_error(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="找不到文件"):
        call_command("import_enterprises", "/nonexistent.xlsx")
