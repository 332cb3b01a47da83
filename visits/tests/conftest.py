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
