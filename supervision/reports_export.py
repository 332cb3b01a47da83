"""A bulletin as .xlsx and PDF, an evaluation as .xlsx — from the same data the page shows
(the stored snapshot once published).

Text cells are always written as strings, with Excel's quote prefix when they begin with a
character Excel would read as a formula (a firm's or unit's name cannot inject one)."""

import io

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(sheet, value, *, bold=False):
    if value is None:
        value = ""
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(DANGEROUS_START):
            cell.quotePrefix = True
    if bold:
        cell.font = Font(bold=True)
    return cell


def _sheet(workbook, title, headers, rows, widths):
    sheet = workbook.create_sheet(title[:31])
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.append([_cell(sheet, str(h), bold=True) for h in headers])
    for row in rows:
        sheet.append([_cell(sheet, v) for v in row])
    return sheet


def _rate(value):
    """A rate as its number (percent), or blank when there is none."""
    return "" if value is None else value


def _save(workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _bulletin_title(context) -> str:
    bulletin = context["bulletin"]
    return str(bulletin) if bulletin.is_published else _("Draft supervision bulletin")


def bulletin_xlsx(context: dict) -> bytes:
    """Three sheets: the summary (with the comment), the ranking, the overdue slips."""
    content = context["content"]
    s, p = content["summary"], content["period"]
    workbook = Workbook(write_only=True)
    summary_rows = [
        [_("Bulletin"), _bulletin_title(context)],
        [_("Period"), str(context["period_label"])],
        [
            _("Slips counted"),
            f"{context['dates']['from']:%Y-%m-%d} — {context['dates']['to']:%Y-%m-%d}",
        ],
        [_("Overdue as of"), f"{context['dates']['as_of']:%Y-%m-%d}"],
        [_("Issued"), s["issued"]],
        [pgettext("slip status", "Closed"), s["closed"]],
        [_("Closure rate") + " (%)", _rate(s["closure_rate"])],
        [_("Closed on time"), s["closed_on_time"]],
        [_("On-time rate") + " (%)", _rate(s["on_time_rate"])],
        [_("Feedback rate") + " (%)", _rate(s["feedback_rate"])],
        [_("Satisfaction rate") + " (%)", _rate(s["satisfaction_rate"])],
        [_("Overdue"), s["overdue"]],
        [_("Issued in the period"), p["issued"]],
        [_("Closed in the period"), p["closed"]],
        [_("Replied in the period"), p["replied"]],
        [_("Fed back in the period"), p["fed_back"]],
        [_("The office's comment"), content.get("comment", "")],
    ]
    _sheet(workbook, _("Summary"), [_("Item"), _("Value")], summary_rows, [22, 60])
    headers = [
        _("Kind"),
        _("Rank"),
        _("Responsible unit"),
        _("Issued"),
        pgettext("slip status", "Closed"),
        _("Closure rate") + " (%)",
        _("Closed on time"),
        _("On-time rate") + " (%)",
        _("Overdue"),
        _("Satisfaction rate") + " (%)",
    ]
    rows = [
        [
            str(group["label"]),
            row["rank"],
            row["name"],
            row["issued"],
            row["closed"],
            _rate(row["closure_rate"]),
            row["closed_on_time"],
            _rate(row["on_time_rate"]),
            row["overdue"],
            _rate(row["satisfaction_rate"]),
        ]
        for group in context["groups"]
        for row in group["rows"]
    ]
    _sheet(workbook, _("Ranking"), headers, rows, [12, 6, 24, 8, 8, 10, 10, 10, 8, 10])
    headers = [
        _("Lead unit"),
        _("Slip number"),
        _("Enterprise"),
        _("Deadline"),
        _("Working days overdue"),
        _("State"),
    ]
    rows = [
        [
            row["lead_unit"],
            row["number"],
            row["enterprise"],
            f"{row['deadline']:%Y-%m-%d}",
            row["working_days_overdue"],
            row["status_label"],
        ]
        for row in context["overdue"]
    ]
    _sheet(workbook, _("Overdue slips"), headers, rows, [18, 28, 32, 12, 12, 14])
    return _save(workbook)


def bulletin_pdf(request, context: dict) -> bytes:
    """The print layout through WeasyPrint, with local files only (the stylesheet and the
    system's Noto CJK fonts)."""
    from django.contrib.staticfiles import finders
    from weasyprint import CSS, HTML

    html = render_to_string("supervision/bulletin_print.html", context, request=request)
    stylesheet = CSS(filename=finders.find("css/bulletin_print.css"))
    return HTML(string=html).write_pdf(stylesheets=[stylesheet])


def evaluation_xlsx(context: dict) -> bytes:
    """One sheet of scores with every component, one of the weights used."""
    evaluation = context["evaluation"]
    workbook = Workbook(write_only=True)
    headers = [
        _("Kind"),
        _("Rank"),
        _("Responsible unit"),
        _("Score"),
        _("Issued"),
        pgettext("slip status", "Closed"),
        _("On-time rate") + " (%)",
        _("Closure rate") + " (%)",
        _("Feedback rate") + " (%)",
        _("Satisfaction rate") + " (%)",
        _("Points from rates"),
        _("Overdue"),
        _("Reopened"),
        _("Points deducted"),
    ]
    rows = []
    for group in context["groups"]:
        for row in group["rows"]:
            rates = {c["rate"]: c["value"] for c in row["components"]}
            rows.append(
                [
                    str(group["label"]),
                    row["rank"],
                    row["name"],
                    float(row["score"]),
                    row["issued"],
                    row["closed"],
                    _rate(rates["on_time_rate"]),
                    _rate(rates["closure_rate"]),
                    _rate(rates["feedback_rate"]),
                    _rate(rates["satisfaction_rate"]),
                    float(row["base"]),
                    row["overdue"],
                    row["reopens"],
                    float(row["overdue_points"]) + float(row["reopen_points"]),
                ]
            )
    title = str(evaluation)
    if not evaluation.is_published:
        title = f"{title} ({_('Draft')})"
    _sheet(workbook, _("Scores"), headers, rows, [12, 6, 24, 8, 8, 8, 10, 10, 10, 10, 10, 8, 8, 10])
    weights = context["weights"]
    weight_rows = [
        [_("Evaluation"), title],
        [_("Overdue as of"), f"{context['dates']['as_of']:%Y-%m-%d}"],
        *[
            [str(evaluation._meta.get_field(name).verbose_name), float(value)]
            for name, value in weights.items()
        ],
    ]
    _sheet(workbook, _("Weights"), [_("Item"), _("Value")], weight_rows, [28, 30])
    return _save(workbook)
