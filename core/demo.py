"""Demo data for the organisation: Lin'an's towns and departments, and one login per role.

Called by ``manage.py seed_demo`` (see core/management/commands/seed_demo.py), which calls each
installed app's ``demo.seed`` in floor order. Idempotent: running it again changes nothing.
"""

from django.contrib.auth.models import Group
from django.db import transaction

from .models import Unit, User
from .roles import Role

TOWNS = [
    "锦城街道",
    "锦北街道",
    "锦南街道",
    "玲珑街道",
    "青山湖街道",
    "板桥镇",
    "高虹镇",
    "太湖源镇",
    "於潜镇",
    "天目山镇",
    "太阳镇",
    "潜川镇",
    "昌化镇",
    "龙岗镇",
    "河桥镇",
    "湍口镇",
    "清凉峰镇",
    "岛石镇",
]
DEPARTMENTS = [
    "经信局",
    "发改局",
    "财政局",
    "人力社保局",
    "自然资源和规划局",
    "生态环境局",
    "住建局",
    "交通运输局",
    "商务局",
    "市场监管局",
    "科技局",
    "金融办",
    "行政审批局",
    "供电公司",
    "税务局",
    "农业农村局",
    "水利水电局",
    "应急管理局",
    "统计局",
    "公安局",
    "消防救援大队",
    "投资促进局",
    "文化和广电旅游体育局",
    "教育局",
    "卫生健康局",
    "司法局",
    "综合行政执法局",
    "国资办",
    "总工会",
    "青山湖科技城管委会",
]
OFFICE = "访企解难活动办公室"
LEADING_GROUP = "访企解难工作领导小组"
CITY_LEADERS = "市领导"
HIGHER_LEVELS = ["杭州市有关部门", "浙江省有关部门"]
DEMO_ENTERPRISE = "杭叉集团股份有限公司"

DEMO_PASSWORD = "Linan-demo-2026"  # noqa: S105 (published demo password, DEBUG only)
# username, name, unit, roles, is_staff
DEMO_LOGINS = [
    ("office", "陈静", OFFICE, [Role.OFFICE], True),
    ("cadre", "王建国", "青山湖街道", [Role.CADRE], False),
    ("unit", "李明", "经信局", [Role.HANDLER, Role.CADRE], False),
    ("unitlead", "周海", "经信局", [Role.UNIT_LEADER], False),
    ("leader", "赵志强", CITY_LEADERS, [Role.LEADER, Role.COORDINATOR], False),
    ("group", "钱晓东", LEADING_GROUP, [Role.LEADER, Role.COORDINATOR], False),
    ("enterprise", "孙丽", DEMO_ENTERPRISE, [Role.ENTERPRISE], False),
    ("admin", "系统管理员", OFFICE, [Role.ADMIN], True),
]


def is_empty() -> bool:
    return not Unit.objects.exists()


def towns_ensure() -> None:
    """The 18 towns and streets, which other apps' demo data (firms) stand on."""
    _units(TOWNS, Unit.Kind.TOWN)


def _units(names, kind, start=0):
    for order, name in enumerate(names, start=start):
        Unit.objects.get_or_create(name=name, defaults={"kind": kind, "sort_order": order})


@transaction.atomic
def seed(*, with_logins: bool, log) -> None:
    _units(TOWNS, Unit.Kind.TOWN)
    _units(DEPARTMENTS, Unit.Kind.DEPARTMENT)
    _units([OFFICE], Unit.Kind.OFFICE)
    _units([LEADING_GROUP], Unit.Kind.LEADING_GROUP)
    _units([CITY_LEADERS], Unit.Kind.CITY_LEADERS)
    _units(HIGHER_LEVELS, Unit.Kind.HIGHER_LEVEL)
    _units([DEMO_ENTERPRISE], Unit.Kind.ENTERPRISE)
    log(f"单位：{Unit.objects.count()} 个（{len(TOWNS)} 个镇街，{len(DEPARTMENTS)} 个部门）")
    if not with_logins:
        log("DEBUG 未开启：不创建演示账号。")
        return
    groups = {group.name: group for group in Group.objects.filter(name__in=list(Role.values))}
    for username, name, unit_name, roles, is_staff in DEMO_LOGINS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"name": name, "unit": Unit.objects.get(name=unit_name), "is_staff": is_staff},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            user.groups.add(*(groups[role.value] for role in roles))


def demo_logins_text() -> str:
    lines = [f"演示账号（密码均为 {DEMO_PASSWORD}）："]
    for username, name, unit_name, roles, _staff in DEMO_LOGINS:
        role_text = "、".join(str(role.label) for role in roles)
        lines.append(f"  {username:<11} {name}，{unit_name}，{role_text}")
    return "\n".join(lines)
