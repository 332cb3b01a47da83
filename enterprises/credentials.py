"""Initial passwords between the request that made them and the one page that shows them.

A password the office made is shown once and stored nowhere in plain text: not in a table, the
audit log, the log or an error report. To get from the POST that made the accounts to the page
that shows them (so that reloading that page cannot make a second set) and to the .xlsx of a
bulk run, they are kept in the office user's session, under one key, for as short as possible
and as little as possible: the accounts' ids and passwords only (names, firms and mobiles are
read again from the database when shown), with the time they expire.

- a single account's notice: removed when its page is shown (a reload says they are gone);
- a bulk run: the page shows them once; the .xlsx may then be downloaded once, which removes
  them; ``IssuedCredentialsMiddleware`` removes them as soon as the user opens any other page;
- whatever happens, they expire after ``TTL_SECONDS``: every request of the session drops an
  expired set (the middleware), and they go with the session (logout). A newer set replaces an
  older one.

The session lives in the database (``SESSION_ENGINE``), so for those minutes the passwords sit
in the ``django_session`` row of that user's session, readable only with the database. A
session abandoned with its set unshown (the browser closed on the way to the page) makes no
further request to drop it: its row keeps the set until the session is cleared, at most the
idle timeout (``SESSION_IDLE_MINUTES``) plus the interval of ``sessions_clear_expired_task``.

The set is saved with the session at once, inside the transaction that made the accounts, and
addressed by the form's one-time token: the same form sent again (a double click) waits for that
transaction, then takes the stored set (``credentials_reload``) instead of overwriting it with
the copy of the session it read when it started (every request saves its session).
"""

import secrets
import time
from importlib import import_module

from django.conf import settings
from django.urls import reverse
from django.views.decorators.debug import sensitive_variables

SESSION_KEY = "enterprises.issued_credentials"
TTL_SECONDS = 15 * 60

SINGLE = "single"  # a new account's notice
RESET = "reset"  # a new initial password's notice
BULK = "bulk"  # a list of accounts, with its .xlsx


@sensitive_variables("issued", "accounts")
def credentials_keep(
    request,
    *,
    kind: str,
    issued: list,
    token: str = "",
    skipped: list[dict] | None = None,
    firm_id=None,
) -> str:
    """Keep a set (``IssuedAccount``s) for its page and save the session now; returns the token
    its page and download are addressed by (the form's one-time token when given)."""
    token = token or secrets.token_urlsafe(16)
    accounts = [[account.user.pk, account.password] for account in issued]
    request.session[SESSION_KEY] = {
        "token": token,
        "kind": kind,
        "firm_id": firm_id,
        "accounts": accounts,
        "skipped": skipped or [],
        "expires": time.time() + TTL_SECONDS,
        "shown": False,
        "downloadable": kind == BULK,
    }
    request.session.save()
    return token


def credentials_reload(request) -> None:
    """Replace this request's copy of the set with the one stored in the session now (see the
    module's note on the same form sent twice)."""
    engine = import_module(settings.SESSION_ENGINE)
    entry = engine.SessionStore(session_key=request.session.session_key).get(SESSION_KEY)
    if entry:
        request.session[SESSION_KEY] = entry
    else:
        credentials_drop(request)


def _stored(request) -> dict | None:
    """The session's set, unless it has expired (then dropped)."""
    entry = request.session.get(SESSION_KEY)
    if not entry:
        return None
    if "accounts" not in entry or entry.get("expires", 0) < time.time():
        credentials_drop(request)
        return None
    return entry


def _entry(request, token: str) -> dict | None:
    entry = _stored(request)
    if not entry or not secrets.compare_digest(entry.get("token", ""), token):
        return None
    return entry


@sensitive_variables("entry", "passwords", "row")
def _with_rows(entry: dict) -> dict:
    """The set with its rows for the page and the .xlsx: firm, credit code, name, mobile, user
    name and password of each account, in the order they were made."""
    from core.models import User

    passwords = dict(entry["accounts"])
    users = User.objects.select_related("firm_link__enterprise").in_bulk(list(passwords))
    rows = []
    for pk, password in passwords.items():
        user = users.get(pk)
        link = getattr(user, "firm_link", None) if user else None
        if link is None:
            continue
        row = {
            "firm": link.enterprise.name,
            "credit_code": link.enterprise.credit_code,
            "name": user.name,
            "mobile": user.mobile,
            "username": user.username,
            "password": password,
        }
        rows.append(row)
    return {**entry, "rows": rows}


def credentials_take(request, token: str) -> dict | None:
    """For the page that shows them: the set with its rows, the first time only. A bulk set
    stays for its download (without being shown again); a single notice is gone at once."""
    entry = _entry(request, token)
    if entry is None or entry["shown"]:
        return None
    if entry["downloadable"]:
        request.session[SESSION_KEY] = {**entry, "shown": True}
    else:
        credentials_drop(request)
    return _with_rows(entry)


def credentials_still_downloadable(request, token: str) -> bool:
    entry = _entry(request, token)
    return bool(entry and entry["downloadable"])


def credentials_download(request, token: str) -> dict | None:
    """For the .xlsx: the set with its rows, once; removed from the session."""
    entry = _entry(request, token)
    if entry is None or not entry["downloadable"]:
        return None
    credentials_drop(request)
    return _with_rows(entry)


def credentials_drop(request) -> None:
    request.session.pop(SESSION_KEY, None)


def _own_paths(token: str) -> set[str]:
    return {
        reverse("enterprises:accounts_issued", args=[token]),
        reverse("enterprises:accounts_issued_xlsx", args=[token]),
    }


class IssuedCredentialsMiddleware:
    """On every request of the session: drop an expired set, and forget a shown set once the
    user leaves its page (goes to any other page of the site). A set not shown yet stays for
    its page (the redirect to it may come after another request, such as a second click) until
    it expires. Goes after the session and authentication middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if getattr(request, "session", None) is not None:
            entry = _stored(request)
            if entry and entry["shown"] and request.path_info not in _own_paths(entry["token"]):
                credentials_drop(request)
        return self.get_response(request)
