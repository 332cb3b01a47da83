"""Read the spreadsheets people upload (.xlsx and .csv), safely and fast.

The type is decided by the content, never by the file name: an old .xls or a renamed program is
refused with a message saying what it is. An .xlsx is a zip: its members' declared sizes are
checked before anything is decompressed, so a zip bomb is refused at once; its XML is read by
python-calamine (Rust, no entity expansion; defusedxml guards openpyxl where openpyxl is used).
CSV may be UTF-8 (with or without BOM) or GBK/GB18030, as Chinese Excel writes it.

Every value comes back as text, stripped, so a number typed as text and a number stored as a
number read the same. Full-width characters are left alone here: the reader of each column
decides (codes and numbers are normalised, names are kept as written).
"""

import csv
import datetime
import io
import re
import sys
import unicodedata
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _


class TableError(Exception):
    """The file as a whole cannot be read; the message says why, in Chinese."""


@dataclass
class Sheet:
    name: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)  # data rows, header excluded

    def column_index(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.headers) if name}


def header_normalise(value) -> str:
    """Headers are matched after NFKC (full-width brackets → half-width) and without spaces."""
    return "".join(unicodedata.normalize("NFKC", str(value or "")).split())


def cell_text(value) -> str:
    if type(value) is str:  # the common case first: this runs once per cell
        # Only trimmed: names and addresses stay as written (full-width brackets in a registered
        # name are part of it). Codes, numbers and lookup words are normalised where read.
        text = value.strip()
        # Short texts repeat down a column (towns, 规上, 是/否): keep one copy of each.
        return sys.intern(text) if len(text) <= 8 else text
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    if text.isascii():
        return text.strip()
    return unicodedata.normalize("NFKC", text).strip()


_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read_table(content: bytes) -> list[Sheet]:
    """All sheets of an .xlsx, or the one sheet of a CSV. Raises TableError."""
    if not content or not content.strip():
        raise TableError(_("The file is empty."))
    if len(content) > settings.IMPORT_MAX_UPLOAD_BYTES:
        raise TableError(
            _("The file is larger than %(mb)d MB; split it into smaller files.")
            % {"mb": settings.IMPORT_MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    if content.startswith(b"PK\x03\x04"):
        return _read_xlsx(content)
    if content.startswith(_OLE2):
        raise TableError(
            _(
                "This is an old Excel 97-2003 (.xls) file. Open it in Excel or WPS, save it as "
                ".xlsx (Excel workbook), and upload that."
            )
        )
    if b"\x00" in content[:8192] or content.startswith((b"MZ", b"%PDF", b"\x7fELF")):
        raise TableError(_("This is not an Excel (.xlsx) or CSV file."))
    return [_read_csv(content)]


def _read_xlsx(content: bytes) -> list[Sheet]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise TableError(_("The Excel file is damaged and cannot be opened.")) from exc
    names = {m.filename for m in members}
    if "xl/workbook.xml" not in names:
        raise TableError(_("This is not an Excel (.xlsx) or CSV file."))
    declared = sum(m.file_size for m in members)
    if declared > settings.IMPORT_MAX_UNCOMPRESSED_BYTES or any(
        m.compress_size and m.file_size / m.compress_size > 1000 and m.file_size > 10_000_000
        for m in members
    ):
        raise TableError(
            _("The Excel file unpacks to far more data than a firm list holds; it was refused.")
        )
    _check_extent(archive, members)
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content))
        sheets = []
        for index, name in enumerate(workbook.sheet_names):
            # Row by row: the raw values are never all held at once beside our text copy.
            rows = workbook.get_sheet_by_index(index).iter_rows()
            sheets.append(_sheet(name, rows))
    except python_calamine.CalamineError as exc:
        raise TableError(_("The Excel file is damaged and cannot be opened.")) from exc
    except Exception as exc:  # calamine raises a few plain errors on malformed XML
        raise TableError(_("The Excel file is damaged and cannot be opened.")) from exc
    return sheets


_ROW_REF = re.compile(rb'<row\b[^>]*?\br="([0-9]{1,9})"')
_WIDE_CELL_REF = re.compile(rb'\br="([A-Z]{2,3})[0-9]{1,9}"')  # columns past Z are rare


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + (letter - ord("A") + 1)
    return number


def _check_extent(archive: zipfile.ZipFile, members) -> None:
    """Refuse a sheet whose cells span more rows × columns than IMPORT_MAX_CELLS before the
    reader builds its grid: two cells at A1 and XFD1048576 make a 5 KB file and a grid of 17
    billion cells. The sheet's XML is scanned as a stream for row numbers and wide columns."""
    for member in members:
        name = member.filename
        if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
            continue
        max_row, max_column, tail = 0, 26, b""
        with archive.open(member) as stream:
            while chunk := stream.read(1 << 20):
                data = tail + chunk
                rows = _ROW_REF.findall(data)
                if rows:
                    max_row = max(max_row, *(int(r) for r in rows))
                for letters in _WIDE_CELL_REF.findall(data):
                    max_column = max(max_column, _column_number(letters))
                tail = data[-64:]
        if max_row * max_column > settings.IMPORT_MAX_CELLS:
            raise TableError(
                _(
                    "A sheet of this file spans %(rows)d rows and %(columns)d columns, far more "
                    "than a firm list holds; it was refused. Delete the stray cells far below or "
                    "to the right of the table and save it again."
                )
                % {"rows": max_row, "columns": max_column}
            )


def _read_csv(content: bytes) -> Sheet:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise TableError(_("The CSV file is neither UTF-8 nor GBK text."))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return _sheet("", list(csv.reader(io.StringIO(text), dialect)))


def _sheet(name: str, raw_rows) -> Sheet:
    rows = iter(raw_rows)
    headers = [header_normalise(h) for h in next(rows, [])]  # row 1, as Excel numbers it
    width = len(headers)
    data = []
    for raw in rows:
        row = [cell_text(v) for v in raw]
        if len(row) < width:
            row.extend([""] * (width - len(row)))
        data.append(row)
    while data and not any(data[-1]):
        data.pop()
    return Sheet(name=name, headers=headers if any(headers) else [], rows=data)
