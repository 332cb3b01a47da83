"""Attachments: told by content not by name, limits, clean names, private storage, and the
download that only those who may see the problem get."""

import hashlib
import io
import os
from urllib.parse import quote

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext

from core.models import AuditEvent
from issues import audit
from issues.attachments import (
    attachment_check,
    attachments_check,
    kind_detect,
    name_sanitise,
    private_storage,
)
from issues.models import Attachment
from issues.services import attachment_store
from issues.tests.conftest import new_problem
from issues.tests.files import GIF, JPEG, PDF, PNG, TEXT, WEBP, ole, ooxml, upload
from issues.tests.helpers import reach

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

DOCX = ooxml("word/document.xml")
XLSX = ooxml("xl/workbook.xml")
PPTX = ooxml("ppt/presentation.xml")


# --- Telling the type by content ---------------------------------------------------------------


@pytest.mark.parametrize(
    "content, kind",
    [
        (JPEG, "jpeg"),
        (PNG, "png"),
        (GIF, "gif"),
        (WEBP, "webp"),
        (PDF, "pdf"),
        (ole("WordDocument", "1Table"), "doc"),
        (ole("Workbook"), "xls"),
        (ole("Book"), "xls"),
        (ole("Current User", "PowerPoint Document"), "ppt"),
        (DOCX, "docx"),
        (XLSX, "xlsx"),
        (PPTX, "pptx"),
    ],
)
def test_accepted_kinds_are_told_by_their_content(content, kind):
    assert kind_detect(io.BytesIO(content)) == kind


@pytest.mark.parametrize(
    "content",
    [
        TEXT,
        b"MZ\x90\x00" + b"\x00" * 60,  # a Windows program
        b"<html><script>alert(1)</script></html>",
        ooxml("word/document.xml", content_types=False),  # a zip, not an Office package
        ooxml("content.xml"),  # a package of something else
        ole("Other stream"),  # a compound file that is no Office document
        ole("Other stream", nested="WordDocument"),  # a Word stream only deep inside
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\xff" * 100,  # a broken compound file
        b"PK\x03\x04broken",
    ],
)
def test_other_content_is_not_accepted(content):
    assert kind_detect(io.BytesIO(content)) is None


def test_an_embedded_sheet_does_not_make_a_word_file_a_workbook():
    assert kind_detect(io.BytesIO(ole("WordDocument", nested="Workbook"))) == "doc"


def test_a_text_file_named_pdf_is_refused_naming_the_file():
    with pytest.raises(ValidationError) as caught:
        attachment_check(upload("营业执照.pdf", TEXT, "application/pdf"))

    assert caught.value.code == "type"
    assert "营业执照.pdf" in caught.value.messages[0]


@pytest.mark.parametrize(
    "name, content",
    [
        ("photo.jpg", PNG),
        ("scan.png", PDF),
        ("report.xlsx", DOCX),
        ("report.docx", XLSX),
        ("sheet.xls", ole("WordDocument")),
        ("letter.doc", ole("Workbook")),
        ("slides.pptx", ole("PowerPoint Document")),
        ("no-extension", PDF),
    ],
)
def test_the_extension_must_agree_with_the_content(name, content):
    with pytest.raises(ValidationError) as caught:
        attachment_check(upload(name, content))

    assert caught.value.code == "extension"
    assert name in caught.value.messages[0]


@pytest.mark.parametrize(
    "name, content, content_type",
    [
        ("照片.JPG", JPEG, "image/jpeg"),
        ("照片.jpeg", JPEG, "image/jpeg"),
        ("scan.webp", WEBP, "image/webp"),
        ("申请.doc", ole("WordDocument"), "application/msword"),
        ("报表.xls", ole("Workbook"), "application/vnd.ms-excel"),
        ("汇报.ppt", ole("PowerPoint Document"), "application/vnd.ms-powerpoint"),
        (
            "报表.xlsx",
            XLSX,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ],
)
def test_a_matching_file_passes_with_its_detected_type(name, content, content_type):
    # The browser's word (text/plain here) plays no part.
    checked = attachment_check(upload(name, content, "text/plain"))

    assert checked.kind.content_type == content_type
    assert checked.size == len(content)
    assert checked.sha256 == hashlib.sha256(content).hexdigest()


def test_a_file_above_the_limit_is_refused_naming_it(settings):
    settings.ATTACHMENT_MAX_BYTES = 1024

    with pytest.raises(ValidationError) as caught:
        attachment_check(upload("大图.png", PNG + b"\x00" * 1024))

    assert caught.value.code == "too_big"
    assert "大图.png" in caught.value.messages[0]
    assert attachment_check(upload("小图.png", PNG)).size == len(PNG)


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationError) as caught:
        attachment_check(upload("空.pdf", b""))

    assert caught.value.code == "empty"


def test_too_many_files_are_refused(settings):
    settings.ATTACHMENT_MAX_FILES = 2

    with pytest.raises(ValidationError) as caught:
        attachments_check([upload(f"{n}.pdf", PDF) for n in range(3)])

    assert caught.value.error_list[0].code == "too_many"
    assert len(attachments_check([upload(f"{n}.pdf", PDF) for n in range(2)])) == 2


def test_every_bad_file_of_a_submission_is_named():
    with pytest.raises(ValidationError) as caught:
        attachments_check([upload("好.pdf", PDF), upload("坏.pdf", TEXT), upload("错.jpg", PNG)])

    messages = caught.value.messages
    assert len(messages) == 2
    assert "坏.pdf" in messages[0] and "错.jpg" in messages[1]


# --- Names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("C:\\Users\\张三\\Desktop\\营业执照.pdf", "营业执照.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("照片\u202egpj.exe.jpg", "照片gpj.exe.jpg"),  # a right-to-left override removed
        ("报\x00告\r\n.pdf", "报告.pdf"),
        ('a<b>:"c"|?*.pdf', "a_b___c____.pdf"),
        ("  说明   材料 .docx", "说明 材料.docx"),
        ("年报.pdf.", "年报.pdf"),
        ("archive", "archive"),
    ],
)
def test_names_are_cleaned(raw, clean):
    assert name_sanitise(raw) == clean


def test_a_long_name_is_cut_keeping_its_extension():
    name = name_sanitise("很长的文件名" * 40 + ".xlsx")

    assert len(name) == 100
    assert name.startswith("很长的文件名") and name.endswith("件.xlsx")


@pytest.mark.parametrize("raw", ["\u202e\x01.pdf", ".pdf", "...pdf", " . .pdf"])
def test_a_name_with_nothing_left_gets_a_plain_one_with_its_extension(raw):
    assert name_sanitise(raw) == f"{gettext('attachment')}.pdf"


# --- Storing -----------------------------------------------------------------------------------


def test_a_stored_file_gets_a_random_name_in_private_storage(firm, firm_user, private_media):
    problem = new_problem(firm, firm_user)
    checked = attachment_check(upload("C:\\材料\\营业执照.pdf", PDF, "text/plain"))

    attachment = attachment_store(problem=problem, checked=checked, actor=firm_user)

    attachment.refresh_from_db()
    assert attachment.name == "营业执照.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(PDF)
    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    assert attachment.uploaded_by == firm_user
    stored = attachment.file.name
    assert "营业执照" not in stored and not stored.endswith(".pdf")
    path = private_storage().path(stored)
    assert path.startswith(str(private_media))
    with open(path, "rb") as handle:
        assert handle.read() == PDF
    event = AuditEvent.objects.get(action=audit.ATTACHMENT_ADDED)
    assert event.actor == firm_user
    assert event.after["sha256"] == attachment.sha256


def test_the_audit_page_names_every_detail_of_a_stored_file(firm, firm_user):
    from core.audit import describe_changes

    problem = new_problem(firm, firm_user)
    attachment_store(
        problem=problem, checked=attachment_check(upload("a.pdf", PDF)), actor=firm_user
    )

    event = AuditEvent.objects.get(action=audit.ATTACHMENT_ADDED)
    rows = {row["label"]: row["after"] for row in describe_changes(event)}
    assert rows[str(Attachment._meta.get_field("content_type").verbose_name)] == "application/pdf"
    assert str(Attachment._meta.get_field("name").verbose_name) in rows
    assert not {"type", "content_type", "name", "size"} & set(rows)  # no raw key shown


def test_private_files_have_no_url(firm, firm_user):
    problem = new_problem(firm, firm_user)
    attachment = attachment_store(
        problem=problem, checked=attachment_check(upload("a.pdf", PDF)), actor=firm_user
    )

    with pytest.raises(ValueError):
        attachment.file.url  # noqa: B018


def test_the_storage_reads_the_setting_when_used(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "elsewhere"

    assert private_storage().path("x") == os.path.join(str(tmp_path / "elsewhere"), "x")


# --- Download ----------------------------------------------------------------------------------


@pytest.fixture
def attachment(firm, firm_user):
    problem = new_problem(firm, firm_user)
    return attachment_store(
        problem=problem,
        checked=attachment_check(upload("D:\\扫描件\\营业执照 副本.pdf", PDF, "text/html")),
        actor=firm_user,
    )


def download(client, user, attachment):
    client.force_login(user)
    return client.get(reverse("issues:attachment_download", args=[attachment.pk]))


def test_the_firm_downloads_its_file_with_safe_headers(client, firm_user, attachment):
    response = download(client, firm_user, attachment)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Length"] == str(len(PDF))
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('营业执照 副本.pdf', safe='')}" in disposition
    assert 'filename="attachment.pdf"' in disposition


def test_an_ascii_name_is_offered_as_it_is(client, firm, firm_user):
    problem = new_problem(firm, firm_user)
    attachment = attachment_store(
        problem=problem, checked=attachment_check(upload("licence 2026.pdf", PDF)), actor=firm_user
    )

    response = download(client, firm_user, attachment)

    assert 'filename="licence 2026.pdf"' in response["Content-Disposition"]
    assert "filename*=UTF-8''licence%202026.pdf" in response["Content-Disposition"]


def test_the_office_downloads_any_file(client, office, attachment):
    assert download(client, office, attachment).status_code == 200


def test_another_firm_cannot_download(client, other_firm_user, attachment):
    assert download(client, other_firm_user, attachment).status_code == 404


def test_a_unit_downloads_only_files_of_its_slips(
    client, attachment, batch, lead_unit, co_unit, office, lead, co, other_unit_handler
):
    from issues.services import slip_issue

    assert download(client, lead, attachment).status_code == 404
    slip_issue(
        problem=attachment.problem,
        batch=batch,
        lead_unit=lead_unit,
        co_units=[co_unit],
        requirement="请协调",
        days=5,
        actor=office,
    )

    assert download(client, lead, attachment).status_code == 200
    assert download(client, co, attachment).status_code == 200
    assert download(client, other_unit_handler, attachment).status_code == 404


def test_a_unit_downloads_files_of_a_duplicate_merged_into_its_slip(
    client, firm, other_firm, other_firm_user, slip, lead, office, other_unit_handler
):
    from issues.services import problem_merge

    duplicate = new_problem(other_firm, other_firm_user, description="同样需要变压器增容")
    attachment = attachment_store(
        problem=duplicate, checked=attachment_check(upload("b.pdf", PDF)), actor=other_firm_user
    )
    problem_merge(problem=duplicate, into=slip.problem, actor=office)

    assert download(client, other_unit_handler, attachment).status_code == 404
    assert download(client, lead, attachment).status_code == 200
    response = client.get(reverse("issues:slip_detail", args=[slip.pk]))
    assert reverse("issues:attachment_download", args=[attachment.pk]) in response.text


def test_an_unrelated_cadre_cannot_download(client, cadre, attachment):
    assert download(client, cadre, attachment).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, attachment):
    response = client.get(reverse("issues:attachment_download", args=[attachment.pk]))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_missing_file_is_404_not_500(client, office, attachment):
    private_storage().delete(attachment.file.name)

    assert download(client, office, attachment).status_code == 404


def test_the_office_problem_page_lists_the_files(client, office, attachment):
    client.force_login(office)
    response = client.get(reverse("issues:problem_detail", args=[attachment.problem_id]))

    assert "营业执照 副本.pdf" in response.text
    assert reverse("issues:attachment_download", args=[attachment.pk]) in response.text


def test_the_slip_page_lists_the_files_for_the_unit(
    client, attachment, batch, lead_unit, office, lead
):
    from issues.services import slip_issue

    slip = slip_issue(
        problem=attachment.problem,
        batch=batch,
        lead_unit=lead_unit,
        co_units=[],
        requirement="请协调",
        days=5,
        actor=office,
    )
    slip = reach(slip, "signed", lead=lead, office=office)
    client.force_login(lead)

    response = client.get(reverse("issues:slip_detail", args=[slip.pk]))

    assert "营业执照 副本.pdf" in response.text
    assert reverse("issues:attachment_download", args=[attachment.pk]) in response.text


def test_attachments_cannot_be_empty_in_the_database(firm, firm_user):
    problem = new_problem(firm, firm_user)

    with pytest.raises(ValidationError):
        Attachment(
            problem=problem, name="a.pdf", size=0, sha256="0" * 64, content_type="application/pdf"
        ).full_clean(exclude=["file"])
