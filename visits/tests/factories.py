"""Pairings through a factory (they have no service of their own yet); campaigns and surveys
through their services, so tests build them the way the product does."""

import datetime

import factory
from django.utils import timezone

from core.tests.factories import UserFactory
from enterprises.tests.factories import EnterpriseFactory
from issues.models import Category
from visits.models import Campaign, Pairing, Visit
from visits.services import campaign_create, visit_save, visit_submit


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


class PairingFactory(factory.django.DjangoModelFactory):
    """An active pairing; the unit defaults to the cadre's."""

    class Meta:
        model = Pairing

    enterprise = factory.SubFactory(EnterpriseFactory)
    cadre = factory.SubFactory(UserFactory)
    unit = factory.LazyAttribute(lambda o: o.cadre.unit)
    tier = Pairing.Tier.DEPARTMENT
    start_date = factory.LazyFunction(lambda: days_ago(100))


def campaign_make(*, actor, name="第一季度市级走访", **overrides) -> Campaign:
    values = {
        "start_date": days_ago(10),
        "end_date": days_ago(-20),
        "size_classes": [],
        "tiers": [],
        "towns": [],
    }
    values.update(overrides)
    return campaign_create(name=name, actor=actor, **values)


def problem_data(description="厂房用地紧张，扩产受限", category=Category.LAND, urgency="normal"):
    return {"description": description, "category": category, "urgency": urgency}


def visit_make(*, author, enterprise, problems=(), submit=False, **fields) -> Visit:
    """A draft (or, with submit=True, a submitted survey) by a cadre paired with the firm."""
    fields.setdefault("visit_date", timezone.localdate())
    visit = visit_save(
        visit=None, enterprise=enterprise, author=author, fields=fields, problems=list(problems)
    )
    if submit:
        visit = visit_submit(visit=visit, actor=author)
    return visit
