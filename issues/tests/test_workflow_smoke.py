import pytest

from issues.models import Problem, Slip, SlipEvent
from issues.services import (
    slip_contact,
    slip_feed_back,
    slip_rate,
    slip_reply,
    slip_sign,
)

pytestmark = pytest.mark.django_db


def test_the_whole_path_to_closed(slip, lead, office):
    assert slip.number.endswith("第1批-001")
    assert slip.problem.status == Problem.Status.ASSIGNED
    slip = slip_sign(slip=slip, actor=lead)
    slip = slip_contact(slip=slip, actor=lead, met=True, text="到企业现场了解情况")
    slip = slip_reply(slip=slip, actor=lead, outcome="solved", text="已协调供电公司完成增容")
    assert slip.replied_on_time is True
    slip = slip_feed_back(slip=slip, actor=office, method="phone", note="电话告知企业")
    slip = slip_rate(slip=slip, actor=office, rating="dissatisfied", comment="还没通电")
    assert slip.status == Slip.Status.REOPENED and slip.reopen_count == 1
    slip = slip_reply(slip=slip, actor=lead, outcome="solved", text="已通电")
    slip = slip_feed_back(slip=slip, actor=office, method="visit")
    slip = slip_rate(slip=slip, actor=office, rating="satisfied")
    assert slip.status == Slip.Status.CLOSED and slip.closed_on_time is True
    steps = list(
        SlipEvent.objects.filter(slip=slip).values_list("action", "from_status", "to_status")
    )
    assert steps[0] == ("issue", "", "issued")
    assert steps[-1] == ("rate_close", "fed_back", "closed")
    assert len(steps) == 9
