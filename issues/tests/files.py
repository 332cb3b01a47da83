"""Small files of each kind, built in memory: what a firm's user might attach."""

import io
import struct
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
GIF = b"GIF89a\x01\x00\x01\x00" + b"\x00" * 32
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
TEXT = "这不是PDF，只是一段文字。\n".encode()

FREE, END, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _dir_entry(name: str, kind: int, child=NOSTREAM, left=NOSTREAM, right=NOSTREAM) -> bytes:
    raw = name.encode("utf-16-le") + b"\0\0"
    entry = raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, 1)
    entry += struct.pack("<III", left, right, child) + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
    entry += struct.pack("<IQ", END, 0)
    return entry.ljust(128, b"\0")


def ole(*root_streams: str, nested: str = "", sector_size: int = 512) -> bytes:
    """A compound file (MS-CFB, 512- or 4096-byte sectors) whose root holds the named streams,
    and optionally a storage holding ``nested`` (an object embedded in the document)."""
    entries = [b""]  # the root, filled below
    names = list(root_streams)
    index = {}
    for name in names:
        index[name] = len(entries)
        entries.append(_dir_entry(name, 2))
    if nested:
        storage = len(entries)
        entries.append(_dir_entry("ObjectPool", 1, child=storage + 1))
        entries.append(_dir_entry(nested, 2))
        names.append("ObjectPool")
        index["ObjectPool"] = storage
    # The root's children as a chain of right siblings (a valid, if unbalanced, tree).
    for position, name in enumerate(names[:-1]):
        i = index[name]
        entries[i] = (
            entries[i][:0x48] + struct.pack("<I", index[names[position + 1]]) + entries[i][0x4C:]
        )
    entries[0] = _dir_entry("Root Entry", 5, child=index[names[0]] if names else NOSTREAM)
    directory = b"".join(entries)
    directory = directory.ljust(-(-len(directory) // sector_size) * sector_size, b"\0")
    dir_sectors = len(directory) // sector_size
    per_sector = sector_size // 4
    # Sector 0 is the FAT; the directory follows from sector 1.
    fat = [FATSECT] + [i + 1 for i in range(1, dir_sectors)] + [END]
    fat_sector = struct.pack(f"<{per_sector}I", *(fat + [FREE] * (per_sector - len(fat))))
    return ole_header(sector_size=sector_size, fat_count=1, first_dir=1) + fat_sector + directory


def ole_header(
    *,
    sector_size: int = 512,
    fat_count: int,
    first_dir: int,
    first_difat: int = END,
    difat_count: int = 0,
    difat: tuple = (0,),
) -> bytes:
    """The header of a compound file, padded to a sector; ``difat``: its first FAT sectors."""
    shift, version = (12, 4) if sector_size == 4096 else (9, 3)
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
    header += struct.pack("<HHHHH", 0x3E, version, 0xFFFE, shift, 6) + b"\0" * 6
    header += struct.pack(
        "<IIIIIIIII", 0, fat_count, first_dir, 0, 4096, END, 0, first_difat, difat_count
    )
    header += struct.pack("<109I", *difat, *([FREE] * (109 - len(difat))))
    return header.ljust(sector_size, b"\0")


def ooxml(*parts: str, content_types=True, types: str = '<?xml version="1.0"?><Types/>') -> bytes:
    """A zip package: ``[Content_Types].xml`` (saying ``types``) and ``parts`` (e.g.
    word/document.xml)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        if content_types:
            package.writestr("[Content_Types].xml", types)
        package.writestr("_rels/.rels", "<Relationships/>")
        for part in parts:
            package.writestr(part, "<document/>")
    return out.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)
