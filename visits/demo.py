"""Demo pairings, campaigns and visits shaped like the article.

38 city leaders paired one-to-one with the 38 large groups, department cadres with the
above-size firms, town cadres with the rest; three quarterly city-level campaigns (the current
quarter and the two before it); visits to most targets, each raising a problem now and then,
which wait in the office's sorting inbox. The demo ``cadre`` login (王建国, 青山湖街道) has a
handful of paired firms, some visited in the current campaign and some not, and one draft.
A symposium and a bank–enterprise matchmaking meeting with their problems (``demo_meetings``).

Deterministic (fixed seed) and idempotent: nothing is added once pairings exist.
"""

import datetime
import random
import uuid

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from core.demo import CITY_LEADERS, DEPARTMENTS
from core.models import Unit, User
from core.roles import Role
from enterprises.demo import GIVEN, SURNAMES
from enterprises.models import Enterprise
from issues.models import Category, Problem, Urgency

from .models import Campaign, CampaignTarget, Pairing, Visit, VisitProblem

PROBLEMS = {
    Category.LAND: [
        "企业扩产需新增工业用地约20亩，希望协调用地指标。",
        "新厂房因土地性质问题迟迟无法办理不动产权证。",
        "现有厂房不足，希望在园区内租赁标准厂房。",
    ],
    Category.LABOUR: [
        "一线操作工缺口约50人，招工难，希望帮助对接劳务输出地。",
        "高端研发人才引进难，希望落实人才公寓。",
        "员工子女入学问题需要协调。",
    ],
    Category.FINANCING: [
        "流动资金紧张，一笔贷款下月到期，希望协调银行续贷。",
        "技改项目需融资约3000万元，希望对接政策性贷款。",
        "希望了解应收账款质押融资渠道。",
    ],
    Category.ENERGY: [
        "新上生产线需变压器增容，申请已提交两个月未批复。",
        "夏季用电高峰限电影响生产，希望优化有序用电安排。",
        "希望接入天然气管网以替代燃煤锅炉。",
    ],
    Category.TRANSPORT: [
        "厂区门口道路狭窄，大货车进出困难，希望拓宽。",
        "员工上下班公交班次太少，希望增设线路。",
    ],
    Category.APPROVAL: [
        "新厂房竣工验收手续办理缓慢，影响投产。",
        "项目环评与能评审批时间较长，希望并联审批。",
        "消防验收整改意见不明确，希望上门指导。",
    ],
    Category.POLICY: [
        "不清楚高新技术企业认定的补助政策，希望解读。",
        "技改补助资金尚未拨付到位。",
        "希望享受研发费用加计扣除政策，需要辅导。",
    ],
    Category.ENVIRONMENT: [
        "排污许可证到期需续期，希望给予指导。",
        "污水处理设施提标改造资金压力大。",
    ],
    Category.MARKET: [
        "外贸订单下滑明显，希望组织参加境外展会。",
        "原材料价格上涨，希望帮助对接本地供应商。",
    ],
    Category.TECHNOLOGY: [
        "希望对接高校院所开展技术合作。",
        "机器换人项目缺少技术方案，希望推荐服务商。",
    ],
    Category.INFRASTRUCTURE: [
        "园区污水管网尚未接通。",
        "厂区周边路灯不亮，夜班员工出行不便。",
        "园区宽带网络速率低，希望提升。",
    ],
    Category.OTHER: [
        "希望协调解决周边居民对噪声的投诉。",
    ],
}
OPINIONS = [
    "希望政府继续做好服务，多到企业走走。",
    "建议简化涉企审批流程。",
    "希望定期组织政银企对接活动。",
    "",
    "",
]
FIRMS_PER_DEPARTMENT_CADRE = 2
FIRMS_PER_TOWN_CADRE = 3
DEMO_CADRE_FIRMS = 5
CITY_LEADER_FIRMS = 38
UNPAIRED_NEW_FIRMS = 6


def is_empty() -> bool:
    return not Pairing.objects.exists()


def _quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _quarters(today: datetime.date) -> list[tuple[datetime.date, datetime.date]]:
    """The current quarter and the two before it, oldest first."""
    starts = [_quarter_start(today)]
    for _i in range(2):
        starts.insert(0, _quarter_start(starts[0] - datetime.timedelta(days=1)))
    out = []
    for start in starts:
        next_start = _quarter_start(start + datetime.timedelta(days=100))
        out.append((start, next_start - datetime.timedelta(days=1)))
    return out


def _cadres(units: list[Unit], count_per_unit: dict[int, int], rng, counter) -> dict[int, list]:
    """Bulk-create the cadres the pairings need (no login: an unusable password)."""
    group = Group.objects.get(name=Role.CADRE.value)
    unusable = make_password(None)
    users = []
    for unit in units:
        for _i in range(count_per_unit.get(unit.pk, 0)):
            counter[0] += 1
            users.append(
                User(
                    username=f"gb{counter[0]:04d}",
                    name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                    unit=unit,
                    password=unusable,
                    mobile="139" + f"{counter[0]:08d}",
                )
            )
    User.objects.bulk_create(users, batch_size=1000)
    users = list(User.objects.filter(username__in=[u.username for u in users]).order_by("pk"))
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=u.pk, group_id=group.pk) for u in users], batch_size=1000
    )
    by_unit: dict[int, list] = {}
    for user in users:
        by_unit.setdefault(user.unit_id, []).append(user)
    return by_unit


def _pairings(firms, today, rng, log) -> list[Pairing]:
    start = today - datetime.timedelta(days=300)
    # 38 city leaders pair with the large groups and, to make up the number, key tech firms.
    large = [f for f in firms if f.size_class == Enterprise.SizeClass.LARGE][:CITY_LEADER_FIRMS]
    key_tech = [f for f in firms if f.size_class == Enterprise.SizeClass.ABOVE and f.is_tech][
        : max(0, CITY_LEADER_FIRMS - len(large))
    ]
    large += key_tech
    chosen = {f.pk for f in large}
    above = [f for f in firms if f.size_class != Enterprise.SizeClass.BELOW and f.pk not in chosen]
    below = [f for f in firms if f.size_class == Enterprise.SizeClass.BELOW]
    leaders_unit = Unit.objects.get(name=CITY_LEADERS)
    departments = list(Unit.objects.filter(name__in=DEPARTMENTS).order_by("sort_order"))
    towns = {u.pk: u for u in Unit.objects.filter(pk__in={f.town_id for f in firms})}
    counter = [0]
    pairings = []

    leaders = _cadres([leaders_unit], {leaders_unit.pk: len(large)}, rng, counter)
    for firm, leader in zip(large, leaders.get(leaders_unit.pk, []), strict=False):
        pairings.append(
            Pairing(
                enterprise=firm,
                cadre=leader,
                unit=leaders_unit,
                tier=Pairing.Tier.CITY_LEADER,
                start_date=start,
            )
        )

    # Departments share the above-size firms; a cadre looks after about two.
    share = {d.pk: [] for d in departments}
    for i, firm in enumerate(above):
        share[departments[i % len(departments)].pk].append(firm)
    need = {pk: -(-len(fs) // FIRMS_PER_DEPARTMENT_CADRE) for pk, fs in share.items()}
    dept_cadres = _cadres(departments, need, rng, counter)
    for department in departments:
        cadres = dept_cadres.get(department.pk, [])
        for i, firm in enumerate(share[department.pk]):
            pairings.append(
                Pairing(
                    enterprise=firm,
                    cadre=cadres[i // FIRMS_PER_DEPARTMENT_CADRE],
                    unit=department,
                    tier=Pairing.Tier.DEPARTMENT,
                    start_date=start,
                )
            )

    # Towns and streets serve the smaller firms in their area; a cadre looks after about three.
    # A few newly registered small firms have no pairing yet: the coverage page names them.
    unpaired = UNPAIRED_NEW_FIRMS if len(below) > 10 * UNPAIRED_NEW_FIRMS else 0
    by_town: dict[int, list] = {}
    for firm in below[: len(below) - unpaired]:
        by_town.setdefault(firm.town_id, []).append(firm)
    need = {pk: -(-len(fs) // FIRMS_PER_TOWN_CADRE) for pk, fs in by_town.items()}
    town_cadres = _cadres([towns[pk] for pk in by_town], need, rng, counter)
    for town_id, town_firms in by_town.items():
        cadres = town_cadres.get(town_id, [])
        for i, firm in enumerate(town_firms):
            pairings.append(
                Pairing(
                    enterprise=firm,
                    cadre=cadres[i // FIRMS_PER_TOWN_CADRE],
                    unit=towns[town_id],
                    tier=Pairing.Tier.TOWN,
                    start_date=start,
                )
            )

    # The demo cadre (王建国, 青山湖街道) takes over a handful of firms in his street.
    demo_cadre = User.objects.filter(username="cadre").select_related("unit").first()
    if demo_cadre is not None and demo_cadre.unit.kind == Unit.Kind.TOWN:
        mine = [
            p for p in pairings if p.tier == Pairing.Tier.TOWN and p.unit_id == demo_cadre.unit_id
        ]
        for pairing in mine[:DEMO_CADRE_FIRMS]:
            pairing.cadre = demo_cadre
        taken = {p.enterprise_id for p in mine[:DEMO_CADRE_FIRMS]}
        extra = [f for f in firms if f.town_id == demo_cadre.unit_id and f.pk not in taken]
        for firm in extra[: DEMO_CADRE_FIRMS - len(taken)]:
            pairings.append(
                Pairing(
                    enterprise=firm,
                    cadre=demo_cadre,
                    unit=demo_cadre.unit,
                    tier=Pairing.Tier.TOWN,
                    start_date=start,
                )
            )
    # The demo unit login (李明, 经信局) is a cadre too: two of his department's firms.
    unit_login = User.objects.filter(username="unit").first()
    if unit_login is not None:
        ours = [
            p
            for p in pairings
            if p.tier == Pairing.Tier.DEPARTMENT and p.unit_id == unit_login.unit_id
        ]
        for pairing in ours[:2]:
            pairing.cadre = unit_login
    Pairing.objects.bulk_create(pairings, batch_size=2000)
    log(
        f"挂钩关系：{len(pairings)} 条（市领导 {len(large)} 家大企业和重点科技企业，部门 {len(above)} 家规上企业，"
        f"镇街 {len(below)} 家规下企业；干部 {counter[0]} 人）"
    )
    return pairings


def _campaigns(today, office_user) -> list[Campaign]:
    campaigns = []
    for start, end in _quarters(today):
        quarter = (start.month - 1) // 3 + 1
        campaign = Campaign.objects.create(
            name=f"{start.year}年第{'一二三四'[quarter - 1]}季度市级走访",
            start_date=start,
            end_date=end,
            description="全市规上及以上企业和重点规下企业全覆盖走访。",
            created_by=office_user,
        )
        answering = {}
        for pairing in Pairing.objects.active(max(start, today)).order_by("pk"):
            rank = Pairing.TIER_PRIORITY.index(pairing.tier)
            held = answering.get(pairing.enterprise_id)
            if held is None or rank < held[0]:
                answering[pairing.enterprise_id] = (rank, pairing)
        CampaignTarget.objects.bulk_create(
            [
                CampaignTarget(
                    campaign=campaign,
                    enterprise_id=firm_id,
                    unit_id=answering[firm_id][1].unit_id if firm_id in answering else None,
                    tier=answering[firm_id][1].tier if firm_id in answering else "",
                )
                for firm_id in Enterprise.objects.filter(status=Enterprise.Status.OPERATING)
                .order_by("pk")
                .values_list("pk", flat=True)
            ],
            batch_size=2000,
        )
        campaigns.append(campaign)
    return campaigns


def _visits(campaigns, pairings, today, rng, log) -> None:
    by_firm: dict[int, list[Pairing]] = {}
    for pairing in pairings:
        by_firm.setdefault(pairing.enterprise_id, []).append(pairing)
    categories = list(PROBLEMS)
    category_weights = [6, 5, 4, 3, 2, 4, 5, 2, 2, 2, 2, 1]
    visits, raised = [], []  # raised: (visit index, [(description, category, urgency)])
    demo_cadre_firms_done = 0
    for number, campaign in enumerate(campaigns):
        current = number == len(campaigns) - 1
        last_day = min(campaign.end_date, today)
        span = (last_day - campaign.start_date).days
        share = 0.62 if current else 0.93
        targets = list(campaign.targets.order_by("pk"))
        for target in targets:
            firm_pairings = by_firm.get(target.enterprise_id)
            if not firm_pairings:
                continue
            pairing = next(
                (p for p in firm_pairings if p.unit_id == target.unit_id), firm_pairings[0]
            )
            if pairing.cadre.username == "cadre":
                # The demo cadre: some firms visited this quarter, some still due, one draft.
                if current:
                    demo_cadre_firms_done += 1
                    if demo_cadre_firms_done > 2:
                        continue
            elif rng.random() > share:
                continue
            day = campaign.start_date + datetime.timedelta(days=rng.randint(0, max(span, 0)))
            met = rng.random() < 0.93
            visits.append(
                Visit(
                    enterprise_id=target.enterprise_id,
                    campaign=campaign,
                    author=pairing.cadre,
                    author_unit_id=pairing.unit_id,
                    visit_date=day,
                    met_principal=met,
                    orders_trend=rng.choice(["up", "flat", "flat", "down"]),
                    vacancies=rng.choice([None, 0, 5, 10, 20, 50]),
                    opinions=rng.choice(OPINIONS),
                    status=Visit.Status.SUBMITTED,
                    submitted_at=timezone.make_aware(
                        datetime.datetime.combine(day, datetime.time(17, rng.randint(0, 59)))
                    ),
                    client_token=uuid.UUID(int=rng.getrandbits(128)),
                )
            )
            count = rng.choices([0, 1, 2], [70, 25, 5])[0]
            problems = []
            for _i in range(count):
                category = rng.choices(categories, category_weights)[0]
                problems.append(
                    (
                        rng.choice(PROBLEMS[category]),
                        category,
                        rng.choices(list(Urgency.values), [80, 15, 5])[0],
                    )
                )
            raised.append((len(visits) - 1, problems, met, target.pk))
    Visit.objects.bulk_create(visits, batch_size=2000)
    problem_rows, visit_problem_rows, target_updates = [], [], []
    for index, problems, met, target_pk in raised:
        visit = visits[index]
        target_updates.append(
            CampaignTarget(pk=target_pk, visit=visit, visited_on=visit.visit_date)
        )
        raised_at = timezone.make_aware(
            datetime.datetime.combine(visit.visit_date, datetime.time())
        )
        for position, (description, category, urgency) in enumerate(problems, start=1):
            problem = Problem(
                enterprise_id=visit.enterprise_id,
                channel=Problem.Channel.VISIT,
                description=description,
                category=category,
                urgency=urgency,
                raised_by=visit.author,
                raised_at=raised_at,
                met_face_to_face=met,
            )
            problem_rows.append(problem)
            visit_problem_rows.append(
                VisitProblem(
                    visit=visit,
                    position=position,
                    description=description,
                    category=category,
                    urgency=urgency,
                    problem=problem,
                )
            )
    Problem.objects.bulk_create(problem_rows, batch_size=2000)
    for row in visit_problem_rows:
        row.problem_id = row.problem.pk
    VisitProblem.objects.bulk_create(visit_problem_rows, batch_size=2000)
    CampaignTarget.objects.bulk_update(target_updates, ["visit", "visited_on"], batch_size=2000)
    log(f"走访调查表：{len(visits)} 份；提出问题 {len(problem_rows)} 个（待梳理）")


def _demo_draft(campaign, today) -> None:
    """The demo cadre has started a survey for one firm still due this quarter."""
    cadre = User.objects.filter(username="cadre").first()
    if cadre is None:
        return
    due = (
        CampaignTarget.objects.filter(
            campaign=campaign, visit__isnull=True, enterprise__pairings__cadre=cadre
        )
        .order_by("enterprise__name")
        .first()
    )
    if due is None:
        return
    visit = Visit.objects.create(
        enterprise_id=due.enterprise_id,
        campaign=campaign,
        author=cadre,
        author_unit=cadre.unit,
        visit_date=today,
        met_principal=True,
        orders_trend=Visit.Trend.FLAT,
        opinions="",
    )
    VisitProblem.objects.create(
        visit=visit,
        position=1,
        description="企业反映厂区门口道路狭窄，大货车进出困难。",
        category=Category.TRANSPORT,
    )


@transaction.atomic
def seed(*, with_logins: bool, log) -> None:
    if not is_empty():
        log("挂钩与走访：已有数据，跳过。")
        return
    firms = list(Enterprise.objects.filter(status=Enterprise.Status.OPERATING).order_by("pk"))
    if not firms:
        log("挂钩与走访：没有企业，跳过。")
        return
    if not (
        Unit.objects.filter(name=CITY_LEADERS).exists()
        and Unit.objects.filter(name__in=DEPARTMENTS).exists()
    ):
        log("挂钩与走访：演示单位（市领导、部门）不全，跳过。")
        return
    office_user = User.objects.filter(username="office").first()
    rng = random.Random(20260401)  # noqa: S311 (demo data, deterministic on purpose)
    today = timezone.localdate()
    pairings = _pairings(firms, today, rng, log)
    campaigns = _campaigns(today, office_user)
    log(f"走访活动：{len(campaigns)} 个（{campaigns[0].name} 至 {campaigns[-1].name}）")
    _visits(campaigns, pairings, today, rng, log)
    _demo_draft(campaigns[-1], today)
    # The problems are there now: the office sorts them and issues slips (issues runs first).
    from issues import demo as issues_demo

    issues_demo.seed(with_logins=with_logins, log=log)
    # Then a symposium and a matchmaking meeting held since the last batch, their problems
    # awaiting sorting: the office can issue each as one document. (After the slips, so the
    # issues demo's batches are the same with or without them.)
    from . import demo_meetings

    demo_meetings.seed(today=today, actor=office_user, rng=rng, log=log)
