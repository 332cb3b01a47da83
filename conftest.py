"""Fixtures shared by every app's tests."""

import pytest

from core.roles import Role
from core.tests.factories import PASSWORD, UnitFactory, UserFactory


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def make_user(db):
    """make_user(Role.CADRE, Role.HANDLER, unit=..., **fields) -> a saved user with those roles."""

    def make(*roles: Role, **fields):
        return UserFactory(roles=list(roles), **fields)

    return make


@pytest.fixture
def unit(db):
    return UnitFactory(name="经信局")


@pytest.fixture
def admin_user(make_user):
    return make_user(Role.ADMIN, username="admin1", name="管理员甲", is_staff=True)


@pytest.fixture
def cadre(make_user):
    return make_user(Role.CADRE, username="cadre1", name="王干部")


@pytest.fixture
def celery_eager():
    """Run Celery tasks inline in this test even when a broker is configured (the test's data
    lives in a transaction a worker could not see)."""
    from linan_visits.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
