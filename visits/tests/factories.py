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


def meeting_make(*, actor, firms, title="7月企业家座谈会", **overrides):
    """A symposium held a week ago, through its service."""
    from visits.models import Meeting
    from visits.services_meetings import meeting_create

    values = {
        "kind": Meeting.Kind.SYMPOSIUM,
        "held_on": days_ago(7),
        "place": "市政府3号会议室",
        "hosts": "市长 张某；经信局、金融办",
    }
    values.update(overrides)
    return meeting_create(title=title, firms=list(firms), actor=actor, **values)


def meeting_problem_make(meeting, firm, actor, *, description=None, **fields):
    """A problem raised at the meeting, through its service."""
    from issues.models import Urgency
    from visits.services_meetings import meeting_problem_record

    return meeting_problem_record(
        meeting=meeting,
        enterprise=firm,
        description=description or f"{firm.name}：新上生产线需变压器增容，申请两个月未批复。",
        category=fields.pop("category", Category.ENERGY),
        urgency=fields.pop("urgency", Urgency.NORMAL),
        actor=actor,
        **fields,
    )
