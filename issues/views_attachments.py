"""A problem's files, served only to those who may see the problem."""

from urllib.parse import quote

from django.http import FileResponse, Http404
from django.views import View

from .selectors import attachment_get_visible


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback name and the real one in UTF-8 (RFC 6266, with
    the RFC 5987 ``filename*``), which every current browser prefers."""
    if name.isascii():
        fallback = "".join("_" if ch in '"\\' or not ch.isprintable() else ch for ch in name)
    else:
        ext = name.rpartition(".")[2] if "." in name else ""
        fallback = f"attachment.{ext}" if ext.isascii() and ext.isalnum() else "attachment"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


class AttachmentDownloadView(View):
    """The file as a download (never shown inline), with the type read from its content when
    it came in. Someone who may not see the problem gets 404, as if it did not exist."""

    def get(self, request, pk):
        attachment = attachment_get_visible(request.user, pk)
        try:
            handle = attachment.file.storage.open(attachment.file.name, "rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        response = FileResponse(handle, content_type=attachment.content_type)
        response["Content-Length"] = str(attachment.size)
        response["Content-Disposition"] = content_disposition(attachment.name)
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response
