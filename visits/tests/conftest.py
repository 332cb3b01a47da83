import pytest

from core.models import Unit
from core.roles import Role
from core.tests.factories import UnitFactory
from enterprises.tests.factories import EnterpriseFactory, TownFactory
from visits.tests.factories import PairingFactory


@pytest.fixture
def office(make_user):
    return make_user(Role.OFFICE, username="office1", name="陈静")


@pytest.fixture
def department(db):
    return UnitFactory(name="经信局", kind=Unit.Kind.DEPARTMENT)


@pytest.fixture
def town(db):
    return TownFactory(name="锦城街道", sort_order=1)


@pytest.fixture
def firm(town):
    return EnterpriseFactory(name="临安奥星电子有限公司", town=town)


@pytest.fixture
def cadre(make_user, department):
    """A visiting cadre of the department (overrides the project-wide one, which has no unit
    of its own choosing)."""
    return make_user(Role.CADRE, username="cadre1", name="王干部", unit=department)


@pytest.fixture
def paired(cadre, firm):
    """The cadre's pairing with the firm, in force."""
    return PairingFactory(cadre=cadre, enterprise=firm)


@pytest.fixture
def unit_leader(make_user, department):
    return make_user(Role.UNIT_LEADER, username="leader1", name="李局长", unit=department)


# --- Symposiums and matchmaking meetings -------------------------------------------------------


@pytest.fixture
def lead_unit(db):
    return UnitFactory(name="供电公司", kind=Unit.Kind.DEPARTMENT)


@pytest.fixture
def co_unit(db):
    return UnitFactory(name="金融办", kind=Unit.Kind.DEPARTMENT)


@pytest.fixture
def handler(make_user, lead_unit):
    """A handler of the lead unit the meeting's slips go to."""
    return make_user(Role.HANDLER, username="handler1", name="李明", unit=lead_unit)


@pytest.fixture
def firm_user(make_user):
    return make_user(
        Role.ENTERPRISE,
        username="firm1",
        name="企业联系人",
        unit=UnitFactory(name="企业用户", kind=Unit.Kind.ENTERPRISE),
    )


@pytest.fixture
def meeting_firms(town):
    """The thirteen firms at the July symposium."""
    return [
        EnterpriseFactory(name=f"临安座谈第{n:02d}企业有限公司", town=town) for n in range(1, 14)
    ]


@pytest.fixture
def meeting(office, meeting_firms):
    """A symposium held a week ago with three of the firms."""
    from visits.tests.factories import meeting_make

    return meeting_make(actor=office, firms=meeting_firms[:3])
