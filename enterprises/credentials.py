"""Initial passwords between the request that made them and the one page that shows them.

A password the office made is shown once and stored nowhere in plain text: not in a table, the
audit log, the log or an error report. To get from the POST that made the accounts to the page
that shows them (so that reloading that page cannot make a second set) and to the .xlsx of a
bulk run, they are kept in the office user's session, under one key, for as short as possible:

- a single account's notice: removed when its page is shown (a reload says they are gone);
- a bulk run: the page shows them once; the .xlsx may then be downloaded once, which removes
  them; ``IssuedCredentialsMiddleware`` removes them as soon as the user opens any other page;
- whatever happens, they expire after ``TTL_SECONDS`` and go with the session (logout, idle
  timeout). A newer set replaces an older one.

The session lives in the database (``SESSION_ENGINE``), so for those minutes the passwords sit
in the ``django_session`` row of that user's session, readable only with the database.
"""

import secrets
import time

from django.urls import reverse
from django.views.decorators.debug import sensitive_variables

SESSION_KEY = "enterprises.issued_credentials"
TTL_SECONDS = 15 * 60

SINGLE = "single"  # a new account's notice
RESET = "reset"  # a new initial password's notice
BULK = "bulk"  # a list of accounts, with its .xlsx


@sensitive_variables("rows")
def credentials_keep(
    request, *, kind: str, rows: list[dict], skipped: list[dict] | None = None, firm_id=None
) -> str:
    """Keep a set for its page; returns the token its page and download are addressed by."""
    token = secrets.token_urlsafe(16)
    request.session[SESSION_KEY] = {
        "token": token,
        "kind": kind,
        "firm_id": firm_id,
        "rows": rows,
        "skipped": skipped or [],
        "expires": time.time() + TTL_SECONDS,
        "shown": False,
        "downloadable": kind == BULK,
    }
    return token


def _entry(request, token: str) -> dict | None:
    entry = request.session.get(SESSION_KEY)
    if not entry or not secrets.compare_digest(entry.get("token", ""), token):
        return None
    if entry["expires"] < time.time():
        credentials_drop(request)
        return None
    return entry


def credentials_take(request, token: str) -> dict | None:
    """For the page that shows them: the set, the first time only. A bulk set stays for its
    download (without being shown again); a single notice is gone at once."""
    entry = _entry(request, token)
    if entry is None or entry["shown"]:
        return None
    if entry["downloadable"]:
        request.session[SESSION_KEY] = {**entry, "shown": True}
    else:
        credentials_drop(request)
    return entry


def credentials_still_downloadable(request, token: str) -> bool:
    entry = _entry(request, token)
    return bool(entry and entry["downloadable"])


def credentials_download(request, token: str) -> dict | None:
    """For the .xlsx: the set, once; removed from the session."""
    entry = _entry(request, token)
    if entry is None or not entry["downloadable"]:
        return None
    credentials_drop(request)
    return entry


def credentials_drop(request) -> None:
    request.session.pop(SESSION_KEY, None)


def _own_paths(token: str) -> set[str]:
    return {
        reverse("enterprises:accounts_issued", args=[token]),
        reverse("enterprises:accounts_issued_xlsx", args=[token]),
    }


class IssuedCredentialsMiddleware:
    """Forget issued passwords once the user leaves their page (goes to any other page of the
    site). Goes after the session and authentication middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None:
            entry = session.get(SESSION_KEY)
            if entry and request.path_info not in _own_paths(entry.get("token", "")):
                credentials_drop(request)
        return self.get_response(request)
