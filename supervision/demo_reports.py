"""Demo bulletins and evaluation, made through the services from the demo's slips: last
month's bulletin published (督查通报〔year〕第1期), this week's as a draft with a comment, and
this year's evaluation as a draft with the default weights (a live preview). Runs once: if any
bulletin or evaluation exists it does nothing."""

import datetime

from django.utils import timezone

from core.models import User
from core.selectors import users_with_capability

from .models_reports import Bulletin, Evaluation
from .periods import period_containing
from .reports import bulletin_create, bulletin_publish, evaluation_create

PUBLISHED_COMMENT = (
    "本月各承办单位总体按期推进，但仍有部分交办单超期未办结。请被点名单位五个工作日内"
    "说明原因、明确办结时限，并报活动办；连续两期被点名的，提请领导小组约谈。"
)
DRAFT_COMMENT = "本周新交办问题较多，请各单位及时签收，超期件抓紧答复企业。"


def is_empty() -> bool:
    return not Bulletin.objects.exists() and not Evaluation.objects.exists()


def _office() -> User | None:
    return (
        User.objects.filter(username="office").first()
        or users_with_capability("supervise").order_by("pk").first()
    )


def seed_reports(*, log) -> None:
    if not is_empty():
        log("督查通报与考评：已有数据，跳过。")
        return
    office = _office()
    if office is None:
        log("督查通报与考评：没有活动办人员，跳过。")
        return
    today = timezone.localdate()
    last_month = period_containing("month", today.replace(day=1) - datetime.timedelta(days=1))
    published = bulletin_create(
        actor=office, period_kind="month", period_key=last_month.key, comment=PUBLISHED_COMMENT
    )
    published = bulletin_publish(bulletin=published, actor=office)
    this_week = period_containing("week", today)
    bulletin_create(
        actor=office, period_kind="week", period_key=this_week.key, comment=DRAFT_COMMENT
    )
    evaluation_create(
        actor=office,
        year=today.year,
        weights={
            "weight_on_time": 40,
            "weight_closure": 30,
            "weight_feedback": 10,
            "weight_satisfaction": 20,
            "deduction_overdue": 1,
            "deduction_reopen": "0.5",
        },
    )
    overdue = len(published.snapshot["overdue"])
    log(
        f"督查通报：已发布 {published}（{last_month.key}，点名超期 {overdue} 件），"
        f"本周通报草稿 1 份；{today.year} 年度考评草稿 1 份（默认权重）。"
    )
