"""Demo assignment slips shaped like the article: by the end of October, 676 problems assigned
in 6 batches, 508 closed (75%).

The problems come from the visits demo, which runs after this app and calls ``seed`` once it
has raised them; ``seed_demo`` also calls ``seed`` directly, so a database made before slips
existed gets them. Six batches opened over the seven months before today each sort the problems
raised before their date that still wait (oldest first): a few are answered directly, declined
or merged into another problem of the same firm, the rest are issued to the unit the category
belongs to, sometimes with the firm's town or 经信局 as co-unit, due in the working days of the
deadline table on the official calendar. The slips then live the paths the services allow —
signed, worked, replied, fed back, rated and closed (mostly on time, some late, a few reopened
after 不满意), extended, escalated, returned and re-assigned, one withdrawn — and wait in every
state, some overdue. The demo ``unit`` login (李明, 经信局) has a realistic inbox.

The rows are built in bulk with past timestamps (the services stamp ``now``), each step checked
against ``issues.workflow.MOVES`` and setting the fields its service sets. Scaled to the number
of firms (676 slips for 1,300). Deterministic (fixed seed) and idempotent: nothing is added once
a slip exists.
"""

import bisect
import contextlib
import datetime
import random

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.holidays_load import ScheduleUnknown, calendar_year_load
from core.models import CalendarYear, Unit, User
from core.roles import Role
from core.workdays import WorkCalendar
from enterprises.demo import GIVEN, SURNAMES
from enterprises.models import Enterprise

from .measures import slip_measures
from .models import Batch, Category, DeadlineRule, Problem, Slip, SlipEvent, SpecialAction
from .services.slips import DEFAULT_DAYS, SLIP_NUMBER, tier_unit_for
from .workflow import MOVES, RESUME, STAY

S = Slip.Status
C = Category

ARTICLE_FIRMS, ARTICLE_ISSUED, ARTICLE_CLOSED = 1300, 676, 508
BATCH_WEIGHTS = [1.15, 1.0, 1.0, 1.0, 1.0, 0.85]  # six batches, the first takes the backlog
FIRST_BATCH_DAYS_AGO, BATCH_SPACING = 200, 32  # batch k (1..6): today - 200 + 32k days
RECENT_DAYS = 20  # issued within this: the unit is still at the start of the work
UNIT_LOGIN = "unit"
JINGXIN = "经信局"

LEAD_BY_CATEGORY = {
    C.ENERGY: "供电公司",
    C.LAND: "自然资源和规划局",
    C.LABOUR: "人力社保局",
    C.FINANCING: "金融办",
    C.TRANSPORT: "交通运输局",
    C.APPROVAL: "行政审批局",
    C.POLICY: JINGXIN,
    C.ENVIRONMENT: "生态环境局",
    C.MARKET: "商务局",
    C.TECHNOLOGY: "科技局",
    C.INFRASTRUCTURE: "住建局",
}  # other: the firm's town
# Machine replacement and local supply chains are 经信局's business, whatever the category.
LEAD_BY_WORDING = {"机器换人": JINGXIN, "本地供应商": JINGXIN}
# Where a slip is first sent by mistake before it is returned and re-assigned.
WRONG_UNIT = {
    C.ENERGY: "发改局",
    C.LAND: "住建局",
    C.APPROVAL: "住建局",
    C.INFRASTRUCTURE: "交通运输局",
    C.TRANSPORT: "住建局",
    C.LABOUR: "教育局",
    C.ENVIRONMENT: "综合行政执法局",
    C.FINANCING: "财政局",
    C.POLICY: "发改局",
    C.MARKET: "市场监管局",
    C.TECHNOLOGY: "经信局",
    C.OTHER: "生态环境局",
}
ESCALATING = [C.LAND, C.APPROVAL, C.INFRASTRUCTURE, C.ENERGY, C.TRANSPORT]
SPECIAL_ACTIONS = {
    C.FINANCING: "融资保障",
    C.POLICY: "企业减负",
    C.APPROVAL: "环境优化",
    C.ENVIRONMENT: "环境优化",
    C.TECHNOLOGY: "创新服务",
    C.LAND: "项目集中征迁和开工",
}
SHARED = {C.POLICY, C.LABOUR, C.FINANCING, C.INFRASTRUCTURE, C.TRANSPORT}

REQUIREMENTS = [
    "请{co}与企业对接，摸清情况，于{days}个工作日内办结，并将办理结果书面答复活动办。",
    "请牵头{co}研究解决，{days}个工作日内向企业反馈并书面答复活动办。",
    "请{co}主动上门服务，{days}个工作日内拿出解决方案，办理情况及时报活动办。",
]
CONTACT_MET = [
    "到企业现场察看，与企业负责人面对面沟通诉求。",
    "约企业负责人当面座谈，了解问题具体情况。",
    "与属地镇街一起上门，听取企业意见。",
]
CONTACT_PHONE = ["电话联系企业联系人，了解问题详细情况。", "通过微信与企业对接，收集相关材料。"]
NOTES = [
    "已召集相关科室研究，正在制定解决方案。",
    "已与相关单位对接，正在办理相关手续。",
    "已形成初步方案，报分管领导审定。",
    "已赴企业现场办公，推进问题解决。",
    "已函告相关单位配合，正在跟进落实。",
]
CO_INPUTS = [
    "我单位已安排专人配合，提供相关资料。",
    "已就涉及本单位的事项出具意见，请主办单位统筹。",
    "已配合主办单位到企业现场核实情况。",
]
RETURN_REASONS = "经核实，该事项属于{right}职责范围，非我单位职能，申请退回重新交办。"
RETURN_APPROVED = "经核实，改由{right}牵头办理。"
EXTENSION_REASONS = [
    "涉及多部门会商和上级审批，需延长办理时限。",
    "项目需完成现场勘测和方案论证，申请延期。",
    "需等待年度计划指标下达，申请延长办理期限。",
]
EXTENSION_APPROVED = "同意延期，请在新的时限内办结。"
EXTENSION_REFUSED = "该事项可在原时限内办结，不同意延期，请抓紧办理。"
ESCALATION_REASONS = [
    "涉及用地指标调整，超出本单位协调权限，申请提级协调。",
    "需多个部门联合协调，申请提交领导小组研究。",
    "涉及上级审批事项，本单位无法独立解决，申请提级。",
]
ESCALATION_APPROVED = "同意提交访企解难工作领导小组协调。"
SENT_DOWN = "领导小组已专题协调，请牵头单位按会议纪要抓紧落实。"
REPLY_REJECTED = "答复未明确解决措施和完成时限，请补充完善后重新答复。"
REPLY_SOLVED = {
    C.ENERGY: "已协调完成变压器增容方案审批，施工队伍已进场，企业用电需求已得到保障。",
    C.LAND: "已将企业用地需求纳入年度供地计划，并协助企业办结不动产权登记相关手续。",
    C.LABOUR: "已组织专场招聘会并对接劳务输出地，帮助企业招录一线员工，人才公寓申请已受理。",
    C.FINANCING: "已召开政银企对接会，协调合作银行为企业办理续贷，资金缺口已解决。",
    C.TRANSPORT: "已会同属地镇街完成道路拓宽方案，并增设公交线路站点。",
    C.APPROVAL: "已开通绿色通道，实行并联审批，相关手续已办结。",
    C.POLICY: "已上门开展政策解读和申报辅导，相关补助资金已拨付到位。",
    C.ENVIRONMENT: "已派员上门指导，企业排污许可证续期和设施改造问题已解决。",
    C.MARKET: "已组织企业参加境外展会并对接本地供应商，企业订单情况有所好转。",
    C.TECHNOLOGY: "已对接高校院所和技术服务商，促成企业签订技术合作协议。",
    C.INFRASTRUCTURE: "已协调施工单位完成管网接通和路灯维修，园区网络提速已完成。",
    C.OTHER: "已会同相关部门现场调解，企业落实降噪措施，周边居民投诉已化解。",
}
REPLY_IN_HAND = "已制定解决方案并列入工作计划，正在按计划推进，预计{plan}前完成。"
REPLY_EXPLAINED = {
    C.LAND: (
        "经核实，企业所涉扩建厂房部分属违章建筑，根据“三改一拆”政策不予支持，已当面向企业解释。",
        "《临安区“三改一拆”三年行动实施方案》",
    ),
    C.ENVIRONMENT: (
        "经核实，企业排放问题属“五水共治”整治范围，需企业自行落实整改，已向企业说明政策。",
        "《临安区“五水共治”工作实施意见》",
    ),
    C.POLICY: (
        "经核实，企业项目不符合本年度技改补助申报条件，已向企业解读政策并辅导明年申报。",
        "《临安区工业企业技术改造专项资金管理办法》",
    ),
}
REPLY_EXPLAINED_OTHER = (
    "经核实，该诉求不符合现行政策规定，已向企业作政策解释，企业表示理解。",
    "现行相关政策文件规定",
)
FEEDBACK_NOTES = {
    Slip.FeedbackMethod.PHONE: "已将办理结果电话告知企业联系人。",
    Slip.FeedbackMethod.VISIT: "已上门向企业负责人反馈办理结果。",
    Slip.FeedbackMethod.MESSAGE: "已通过微信将办理结果告知企业。",
    Slip.FeedbackMethod.DOCUMENT: "已书面函告企业办理结果。",
}
RATING_COMMENTS = {
    Slip.Rating.SATISFIED: ["", "", "办理及时，感谢！", "服务很到位。"],
    Slip.Rating.BASIC: ["问题基本解决，希望后续继续跟进。", "进度稍慢，结果基本满意。"],
    Slip.Rating.DISSATISFIED: [
        "答复未解决实际问题，希望进一步协调。",
        "问题仍未落实，企业生产仍受影响。",
    ],
}
WITHDRAWN = "该问题与已交办事项重复，撤回重新梳理。"
ANSWERS = {
    C.POLICY: "已电话向企业解读：高新技术企业认定补助按区科技创新政策执行，每年申报期内通过“浙里办”申报即可，无需交办。",
    C.FINANCING: "已告知企业应收账款质押融资可通过动产融资统一登记公示系统办理，并推荐了合作银行联系人。",
    C.LABOUR: "已告知企业员工子女入学按区教育局积分入学政策办理，并提供了咨询电话。",
}
ANSWER_OTHER = "经梳理，该问题已有明确政策规定，活动办已向企业作政策解释说明，无需交办。"
DECLINE_REASONS = [
    "该诉求涉及企业自身违章建筑，属“三改一拆”整治范围，不予支持。",
    "诉求属企业之间的经济纠纷，应通过司法途径解决，不予交办。",
    "企业所述排放问题属“五水共治”整治范围，需企业自行整改，不予支持。",
]

# The state of the slips still open, by how long ago they were issued: weights.
OPEN_RECENT = {
    "issued": 24,
    "signed": 20,
    "in_progress": 30,
    "replied": 9,
    "fed_back": 3,
    "extension_requested": 4,
    "escalation_requested": 2,
    "return_requested": 2,
    "reassigned": 3,
}
OPEN_OLDER = {
    "in_progress": 25,
    "replied": 22,
    "fed_back": 18,
    "extended": 15,
    "escalated": 8,
    "reopened": 7,
    "refused": 3,
}
# Side paths among the closed slips: share of all slips.
CLOSED_SIDE_PATHS = {
    "extended": 0.03,
    "refused": 0.006,
    "escalated": 0.008,
    "reassigned": 0.008,
    "reopened": 0.015,
    "rejected": 0.008,
}
LATE_SHARE = 0.09  # of the closed: replied after the deadline in force


def is_empty() -> bool:
    return not Slip.objects.exists()


@transaction.atomic
def seed(*, with_logins: bool, log) -> None:
    if not is_empty():
        log("交办单：已有数据，跳过。")
        return
    if not Problem.objects.filter(status=Problem.Status.NEW).exists():
        return  # the visits demo raises the problems, then calls this again
    _Demo(log).run()


def _aware(day: datetime.date, minutes: int) -> datetime.datetime:
    """That day, ``minutes`` after midnight, Lin'an time."""
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time(minutes // 60, minutes % 60))
    )


def _pattern(weights: dict[str, int], rng) -> list[str]:
    states = [state for state, weight in weights.items() for _i in range(weight)]
    rng.shuffle(states)
    return states


class _Demo:
    def __init__(self, log):
        self.log = log
        self.rng = random.Random(20261031)  # noqa: S311 (demo data, deterministic on purpose)
        self.today = timezone.localdate()
        self.office = User.objects.filter(username="office").first()
        self.office_id = self.office.pk if self.office else None
        self.units = dict(
            Unit.objects.filter(
                kind__in=[Unit.Kind.DEPARTMENT, Unit.Kind.TOWN], is_active=True
            ).values_list("name", "pk")
        )
        self.unit_names = {pk: name for name, pk in self.units.items()}
        self.rules = {(r.category, r.urgency): r.days for r in DeadlineRule.objects.all()}
        self.events: list[SlipEvent] = []
        self.tier_units = {
            tier: unit.pk for tier in (2, 3, 4) if (unit := tier_unit_for(tier)) is not None
        }

    # --- The calendar ----------------------------------------------------------------------

    def _calendar(self):
        first = self.today - datetime.timedelta(days=FIRST_BATCH_DAYS_AGO + 10)
        end = self.today + datetime.timedelta(days=400)
        known = set(CalendarYear.objects.values_list("year", flat=True))
        for year in sorted({2025, 2026, *range(first.year, self.today.year + 2)} - known):
            # A year the package lacks: the deadlines reaching into it are provisional.
            with contextlib.suppress(ScheduleUnknown):
                calendar_year_load(year=year)
        self.cal = WorkCalendar(first, end)
        self.workdays = []
        day = first
        while day <= end:
            if self.cal.is_working_day(day):
                self.workdays.append(day)
            day += datetime.timedelta(days=1)
        self.last_idx = bisect.bisect_left(self.workdays, self.today) - 1

    def idx(self, day: datetime.date) -> int:
        return bisect.bisect_left(self.workdays, day)

    def deadline(self, start: datetime.date, days: int) -> tuple[datetime.date, bool]:
        """As ``deadline_compute``: the date, and whether it rests on a year not confirmed."""
        due = self.cal.add(start, days)
        years = range(start.year, due.year + 1)
        return due, any(not self.cal.year_known(year) for year in years)

    def days_for(self, category: str, urgency: str) -> int:
        for key in [(category, urgency), (category, ""), ("", urgency), ("", "")]:
            if key in self.rules:
                return self.rules[key]
        return DEFAULT_DAYS

    # --- People ------------------------------------------------------------------------------

    def _handlers(self) -> None:
        """One handler per handling unit: the existing one (the demo ``unit`` login for
        经信局), or a new one without a usable password."""
        group = Group.objects.get(name=Role.HANDLER.value)
        self.handler: dict[int, int] = {}
        for user_id, unit_id in (
            User.objects.filter(groups=group, unit__in=self.units.values())
            .order_by("pk")
            .values_list("pk", "unit_id")
        ):
            self.handler.setdefault(unit_id, user_id)
        unit_login = User.objects.filter(username=UNIT_LOGIN, groups=group).first()
        if unit_login is not None:
            self.handler[unit_login.unit_id] = unit_login.pk
        numbers = [
            int(name[2:])
            for name in User.objects.filter(username__regex=r"^jb\d+$").values_list(
                "username", flat=True
            )
        ]
        counter = max(numbers, default=0)
        unusable = make_password(None)
        rng = random.Random(20260601)  # noqa: S311
        new = []
        for unit_id in sorted(self.units.values()):
            if unit_id in self.handler:
                continue
            counter += 1
            new.append(
                User(
                    username=f"jb{counter:04d}",
                    name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                    unit_id=unit_id,
                    password=unusable,
                    mobile="137" + f"{counter:08d}",
                )
            )
        User.objects.bulk_create(new)
        made = User.objects.filter(username__in=[u.username for u in new])
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=u.pk, group_id=group.pk) for u in made]
        )
        for user_id, unit_id in made.values_list("pk", "unit_id"):
            self.handler[unit_id] = user_id
        self.handlers_made = len(new)

    # --- Sorting and issuing -----------------------------------------------------------------

    def _batch_days(self) -> list[int]:
        out = []
        for k in range(1, len(BATCH_WEIGHTS) + 1):
            day = self.today - datetime.timedelta(days=FIRST_BATCH_DAYS_AGO - BATCH_SPACING * k)
            out.append(min(self.idx(day), self.last_idx))
        return out

    def _lead(self, problem: dict) -> int:
        name = next(
            (unit for word, unit in LEAD_BY_WORDING.items() if word in problem["description"]),
            LEAD_BY_CATEGORY.get(problem["category"]),
        )
        return self.units.get(name, problem["enterprise__town_id"])

    def _co_units(self, problem: dict, lead: int) -> list[int]:
        rng, town = self.rng, problem["enterprise__town_id"]
        jingxin = self.units.get(JINGXIN)
        co = []
        if lead == town:
            if rng.random() < 0.3 and "生态环境局" in self.units:
                co.append(self.units["生态环境局"])
        elif rng.random() < 0.28:
            co.append(town)
        if jingxin and lead != jingxin and rng.random() < 0.035:
            co.append(jingxin)
        return co

    def _sort_and_issue(self) -> None:
        rng = self.rng
        problems = list(
            Problem.objects.filter(status=Problem.Status.NEW)
            .order_by("raised_at", "pk")
            .values(
                "pk",
                "enterprise_id",
                "enterprise__town_id",
                "category",
                "urgency",
                "description",
                "raised_at",
                "raised_by_id",
                "met_face_to_face",
            )
        )
        firms = Enterprise.objects.count()
        target = round(ARTICLE_ISSUED * firms / ARTICLE_FIRMS)
        weights = [w / sum(BATCH_WEIGHTS) for w in BATCH_WEIGHTS]
        quotas = [round(target * sum(weights[: k + 1])) for k in range(len(weights))]
        quotas = [quotas[0]] + [quotas[k] - quotas[k - 1] for k in range(1, len(quotas))]
        quotas[-1] += 1  # the slip withdrawn later
        actions = dict(SpecialAction.objects.values_list("name", "pk"))
        years: dict[int, int] = {}
        self.batches, self.slips, self.decided = [], [], []
        self.settled = {"answered": 0, "declined": 0, "merged": 0}
        firm_slips: dict[int, list[dict]] = {}
        position, carry = 0, 0
        for day_idx, quota in zip(self._batch_days(), quotas, strict=True):
            day = self.workdays[day_idx]
            opened_at = _aware(day, 9 * 60)
            if day.year not in years:
                years[day.year] = (
                    Batch.objects.filter(year=day.year).aggregate(n=Max("number"))["n"] or 0
                )
            years[day.year] += 1
            batch = Batch(
                year=day.year,
                number=years[day.year],
                title=f"{day.year}年第{years[day.year]}批访企解难问题交办",
                opened_at=opened_at,
                opened_by=self.office,
            )
            self.batches.append(batch)
            quota += carry
            minute = 9 * 60 + 5
            while (
                quota and position < len(problems) and problems[position]["raised_at"] < opened_at
            ):
                problem = problems[position]
                position += 1
                minute += 1
                decided_at = _aware(day, minute)
                earlier = firm_slips.get(problem["enterprise_id"], [])
                same = [p for p in earlier if p["category"] == problem["category"]]
                draw = rng.random()
                if (same and draw < 0.5) or (earlier and draw < 0.05):
                    self._decide(problem, decided_at, Problem.Status.MERGED, (same or earlier)[-1])
                    continue
                draw = rng.random()
                if draw < 0.05:
                    self._decide(problem, decided_at, Problem.Status.ANSWERED)
                    continue
                if draw < 0.075:
                    self._decide(problem, decided_at, Problem.Status.DECLINED)
                    continue
                quota -= 1
                batch.last_seq += 1
                seq = batch.last_seq
                lead = self._lead(problem)
                days = self.days_for(problem["category"], problem["urgency"])
                due, provisional = self.deadline(day, days)
                slip = Slip(
                    number=SLIP_NUMBER.format(year=batch.year, batch=batch.number, seq=seq),
                    batch=batch,
                    seq=seq,
                    problem_id=problem["pk"],
                    lead_unit_id=lead,
                    requirement="",
                    days=days,
                    issued_at=decided_at,
                    issued_by=self.office,
                    deadline=due,
                    original_deadline=due,
                    deadline_provisional=provisional,
                )
                slip.p = problem
                slip.co = self._co_units(problem, lead)
                slip.issue_idx = day_idx
                self.slips.append(slip)
                firm_slips.setdefault(problem["enterprise_id"], []).append(problem)
                special = SPECIAL_ACTIONS.get(problem["category"])
                self.decided.append(
                    Problem(
                        pk=problem["pk"],
                        status=Problem.Status.ASSIGNED,
                        decided_at=decided_at,
                        decided_by=self.office,
                        decision_note="",
                        duplicate_of=None,
                        kind=Problem.Kind.SHARED
                        if problem["category"] in SHARED and rng.random() < 0.2
                        else Problem.Kind.INDIVIDUAL,
                        special_action_id=actions.get(special) if rng.random() < 0.6 else None,
                        met_face_to_face=problem["met_face_to_face"],
                        updated_at=decided_at,
                    )
                )
            carry = quota
        self.waiting = len(problems) - len(self.decided)

    def _decide(self, problem, decided_at, status, into=None) -> None:
        rng = self.rng
        note = ""
        if status == Problem.Status.ANSWERED:
            note = ANSWERS.get(problem["category"], ANSWER_OTHER)
            self.settled["answered"] += 1
        elif status == Problem.Status.DECLINED:
            note = rng.choice(DECLINE_REASONS)
            self.settled["declined"] += 1
        else:
            self.settled["merged"] += 1
            if problem["met_face_to_face"] and not into["met_face_to_face"]:
                into["met_face_to_face"] = True  # the firm was met about it: so was the problem
                for row in self.decided:
                    if row.pk == into["pk"]:
                        row.met_face_to_face = True
        self.decided.append(
            Problem(
                pk=problem["pk"],
                status=status,
                decided_at=decided_at,
                decided_by=self.office,
                decision_note=note,
                duplicate_of_id=into["pk"] if into else None,
                kind=Problem.Kind.INDIVIDUAL,
                special_action_id=None,
                met_face_to_face=problem["met_face_to_face"],
                updated_at=decided_at,
            )
        )

    # --- Planning each slip's path -----------------------------------------------------------

    def _plan(self) -> None:
        rng, slips = self.rng, self.slips
        for slip in slips:
            slip.age = (self.today - self.workdays[slip.issue_idx]).days
            slip.plan = {"final": "in_progress"}
        # One slip of the last batch is withdrawn (issued twice by mistake).
        withdrawn = slips[-1]
        withdrawn.plan = {"final": "withdrawn"}
        live = slips[:-1]
        closed_target = round(len(live) * ARTICLE_CLOSED / ARTICLE_ISSUED)

        def score(slip):
            # Older first, quick ones first; now and then a hard one runs on for months.
            if slip.p["category"] in ESCALATING and slip.age > 90 and rng.random() < 0.04:
                return -1000.0
            return slip.age - 1.5 * slip.days + rng.gauss(0, 18)

        scored = sorted((s for s in live if s.age >= RECENT_DAYS), key=score, reverse=True)
        closed = set(map(id, scored[:closed_target]))
        self._keep_open(live, closed)
        closed_slips = [s for s in live if id(s) in closed]
        for slip in closed_slips:
            slip.plan = {"final": "closed", "late": rng.random() < LATE_SHARE}
        # Side paths on the way to closing.
        free = list(closed_slips)
        rng.shuffle(free)
        for path, share in CLOSED_SIDE_PATHS.items():
            count = max(1, round(len(live) * share)) if len(live) >= 20 else 0
            if path in {"escalated", "reassigned"}:
                fits = ESCALATING if path == "escalated" else list(WRONG_UNIT)
                free.sort(key=lambda s: s.p["category"] not in fits)
            for slip in free[:count]:
                slip.plan[path] = True
                if path == "escalated":
                    slip.plan["send_down"] = rng.random() < 0.5
            free = free[count:]
            rng.shuffle(free)
        # The open ones: a mix of states in every unit (sorted by unit, a pattern walked in turn).
        open_slips = [s for s in live if id(s) not in closed]
        for weights, group in [
            (OPEN_RECENT, [s for s in open_slips if s.age < RECENT_DAYS]),
            (OPEN_OLDER, [s for s in open_slips if s.age >= RECENT_DAYS]),
        ]:
            pattern = _pattern(weights, rng)
            group.sort(key=lambda s: (s.lead_unit_id, s.issued_at))
            offset = rng.randrange(len(pattern))
            for i, slip in enumerate(group):
                state = pattern[(offset + i) % len(pattern)]
                if state == "reassigned" and slip.p["category"] not in WRONG_UNIT:
                    state = "issued"
                slip.plan = {
                    "extended": {"final": "in_progress", "extended": True},
                    "refused": {"final": "in_progress", "refused": True},
                    "reassigned": {"final": "issued", "reassigned": True},
                    "escalated": {"final": "escalated", "escalated": True},
                    "reopened": {"final": "reopened", "reopened": True},
                }.get(state, {"final": state})
                slip.plan["late"] = False
        self._keep_co(open_slips)

    def _inbox_unit(self) -> int | None:
        """经信局, when the demo unit login (李明) is there to see its inbox."""
        if User.objects.filter(username=UNIT_LOGIN).exists():
            return self.units.get(JINGXIN)
        return None

    def _keep_open(self, live: list[Slip], closed: set) -> None:
        """The demo unit login's unit keeps its newest slips open (in a small demo too):
        swapped with other units' open slips, so the closed count stays."""
        jingxin = self._inbox_unit()
        if jingxin is None:
            return
        mine = [s for s in live if s.lead_unit_id == jingxin]
        keep = mine[-3:]  # the newest three
        spare = [s for s in live if id(s) not in closed and s.lead_unit_id != jingxin]
        spare.sort(key=lambda s: -s.age)
        for slip in keep:
            if id(slip) in closed and spare:
                other = spare.pop(0)
                if other.age >= RECENT_DAYS:
                    closed.discard(id(slip))
                    closed.add(id(other))

    def _keep_co(self, open_slips: list[Slip]) -> None:
        """...and is co-unit on at least two slips still waiting on the units."""
        jingxin = self._inbox_unit()
        if jingxin is None:
            return
        waiting = [
            s
            for s in open_slips
            if s.plan["final"] not in {"replied", "fed_back"} and not s.plan.get("reassigned")
        ]
        as_co = [s for s in waiting if jingxin in s.co]
        others = [s for s in waiting if s.lead_unit_id != jingxin and jingxin not in s.co]
        need = max(0, 2 - len(as_co))
        for slip in others[len(others) - need :]:
            slip.co.append(jingxin)

    # --- Living the paths --------------------------------------------------------------------

    def run(self) -> None:
        self._calendar()
        self._handlers()
        self._sort_and_issue()
        if not self.slips:
            self.log("交办单：没有可交办的问题，跳过。")
            return
        self.user_unit = dict(
            User.objects.filter(
                pk__in={s.p["raised_by_id"] for s in self.slips} | set(self.handler.values())
            ).values_list("pk", "unit_id")
        )
        if self.office is not None:
            self.user_unit[self.office.pk] = self.office.unit_id
        self._plan()
        for slip in self.slips:
            _Life(self, slip).run()
        self._save()

    def _save(self) -> None:
        for batch in self.batches:
            batch.save()
        for slip in self.slips:
            slip.batch_id = slip.batch.pk
        Slip.objects.bulk_create(self.slips, batch_size=1000)
        for slip in self.slips:
            slip.created_at, slip.updated_at = slip.issued_at, slip.last_at
        Slip.objects.bulk_update(self.slips, ["created_at", "updated_at"], batch_size=1000)
        Slip.co_units.through.objects.bulk_create(
            [
                Slip.co_units.through(slip_id=slip.pk, unit_id=unit_id)
                for slip in self.slips
                for unit_id in slip.co
            ],
            batch_size=2000,
        )
        for event in self.events:
            event.slip_id = event.slip.pk
        SlipEvent.objects.bulk_create(self.events, batch_size=2000)
        withdrawn = {s.problem_id for s in self.slips if s.status == S.WITHDRAWN}
        for row in self.decided:
            if row.pk in withdrawn:
                row.status = Problem.Status.NEW  # as slip_withdraw: back to sorting
        Problem.objects.bulk_update(
            self.decided,
            [
                "status",
                "decided_at",
                "decided_by",
                "decision_note",
                "duplicate_of",
                "kind",
                "special_action",
                "met_face_to_face",
                "updated_at",
            ],
            batch_size=1000,
        )
        measures = slip_measures(Slip.objects.all())
        self.log(
            f"交办单：{len(self.batches)} 批 {measures.issued} 件（另撤回 {len(withdrawn)} 件），"
            f"办结 {measures.closed} 件（{measures.closure_rate}%），"
            f"按期办结率 {measures.on_time_rate}%，满意率 {measures.satisfaction_rate}%，"
            f"超期 {measures.overdue} 件；问题直接答复 {self.settled['answered']} 个、"
            f"不予支持 {self.settled['declined']} 个、合并 {self.settled['merged']} 个，"
            f"待梳理 {self.waiting + len(withdrawn)} 个；新增承办人 {self.handlers_made} 人"
        )


class _Life:
    """One slip's steps, each checked against the state table and setting what its service
    sets, at past working-day times."""

    def __init__(self, demo: _Demo, slip: Slip):
        self.demo, self.slip, self.rng = demo, slip, demo.rng
        self.day_idx = slip.issue_idx
        self.at = slip.issued_at
        self.at_idx = slip.issue_idx
        # The end of the story for an open slip: a few working days ago at most.
        self.end_idx = demo.last_idx - self.rng.randint(0, 3)

    # Time ------------------------------------------------------------------------------------

    def _when(self, gap: int, exact: datetime.datetime | None = None) -> datetime.datetime:
        idx = max(self.day_idx, min(self.day_idx + gap, self.demo.last_idx))
        if exact is not None:
            at = exact
        elif idx == self.at_idx:  # later the same day, and never past its evening
            at = self.at + datetime.timedelta(minutes=self.rng.randint(8, 50))
            evening = _aware(self.demo.workdays[idx], 22 * 60)
            at = at if at < evening else max(evening, self.at + datetime.timedelta(minutes=1))
        else:
            at = _aware(self.demo.workdays[idx], self.rng.randint(8 * 60 + 30, 17 * 60 + 30))
        self.day_idx = self.at_idx = idx
        self.at = at
        return at

    def _g(self, lo: int, hi: int) -> int:
        """A gap in working days, shorter for a slip with a short deadline."""
        return self.rng.randint(lo, max(lo, round(hi * min(1.0, self.slip.days / 10))))

    def _toward(self, tail: int) -> None:
        """Let time pass, with a progress note, so the story's last step is recent."""
        target = self.end_idx - tail
        if target - self.day_idx > 8 and self.slip.status in MOVES["note"].sources:
            self._note(self.rng.randint(3, (target - self.day_idx) // 2 + 3))
        self.day_idx = max(self.day_idx, target)

    # One step --------------------------------------------------------------------------------

    def _step(self, action, actor_id, gap, *, text="", data=None, apply=None, at=None):
        slip, move = self.slip, MOVES[action]
        before = slip.status
        if before not in move.sources and not (action == "issue" and before == ""):
            raise RuntimeError(f"{slip.number}: {action} is not allowed from {before}")
        at = self._when(gap, at)
        if apply:
            apply(at)
        if move.target == STAY:
            target = before
        elif move.target == RESUME:
            target = slip.resume_status or S.IN_PROGRESS
        else:
            target = move.target
        pending = {S.RETURN_REQUESTED, S.EXTENSION_REQUESTED, S.ESCALATION_REQUESTED}
        if target in pending and before not in pending:
            slip.resume_status = before
        elif before in pending and target not in pending:
            slip.resume_status = ""
        slip.status = target
        slip.last_at = at
        self.demo.events.append(
            SlipEvent(
                slip=slip,
                created_at=at,
                actor_id=actor_id,
                unit_id=self.demo.user_unit.get(actor_id),
                action=action,
                from_status=before,
                to_status=target,
                text=text,
                data=data if data is not None else {},
            )
        )
        return at

    def _lead(self):
        return self.demo.handler[self.slip.lead_unit_id]

    def _office(self):
        return self.demo.office_id

    # The steps, as the services take them --------------------------------------------------

    def _issue(self, lead: int) -> None:
        slip, demo, rng = self.slip, self.demo, self.rng
        co_names = "、".join(demo.unit_names[u] for u in slip.co)
        slip.requirement = rng.choice(REQUIREMENTS).format(
            co=f"会同{co_names}" if co_names else "", days=slip.days
        )
        slip.status = ""
        slip.lead_unit_id = lead
        self._step(
            "issue",
            self._office(),
            0,
            at=slip.issued_at,
            text=slip.requirement,
            data={
                "lead_unit": demo.unit_names[lead],
                "co_units": [demo.unit_names[u] for u in slip.co],
                "days": slip.days,
                "deadline": slip.deadline.isoformat(),
                "provisional": slip.deadline_provisional,
            },
        )

    def _sign(self, gap) -> None:
        def apply(at):
            if self.slip.signed_at is None:
                self.slip.signed_at = at

        self._step("sign", self._lead(), gap, apply=apply)

    def _contact(self, gap) -> None:
        met = self.rng.random() < (0.6 if self.slip.p["met_face_to_face"] else 0.85)
        text = self.rng.choice(CONTACT_MET if met else CONTACT_PHONE)

        def apply(at):
            if self.slip.first_contact_at is None:
                self.slip.first_contact_at = at
            if met:
                self.slip.contact_met = True

        self._step("contact", self._lead(), gap, text=text, data={"met": met}, apply=apply)

    def _note(self, gap) -> None:
        self._step("note", self._lead(), gap, text=self.rng.choice(NOTES))

    def _co_input(self, gap) -> None:
        unit_id = self.rng.choice(self.slip.co)
        self._step("co_input", self.demo.handler[unit_id], gap, text=self.rng.choice(CO_INPUTS))

    def _new_deadline(self, at, days) -> None:
        due, provisional = self.demo.deadline(timezone.localdate(at), days)
        self.slip.deadline, self.slip.deadline_provisional = due, provisional

    def _deadline_idx(self) -> int:
        return self.demo.idx(self.slip.deadline)

    def _reassign(self) -> None:
        """Sent first to the wrong unit, which asks to return it; the office re-assigns it."""
        slip, demo, rng = self.slip, self.demo, self.rng
        right = slip.lead_unit_id
        wrong = demo.units.get(WRONG_UNIT.get(slip.p["category"], ""))
        if wrong is None or wrong == right:
            wrong = next(u for u in demo.handler if u != right and u not in slip.co)
        slip.co = [u for u in slip.co if u != right and u != wrong]
        self._issue(wrong)
        if rng.random() < 0.5:
            self._sign(rng.randint(0, 1))
        reason = RETURN_REASONS.format(right=demo.unit_names[right])
        self._step("request_return", demo.handler[wrong], rng.randint(0, 2), text=reason)
        if slip.plan["final"] == "return_requested":
            return

        def apply(at):
            slip.lead_unit_id = right
            slip.signed_at = None
            self._new_deadline(at, slip.days)

        self._step(
            "approve_return",
            self._office(),
            rng.randint(1, 2),
            text=RETURN_APPROVED.format(right=demo.unit_names[right]),
            data={
                "from_unit": demo.unit_names[wrong],
                "to_unit": demo.unit_names[right],
                "days": slip.days,
            },
            apply=apply,
        )

    def _request_extension(self, gap, new_deadline) -> None:
        def apply(at):
            self.slip.requested_deadline = new_deadline

        self._step(
            "request_extension",
            self._lead(),
            gap,
            text=self.rng.choice(EXTENSION_REASONS),
            data={"proposed": new_deadline.isoformat()},
            apply=apply,
        )

    def _extension(self, approve: bool, open_after: bool) -> None:
        """Asked a little before the deadline; approved (deadline moved, the original kept)
        or refused a day or two later."""
        slip, rng, demo = self.slip, self.rng, self.demo
        deadline_idx = self._deadline_idx()
        ask_idx = max(self.day_idx, deadline_idx - rng.randint(1, 3))
        extra = rng.randint(5, 15)
        if open_after:  # still being worked: the extended deadline lies ahead
            extra = max(extra, demo.last_idx - deadline_idx + rng.randint(4, 15))
        new_deadline = demo.workdays[min(deadline_idx + extra, len(demo.workdays) - 1)]
        self._request_extension(ask_idx - self.day_idx, new_deadline)
        if not approve:

            def clear(at):
                slip.requested_deadline = None

            self._step(
                "refuse_extension",
                self._office(),
                rng.randint(1, 2),
                text=EXTENSION_REFUSED,
                apply=clear,
            )
            return
        data = {}

        def extend(at):
            data.update(
                {"from": slip.deadline.isoformat(), "to": slip.requested_deadline.isoformat()}
            )
            slip.deadline = slip.requested_deadline
            slip.requested_deadline = None
            slip.deadline_provisional = not demo.cal.year_known(slip.deadline.year)

        self._step(
            "approve_extension",
            self._office(),
            rng.randint(1, 2),
            text=EXTENSION_APPROVED,
            data=data,
            apply=extend,
        )

    def _escalate(self) -> None:
        rng, slip = self.rng, self.slip
        self._step(
            "request_escalation",
            self._lead(),
            rng.randint(1, 4),
            text=rng.choice(ESCALATION_REASONS),
        )
        if slip.plan["final"] == "escalation_requested":
            return

        def climb(at):
            slip.tier += 1
            slip.tier_unit_id = self.demo.tier_units.get(slip.tier)

        self._step(
            "approve_escalation",
            self._office(),
            rng.randint(1, 2),
            text=ESCALATION_APPROVED,
            data={"tier": slip.tier + 1},
            apply=climb,
        )

    def _send_down(self) -> None:
        days = self.slip.days

        self._step(
            "send_down",
            self._office(),
            self.rng.randint(3, 8),
            text=SENT_DOWN,
            data={"days": days},
            apply=lambda at: self._new_deadline(at, days),
        )

    def _reply(self, late: bool) -> None:
        """On time: by the deadline in force; late: a few working days after it."""
        slip, rng, demo = self.slip, self.rng, self.demo
        deadline_idx = self._deadline_idx()
        if late:
            idx = max(self.day_idx + 1, deadline_idx + rng.randint(1, 8))
        elif self.day_idx + 1 <= deadline_idx:
            idx = rng.randint(self.day_idx + 1, deadline_idx)
        else:
            idx = self.day_idx + 1
        category = slip.p["category"]
        weights = [55, 20, 25] if category in REPLY_EXPLAINED else [72, 20, 8]
        outcome = rng.choices(list(Slip.Outcome.values), weights)[0]
        plan_date, basis = None, ""
        if outcome == Slip.Outcome.SOLVED:
            text = REPLY_SOLVED[category]
        elif outcome == Slip.Outcome.IN_HAND:
            plan_date = demo.workdays[min(idx, demo.last_idx)] + datetime.timedelta(
                days=rng.randint(30, 90)
            )
            text = REPLY_IN_HAND.format(
                plan=f"{plan_date.year}年{plan_date.month}月{plan_date.day}日"
            )
        else:
            text, basis = REPLY_EXPLAINED.get(category, REPLY_EXPLAINED_OTHER)
        actor = self._lead()

        def apply(at):
            slip.reply_outcome = outcome
            slip.reply_text = text
            slip.reply_plan_date = plan_date
            slip.reply_basis = basis
            slip.replied_at = at
            slip.replied_by_id = actor
            slip.replied_on_time = timezone.localdate(at) <= slip.deadline
            slip.late_reply = slip.late_reply or not slip.replied_on_time
            slip.requested_deadline = None

        self._step(
            "reply", actor, idx - self.day_idx, text=text, data={"outcome": outcome}, apply=apply
        )

    def _feed_back(self, gap) -> None:
        slip = self.slip
        method = self.rng.choices(list(FEEDBACK_NOTES), [45, 30, 15, 10])[0]
        note = FEEDBACK_NOTES[method]

        def apply(at):
            slip.fed_back_at = at
            slip.feedback_method = method
            slip.feedback_note = note

        self._step(
            "feed_back", self._office(), gap, text=note, data={"method": method}, apply=apply
        )

    def _rate(self, gap, rating) -> None:
        slip, rng, demo = self.slip, self.rng, self.demo
        comment = rng.choice(RATING_COMMENTS[rating])
        # The office records it, or the cadre who raised the problem, for the firm.
        rater = slip.p["raised_by_id"] if rng.random() < 0.5 else None
        rater = rater or demo.office_id
        reopen = rating == Slip.Rating.DISSATISFIED

        def apply(at):
            slip.rating = rating
            slip.rating_comment = comment
            slip.rated_at = at
            slip.rated_by_id = rater
            slip.rated_by_firm = False
            if reopen:  # as slip_rate: the round's reply and feedback no longer count
                slip.reopen_count += 1
                slip.signed_at = None
                slip.replied_at = None
                slip.replied_on_time = None
                slip.fed_back_at = None
                slip.feedback_method = ""
                slip.feedback_note = ""
                self._new_deadline(at, slip.days)
            else:
                slip.closed_at = at
                slip.closed_on_time = bool(slip.replied_on_time) and not slip.late_reply

        self._step(
            "rate_reopen" if reopen else "rate_close",
            rater,
            gap,
            text=comment,
            data={"rating": rating, "by_firm": False},
            apply=apply,
        )

    # The whole path --------------------------------------------------------------------------

    def run(self) -> None:
        slip, rng = self.slip, self.rng
        plan, final = slip.plan, slip.plan["final"]
        is_open = final not in {"closed", "withdrawn"}
        if plan.get("reassigned") or final == "return_requested":
            self._reassign()
        else:
            self._issue(slip.lead_unit_id)
        if final in {"return_requested", "issued"}:
            return
        if final == "withdrawn":
            self._step("withdraw", self._office(), rng.randint(1, 2), text=WITHDRAWN)
            return
        self._sign(self._g(0, 2))
        if rng.random() < 0.92:
            self._contact(self._g(0, 3))
        if slip.co and rng.random() < 0.4:
            self._co_input(self._g(0, 3))
        if final == "signed":
            return
        if final == "extension_requested":
            self._note(rng.randint(0, 2))
            deadline_idx = self._deadline_idx()
            new_deadline = self.demo.workdays[deadline_idx + rng.randint(5, 12)]
            ask = max(0, min(deadline_idx, self.end_idx) - self.day_idx)
            self._request_extension(ask, new_deadline)
            return
        self._note(self._g(1, 4))
        if plan.get("extended") or plan.get("refused"):
            self._extension(approve=bool(plan.get("extended")), open_after=is_open)
        if plan.get("escalated") or final == "escalation_requested":
            if final == "escalated":
                self._toward(8)  # escalated a couple of weeks ago, with the group since
            self._escalate()
            if final in {"escalation_requested", "escalated"}:
                if final == "escalated" and slip.co:
                    self._co_input(rng.randint(2, 6))
                return
            if plan.get("send_down"):
                self._send_down()
                self._note(rng.randint(1, 3))
        if final == "in_progress":
            if slip.age >= RECENT_DAYS:
                self._toward(0)
                self._note(0)
            return
        if is_open:
            self._toward({"replied": 0, "fed_back": 2, "reopened": 6}[final])
        self._reply(late=plan.get("late", False))
        if plan.get("rejected"):

            def unreply(at):  # as slip_reject_reply
                slip.replied_at = None
                slip.replied_on_time = None

            self._step(
                "reject_reply",
                self._office(),
                rng.randint(1, 2),
                text=REPLY_REJECTED,
                apply=unreply,
            )
            self._note(rng.randint(1, 3))
            self._reply(late=plan.get("late", False))
        if final == "replied":
            return
        self._feed_back(rng.randint(1, 3))
        if final == "fed_back":
            return
        if plan.get("reopened"):
            self._rate(rng.randint(1, 4), Slip.Rating.DISSATISFIED)
            if final == "reopened":
                return
            self._sign(rng.randint(0, 1))
            self._note(rng.randint(1, 5))
            self._reply(late=False)
            self._feed_back(rng.randint(1, 3))
        rating = rng.choices([Slip.Rating.SATISFIED, Slip.Rating.BASIC], [82, 18])[0]
        self._rate(rng.randint(0, 5), rating)
