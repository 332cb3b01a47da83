"""Demo data for supervision: the deadline sweep run over the demo's slips, as beat would have
run it — reminders for slips due soon, chase-ups (催办) for the overdue, escalation of those
long overdue to the leadership group, the city leaders and the higher level, each with its
notices — and, when the demo logins exist, the coordination of a few escalated slips: a
coordinator, a coordination meeting, one slip sent back down with a new deadline."""

from django.db import transaction
from django.utils import timezone

from core.models import Unit, User
from issues.models import Slip
from issues.services.slips import slip_send_down

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
    return not DeadlineAction.objects.exists() and not Coordination.objects.exists()


def seed(*, with_logins: bool, log) -> None:
    report = deadlines_sweep()
    log(
        f"督办：提醒 {report.reminders} 件，催办 {report.overdue} 件，"
        f"提级 {report.escalations} 件，未评价办结 {report.unrated} 件。"
    )
    if with_logins:
        _coordinate(log)


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
