"""Files firms attach to their problems: where they are kept, what is accepted, and how a file's
type is told — from its content (magic bytes, the layout of an Office file), never from its
name or the browser's word. The name must then agree with what the content is.

Nothing here touches the database: ``issues.services.attachments`` stores what passes.
"""

import hashlib
import os
import re
import struct
import unicodedata
import uuid
import zipfile
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
# The part of a package (docx, xlsx, pptx) that makes it what it is.
OOXML_PARTS = [("docx", "word/"), ("xlsx", "xl/"), ("pptx", "ppt/")]
# The streams at the root of a compound file (doc, xls, ppt) that make it what it is.
OLE_STREAMS = [
    ("doc", {"WordDocument"}),
    ("ppt", {"PowerPoint Document"}),
    ("xls", {"Workbook", "Book"}),
]


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
    """An Office Open XML package: a zip holding ``[Content_Types].xml`` and the part of a
    Word, Excel or PowerPoint file. Only the zip's directory is read, nothing is unpacked."""
    try:
        with zipfile.ZipFile(fileobj) as package:
            names = package.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    finally:
        fileobj.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    for key, prefix in OOXML_PARTS:
        if any(name.startswith(prefix) and len(name) > len(prefix) for name in names):
            return key
    return None


FREESECT = 0xFFFFFFFA  # every sector number from here up marks a chain's end or a free sector
NOSTREAM = 0xFFFFFFFF


def _ole_kind(fileobj) -> str | None:
    try:
        names = _ole_root_names(fileobj)
    except (ValueError, struct.error, IndexError, OSError):
        return None
    finally:
        fileobj.seek(0)
    for key, streams in OLE_STREAMS:
        if names & streams:
            return key
    return None


def _ole_root_names(fileobj) -> set[str]:
    """The names of the entries at the root of a compound file (MS-CFB): the header, the
    sector allocation table, then the directory's red-black tree from the root entry. Entries
    further down (an Excel sheet embedded in a Word file) are not the file's own type."""
    fileobj.seek(0, os.SEEK_END)
    size = fileobj.tell()
    fileobj.seek(0)
    header = fileobj.read(512)
    if len(header) < 512:
        raise ValueError("short header")
    shift = struct.unpack_from("<H", header, 0x1E)[0]
    if shift not in (9, 12):
        raise ValueError("sector size")
    sector_size = 1 << shift
    fat_count, first_dir = struct.unpack_from("<II", header, 0x2C)
    first_difat, difat_count = struct.unpack_from("<II", header, 0x44)
    max_sectors = size // sector_size + 1

    def sector(number: int) -> bytes:
        if number >= max_sectors:
            raise ValueError("sector out of the file")
        fileobj.seek((number + 1) * sector_size)
        data = fileobj.read(sector_size)
        if not data:
            raise ValueError("sector out of the file")
        return data.ljust(sector_size, b"\0")

    per_sector = sector_size // 4
    difat = list(struct.unpack_from("<109I", header, 0x4C))
    number, steps = first_difat, 0
    while number < FREESECT:
        steps += 1
        if steps > min(difat_count, max_sectors):
            raise ValueError("DIFAT chain")
        entries = struct.unpack(f"<{per_sector}I", sector(number))
        difat += entries[:-1]
        number = entries[-1]
    fat_sectors = [n for n in difat if n < FREESECT][:fat_count]
    if not fat_sectors:
        raise ValueError("no allocation table")
    fat: list[int] = []
    for number in fat_sectors:
        fat += struct.unpack(f"<{per_sector}I", sector(number))

    directory = b""
    number, steps = first_dir, 0
    while number < FREESECT:
        steps += 1
        if steps > max_sectors:
            raise ValueError("directory chain loops")
        directory += sector(number)
        number = fat[number]

    def entry(index: int) -> tuple[str, int, int, int, int]:
        raw = directory[index * 128 : index * 128 + 128]
        if len(raw) < 128:
            raise ValueError("directory entry")
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
        if index in seen or len(seen) > 10000:
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
