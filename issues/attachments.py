"""Files firms attach to their problems: where they are kept, what is accepted, and how a file's
type is told — from its content (magic bytes, the layout of an Office file), never from its
name or the browser's word. The name must then agree with what the content is.

Nothing here touches the database: ``issues.services.attachments`` stores what passes.
"""

import hashlib
import lzma
import os
import re
import struct
import unicodedata
import uuid
import zipfile
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# --- Where the files live -----------------------------------------------------------------------


class PrivateMediaStorage(FileSystemStorage):
    """A file system storage rooted at ``settings.PRIVATE_MEDIA_ROOT``, read each time (so a
    test's override applies), with no URL: nothing under it is served by the web server."""

    @property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None

    def url(self, name):
        raise ValueError("Private files have no URL; they are served by a view that checks access.")


_storage = PrivateMediaStorage()


def private_storage() -> PrivateMediaStorage:
    """The storage of attachments (a callable, so migrations name it rather than a path)."""
    return _storage


def attachment_path(instance, filename) -> str:
    """A random name by month, without the sender's name or extension: nothing about the
    stored file comes from the sender."""
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


# --- What is accepted ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    key: str
    label: str  # how the type is called, the same in every language
    content_type: str
    extensions: tuple[str, ...]


KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in [
        Kind("jpeg", "JPEG", "image/jpeg", (".jpg", ".jpeg")),
        Kind("png", "PNG", "image/png", (".png",)),
        Kind("gif", "GIF", "image/gif", (".gif",)),
        Kind("webp", "WebP", "image/webp", (".webp",)),
        Kind("pdf", "PDF", "application/pdf", (".pdf",)),
        Kind("doc", "Word", "application/msword", (".doc",)),
        Kind("xls", "Excel", "application/vnd.ms-excel", (".xls",)),
        Kind("ppt", "PowerPoint", "application/vnd.ms-powerpoint", (".ppt",)),
        Kind(
            "docx",
            "Word",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            (".docx",),
        ),
        Kind(
            "xlsx",
            "Excel",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            (".xlsx",),
        ),
        Kind(
            "pptx",
            "PowerPoint",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            (".pptx",),
        ),
    ]
}
BY_CONTENT_TYPE = {kind.content_type: kind for kind in KINDS.values()}
ACCEPT = ",".join(ext for kind in KINDS.values() for ext in kind.extensions)
ACCEPTED_TEXT = gettext_lazy(
    "Photos (JPEG, PNG, GIF, WebP), PDF, and Word, Excel or PowerPoint documents."
)


def kind_label(content_type: str) -> str:
    kind = BY_CONTENT_TYPE.get(content_type)
    return kind.label if kind else content_type


# --- Telling the type from the content -------------------------------------------------------------

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# The main part of a package (docx, xlsx, pptx): what makes it what it is (lower case).
OOXML_MAIN = {
    "docx": "word/document.xml",
    "xlsx": "xl/workbook.xml",
    "pptx": "ppt/presentation.xml",
}
# A package declaring any of these (in [Content_Types].xml, lower case) carries macros:
# application/vnd.ms-word.document.macroEnabled.main+xml, vnd.ms-excel.sheet.macroEnabled...,
# vnd.ms-powerpoint.presentation.macroEnabled..., application/vnd.ms-office.vbaProject.
MACRO_TYPES = ("macroenabled", "vnd.ms-office.vbaproject", "vnd.ms-word.vbadata")
# Entries of a package that are programs or scripts: no Office document holds one.
ZIP_PROGRAM_EXTENSIONS = (
    ".exe",
    ".dll",
    ".com",
    ".bat",
    ".cmd",
    ".js",
    ".jse",
    ".vbs",
    ".vbe",
    ".wsf",
    ".hta",
    ".ps1",
    ".scr",
    ".msi",
    ".jar",
    ".lnk",
)
ZIP_END = b"PK\x05\x06"
ZIP64_END = b"PK\x06\x06"
ZIP64_LOCATOR = b"PK\x06\x07"
ZIP_CENTRAL = b"PK\x01\x02"
ZIP_TAIL = 22 + 65_535  # the end record, and the longest comment it may carry
ZIP_ENTRIES_MAX = 5_000  # a large workbook has a few hundred
CONTENT_TYPES_MAX = 1024 * 1024
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    lzma.LZMAError,
    NotImplementedError,  # a compression method zipfile does not know
    RuntimeError,  # an encrypted entry
    OSError,
    ValueError,
    EOFError,
    struct.error,
)
# The streams at the root of a compound file (doc, xls, ppt) that make it what it is.
OLE_STREAMS = [
    ("doc", {"WordDocument"}),
    ("ppt", {"PowerPoint Document"}),
    ("xls", {"Workbook", "Book"}),
]
# A macro project at the root (Word's Macros storage, Excel's _VBA_PROJECT_CUR): refused, as
# macro-enabled packages are (old Office files are the classic macro carrier).
OLE_MACROS = {"macros", "_vba_project_cur", "_vba_project", "vba"}


def kind_detect(fileobj) -> str | None:
    """The key of ``KINDS`` the content is, or None when it is none of them."""
    fileobj.seek(0)
    head = fileobj.read(16)
    fileobj.seek(0)
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in {b"GIF87a", b"GIF89a"}:
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(OLE_MAGIC):
        return _ole_kind(fileobj)
    if head.startswith(ZIP_MAGIC):
        return _ooxml_kind(fileobj)
    return None


def _ooxml_kind(fileobj) -> str | None:
    """An Office Open XML package: a zip holding ``[Content_Types].xml`` and the main part of a
    Word, Excel or PowerPoint file — and nothing that runs: no macros (a ``vbaProject.bin``, a
    macro-enabled content type), no programs or scripts among its entries. The zip's directory
    is checked from its end record before it is parsed; only ``[Content_Types].xml`` is
    unpacked, and only so far."""
    try:
        _zip_directory_check(fileobj)
        with zipfile.ZipFile(fileobj) as package:
            names = {info.filename.lower(): info for info in package.infolist()}
            types = names.get("[content_types].xml")
            if types is None or any(_zip_entry_unsafe(name) for name in names):
                return None
            with package.open(types) as handle:
                content_types = handle.read(CONTENT_TYPES_MAX + 1)
    except ZIP_ERRORS:
        return None
    finally:
        fileobj.seek(0)
    if len(content_types) > CONTENT_TYPES_MAX:
        return None
    declared = content_types.decode("utf-8", "replace").lower()
    if any(marker in declared for marker in MACRO_TYPES):
        return None
    kinds = [key for key, part in OOXML_MAIN.items() if part in names]
    return kinds[0] if len(kinds) == 1 else None


def _zip_entry_unsafe(name: str) -> bool:
    """A macro project, or a program or script, by its (lower-case) name."""
    base = name.rsplit("/", 1)[-1]
    return base == "vbaproject.bin" or base.endswith(ZIP_PROGRAM_EXTENSIONS)


def _zip_directory_check(fileobj) -> None:
    """The zip's end record (and its Zip64 record), read from the file's last 65,557 bytes as
    ``zipfile`` will read them, must name at most ``ZIP_ENTRIES_MAX`` entries in a directory
    that lies within the file; the directory is then walked, record by record, and must hold
    no more entries than that. Otherwise a ``ValueError``: ``zipfile`` would build an object
    for every entry before anything could be checked."""
    fileobj.seek(0, os.SEEK_END)
    size = fileobj.tell()
    tail_start = max(0, size - ZIP_TAIL)
    fileobj.seek(tail_start)
    tail = fileobj.read()
    if tail[-22:-18] == ZIP_END and tail[-2:] == b"\0\0":
        found = len(tail) - 22  # no comment: where zipfile looks first
    else:
        found = tail.rfind(ZIP_END)
    if found < 0 or len(tail) - found < 22:
        raise ValueError("no end of central directory")
    _sig, disk, cd_disk, disk_entries, entries, cd_size, _offset, _comment = struct.unpack_from(
        "<4s4H2IH", tail, found
    )
    end_at = tail_start + found
    # The locator is read from the file, as zipfile reads it: an end record with a long comment
    # can put it before the tail read above.
    locator = b""
    if end_at >= 20:
        fileobj.seek(end_at - 20)
        locator = fileobj.read(20)
    if locator.startswith(ZIP64_LOCATOR):
        # As zipfile does: the Zip64 record just before its locator replaces the counts.
        if end_at < 20 + 56:
            raise ValueError("Zip64 record outside the file")
        fileobj.seek(end_at - 20 - 56)
        record = fileobj.read(56)
        fields = struct.unpack("<4sQ2H2I4Q", record)
        if fields[0] != ZIP64_END:
            raise ValueError("Zip64 record")
        disk, cd_disk, disk_entries, entries, cd_size = fields[4:9]
        end_at -= 20 + 56
    if disk or cd_disk or disk_entries != entries:
        raise ValueError("a zip over several disks")
    if entries > ZIP_ENTRIES_MAX:
        raise ValueError("too many entries")
    cd_start = end_at - cd_size
    if cd_size > size or cd_start < 0:
        raise ValueError("central directory outside the file")
    fileobj.seek(cd_start)
    position, count = 0, 0
    while position < cd_size:
        count += 1
        if count > ZIP_ENTRIES_MAX:
            raise ValueError("too many entries")
        fileobj.seek(cd_start + position)
        record = fileobj.read(46)
        if len(record) < 46 or not record.startswith(ZIP_CENTRAL):
            raise ValueError("central directory record")
        name_length, extra_length, comment_length = struct.unpack_from("<3H", record, 28)
        position += 46 + name_length + extra_length + comment_length
    if count != entries:
        raise ValueError("entry count")


FREESECT = 0xFFFFFFFA  # every sector number from here up marks a chain's end or a free sector
NOSTREAM = 0xFFFFFFFF
HEADER_DIFAT = 109  # FAT sector numbers the header itself holds
DIR_ENTRY = 128
TREE_MAX = 10000  # root entries looked at, at most


def _ole_kind(fileobj) -> str | None:
    try:
        names = _ole_root_names(fileobj)
    except (ValueError, struct.error, IndexError, OSError):
        return None
    finally:
        fileobj.seek(0)
    if {name.lower() for name in names} & OLE_MACROS:
        return None
    for key, streams in OLE_STREAMS:
        if names & streams:
            return key
    return None


class _CompoundFile:
    """Reads a compound file (MS-CFB) on demand, its size bounding the work: the header's fields
    are checked against the file, and the sector allocation table (FAT) is never built — each
    entry a chain needs is read where it lies, its FAT sector found through the DIFAT (the 109
    numbers in the header, then the DIFAT sectors' chain). Anything inconsistent (a number
    outside the file, a chain that loops or runs longer than the file has sectors) is a
    ``ValueError``: not a file we accept."""

    def __init__(self, fileobj):
        self.fileobj = fileobj
        fileobj.seek(0, os.SEEK_END)
        size = fileobj.tell()
        fileobj.seek(0)
        header = fileobj.read(512)
        if len(header) < 512 or not header.startswith(OLE_MAGIC):
            raise ValueError("short header")
        byte_order, shift = struct.unpack_from("<HH", header, 0x1C)
        if byte_order != 0xFFFE or shift not in (9, 12):
            raise ValueError("byte order or sector size")
        self.sector_size = 1 << shift
        self.per_sector = self.sector_size // 4
        # The header fills the first sector; the sectors numbered from 0 follow it. A writer
        # may leave the last one short.
        self.sectors = max(0, -(-(size - self.sector_size) // self.sector_size))
        self.fat_count, self.first_dir = struct.unpack_from("<II", header, 0x2C)
        self.first_difat, self.difat_count = struct.unpack_from("<II", header, 0x44)
        if not 0 < self.fat_count <= self.sectors:
            raise ValueError("FAT sector count")
        if self.first_dir >= self.sectors:
            raise ValueError("directory outside the file")
        if self.difat_count > self.sectors:
            raise ValueError("DIFAT sector count")
        self.header_difat = struct.unpack_from(f"<{HEADER_DIFAT}I", header, 0x4C)
        if any(n >= self.sectors for n in self.header_difat[: self.fat_count]):
            raise ValueError("FAT sector outside the file")
        self.difat_chain: list[int] = []  # the DIFAT sectors found so far, in chain order
        self.difat_seen: set[int] = set()
        self.dir_chain = [self.first_dir]  # the directory's sectors found so far
        self.dir_seen = {self.first_dir}

    def _u32(self, sector: int, index: int) -> int:
        """The ``index``-th 32-bit number of sector ``sector``."""
        if sector >= self.sectors:
            raise ValueError("sector outside the file")
        self.fileobj.seek((sector + 1) * self.sector_size + 4 * index)
        raw = self.fileobj.read(4)
        if len(raw) < 4:
            raw = raw.ljust(4, b"\0")  # in a short last sector
        return struct.unpack("<I", raw)[0]

    def _difat_sector(self, step: int) -> int:
        """The ``step``-th sector of the DIFAT chain (from 0), following it as far as needed."""
        if step >= self.difat_count:
            raise ValueError("DIFAT shorter than the FAT")
        while len(self.difat_chain) <= step:
            if self.difat_chain:
                number = self._u32(self.difat_chain[-1], self.per_sector - 1)
            else:
                number = self.first_difat
            if number >= self.sectors or number in self.difat_seen:
                raise ValueError("DIFAT chain broken or looping")
            self.difat_seen.add(number)
            self.difat_chain.append(number)
        return self.difat_chain[step]

    def _fat_sector(self, k: int) -> int:
        """Where the ``k``-th sector of the FAT lies."""
        if k >= self.fat_count:
            raise ValueError("beyond the FAT")
        if k < HEADER_DIFAT:
            number = self.header_difat[k]
        else:
            step, index = divmod(k - HEADER_DIFAT, self.per_sector - 1)
            number = self._u32(self._difat_sector(step), index)
        if number >= self.sectors:
            raise ValueError("FAT sector outside the file")
        return number

    def next_sector(self, sector: int) -> int:
        """The FAT entry of ``sector``: the next sector of its chain."""
        k, index = divmod(sector, self.per_sector)
        return self._u32(self._fat_sector(k), index)

    def dir_entry(self, index: int) -> bytes:
        """The ``index``-th directory entry, following the directory's chain as far as needed
        (each sector once: a loop, or a chain longer than the file, is refused)."""
        position, within = divmod(index * DIR_ENTRY, self.sector_size)
        while len(self.dir_chain) <= position:
            number = self.next_sector(self.dir_chain[-1])
            if number >= FREESECT:
                raise ValueError("no such directory entry")
            if number >= self.sectors or number in self.dir_seen:
                raise ValueError("directory chain broken or looping")
            self.dir_seen.add(number)
            self.dir_chain.append(number)
        self.fileobj.seek((self.dir_chain[position] + 1) * self.sector_size + within)
        raw = self.fileobj.read(DIR_ENTRY)
        if len(raw) < DIR_ENTRY:
            raise ValueError("directory entry outside the file")
        return raw


def _ole_root_names(fileobj) -> set[str]:
    """The names of the entries at the root of a compound file (MS-CFB): from the root entry,
    its children's red-black tree. Entries further down (an Excel sheet embedded in a Word file)
    are not the file's own type."""
    cfb = _CompoundFile(fileobj)

    def entry(index: int) -> tuple[str, int, int, int, int]:
        raw = cfb.dir_entry(index)
        length = struct.unpack_from("<H", raw, 0x40)[0]
        name = raw[: max(0, min(length, 64) - 2)].decode("utf-16-le", "replace")
        kind = raw[0x42]
        left, right, child = struct.unpack_from("<III", raw, 0x44)
        return name, kind, left, right, child

    _name, root_kind, _l, _r, first = entry(0)
    if root_kind != 5:
        raise ValueError("no root entry")
    names: set[str] = set()
    stack, seen = [first], set()
    while stack:
        index = stack.pop()
        if index == NOSTREAM:
            continue
        if index in seen or len(seen) >= TREE_MAX:
            raise ValueError("directory tree loops")
        seen.add(index)
        name, _kind, left, right, _child = entry(index)
        names.add(name)
        stack += [left, right]
    return names


# --- Names -----------------------------------------------------------------------------------

NAME_MAX = 100
_RESERVED = re.compile(r'[<>:"|?*]')


def name_sanitise(raw: str) -> str:
    """The sender's file name, safe to show and to offer back: the last path part only, no
    control or invisible formatting characters (a right-to-left override could disguise
    ``gpj.exe``), none that Windows refuses, at most ``NAME_MAX`` characters with the extension
    kept."""
    name = unicodedata.normalize("NFC", str(raw or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = _RESERVED.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip()
    stem, dot, ext = name.rpartition(".")
    ext = f".{ext}" if dot and ext else ""
    if not dot or len(ext) > 10 or " " in ext:
        stem, ext = name, ""
    stem = stem.strip(" .")[: NAME_MAX - len(ext)].rstrip(" .") or _("attachment")
    return f"{stem}{ext}"


# --- Checking an upload ----------------------------------------------------------------------


@dataclass
class Checked:
    """An upload that passed: its clean name, what it is, its size and digest."""

    upload: object
    name: str
    kind: Kind
    size: int
    sha256: str


def attachment_check(upload) -> Checked:
    """One uploaded file, checked; a ``ValidationError`` naming the file says what is wrong."""
    name = name_sanitise(getattr(upload, "name", ""))
    size = upload.size
    limit = settings.ATTACHMENT_MAX_BYTES
    if not size:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name}, code="empty")
    if size > limit:
        raise ValidationError(
            _("“%(name)s” is %(size)s; a file may be at most %(limit)s.")
            % {"name": name, "size": size_text(size), "limit": size_text(limit)},
            code="too_big",
        )
    key = kind_detect(upload)
    if key is None:
        raise ValidationError(
            _("“%(name)s” is not a file we accept. %(accepted)s")
            % {"name": name, "accepted": ACCEPTED_TEXT},
            code="type",
        )
    kind = KINDS[key]
    ext = os.path.splitext(name)[1].lower()
    if ext not in kind.extensions:
        raise ValidationError(
            _(
                "“%(name)s” is a %(kind)s file, but its name does not end in %(extensions)s. "
                "Check that it is the file you meant to send."
            )
            % {"name": name, "kind": kind.label, "extensions": " / ".join(kind.extensions)},
            code="extension",
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return Checked(upload=upload, name=name, kind=kind, size=size, sha256=digest.hexdigest())


def attachments_check(uploads: list) -> list[Checked]:
    """Every file of one submission, checked: one ``ValidationError`` with a message for each
    file that fails (and for too many files), or the list of checked files."""
    limit = settings.ATTACHMENT_MAX_FILES
    if len(uploads) > limit:
        raise ValidationError(
            _("You sent %(count)d files; send at most %(limit)d at a time.")
            % {"count": len(uploads), "limit": limit},
            code="too_many",
        )
    checked, errors = [], []
    for upload in uploads:
        try:
            checked.append(attachment_check(upload))
        except ValidationError as exc:
            errors += exc.error_list
    if errors:
        raise ValidationError(errors)
    return checked


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} B"
