"""Notices to people: rows for the notification centre, and an e-mail per notice (sent by its
own task after the transaction commits, so a dead mail server never holds up the caller and a
rolled-back change sends nothing)."""

from collections.abc import Iterable

from django.db import transaction

from .models import Notification, User


def notify(
    *, recipients: Iterable[User], kind: str, title: str, body: str = "", url: str = ""
) -> list[Notification]:
    """One notice per distinct active recipient; e-mails are queued on commit."""
    seen, rows = set(), []
    for user in recipients:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        rows.append(
            Notification(recipient=user, kind=kind, title=title[:200], body=body, url=url[:300])
        )
    created = Notification.objects.bulk_create(rows)
    to_mail = [notice.pk for notice in created if notice.recipient.email]
    if to_mail:
        from .tasks import notification_email_task

        def queue():
            for pk in to_mail:
                notification_email_task.delay(pk)

        transaction.on_commit(queue, robust=True)
    return created


def notification_email(*, notification_id: int) -> bool:
    """Send one notice by e-mail, once. Returns whether it was sent now."""
    from django.conf import settings
    from django.core.mail import send_mail
    from django.utils import timezone

    with transaction.atomic():
        notice = (
            Notification.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if notice is None or not notice.recipient.email:
            return False
        link = f"{settings.SITE_URL.rstrip('/')}{notice.url}" if notice.url else ""
        send_mail(
            subject=notice.title,
            message="\n\n".join(part for part in [notice.body, link] if part),
            from_email=None,
            recipient_list=[notice.recipient.email],
        )
        notice.emailed_at = timezone.now()
        notice.save(update_fields=["emailed_at"])
        return True


def notifications_unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_mark_read(*, user, ids: list[int] | None = None) -> int:
    from django.utils import timezone

    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return rows.update(read_at=timezone.now())


def notify_many(items: list[tuple[list[User], str, str, str, str]]) -> int:
    """Many notices in one insert: ``(recipients, kind, title, body, url)`` each. For the
    deadline sweep, which tells hundreds of units at once. E-mails are queued on commit."""
    rows = []
    for recipients, kind, title, body, url in items:
        seen = set()
        for user in recipients:
            if user is None or user.pk in seen or not user.is_active:
                continue
            seen.add(user.pk)
            rows.append(
                Notification(recipient=user, kind=kind, title=title[:200], body=body, url=url[:300])
            )
    created = Notification.objects.bulk_create(rows, batch_size=1000)
    to_mail = [notice.pk for notice in created if notice.recipient.email]
    if to_mail:
        from .tasks import notification_email_task

        def queue():
            for pk in to_mail:
                notification_email_task.delay(pk)

        transaction.on_commit(queue, robust=True)
    return len(created)
