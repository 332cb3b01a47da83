"""The demo firm's side of the story, for the demo `enterprise` login (孙丽, 杭叉集团).

The demo's visits, slips and sweeps are random draws over the registry, and 杭叉集团 drew no
problem. So once they have run, the firm whose slips tell the portal's story best — a reply
fed back and waiting for its rating, and the most slips besides — trades its name and credit
code with 杭叉集团: every visit, pairing, problem and slip stays with the firm it belongs to,
and the demo login sees a file with a history. Then the firm sends a request online with a
PDF, which waits in the office's sorting inbox. No slip is added, so the dashboard keeps the
article's figures (676 issued in six batches)."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Q

from core.models import User
from enterprises.models import Enterprise, FirmUser
from issues.models import Problem, Slip
from issues.services.attachments import problem_submit

S = Slip.Status
REQUEST = (
    "我公司计划2027年上半年更新两条叉车总装线，需设备更新贷款约3000万元，"
    "希望协调银行给予技改贴息贷款支持，并了解省级设备更新补助的申报条件。"
)


def _pdf() -> bytes:
    """A one-page PDF, built by hand: the demo must not need WeasyPrint's system libraries
    (`make run` works where only the PDF views would not)."""
    text = b"BT /F1 14 Tf 72 760 Td (Equipment renewal loan: needs and timetable) Tj ET"
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
        b"/Resources<</Font<</F1 5 0 R>>>>>>",
        b"<</Length %d>>stream\n%s\nendstream" % (len(text), text),
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _trade_identity(a: Enterprise, b: Enterprise) -> None:
    """Swap the two firms' names and credit codes (both unique: through a placeholder)."""
    placeholder = "0" * 18
    Enterprise.objects.filter(pk=a.pk).update(credit_code=placeholder, name="（交换中）")
    Enterprise.objects.filter(pk=b.pk).update(credit_code=a.credit_code, name=a.name)
    Enterprise.objects.filter(pk=a.pk).update(credit_code=b.credit_code, name=b.name)


@transaction.atomic
def seed_portal(log) -> None:
    link = FirmUser.objects.select_related("enterprise", "user").filter(user__username="enterprise")
    link = link.first()
    if link is None or Problem.objects.filter(enterprise=link.enterprise).exists():
        return
    firm, user = link.enterprise, link.user
    # Annotate before filtering: a filter on the slips first would count only those slips.
    storied = (
        Enterprise.objects.annotate(
            slips=Count("problems__slips", distinct=True),
            closed=Count("problems__slips", filter=Q(problems__slips__status=S.CLOSED)),
            latest=Max("problems__slips__fed_back_at"),
        )
        .filter(
            Exists(Slip.objects.filter(problem__enterprise=OuterRef("pk"), status=S.FED_BACK)),
            closed__gt=0,
        )
        .order_by("-slips", "-latest", "pk")
        .first()
    )
    if storied is not None:
        _trade_identity(firm, storied)
        FirmUser.objects.filter(pk=link.pk).update(enterprise=storied)
        firm = Enterprise.objects.get(pk=storied.pk)
    user = User.objects.get(pk=user.pk)
    problem_submit(
        user=user,
        category="financing",
        description=REQUEST,
        uploads=[SimpleUploadedFile("设备更新贷款需求说明.pdf", _pdf(), "application/pdf")],
    )
    log(
        f"企业服务：{firm.name} 有 {firm.problems.count() - 1} 件已反映的问题"
        "（其中一件待评价）和 1 件网上诉求（含附件）。"
    )
