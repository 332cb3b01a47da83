"""Helpers for the tests of the firms' accounts, registrations and corrections."""

import re

from django.urls import reverse

from core.models import Unit
from core.roles import Role
from core.tests.factories import UnitFactory, UserFactory
from enterprises.models import FirmUser

NOTICE_PASSWORD = re.compile(r'data-testid="initial-password">([^<]+)<')


def firm_user(enterprise, username: str, **fields):
    """An enterprise user linked to the firm, as the office's approval leaves one."""
    unit = UnitFactory(name=f"{enterprise.name}", kind=Unit.Kind.ENTERPRISE)
    user = UserFactory(username=username, unit=unit, roles=[Role.ENTERPRISE], **fields)
    FirmUser.objects.create(user=user, enterprise=enterprise)
    return user


def login(client, username: str, password: str, **kwargs):
    """Through the real login page, following the redirects."""
    return client.post(
        reverse("login"), {"username": username, "password": password}, follow=True, **kwargs
    )


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session
