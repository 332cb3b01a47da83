"""Demo meetings shaped like the article: a symposium where 13 firms raised 22 problems, and a
bank–enterprise matchmaking meeting where firms raised financing problems. Both were held after
the issues demo's last batch, so their problems wait in the sorting inbox: the office issues
each meeting's problems as one document.

Recorded through the services, so each meeting, problem and link has its audit row. Called by
``visits.demo.seed`` after the issues demo (whose batches therefore do not change);
deterministic given the random generator.
"""

import datetime

from enterprises.models import Enterprise
from issues.models import Category, Urgency

from .models import Meeting
from .services_meetings import meeting_create, meeting_problem_record

# After the issues demo's last batch (8 days ago): still awaiting sorting.
SYMPOSIUM_DAYS_AGO = 3
MATCHMAKING_DAYS_AGO = 6
SYMPOSIUM_FIRMS, SYMPOSIUM_PROBLEMS = 13, 22

SYMPOSIUM_PROBLEMS_TEXT = [
    (Category.LAND, "企业扩产急需新增工业用地约30亩，希望协调用地指标。"),
    (Category.FINANCING, "一笔3000万元流动资金贷款下月到期，希望协调银行续贷、不抽贷。"),
    (Category.LABOUR, "一线操作工缺口约80人，希望帮助对接劳务输出地。"),
    (Category.ENERGY, "新厂房变压器增容申请已两个月未批复，影响设备调试。"),
    (Category.APPROVAL, "技改项目环评与能评审批时间较长，希望并联审批。"),
    (Category.POLICY, "研发费用加计扣除政策理解不一致，希望税务部门上门辅导。"),
    (Category.TRANSPORT, "厂区门口道路狭窄，大货车进出困难，希望拓宽。"),
    (Category.INFRASTRUCTURE, "园区污水管网尚未接通，临时处理成本高。"),
    (Category.MARKET, "外贸订单下滑明显，希望组织参加境外展会。"),
    (Category.TECHNOLOGY, "希望对接高校院所共建研发中心。"),
    (Category.LABOUR, "高端研发人才引进难，希望落实人才公寓。"),
    (Category.ENVIRONMENT, "排污许可证即将到期，希望指导续期材料。"),
]
MATCHMAKING_PROBLEMS_TEXT = [
    "技改项目需融资约5000万元，希望对接政策性银行中长期贷款。",
    "希望开展应收账款质押融资，盘活资金。",
    "小微企业担保费率偏高，希望纳入政府性融资担保。",
    "希望银行对科技型企业开展知识产权质押贷款。",
]


def seed(*, today: datetime.date, actor, rng, log) -> None:
    if Meeting.objects.exists():
        return
    firms = list(
        Enterprise.objects.filter(
            status=Enterprise.Status.OPERATING,
            size_class__in=[Enterprise.SizeClass.LARGE, Enterprise.SizeClass.ABOVE],
        ).order_by("pk")
    )
    if len(firms) < SYMPOSIUM_FIRMS:
        return
    present = rng.sample(firms, SYMPOSIUM_FIRMS)
    held_on = today - datetime.timedelta(days=SYMPOSIUM_DAYS_AGO)
    symposium = meeting_create(
        kind=Meeting.Kind.SYMPOSIUM,
        title=f"{held_on.month}月企业家座谈会",
        held_on=held_on,
        place="市政府3号会议室",
        hosts="市长主持；经信局、发改局、自然资源和规划局、人力社保局、金融办负责人参加",
        notes="会上收到企业困难、问题和建议，会后由访企解难办公室梳理，以市政府办公室文件形式交办。",
        firms=present,
        actor=actor,
    )
    # Nine firms raise two problems, four raise one: 22.
    raisers = [*present, *present[: SYMPOSIUM_PROBLEMS - SYMPOSIUM_FIRMS]]
    for firm in raisers:
        category, text = rng.choice(SYMPOSIUM_PROBLEMS_TEXT)
        meeting_problem_record(
            meeting=symposium,
            enterprise=firm,
            description=text,
            category=category,
            urgency=rng.choices(list(Urgency.values), [75, 20, 5])[0],
            actor=actor,
        )
    rest = [f for f in firms if f not in present] or firms
    bankers = rng.sample(rest, min(len(MATCHMAKING_PROBLEMS_TEXT), len(rest)))
    matchmaking = meeting_create(
        kind=Meeting.Kind.MATCHMAKING,
        title="政银企对接会",
        held_on=today - datetime.timedelta(days=MATCHMAKING_DAYS_AGO),
        place="青山湖科技城企业服务中心",
        hosts="分管副市长；金融办、人民银行临安支行及8家银行",
        firms=bankers,
        actor=actor,
    )
    for firm, text in zip(bankers, MATCHMAKING_PROBLEMS_TEXT, strict=False):
        meeting_problem_record(
            meeting=matchmaking,
            enterprise=firm,
            description=text,
            category=Category.FINANCING,
            urgency=Urgency.NORMAL,
            actor=actor,
        )
    log(
        f"座谈会与对接会：{symposium.title}（{SYMPOSIUM_FIRMS} 家企业、{len(raisers)} 个问题），"
        f"{matchmaking.title}（{len(bankers)} 个融资问题，待梳理）"
    )
