"""Bring a slip to any state through the services, the way the product does, and take any move
of the state table with valid input. Shared by the workflow, view and concurrency tests."""

import datetime

from issues.models import Slip
from issues.services import (
    slip_co_input,
    slip_contact,
    slip_escalation_decide,
    slip_extension_decide,
    slip_feed_back,
    slip_note,
    slip_rate,
    slip_reject_reply,
    slip_reply,
    slip_request_escalation,
    slip_request_extension,
    slip_request_return,
    slip_return_decide,
    slip_send_down,
    slip_sign,
    slip_withdraw,
)

S = Slip.Status
DAY = datetime.timedelta(days=1)

# The steps from a freshly issued slip to each state: (action, who) with "lead" or "office".
PATHS: dict[str, list[str]] = {
    S.ISSUED: [],
    S.SIGNED: ["sign"],
    S.IN_PROGRESS: ["sign", "note"],
    S.RETURN_REQUESTED: ["request_return"],
    S.EXTENSION_REQUESTED: ["sign", "request_extension"],
    S.ESCALATION_REQUESTED: ["sign", "request_escalation"],
    S.ESCALATED: ["sign", "request_escalation", "approve_escalation"],
    S.REPLIED: ["sign", "reply"],
    S.FED_BACK: ["sign", "reply", "feed_back"],
    S.CLOSED: ["sign", "reply", "feed_back", "rate_close"],
    S.REOPENED: ["sign", "reply", "feed_back", "rate_reopen"],
    S.RETURNED: ["request_return", "close_returned"],
    S.WITHDRAWN: ["withdraw"],
}
ALL_STATES = list(PATHS)

# The text each move writes into its SlipEvent row (empty for a signature).
TEXTS = {
    "sign": "",
    "note": "已与供电公司对接，正在排期",
    "contact": "到企业现场了解增容需求",
    "co_input": "已安排勘查线路",
    "request_return": "变压器增容属供电公司职责",
    "request_extension": "设备到货需要时间",
    "request_escalation": "涉及跨区电网改造，本单位无法协调",
    "reply": "已协调完成增容，企业已通电",
    "approve_return": "同意改派",
    "close_returned": "同意退回，重新梳理",
    "refuse_return": "属于本单位职责，继续办理",
    "approve_extension": "同意延期",
    "refuse_extension": "不同意延期",
    "approve_escalation": "同意提级",
    "refuse_escalation": "由本单位继续协调",
    "send_down": "请按领导小组意见三日内落实",
    "reject_reply": "答复未说明通电时间",
    "feed_back": "电话告知企业",
    "rate_close": "满意",
    "rate_reopen": "至今仍未通电",
    "withdraw": "重复交办，撤回",
}


def take(slip: Slip, action: str, actor, *, reassign_to=None) -> Slip:
    """Take one move of ``MOVES`` with valid input, through its service."""
    text = TEXTS[action]
    if action == "sign":
        return slip_sign(slip=slip, actor=actor)
    if action == "note":
        return slip_note(slip=slip, actor=actor, text=text)
    if action == "contact":
        return slip_contact(slip=slip, actor=actor, met=True, text=text)
    if action == "co_input":
        return slip_co_input(slip=slip, actor=actor, text=text)
    if action == "request_return":
        return slip_request_return(slip=slip, actor=actor, reason=text)
    if action == "request_extension":
        slip.refresh_from_db()
        return slip_request_extension(
            slip=slip, actor=actor, reason=text, new_deadline=slip.deadline + 10 * DAY
        )
    if action == "request_escalation":
        return slip_request_escalation(slip=slip, actor=actor, reason=text)
    if action == "reply":
        return slip_reply(slip=slip, actor=actor, outcome=Slip.Outcome.SOLVED, text=text)
    if action == "approve_return":
        return slip_return_decide(
            slip=slip, actor=actor, approve=True, note=text, reassign_to=reassign_to, days=8
        )
    if action == "close_returned":
        return slip_return_decide(slip=slip, actor=actor, approve=True, note=text)
    if action == "refuse_return":
        return slip_return_decide(slip=slip, actor=actor, approve=False, note=text)
    if action in {"approve_extension", "refuse_extension"}:
        return slip_extension_decide(
            slip=slip, actor=actor, approve=action.startswith("approve"), note=text
        )
    if action in {"approve_escalation", "refuse_escalation"}:
        return slip_escalation_decide(
            slip=slip, actor=actor, approve=action.startswith("approve"), note=text
        )
    if action == "send_down":
        return slip_send_down(slip=slip, actor=actor, instructions=text, days=3)
    if action == "reject_reply":
        return slip_reject_reply(slip=slip, actor=actor, reason=text)
    if action == "feed_back":
        return slip_feed_back(slip=slip, actor=actor, method=Slip.FeedbackMethod.PHONE, note=text)
    if action == "rate_close":
        return slip_rate(slip=slip, actor=actor, rating=Slip.Rating.SATISFIED, comment=text)
    if action == "rate_reopen":
        return slip_rate(slip=slip, actor=actor, rating=Slip.Rating.DISSATISFIED, comment=text)
    if action == "withdraw":
        return slip_withdraw(slip=slip, actor=actor, reason=text)
    raise KeyError(action)


# Who takes each move on the way (the lead unit's handler or the office).
BY_LEAD = {"sign", "note", "request_return", "request_extension", "request_escalation", "reply"}


def reach(slip: Slip, state: str, *, lead, office) -> Slip:
    """The slip, moved through the services to ``state``."""
    for action in PATHS[state]:
        slip = take(slip, action, lead if action in BY_LEAD else office)
    slip.refresh_from_db()
    assert slip.status == state
    return slip
