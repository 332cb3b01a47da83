"""Fixtures for the deadline sweep: the issues app's (office, firm, lead unit 经信局, its handler
李明, the co-unit and its handler...), the real 2026 official calendar, the people notices go
to, the tier bodies, and a factory of slips with a chosen deadline and state."""

import pytest

from core.models import Unit
from core.roles import Role
from core.tests.factories import UnitFactory
from issues.models import Category, Slip
from issues.services import slip_issue
from issues.tests.conftest import *  # noqa: F403
from issues.tests.conftest import new_problem
from issues.tests.helpers import reach
from supervision.models import SupervisionRules

from .helpers import date


@pytest.fixture
def calendar_2026(db):
    """The 2026 official schedule (National Day 10-01..07 off, 10-10 a working Saturday...)."""
    from core.holidays_load import calendar_year_load

    calendar_year_load(year=2026)


@pytest.fixture
def rules(db):
    """The office's rules, as the admin shows them (the defaults until a test changes them)."""
    return SupervisionRules.current()


@pytest.fixture
def lead2(make_user, lead_unit):
    """A second handler of the lead unit: reminders go to every handler."""
    return make_user(Role.HANDLER, username="lead2", name="周强", unit=lead_unit)


@pytest.fixture
def unit_leader(make_user, lead_unit):
    """The lead unit's leader (core.view_unit_visits in that unit): told when a slip is late."""
    return make_user(Role.UNIT_LEADER, username="leader1", name="王局长", unit=lead_unit)


@pytest.fixture
def co_leader(make_user, co_unit):
    """The co-unit's leader: a late slip of another lead unit is none of his business."""
    return make_user(Role.UNIT_LEADER, username="leader2", name="吴经理", unit=co_unit)


@pytest.fixture
def people(lead, lead2, unit_leader, co, co_leader, office):
    return {
        "lead": lead,
        "lead2": lead2,
        "unit_leader": unit_leader,
        "co": co,
        "co_leader": co_leader,
        "office": office,
    }


@pytest.fixture
def tiers(make_user):
    """The three bodies above the handling unit, each with a member: {tier: (unit, member)}."""
    bodies = {
        2: ("领导小组", Unit.Kind.LEADING_GROUP, "lg1", "领导小组成员"),
        3: ("市领导", Unit.Kind.CITY_LEADERS, "city1", "市领导甲"),
        4: ("杭州市", Unit.Kind.HIGHER_LEVEL, "higher1", "上级联络员"),
    }
    made = {}
    for tier, (name, kind, username, person) in bodies.items():
        unit = UnitFactory(name=name, kind=kind)
        member = make_user(Role.LEADER, Role.COORDINATOR, username=username, name=person, unit=unit)
        made[tier] = (unit, member)
    return made


@pytest.fixture
def make_slip(firm, batch, office, lead, lead_unit, co_unit):
    """make_slip("2026-06-10", state=Slip.Status.SIGNED, category=..., fed_back_at=...): a slip
    of 经信局 (co-unit 供电公司) brought to the state through the services, then given the
    deadline (and feedback time) the test chooses."""

    def make(deadline: str, state=Slip.Status.SIGNED, category=Category.ENERGY, fed_back_at=None):
        slip = slip_issue(
            problem=new_problem(firm, office, category=category),
            batch=batch,
            lead_unit=lead_unit,
            co_units=[co_unit],
            requirement="请于规定时限内协调解决。",
            days=5,
            actor=office,
        )
        slip = reach(slip, state, lead=lead, office=office)
        fields = {"deadline": date(deadline), "original_deadline": date(deadline)}
        if fed_back_at is not None:
            fields["fed_back_at"] = fed_back_at
        Slip.objects.filter(pk=slip.pk).update(**fields)
        slip.refresh_from_db()
        return slip

    return make
