"""Two offices making or linking one firm's accounts at the same moment, on PostgreSQL.

As in issues/tests/test_concurrency.py: each side runs in its own thread with its own database
connection, lined up on a barrier. SQLite ignores row locks, so these run only on PostgreSQL
(DATABASE_URL=postgres://...)."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from core.models import Unit, User
from core.roles import Role
from enterprises import accounts
from enterprises.accounts import FormAlreadySent, firm_account_create
from enterprises.models import FirmUser
from enterprises.registrations import firm_registration_approve, firm_registration_submit
from enterprises.tests.factories import EnterpriseFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks (select_for_update) are only real on PostgreSQL; "
        "run with DATABASE_URL=postgres://...",
    ),
    pytest.mark.django_db(transaction=True),
]

PAUSE = 0.3  # seconds each side spends between reading the firm's accounts and saving its own


@pytest.fixture(autouse=True)
def slow_account_making(monkeypatch):
    """Widen the window between choosing the unit and user name and saving the account, so
    that without the firm's lock both sides would certainly choose the same."""
    made = accounts.initial_password_make

    def slowly(*args, **kwargs):
        time.sleep(PAUSE)
        return made(*args, **kwargs)

    monkeypatch.setattr(accounts, "initial_password_make", slowly)
    linked = accounts.firm_account_link

    def link_slowly(**kwargs):
        time.sleep(PAUSE)
        return linked(**kwargs)

    monkeypatch.setattr(accounts, "firm_account_link", link_slowly)
    from enterprises import registrations

    monkeypatch.setattr(registrations, "firm_account_link", link_slowly)


def race(*calls):
    """Run each call in its own thread (and connection), all released at once. Returns, in
    order, ("ok", result), ("refused", exception) or ("sent", exception) for each."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = ("ok", call())
        except ValidationError as exc:
            results[index] = ("refused", exc)
        except FormAlreadySent as exc:
            results[index] = ("sent", exc)
        except Exception as exc:
            results[index] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a thread hung on a lock"
    assert all(r is not None and r[0] != "error" for r in results), results
    return results


@pytest.fixture
def firm(db):
    return EnterpriseFactory(name="临安并发电子有限公司")


def test_two_first_accounts_at_once_take_turns(make_user, firm):
    first = make_user(Role.OFFICE, username="office_a")
    second = make_user(Role.OFFICE, username="office_b")

    def make(actor, name):
        return lambda: firm_account_create(
            enterprise=firm, name=name, mobile="", actor=actor, ip_address=None
        )

    results = race(make(first, "孙丽"), make(second, "钱多"))

    assert [kind for kind, _value in results] == ["ok", "ok"]
    users = User.objects.filter(firm_link__enterprise=firm)
    assert sorted(u.username for u in users) == [firm.credit_code, f"{firm.credit_code}-2"]
    assert len({u.unit_id for u in users}) == 1
    assert Unit.objects.filter(name__startswith=firm.name).count() == 1


def test_the_same_form_sent_twice_at_once_makes_one_account(make_user, firm):
    office = make_user(Role.OFFICE, username="office_a")

    def make():
        return firm_account_create(
            enterprise=firm, name="孙丽", mobile="", actor=office, ip_address=None, once="x" * 22
        )

    results = race(make, make)

    assert sorted(kind for kind, _value in results) == ["ok", "sent"]
    assert FirmUser.objects.filter(enterprise=firm).count() == 1


def test_two_approvals_for_a_firm_without_accounts_take_turns(make_user, firm):
    first = make_user(Role.OFFICE, username="office_a")
    second = make_user(Role.OFFICE, username="office_b")
    registrations = [
        firm_registration_submit(
            credit_code=firm.credit_code,
            firm_name=firm.name,
            contact_name=name,
            mobile=mobile,
            username=username,
            password="Tianmu-mountain-9",
            ip_address=None,
        )
        for name, mobile, username in [
            ("孙丽", "13900001111", "sun-li"),
            ("钱多", "13900002222", "qian-duo"),
        ]
    ]

    def approve(actor, registration):
        return lambda: firm_registration_approve(
            registration=registration, actor=actor, ip_address=None
        )

    results = race(approve(first, registrations[0]), approve(second, registrations[1]))

    assert [kind for kind, _value in results] == ["ok", "ok"]
    users = User.objects.filter(firm_link__enterprise=firm)
    assert users.count() == 2 and len({u.unit_id for u in users}) == 1
    assert Unit.objects.filter(name__startswith=firm.name).count() == 1
