"""Notices: one per person, e-mailed after the commit (never for a rolled-back change, never
twice), and the notification centre (own notices only, the unread count in the navbar, mark
read, open a notice and go where it points — within this site only)."""

import pytest
from django.db import transaction
from django.urls import reverse

from core.models import Notification
from core.notifications import (
    notification_email,
    notifications_mark_read,
    notifications_unread_count,
    notify,
)
from core.roles import Role

pytestmark = pytest.mark.django_db

SLIP_URL = "/issues/slips/7/"


@pytest.fixture
def alice(make_user):
    return make_user(Role.HANDLER, username="alice", name="李明", email="liming@example.cn")


@pytest.fixture
def bob(make_user):
    return make_user(Role.HANDLER, username="bob", name="张伟")  # no e-mail address


def notice_for(user, title="交办单临访交〔2026〕第6批-045 即将到期", url=SLIP_URL) -> Notification:
    [row] = notify(recipients=[user], kind="reminder", title=title, body="请按期办理。", url=url)
    return row


# --- notify and the e-mail -----------------------------------------------------------------------


def test_notify_makes_one_notice_per_distinct_active_recipient(make_user, alice, bob):
    gone = make_user(Role.HANDLER, username="gone", is_active=False)

    rows = notify(recipients=[alice, bob, alice, None, gone, bob], kind="overdue", title="催办")

    assert sorted(r.recipient.username for r in rows) == ["alice", "bob"]
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == [
        "alice",
        "bob",
    ]


def test_notices_are_emailed_after_the_commit_only_to_users_with_an_address(
    alice, bob, settings, mailoutbox, django_capture_on_commit_callbacks, celery_eager
):
    settings.SITE_URL = "https://fqjn.linan.gov.cn/"

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify(recipients=[alice, bob], kind="overdue", title="催办：临访交-045", url=SLIP_URL)
        assert mailoutbox == []  # nothing before the commit

    assert len(callbacks) == 1
    [mail] = mailoutbox
    assert mail.to == ["liming@example.cn"]
    assert mail.subject == "催办：临访交-045"
    assert "https://fqjn.linan.gov.cn/issues/slips/7/" in mail.body
    emailed = dict(Notification.objects.values_list("recipient__username", "emailed_at"))
    assert emailed["alice"] is not None
    assert emailed["bob"] is None


def test_a_rolled_back_transaction_queues_nothing(
    alice, mailoutbox, django_capture_on_commit_callbacks, celery_eager
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify(recipients=[alice], kind="overdue", title="催办", url=SLIP_URL)
        raise RuntimeError("the change failed")

    assert callbacks == []
    assert mailoutbox == []
    assert not Notification.objects.exists()


def test_a_notice_is_emailed_once_however_often_it_is_sent(
    alice, bob, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        notice = notice_for(alice)
        silent = notice_for(bob)

    assert notification_email(notification_id=notice.pk) is True
    assert notification_email(notification_id=notice.pk) is False
    assert notification_email(notification_id=silent.pk) is False  # no address
    assert len(mailoutbox) == 1


def test_the_email_task_sends_the_notice(alice, mailoutbox, celery_eager):
    from core.tasks import notification_email_task

    notice = notice_for(alice)

    assert notification_email_task.delay(notice.pk).get() is True
    assert notification_email_task.delay(notice.pk).get() is False
    assert len(mailoutbox) == 1


def test_unread_count_and_mark_read_touch_only_ones_own(alice, bob):
    mine = [notice_for(alice, title=f"提醒{i}") for i in range(3)]
    notice_for(bob)

    assert notifications_unread_count(alice) == 3
    assert notifications_mark_read(user=alice, ids=[mine[0].pk]) == 1
    assert notifications_unread_count(alice) == 2
    assert notifications_mark_read(user=bob, ids=[mine[1].pk]) == 0  # not his
    assert notifications_mark_read(user=alice) == 2
    assert notifications_unread_count(alice) == 0
    assert notifications_unread_count(bob) == 1


# --- The notification centre -----------------------------------------------------------------


def test_the_centre_lists_only_ones_own_notices_with_the_unread_count(client, alice, bob):
    notice_for(alice, title="提醒：临访交-001")
    notice_for(alice, title="催办：临访交-002")
    notice_for(bob, title="提级：临访交-003")
    client.force_login(alice)

    response = client.get(reverse("core:notifications"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "提醒：临访交-001" in page
    assert "催办：临访交-002" in page
    assert "提级：临访交-003" not in page
    assert response.context["unread_notifications"] == 2


def test_the_navbar_shows_the_unread_count_on_every_page(client, alice):
    notice_for(alice)
    client.force_login(alice)

    response = client.get(reverse("core:start"), follow=True)

    assert response.context["unread_notifications"] == 1


def test_the_centre_needs_a_login(client):
    response = client.get(reverse("core:notifications"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_centre_costs_the_same_for_few_or_many_notices(
    client, alice, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(3):
        notice_for(alice, title=f"提醒{i}")
    client.force_login(alice)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("core:notifications"))
    for i in range(25):
        notice_for(alice, title=f"催办{i}")

    with django_assert_num_queries(len(few)):
        client.get(reverse("core:notifications"))


def test_mark_all_read(client, alice, bob):
    notice_for(alice)
    notice_for(alice)
    theirs = notice_for(bob)
    client.force_login(alice)

    response = client.post(reverse("core:notifications_read"))

    assert response.status_code == 302
    assert response["Location"] == reverse("core:notifications")
    assert notifications_unread_count(alice) == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client.get(reverse("core:notifications")).context["unread_notifications"] == 0


def test_mark_read_only_the_posted_notices(client, alice):
    first = notice_for(alice)
    second = notice_for(alice)
    client.force_login(alice)

    client.post(reverse("core:notifications_read"), {"id": [str(first.pk)]})

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None


def test_opening_a_notice_marks_it_read_and_goes_to_its_page(client, alice):
    notice = notice_for(alice, url=SLIP_URL)
    other = notice_for(alice)
    client.force_login(alice)

    response = client.post(reverse("core:notification_open", args=[notice.pk]))

    assert response.status_code == 302
    assert response["Location"] == SLIP_URL
    notice.refresh_from_db()
    other.refresh_from_db()
    assert notice.read_at is not None
    assert other.read_at is None


@pytest.mark.parametrize(
    "url", ["https://evil.example/login", "//evil.example/login", "javascript:alert(1)"]
)
def test_opening_a_notice_never_leaves_the_site(client, alice, url):
    notice = notice_for(alice, url=url)
    client.force_login(alice)

    response = client.post(reverse("core:notification_open", args=[notice.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("core:notifications")
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_opening_another_users_notice_is_not_found(client, alice, bob):
    theirs = notice_for(bob)
    client.force_login(alice)

    response = client.post(reverse("core:notification_open", args=[theirs.pk]))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_opening_a_notice_takes_a_post(client, alice):
    notice = notice_for(alice)
    client.force_login(alice)

    response = client.get(reverse("core:notification_open", args=[notice.pk]))

    assert response.status_code == 405
    notice.refresh_from_db()
    assert notice.read_at is None
