import pytest
from django.db import transaction

from core import sms


@pytest.fixture
def outbox(settings, celery_eager):
    settings.SMS_BACKEND = "core.sms.MemorySmsBackend"
    sms.outbox.clear()
    return sms.outbox


def test_a_text_is_sent_when_the_transaction_commits(
    outbox, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert sms.sms_send(mobile="13812345678", text="您的诉求已受理。")
        assert outbox == []  # not before the commit
    assert outbox == [("13812345678", "您的诉求已受理。")]


def test_nothing_is_sent_for_a_rolled_back_change(outbox, transactional_db):
    try:
        with transaction.atomic():
            sms.sms_send(mobile="13812345678", text="不会发出")
            raise RuntimeError
    except RuntimeError:
        pass
    assert outbox == []


@pytest.mark.parametrize("mobile", ["", "0571-63712345", "1381234567"])
def test_no_text_to_a_number_that_is_not_a_mobile(outbox, mobile, db):
    assert not sms.sms_send(mobile=mobile, text="x")


def test_the_default_sender_only_logs(settings, caplog):
    settings.SMS_BACKEND = "core.sms.LogSmsBackend"
    with caplog.at_level("INFO", logger="linan.sms"):
        sms.sms_deliver(mobile="13812345678", text="测试")
    assert "13812345678" in caplog.text and "测试" in caplog.text
