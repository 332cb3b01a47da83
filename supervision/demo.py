"""Demo data for supervision: the deadline sweep run over the demo's slips, as beat would have
run it — reminders for slips due soon, chase-ups (催办) for the overdue, escalation of those
long overdue to the leadership group, the city leaders and the higher level, each with its
notices — and, when the demo logins exist, the coordination of a few escalated slips: a
coordinator, a coordination meeting, one slip sent back down with a new deadline."""

from django.db import transaction
from django.utils import timezone

from core.models import Unit, User
from issues.models import Problem, Slip
from issues.services.slips import slip_send_down

from .demo_portal import seed_portal
from .demo_reports import is_empty as reports_empty
from .demo_reports import seed_reports
from .models import Coordination, DeadlineAction
from .services import coordination_meeting_record, coordinator_assign
from .sweep import deadlines_sweep

DECISIONS = [
    "会议明确由{lead}牵头，相关单位按职责配合，五个工作日内拿出解决方案并答复企业。",
    "会议议定：{lead}负责协调用地指标，市领导小组办公室跟踪督办，结果报领导小组。",
    "会议认为问题涉及多个部门职责，由{lead}牵头成立专班，一周内现场办公。",
]
INSTRUCTIONS = "请按协调会议定事项抓紧落实，办理结果书面答复企业并报领导小组办公室。"


def is_empty() -> bool:
    """Nothing of supervision's demo yet (each part below is idempotent on its own)."""
    return (
        not DeadlineAction.objects.exists() and not Coordination.objects.exists()
    ) or reports_empty()


def seed(*, with_logins: bool, log) -> None:
    report = deadlines_sweep()
    log(
        f"督办：提醒 {report.reminders} 件，催办 {report.overdue} 件，"
        f"提级 {report.escalations} 件，未评价办结 {report.unrated} 件。"
    )
    if with_logins:
        _coordinate(log)
        _list_key_problems(log)
        seed_portal(log)
    seed_reports(log=log)


SUPERVISION_NOTES = [
    "涉及重点项目投产，列入挂表督办，每周报告进展。",
    "企业多次反映，市领导批示要求限期解决。",
    "共性问题，涉及多家企业，挂表跟踪至办结。",
]


@transaction.atomic
def _list_key_problems(log) -> None:
    """挂表督办: the office lists a few key problems — the oldest overdue slips' problems."""
    from issues.measures import measure_filters
    from issues.services import problem_supervision_set

    office = User.objects.filter(username="office").first()
    if office is None or Problem.objects.filter(supervised_at__isnull=False).exists():
        return
    slips = (
        Slip.objects.filter(measure_filters()["overdue"], problem__supervised_at__isnull=True)
        .select_related("problem")
        .order_by("deadline", "pk")[: len(SUPERVISION_NOTES)]
    )
    listed = 0
    for slip, note in zip(slips, SUPERVISION_NOTES, strict=False):
        problem_supervision_set(problem=slip.problem, actor=office, listed=True, note=note)
        listed += 1
    log(f"挂表督办：{listed} 个重点问题。")


@transaction.atomic
def _coordinate(log) -> None:
    office = User.objects.filter(username="office").first()
    done = 0
    for username in ["group", "leader"]:
        member = User.objects.filter(username=username).select_related("unit").first()
        if member is None or office is None:
            continue
        waiting = list(
            Slip.objects.filter(status=Slip.Status.ESCALATED, tier_unit=member.unit)
            .select_related("lead_unit", "problem", "problem__enterprise")
            .prefetch_related("co_units")
            .order_by("deadline", "pk")[:3]
        )
        for index, slip in enumerate(waiting):
            if Coordination.objects.filter(slip=slip, tier=slip.tier).exists():
                continue
            coordinator_assign(slip=slip, actor=member, coordinator=member)
            done += 1
            if index == 0:
                continue  # the first waits for its meeting: a coordinator, nothing more yet
            units = [slip.lead_unit, *slip.co_units.all()]
            units += list(
                Unit.objects.filter(
                    kind=Unit.Kind.DEPARTMENT, name__in=["发改局", "自然资源和规划局"]
                )
            )
            coordination_meeting_record(
                slip=slip,
                actor=member,
                held_on=timezone.localdate(),
                units=list({u.pk: u for u in units}.values()),
                decisions=DECISIONS[index % len(DECISIONS)].format(lead=slip.lead_unit.name),
            )
            if index == 2 and member.unit.kind == Unit.Kind.LEADING_GROUP:
                slip_send_down(slip=slip, actor=member, instructions=INSTRUCTIONS, days=10)
    log(f"协调：{done} 件上交的交办单已指定协调人。")
