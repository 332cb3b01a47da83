import pytest

from core.models import Unit
from core.roles import Role
from core.tests.factories import UnitFactory
from enterprises.tests.factories import EnterpriseFactory, TownFactory
from issues.models import Category, Problem, Urgency
from issues.services import batch_open, problem_create, slip_issue


@pytest.fixture
def office(make_user):
    return make_user(Role.OFFICE, username="office1", name="陈静")


@pytest.fixture
def town(db):
    return TownFactory(name="锦城街道", sort_order=1)


@pytest.fixture
def firm(town):
    return EnterpriseFactory(name="临安奥星电子有限公司", town=town)


@pytest.fixture
def lead_unit(db):
    return UnitFactory(name="经信局", kind=Unit.Kind.DEPARTMENT)


@pytest.fixture
def co_unit(db):
    return UnitFactory(name="供电公司", kind=Unit.Kind.DEPARTMENT)


@pytest.fixture
def lead(make_user, lead_unit):
    return make_user(Role.HANDLER, username="lead1", name="李明", unit=lead_unit)


@pytest.fixture
def co(make_user, co_unit):
    return make_user(Role.HANDLER, username="co1", name="张伟", unit=co_unit)


@pytest.fixture
def other_unit_handler(make_user):
    return make_user(
        Role.HANDLER, username="other1", unit=UnitFactory(name="商务局", kind=Unit.Kind.DEPARTMENT)
    )


def new_problem(firm, raised_by=None, **overrides) -> Problem:
    values = {
        "enterprise": firm,
        "channel": Problem.Channel.VISIT,
        "description": "新上生产线需变压器增容，申请两个月未批复。",
        "category": Category.ENERGY,
        "urgency": Urgency.NORMAL,
        "raised_by": raised_by,
        "met_face_to_face": True,
    }
    values.update(overrides)
    return problem_create(**values)


@pytest.fixture
def problem(firm, office):
    return new_problem(firm, office)


@pytest.fixture
def batch(office):
    return batch_open(actor=office)


@pytest.fixture
def slip(problem, batch, lead_unit, co_unit, office):
    return slip_issue(
        problem=problem,
        batch=batch,
        lead_unit=lead_unit,
        co_units=[co_unit],
        requirement="请于规定时限内协调解决变压器增容。",
        days=5,
        actor=office,
    )


@pytest.fixture
def third_unit(db):
    """A unit a returned slip can be re-assigned to."""
    return UnitFactory(name="住建局", kind=Unit.Kind.DEPARTMENT)


@pytest.fixture
def paired_cadre(make_user, firm):
    """A visiting cadre paired with the firm: reads its slips and rates for it."""
    from visits.tests.factories import PairingFactory

    cadre = make_user(Role.CADRE, username="cadre_paired", name="王走访")
    PairingFactory(enterprise=firm, cadre=cadre)
    return cadre


@pytest.fixture
def unpaired_cadre(make_user):
    """A visiting cadre paired with another firm only."""
    from visits.tests.factories import PairingFactory

    cadre = make_user(Role.CADRE, username="cadre_other", name="赵走访")
    PairingFactory(enterprise=EnterpriseFactory(name="临安另一家企业有限公司"), cadre=cadre)
    return cadre


# --- The enterprise portal ---------------------------------------------------------------------


@pytest.fixture
def private_media(settings, tmp_path):
    """Attachments go to a fresh folder for the test."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def sms_outbox(settings, celery_eager):
    """Texts "sent" in the test (once the transaction's on-commit callbacks run)."""
    from core import sms

    settings.SMS_BACKEND = "core.sms.MemorySmsBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def make_firm_user(make_user, firm, username: str, *, mobile: str = "", **fields):
    """An enterprise user's account linked to ``firm``."""
    from enterprises.models import FirmUser

    user = make_user(
        Role.ENTERPRISE,
        username=username,
        name=fields.pop("name", f"{username}用户"),
        unit=UnitFactory(name=f"{firm.name}（企业）", kind=Unit.Kind.ENTERPRISE),
        mobile=mobile,
        **fields,
    )
    FirmUser.objects.create(user=user, enterprise=firm)
    return user


@pytest.fixture
def firm_user(make_user, firm):
    return make_firm_user(make_user, firm, "firm_a", name="周经理", mobile="13900000001")


@pytest.fixture
def other_firm(town):
    return EnterpriseFactory(name="临安乙方机械有限公司", town=town)


@pytest.fixture
def other_firm_user(make_user, other_firm):
    return make_firm_user(make_user, other_firm, "firm_b", name="吴经理", mobile="13900000002")
