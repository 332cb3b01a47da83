"""campaign_create / campaign_update: which firms a campaign targets, who answers for each, and
how its coverage counts."""

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.models import AuditEvent, Unit
from core.roles import Role
from core.tests.factories import UnitFactory
from enterprises.models import Enterprise
from enterprises.tests.factories import EnterpriseFactory, TownFactory
from visits.models import Campaign, CampaignTarget, Pairing
from visits.selectors import campaign_coverage, campaign_targets_filter
from visits.services import campaign_update
from visits.tests.factories import PairingFactory, campaign_make, days_ago, visit_make

pytestmark = pytest.mark.django_db

Tier = Pairing.Tier
Size = Enterprise.SizeClass


@pytest.fixture
def world(make_user, office):
    """Two towns, three answering units and six firms:

    ====  =======  =====  =========================================  ==================
    firm  town     size   pairings                                   answers
    ====  =======  =====  =========================================  ==================
    f1    锦城     large  city leader, then department               city leaders
    f2    锦城     above  town, then department                      经信局
    f3    青山湖   above  town                                       青山湖街道
    f4    青山湖   below  none                                       nobody
    f5    锦城     above  department, but the firm has closed        (not a target)
    f6    青山湖   above  department, ended yesterday                nobody
    ====  =======  =====  =========================================  ==================
    """
    jincheng = TownFactory(name="锦城街道", sort_order=1)
    qingshan = TownFactory(name="青山湖街道", sort_order=2)
    leaders = UnitFactory(name="市领导", kind=Unit.Kind.CITY_LEADERS)
    dept = UnitFactory(name="经信局", kind=Unit.Kind.DEPARTMENT)
    leader = make_user(Role.CADRE, name="市领导甲", unit=leaders)
    dept_cadre = make_user(Role.CADRE, name="经信干部", unit=dept)
    jincheng_cadre = make_user(Role.CADRE, name="锦城干部", unit=jincheng)
    qingshan_cadre = make_user(Role.CADRE, name="青山湖干部", unit=qingshan)

    f1 = EnterpriseFactory(name="杭叉集团", town=jincheng, size_class=Size.LARGE)
    f2 = EnterpriseFactory(name="奥星电子", town=jincheng, size_class=Size.ABOVE)
    f3 = EnterpriseFactory(name="青山塑业", town=qingshan, size_class=Size.ABOVE)
    f4 = EnterpriseFactory(name="美临小厂", town=qingshan, size_class=Size.BELOW)
    f5 = EnterpriseFactory(
        name="已关停厂", town=jincheng, size_class=Size.ABOVE, status=Enterprise.Status.CLOSED
    )
    f6 = EnterpriseFactory(name="脱钩企业", town=qingshan, size_class=Size.ABOVE)
    PairingFactory(enterprise=f1, cadre=leader, tier=Tier.CITY_LEADER)
    PairingFactory(enterprise=f1, cadre=dept_cadre, tier=Tier.DEPARTMENT)
    PairingFactory(enterprise=f2, cadre=jincheng_cadre, tier=Tier.TOWN)
    PairingFactory(enterprise=f2, cadre=dept_cadre, tier=Tier.DEPARTMENT)
    PairingFactory(enterprise=f3, cadre=qingshan_cadre, tier=Tier.TOWN)
    PairingFactory(enterprise=f5, cadre=dept_cadre, tier=Tier.DEPARTMENT)
    PairingFactory(
        enterprise=f6,
        cadre=dept_cadre,
        tier=Tier.DEPARTMENT,
        start_date=days_ago(100),
        end_date=days_ago(1),
    )
    return SimpleNamespace(
        office=office,
        jincheng=jincheng,
        qingshan=qingshan,
        leaders=leaders,
        dept=dept,
        leader=leader,
        dept_cadre=dept_cadre,
        jincheng_cadre=jincheng_cadre,
        qingshan_cadre=qingshan_cadre,
        f1=f1,
        f2=f2,
        f3=f3,
        f4=f4,
        f5=f5,
        f6=f6,
    )


def targets_of(campaign: Campaign) -> dict:
    """{firm name: (answering unit name or None, tier)}"""
    return {
        t.enterprise.name: (t.unit.name if t.unit else None, t.tier)
        for t in campaign.targets.select_related("enterprise", "unit")
    }


# --- Choosing the targets --------------------------------------------------------------------


def test_without_a_filter_every_operating_firm_is_a_target(world):
    campaign = campaign_make(actor=world.office)

    assert targets_of(campaign) == {
        "杭叉集团": ("市领导", "city_leader"),
        "奥星电子": ("经信局", "department"),
        "青山塑业": ("青山湖街道", "town"),
        "美临小厂": (None, ""),
        "脱钩企业": (None, ""),
    }


def test_targets_by_size_class(world):
    campaign = campaign_make(actor=world.office, size_classes=[Size.LARGE, Size.BELOW])

    assert set(targets_of(campaign)) == {"杭叉集团", "美临小厂"}


def test_targets_by_town(world):
    campaign = campaign_make(actor=world.office, towns=[world.jincheng])

    assert set(targets_of(campaign)) == {"杭叉集团", "奥星电子"}


def test_targets_by_tier_are_the_firms_with_an_active_pairing_of_that_tier(world):
    campaign = campaign_make(actor=world.office, tiers=[Tier.DEPARTMENT])

    # f5 is closed, f6's department pairing has ended.
    assert targets_of(campaign) == {
        "杭叉集团": ("经信局", "department"),
        "奥星电子": ("经信局", "department"),
    }


def test_a_town_round_is_answered_by_the_towns(world):
    campaign = campaign_make(actor=world.office, tiers=[Tier.TOWN])

    assert targets_of(campaign) == {
        "奥星电子": ("锦城街道", "town"),
        "青山塑业": ("青山湖街道", "town"),
    }


def test_filters_combine(world):
    campaign = campaign_make(
        actor=world.office,
        size_classes=[Size.ABOVE],
        towns=[world.qingshan],
        tiers=[Tier.TOWN, Tier.DEPARTMENT],
    )

    assert set(targets_of(campaign)) == {"青山塑业"}


def test_firms_added_later_do_not_join_the_campaign(world):
    campaign = campaign_make(actor=world.office)

    EnterpriseFactory(town=world.jincheng)

    assert campaign.targets.count() == 5


def test_campaign_create_is_audited_with_its_target_count(world):
    campaign = campaign_make(actor=world.office, towns=[world.qingshan])

    event = AuditEvent.objects.get(action="campaign.create")
    assert event.actor == world.office and event.object_id == str(campaign.pk)
    assert event.after["targets"] == 3
    assert event.after["towns"] == ["青山湖街道"]


def test_end_before_start_is_refused(world):
    with pytest.raises(ValidationError):
        campaign_make(actor=world.office, start_date=days_ago(1), end_date=days_ago(2))
    assert not Campaign.objects.exists()


def test_campaign_names_are_unique(world):
    campaign_make(actor=world.office, name="第二批")

    with pytest.raises(ValidationError):
        campaign_make(actor=world.office, name="第二批")
    assert Campaign.objects.count() == 1


def test_unknown_size_class_or_tier_is_refused(world):
    with pytest.raises(ValidationError):
        campaign_make(actor=world.office, size_classes=["huge"])
    with pytest.raises(ValidationError):
        campaign_make(actor=world.office, tiers=["province"])
    assert not Campaign.objects.exists()


# --- Changing a campaign ---------------------------------------------------------------------


def update(campaign, actor, **changes):
    values = {
        "name": campaign.name,
        "start_date": campaign.start_date,
        "end_date": campaign.end_date,
        "description": campaign.description,
        "size_classes": campaign.size_classes,
        "tiers": campaign.tiers,
        "towns": list(campaign.towns.all()),
    }
    values.update(changes)
    return campaign_update(campaign=campaign, actor=actor, **values)


def test_a_campaign_can_be_renamed_after_visits(world):
    campaign = campaign_make(actor=world.office, name="旧名")
    visit_make(author=world.leader, enterprise=world.f1, campaign=campaign, submit=True)

    update(campaign, world.office, name="新名", description="改期说明")

    campaign.refresh_from_db()
    assert campaign.name == "新名" and campaign.description == "改期说明"
    assert campaign.targets.count() == 5
    event = AuditEvent.objects.get(action="campaign.update")
    assert event.before == {"name": "旧名", "description": ""}
    assert event.after == {"name": "新名", "description": "改期说明"}


def test_the_filter_cannot_change_once_a_visit_is_filed(world):
    campaign = campaign_make(actor=world.office)
    visit_make(author=world.leader, enterprise=world.f1, campaign=campaign)  # a draft is enough

    with pytest.raises(ValidationError):
        update(campaign, world.office, size_classes=[Size.LARGE])
    with pytest.raises(ValidationError):
        update(campaign, world.office, towns=[world.jincheng])

    campaign.refresh_from_db()
    assert campaign.size_classes == [] and not campaign.towns.exists()
    assert campaign.targets.count() == 5


def test_changing_the_filter_before_any_visit_rebuilds_the_targets(world):
    campaign = campaign_make(actor=world.office)

    update(campaign, world.office, towns=[world.jincheng], tiers=[Tier.DEPARTMENT])

    campaign.refresh_from_db()
    assert targets_of(campaign) == {
        "杭叉集团": ("经信局", "department"),
        "奥星电子": ("经信局", "department"),
    }
    assert CampaignTarget.objects.count() == 2


def test_the_period_cannot_leave_a_filed_visit_outside(world):
    campaign = campaign_make(actor=world.office, start_date=days_ago(10))
    visit_make(
        author=world.leader,
        enterprise=world.f1,
        campaign=campaign,
        visit_date=days_ago(8),
        submit=True,
    )

    with pytest.raises(ValidationError):
        update(campaign, world.office, start_date=days_ago(5))
    campaign.refresh_from_db()
    assert campaign.start_date == days_ago(10)


def test_editing_the_filter_through_the_page_after_a_visit_is_refused(client, world):
    campaign = campaign_make(actor=world.office)
    visit_make(author=world.leader, enterprise=world.f1, campaign=campaign, submit=True)
    client.force_login(world.office)

    response = client.post(
        reverse("visits:campaign_edit", args=[campaign.pk]),
        {
            "name": campaign.name,
            "start_date": campaign.start_date.isoformat(),
            "end_date": campaign.end_date.isoformat(),
            "size_classes": ["large"],
        },
    )

    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert campaign.targets.count() == 5


def test_renaming_through_the_page_after_a_visit_keeps_the_targets(client, world):
    campaign = campaign_make(actor=world.office, towns=[world.jincheng, world.qingshan])
    visit_make(author=world.leader, enterprise=world.f1, campaign=campaign, submit=True)
    client.force_login(world.office)
    url = reverse("visits:campaign_edit", args=[campaign.pk])
    form = client.get(url).context["form"]
    assert client.get(url).context["filter_locked"]

    response = client.post(
        url,
        {
            "name": "改名后的活动",
            "start_date": campaign.start_date.isoformat(),
            "end_date": campaign.end_date.isoformat(),
            "towns": [town.pk for town in form.initial["towns"]],
        },
    )

    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.name == "改名后的活动"
    assert campaign.targets.count() == 5
    assert set(campaign.towns.all()) == {world.jincheng, world.qingshan}


def test_creating_a_campaign_through_the_page(client, world):
    client.force_login(world.office)

    response = client.post(
        reverse("visits:campaign_create"),
        {
            "name": "青山湖专项",
            "start_date": days_ago(1).isoformat(),
            "end_date": days_ago(-30).isoformat(),
            "towns": [world.qingshan.pk],
        },
    )

    campaign = Campaign.objects.get(name="青山湖专项")
    assert response.status_code == 302
    assert response.url == reverse("visits:campaign_detail", args=[campaign.pk])
    assert set(targets_of(campaign)) == {"青山塑业", "美临小厂", "脱钩企业"}


# --- Coverage --------------------------------------------------------------------------------


@pytest.fixture
def visited_campaign(world):
    """The unfiltered campaign with f1 and f3 visited (and a draft for f2, which doesn't count)."""
    campaign = campaign_make(actor=world.office)
    visit_make(author=world.leader, enterprise=world.f1, campaign=campaign, submit=True)
    visit_make(author=world.qingshan_cadre, enterprise=world.f3, campaign=campaign, submit=True)
    visit_make(author=world.jincheng_cadre, enterprise=world.f2, campaign=campaign)
    return campaign


def test_coverage_per_unit_and_per_town(world, visited_campaign):
    coverage = campaign_coverage(visited_campaign)

    assert (coverage["total"], coverage["visited"], coverage["unvisited"]) == (5, 2, 3)
    assert coverage["rate"] == 40.0
    by_unit = {
        row["unit__name"]: (row["total"], row["visited"], row["unvisited"], row["rate"])
        for row in coverage["units"]
    }
    assert by_unit == {
        "市领导": (1, 1, 0, 100.0),
        "经信局": (1, 0, 1, 0.0),
        "青山湖街道": (1, 1, 0, 100.0),
        None: (2, 0, 2, 0.0),
    }
    by_town = {
        row["enterprise__town__name"]: (row["total"], row["visited"], row["rate"])
        for row in coverage["towns"]
    }
    assert by_town == {"锦城街道": (2, 1, 50.0), "青山湖街道": (3, 1, 33.3)}


def test_an_empty_campaign_has_no_rate(world):
    campaign = campaign_make(actor=world.office, size_classes=[Size.LARGE], towns=[world.qingshan])

    coverage = campaign_coverage(campaign)

    assert coverage["total"] == 0 and coverage["rate"] is None


def names(targets) -> set[str]:
    return {t.enterprise.name for t in targets}


def test_target_list_filters(world, visited_campaign):
    campaign = visited_campaign

    assert names(campaign_targets_filter(campaign, unit=str(world.dept.pk))) == {"奥星电子"}
    assert names(campaign_targets_filter(campaign, unit="none")) == {"美临小厂", "脱钩企业"}
    assert names(campaign_targets_filter(campaign, town=str(world.jincheng.pk))) == {
        "杭叉集团",
        "奥星电子",
    }
    assert names(campaign_targets_filter(campaign, visited="1")) == {"杭叉集团", "青山塑业"}
    assert names(campaign_targets_filter(campaign, visited="0")) == {
        "奥星电子",
        "美临小厂",
        "脱钩企业",
    }
    assert names(campaign_targets_filter(campaign, town=str(world.qingshan.pk), visited="0")) == {
        "美临小厂",
        "脱钩企业",
    }


def test_target_list_page_filters(client, world, visited_campaign):
    client.force_login(world.office)
    url = reverse("visits:campaign_targets", args=[visited_campaign.pk])

    page = client.get(url, {"unit": "none"})

    assert page.status_code == 200
    assert names(page.context["page"]) == {"美临小厂", "脱钩企业"}
    page = client.get(url, {"town": world.jincheng.pk, "visited": "1"})
    assert names(page.context["page"]) == {"杭叉集团"}
