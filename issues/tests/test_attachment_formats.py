"""Office files read by their structure, with work bounded by the file's size: compound files
(doc, xls, ppt) whose header or chains lie, and zip packages (docx, xlsx, pptx) that are not
plain documents."""

import io
import struct
import tracemalloc
import zipfile

import pytest

from issues.attachments import _zip_directory_check, kind_detect
from issues.tests.files import END, FREE, _dir_entry, ole, ole_header, ooxml

MB = 1024 * 1024


def detected_with_peak(content: bytes) -> tuple[str | None, int]:
    """What ``kind_detect`` makes of the content, and the most memory it took meanwhile."""
    fileobj = io.BytesIO(content)
    tracemalloc.start()
    try:
        kind = kind_detect(fileobj)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return kind, peak


# --- Compound files (doc, xls, ppt) --------------------------------------------------------------


@pytest.mark.parametrize("sector_size", [512, 4096])
def test_a_word_file_is_told_with_either_sector_size(sector_size):
    assert kind_detect(io.BytesIO(ole("WordDocument", sector_size=sector_size))) == "doc"


def test_a_directory_over_several_sectors_is_followed():
    streams = [f"Stream {n}" for n in range(12)] + ["Workbook"]
    content = ole(*streams)

    assert len(content) > 512 * 4  # header, FAT and at least three directory sectors
    assert kind_detect(io.BytesIO(content)) == "xls"


def test_a_fat_sector_found_through_the_difat_chain_is_read():
    """A large file: its directory's FAT entry lies in the 110th FAT sector, which only the
    DIFAT chain (not the header) names."""
    directory_sector = 109 * 128
    difat = struct.pack("<128I", 1, *([FREE] * 126), END)  # sector 0: FAT sector #109 is sector 1
    fat_109 = struct.pack("<128I", END, *([FREE] * 127))  # sector 1: the directory ends at once
    fat_0 = struct.pack("<128I", *([FREE] * 128))  # sector 2
    directory = (_dir_entry("Root Entry", 5, child=1) + _dir_entry("PowerPoint Document", 2)).ljust(
        512, b"\0"
    )
    header = ole_header(
        fat_count=110,
        first_dir=directory_sector,
        first_difat=0,
        difat_count=1,
        difat=(2,) * 109,
    )
    padding = b"\0" * 512 * (directory_sector - 3)
    content = header + difat + fat_109 + fat_0 + padding + directory

    assert kind_detect(io.BytesIO(content)) == "ppt"


def hostile(*, size: int, fat_count: int) -> bytes:
    """A compound file of 4096-byte sectors whose header claims ``fat_count`` FAT sectors, and
    whose DIFAT names sector 0 over and over: the header's 109 entries, then every other sector
    of the file, each a DIFAT sector of 1,023 zeros leading to the next."""
    sectors = size // 4096 - 1
    header = ole_header(
        sector_size=4096,
        fat_count=fat_count,
        first_dir=0,
        first_difat=1,
        difat_count=sectors - 1,
        difat=(0,) * 109,
    )
    # Sector 0: a root entry naming a child far along the directory, so its chain is followed.
    directory = _dir_entry("Root Entry", 5, child=100).ljust(4096, b"\0")
    difat_sectors = b"".join(
        struct.pack("<1024I", *([0] * 1023), number + 1 if number + 1 < sectors else END)
        for number in range(1, sectors)
    )
    return header + directory + difat_sectors


@pytest.mark.parametrize(
    "size, fat_count",
    [
        (128 * 1024, 0xFFFFFFFF),  # far more FAT sectors than the file has sectors
        (512 * 1024, 0xFFFFFFFF),
        (10 * MB, 0xFFFFFFFF),
        (10 * MB, 10 * MB // 4096 - 1),  # as many as the file has sectors, all the same one
    ],
)
def test_a_compound_file_claiming_a_huge_fat_is_refused_in_little_memory(size, fat_count):
    kind, peak = detected_with_peak(hostile(size=size, fat_count=fat_count))

    assert kind is None
    assert peak < 50 * MB


def test_a_difat_chain_that_loops_is_refused():
    """The directory's FAT entry lies in the 241st FAT sector, named in the second sector of
    the DIFAT chain; but the first DIFAT sector's chain points to itself."""
    first_dir = 240 * 128
    header = ole_header(fat_count=300, first_dir=first_dir, first_difat=1, difat_count=2)
    difat_sector = struct.pack("<128I", *([0] * 127), 1)
    directory = _dir_entry("Root Entry", 5, child=40).ljust(512, b"\0")
    content = header + b"\0" * 512 + difat_sector + b"\0" * 512 * (first_dir - 2) + directory

    assert kind_detect(io.BytesIO(content)) is None


def test_a_directory_chain_that_loops_is_refused():
    """The directory's sector is its own next sector; the root names an entry far along."""
    fat = struct.pack("<128I", 0xFFFFFFFD, 1, *([FREE] * 126))
    directory = _dir_entry("Root Entry", 5, child=40).ljust(512, b"\0")
    content = ole_header(fat_count=1, first_dir=1) + fat + directory

    assert kind_detect(io.BytesIO(content)) is None


def test_a_directory_tree_that_loops_is_refused():
    root = _dir_entry("Root Entry", 5, child=1)
    looping = _dir_entry("Other", 2, left=1)
    fat = struct.pack("<128I", 0xFFFFFFFD, END, *([FREE] * 126))
    content = ole_header(fat_count=1, first_dir=1) + fat + (root + looping).ljust(512, b"\0")

    assert kind_detect(io.BytesIO(content)) is None


def with_header_field(content: bytes, offset: int, fmt: str, value: int) -> bytes:
    return content[:offset] + struct.pack(fmt, value) + content[offset + struct.calcsize(fmt) :]


@pytest.mark.parametrize(
    "offset, fmt, value",
    [
        (0x1E, "<H", 10),  # a sector shift other than 9 or 12
        (0x1E, "<H", 30),
        (0x1C, "<H", 0xFEFF),  # the wrong byte order
        (0x2C, "<I", 0),  # no FAT
        (0x2C, "<I", 3),  # more FAT sectors than the file has sectors
        (0x30, "<I", 2),  # the directory beyond the end of the file
        (0x48, "<I", 5),  # more DIFAT sectors than the file has sectors
        (0x4C, "<I", 7),  # the FAT beyond the end of the file
    ],
)
def test_a_header_at_odds_with_the_file_is_refused(offset, fmt, value):
    content = ole("WordDocument")
    assert kind_detect(io.BytesIO(content)) == "doc"

    assert kind_detect(io.BytesIO(with_header_field(content, offset, fmt, value))) is None


def test_a_truncated_compound_file_is_refused():
    assert kind_detect(io.BytesIO(ole("WordDocument")[:1024])) is None


# --- Packages (docx, xlsx, pptx) -------------------------------------------------------------------

WORD_TYPES = (
    '<?xml version="1.0"?><Types><Override PartName="/word/document.xml" ContentType="'
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)


def types_with(content_type: str, *, default: bool = False) -> str:
    if default:
        return f'<Types><Default Extension="bin" ContentType="{content_type}"/></Types>'
    return f'<Types><Override PartName="/main.xml" ContentType="{content_type}"/></Types>'


@pytest.mark.parametrize(
    "parts, kind",
    [
        (["word/document.xml", "word/styles.xml", "word/media/image1.png"], "docx"),
        (["xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/printerSettings/p1.bin"], "xlsx"),
        (["ppt/presentation.xml", "ppt/slides/slide1.xml"], "pptx"),
        (["Word/Document.xml"], "docx"),  # part names are not case-sensitive
    ],
)
def test_a_package_is_told_by_its_main_part(parts, kind):
    assert kind_detect(io.BytesIO(ooxml(*parts, types=WORD_TYPES))) == kind


@pytest.mark.parametrize(
    "parts",
    [
        ["word/styles.xml"],  # parts of a Word file, but not its document
        ["xl/styles.xml", "xl/worksheets/sheet1.xml"],
        ["ppt/slides/slide1.xml"],
        ["word/document.xml", "xl/workbook.xml"],  # two things at once
    ],
)
def test_a_package_without_one_main_part_is_refused(parts):
    assert kind_detect(io.BytesIO(ooxml(*parts))) is None


@pytest.mark.parametrize(
    "parts",
    [
        ["word/document.xml", "word/vbaProject.bin"],
        ["xl/workbook.xml", "xl/VBAPROJECT.BIN"],
        ["ppt/presentation.xml", "ppt/vbaProject.bin"],
    ],
)
def test_a_package_with_a_macro_project_is_refused(parts):
    assert kind_detect(io.BytesIO(ooxml(*parts))) is None


@pytest.mark.parametrize(
    "part, types",
    [
        (
            "word/document.xml",
            types_with("application/vnd.ms-word.document.macroEnabled.main+xml"),
        ),
        ("word/document.xml", types_with("application/vnd.ms-word.template.macroEnabledTemplate")),
        ("xl/workbook.xml", types_with("application/vnd.ms-excel.sheet.macroEnabled.main+xml")),
        (
            "ppt/presentation.xml",
            types_with("application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml"),
        ),
        ("word/document.xml", types_with("application/vnd.ms-office.vbaProject", default=True)),
    ],
)
def test_a_package_declaring_macros_is_refused(part, types):
    assert kind_detect(io.BytesIO(ooxml(part, types=types))) is None


@pytest.mark.parametrize(
    "entry",
    [
        "word/embeddings/setup.exe",
        "word/helper.dll",
        "run.bat",
        "run.cmd",
        "xl/app.js",
        "macro.vbs",
        "docProps/script.ps1",
        "word/screen.scr",
        "install.msi",
        "word/embeddings/tool.jar",
        "WORD/MEDIA/IMAGE.EXE",
    ],
)
def test_a_package_holding_a_program_or_script_is_refused(entry):
    assert kind_detect(io.BytesIO(ooxml("word/document.xml", entry))) is None


def test_oversized_content_types_are_refused():
    types = "<Types>" + " " * (2 * MB) + "</Types>"

    assert kind_detect(io.BytesIO(ooxml("word/document.xml", types=types))) is None


def many_entries(count: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<document/>")
        for number in range(count - 2):
            package.writestr(f"word/media/{number}.png", b"")
    return out.getvalue()


def end_record(content: bytes) -> int:
    return content.rindex(b"PK\x05\x06")


def test_a_package_of_five_thousand_entries_passes_one_more_is_refused():
    assert kind_detect(io.BytesIO(many_entries(5000))) == "docx"
    assert kind_detect(io.BytesIO(many_entries(5001))) is None


def test_many_entries_are_refused_before_zipfile_reads_them(monkeypatch):
    def unexpected(*args, **kwargs):
        raise AssertionError("zipfile was asked to parse the directory")

    monkeypatch.setattr(zipfile.ZipFile, "_RealGetContents", unexpected)

    assert kind_detect(io.BytesIO(many_entries(5001))) is None


def test_an_end_record_understating_the_entries_is_refused():
    content = many_entries(5001)
    at = end_record(content)
    # Both counts of the end record say 10; the directory holds 5,001 records.
    content = content[: at + 8] + struct.pack("<HH", 10, 10) + content[at + 12 :]

    assert kind_detect(io.BytesIO(content)) is None


def test_a_directory_larger_than_the_file_is_refused():
    content = ooxml("word/document.xml")
    at = end_record(content)
    content = content[: at + 12] + struct.pack("<I", len(content) + 1) + content[at + 16 :]

    assert kind_detect(io.BytesIO(content)) is None


def as_zip64(content: bytes, *, entries: int | None = None) -> bytes:
    """The same zip, ended with Zip64 records (as writers of big packages do)."""
    at = end_record(content)
    _sig, _d, _cd, _de, count, cd_size, cd_offset, _c = struct.unpack_from("<4s4H2IH", content, at)
    entries = count if entries is None else entries
    zip64 = struct.pack(
        "<4sQ2H2I4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, entries, entries, cd_size, cd_offset
    )
    locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, at, 1)
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return content[:at] + zip64 + locator + end


def test_a_zip64_package_is_read_and_checked_alike():
    assert kind_detect(io.BytesIO(as_zip64(ooxml("word/document.xml")))) == "docx"
    assert kind_detect(io.BytesIO(as_zip64(ooxml("word/document.xml"), entries=6000))) is None


@pytest.mark.parametrize(
    "streams", [("WordDocument", "Macros"), ("Workbook", "_VBA_PROJECT_CUR"), ("Book", "VBA")]
)
def test_an_old_office_file_with_macros_is_refused(streams):
    assert kind_detect(io.BytesIO(ole(*streams))) is None
    assert kind_detect(io.BytesIO(ole(streams[0]))) is not None


def test_a_zip64_locator_pushed_out_of_the_tail_by_a_long_comment_is_still_read():
    """The end record's comment (65,525 bytes) puts the Zip64 locator before the last 65,557
    bytes; the 32-bit record claims one entry. zipfile follows the locator to 6,000 entries:
    so must the check, which then refuses them."""

    def central(name: bytes, name_len: int | None = None) -> bytes:
        return (
            struct.pack(
                "<4s4B4HL2L5H2L", b"PK\x01\x02", 20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0,
                len(name) if name_len is None else name_len, 0, 0, 0, 0, 0, 0,
            )
            + name
        )  # fmt: skip

    entries = 6000
    body = b"PK\x03\x04" + b"\0" * 26
    last = central(b"b", name_len=1 + 76)  # its "name" runs over the Zip64 record and locator
    directory = central(b"a") * (entries - 1) + last
    zip64_at = len(body) + len(directory)
    zip64 = struct.pack(
        "<4sQ2H2I4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, entries, entries, len(directory),
        len(body),
    )  # fmt: skip
    locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, zip64_at, 1)
    comment = 65525
    end = struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(last) + 76, zip64_at - len(last), comment
    )
    content = body + directory + zip64 + locator + end + b"x" * comment
    assert len(zipfile.ZipFile(io.BytesIO(content)).infolist()) == entries  # what it would read

    with pytest.raises(ValueError, match="too many entries"):
        _zip_directory_check(io.BytesIO(content))  # before zipfile builds 6,000 objects
    assert kind_detect(io.BytesIO(content)) is None
