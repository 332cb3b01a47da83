"""Demo firms: about 1,300 firms over Lin'an's 18 towns, with three years of figures.

Built as an .xlsx in memory and loaded through the import engine, like a real list; the data
are the same on every run (a fixed random seed), so running it twice changes nothing.
"""

import io
import random
from decimal import Decimal

from django.conf import settings
from openpyxl import Workbook

from .codes import CREDIT_CHARSET, credit_check_char
from .importing import enterprises_import
from .models import EnterpriseRevision
from .resources import EnterpriseResource, EnterpriseYearResource, columns

FIRM_COUNT = 1300
YEARS = (2023, 2024, 2025)

# The firms the article names: (name, town, industry, size, tech)
ARTICLE_FIRMS = [
    ("杭叉集团股份有限公司", "青山湖街道", "C3433", "大企业大集团", True),
    ("杭州华旺纸业集团有限公司", "锦北街道", "C2221", "大企业大集团", True),
    ("临安奥星电子有限公司", "锦南街道", "C3981", "规上", True),
    ("杭州美临塑业有限公司", "玲珑街道", "C2929", "规上", False),
    ("杭州森源电缆有限公司", "板桥镇", "C3831", "规上", False),
    ("杭州杨氏电缆有限公司", "高虹镇", "C3831", "规上", False),
    ("临安宝马机电有限公司", "锦城街道", "C3819", "规上", False),
    ("西子联合电梯部件有限公司", "青山湖街道", "C3435", "大企业大集团", True),
    ("杭州银杏装饰材料有限公司", "於潜镇", "C2231", "规上", False),
    ("欧姆龙电梯（杭州）有限公司", "青山湖街道", "C3435", "大企业大集团", True),
]
PLACES = ["临安", "杭州", "浙江", "天目", "青山", "锦城", "昌化", "於潜", "玲珑", "太湖源"]
WORDS = [
    "锦润",
    "瑞丰",
    "华盛",
    "恒达",
    "鑫源",
    "宏图",
    "金鼎",
    "昌盛",
    "博远",
    "中科",
    "东湖",
    "泰和",
    "永安",
    "嘉诚",
    "弘毅",
    "汇通",
    "明德",
    "康华",
    "立信",
    "正泰",
    "远航",
    "精工",
    "佳禾",
    "天瑞",
    "新越",
    "凯达",
    "德力",
    "润泽",
    "山河",
    "竹韵",
    "绿源",
    "春晖",
    "兴业",
    "万向",
    "丰源",
]
TRADES = [
    ("C3311", "五金制品"),
    ("C3831", "电缆"),
    ("C2929", "塑业"),
    ("C2221", "纸业"),
    ("C3981", "电子"),
    ("C3435", "电梯部件"),
    ("C1371", "竹木制品"),
    ("C1520", "茶业"),
    ("C2710", "生物医药"),
    ("C3040", "建材"),
    ("C3411", "机械"),
    ("C2641", "化工"),
    ("C3670", "汽车配件"),
    ("C2110", "家具"),
    ("C1830", "服饰"),
    ("C3990", "光电"),
    ("I6510", "软件"),
    ("M7320", "科技研发"),
    ("C4090", "仪器"),
    ("C3824", "电器"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙朱马胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = [
    "建国",
    "伟",
    "芳",
    "敏",
    "静",
    "强",
    "磊",
    "洋",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "华",
    "丽",
    "平",
    "刚",
    "桂英",
    "志强",
    "海燕",
    "文",
    "斌",
    "宇",
]
TOWN_WEIGHTS = {
    "青山湖街道": 6,
    "锦城街道": 4,
    "锦北街道": 3,
    "锦南街道": 3,
    "玲珑街道": 3,
    "板桥镇": 2,
    "高虹镇": 2,
    "於潜镇": 2,
    "太湖源镇": 2,
    "昌化镇": 2,
}


def _credit_code(rng: random.Random) -> str:
    org = "".join(rng.choice(CREDIT_CHARSET) for _ in range(8))
    head = "91330185" + org + rng.choice("0123456789")
    return head + credit_check_char(head)


def _person(rng):
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _mobile(rng):
    return "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))


def demo_rows(town_names: list[str], count: int = FIRM_COUNT) -> tuple[list[list], list[list]]:
    rng = random.Random(20260429)  # noqa: S311 (demo data, deterministic on purpose)
    weights = [TOWN_WEIGHTS.get(name, 1) for name in town_names]
    firms, years, used_names, used_codes = [], [], set(), set()
    specs = list(ARTICLE_FIRMS)
    while len(specs) < count:
        industry, trade = rng.choice(TRADES)
        name = f"{rng.choice(PLACES)}{rng.choice(WORDS)}{trade}有限公司"
        if name in used_names:
            name = f"杭州{rng.choice(WORDS)}{rng.choice(WORDS)}{trade}有限公司"
        if name in used_names:  # large benchmark lists outgrow the word list
            name = f"{rng.choice(PLACES)}{rng.choice(WORDS)}{trade}{len(specs)}号有限公司"
        used_names.add(name)
        position = len(specs)
        # The article's shape at any size: 38 large and 577 above-size in 1,300.
        large, above = round(count * 38 / FIRM_COUNT), round(count * 615 / FIRM_COUNT)
        size = "大企业大集团" if position < large else "规上" if position < above else "规下"
        town = rng.choices(town_names, weights)[0]
        specs.append((name, town, industry, size, rng.random() < 0.2))
    for name, town, industry, size, tech in specs:
        code = _credit_code(rng)
        while code in used_codes:
            code = _credit_code(rng)
        used_codes.add(code)
        firms.append(
            [
                code,
                name,
                town,
                industry,
                size,
                "是" if tech else "否",
                _person(rng),
                _person(rng),
                _mobile(rng),
                f"{town}{rng.choice(['工业园区', '科技城', '经济开发区', '创业园'])}"
                f"{rng.randint(1, 399)}号",
                "在营",
            ]
        )
        low, high = {"大企业大集团": (50_000, 900_000), "规上": (2_000, 50_000)}.get(
            size, (500, 2_000)
        )
        output = Decimal(rng.randint(low, high))
        staff = max(8, int(output / Decimal(rng.randint(60, 160))))
        for year in YEARS:
            growth = Decimal(rng.randint(90, 118)) / 100
            output = (output * growth).quantize(Decimal("0.01"))
            sales = (output * Decimal(rng.randint(85, 102)) / 100).quantize(Decimal("0.01"))
            tax = (sales * Decimal(rng.randint(3, 8)) / 100).quantize(Decimal("0.01"))
            profit = (sales * Decimal(rng.randint(-4, 14)) / 100).quantize(Decimal("0.01"))
            staff = max(5, int(staff * rng.uniform(0.95, 1.08)))
            years.append([code, year, str(output), str(sales), str(tax), str(profit), staff])
    return firms, years


def demo_workbook(town_names: list[str], count: int = FIRM_COUNT) -> bytes:
    firms, years = demo_rows(town_names, count)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(EnterpriseResource._meta.sheet_name)
    sheet.append([h for h, _n in columns(EnterpriseResource)])
    for row in firms:
        sheet.append(row)
    sheet = workbook.create_sheet(EnterpriseYearResource._meta.sheet_name)
    sheet.append([h for h, _n in columns(EnterpriseYearResource)])
    for row in years:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def is_empty() -> bool:
    from .models import Enterprise

    return not Enterprise.objects.exists()


def seed(*, with_logins: bool, log) -> None:
    from core.demo import TOWNS, towns_ensure

    towns_ensure()
    report = enterprises_import(
        content=demo_workbook(TOWNS, getattr(settings, "DEMO_FIRM_COUNT", FIRM_COUNT)),
        file_name="演示企业名单.xlsx",
        actor=None,
        commit=True,
        source=EnterpriseRevision.Source.DEMO,
    )
    if not report.ok:
        raise RuntimeError(
            f"demo firm list does not import: {report.file_error or report.errors[:3]}"
        )
    log(
        f"企业：新增 {report.created} 家，{report.unchanged} 家无变化；"
        f"年度数据新增 {report.years_created} 条"
    )
    if with_logins:
        _demo_firm_login_link(log)


def _demo_firm_login_link(log) -> None:
    """The demo's enterprise login belongs to its firm, as the office's approval would make it:
    the portal shows that firm's file."""
    from core.demo import DEMO_ENTERPRISE
    from core.models import User

    from .models import Enterprise, FirmUser

    user = User.objects.filter(username="enterprise").first()
    firm = Enterprise.objects.filter(name=DEMO_ENTERPRISE).first()
    if user is None or firm is None or FirmUser.objects.filter(user=user).exists():
        return
    FirmUser.objects.create(user=user, enterprise=firm)
    log(f"企业账号：{user.username} 关联到 {firm.name}")
