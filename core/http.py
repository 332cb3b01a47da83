"""Small helpers about the HTTP request."""

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or the X-Forwarded-For entry added by the last of
    ``TRUSTED_PROXY_COUNT`` trusted proxies. Entries a client could forge are never used."""
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR") or None


def id_or_none(value) -> int | None:
    """A row id from a query string or a form: ASCII digits of a size a database key can hold
    (``"²".isdigit()`` is true, and SQLite's keys stop at 2**63), else None."""
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        return None
    return int(text)
