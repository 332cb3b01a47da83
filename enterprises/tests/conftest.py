import pytest

from core.demo import TOWNS
from core.models import Unit


@pytest.fixture
def towns(db):
    """Lin'an's 18 towns and streets, as the demo has them."""
    return [
        Unit.objects.get_or_create(name=name, defaults={"kind": Unit.Kind.TOWN, "sort_order": i})[0]
        for i, name in enumerate(TOWNS)
    ]


@pytest.fixture
def sms_outbox(settings, celery_eager):
    """Texts "sent" by the memory backend (after the commit they are queued on)."""
    from core import sms

    settings.SMS_BACKEND = "core.sms.MemorySmsBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()
