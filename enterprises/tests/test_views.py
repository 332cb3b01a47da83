import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import AuditEvent
from core.roles import Role
from enterprises.models import Enterprise, EnterpriseRevision, ImportJob
from enterprises.tests.factories import EnterpriseFactory, credit_code, firm_row, xlsx


@pytest.fixture
def office(make_user):
    return make_user(Role.OFFICE, username="office1", name="陈静")


@pytest.fixture
def leader(make_user):
    return make_user(Role.LEADER, username="leader1", name="赵领导")


@pytest.fixture
def firms(towns):
    jincheng, qingshan = towns[0], towns[4]
    return [
        EnterpriseFactory(
            name="杭叉集团股份有限公司",
            town=qingshan,
            is_tech=True,
            size_class=Enterprise.SizeClass.LARGE,
            contact_phone="13812341234",
        ),
        EnterpriseFactory(name="临安奥星电子有限公司", town=jincheng, contact_phone="13900001111"),
        EnterpriseFactory(name="美临塑业", town=jincheng, size_class=Enterprise.SizeClass.BELOW),
    ]


def test_cadre_may_not_open_the_registry(client, cadre, firms):
    client.force_login(cadre)
    assert client.get(reverse("enterprises:list")).status_code == 403
    assert client.get(reverse("enterprises:detail", args=[firms[0].pk])).status_code == 404
    assert client.get(reverse("enterprises:export")).status_code == 403
    assert client.get(reverse("enterprises:import")).status_code == 403


def test_office_searches_and_filters(client, office, firms, towns):
    client.force_login(office)
    page = client.get(reverse("enterprises:list")).content.decode()
    assert all(f.name in page for f in firms) and "共 3 家企业" in page
    page = client.get(reverse("enterprises:list"), {"town": towns[0].pk}).content.decode()
    assert "杭叉" not in page and "奥星" in page
    page = client.get(reverse("enterprises:list"), {"q": "奥星"}).content.decode()
    assert "奥星" in page and "美临" not in page
    page = client.get(
        reverse("enterprises:list"), {"q": firms[2].credit_code[:12]}
    ).content.decode()
    assert "美临" in page
    page = client.get(
        reverse("enterprises:list"), {"size_class": "large", "is_tech": "1"}
    ).content.decode()
    assert "杭叉" in page and "奥星" not in page


def test_list_is_paginated_with_a_fixed_number_of_queries(
    client, office, towns, django_assert_max_num_queries
):
    for n in range(45):
        EnterpriseFactory(town=towns[n % 3])
    client.force_login(office)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("enterprises:list")).content.decode()
    assert "第 1 / 2 页" in page


def test_leader_sees_masked_phones_office_sees_them_in_full(client, office, leader, firms):
    client.force_login(leader)
    page = client.get(reverse("enterprises:list")).content.decode()
    assert "138****1234" in page and "13812341234" not in page
    detail = client.get(reverse("enterprises:detail", args=[firms[0].pk])).content.decode()
    assert "138****1234" in detail and "修改记录" not in detail
    client.force_login(office)
    assert "13812341234" in client.get(reverse("enterprises:list")).content.decode()


def test_firm_file_shows_profile_years_chart_and_history_to_the_office(client, office, towns):
    from enterprises.importing import enterprises_import

    content = xlsx([firm_row(1)], [])
    enterprises_import(content=content, file_name="a.xlsx", actor=office, commit=True)
    book = openpyxl.load_workbook(io.BytesIO(xlsx([firm_row(1, 联系人="王五")], [])))
    years = book["年度数据"]
    years.append([credit_code(1), 2025, 1200, 1100, 60, 20, 85])
    out = io.BytesIO()
    book.save(out)
    enterprises_import(content=out.getvalue(), file_name="b.xlsx", actor=office, commit=True)
    firm = Enterprise.objects.get()
    client.force_login(office)
    page = client.get(reverse("enterprises:detail", args=[firm.pk])).content.decode()
    assert "电气机械和器材制造业" in page and "C3831" in page
    assert 'id="chart-data"' in page and "echarts.min.js" in page
    assert "修改记录" in page and "联系人：<del" in page and "王五" in page
    assert "2025年 产值（万元）" in page
    assert "contact_person" not in page


def test_export_reimports_unchanged_and_is_audited(client, office, towns):
    from enterprises.importing import enterprises_import

    book = openpyxl.load_workbook(io.BytesIO(xlsx([firm_row(1), firm_row(2, 行业代码="38")], [])))
    book["年度数据"].append([credit_code(1), 2025, "1200.5", 1100, 60, -20, 85])
    out = io.BytesIO()
    book.save(out)
    enterprises_import(content=out.getvalue(), file_name="a.xlsx", actor=office, commit=True)
    client.force_login(office)
    response = client.get(reverse("enterprises:export"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    exported = response.content
    report = enterprises_import(content=exported, file_name="e.xlsx", actor=office, commit=True)
    assert (report.created, report.updated, report.unchanged, report.years_unchanged) == (
        0,
        0,
        2,
        1,
    )
    assert AuditEvent.objects.filter(action="enterprise.export", actor=office).exists()


def test_export_neutralises_formulas_and_masks_phones_for_leaders(client, leader, towns):
    EnterpriseFactory(
        name='=HYPERLINK("http://evil")',
        town=towns[0],
        contact_person="+1+1",
        address="@SUM(A1)",
        contact_phone="13812341234",
        legal_representative="-2+3",
    )
    client.force_login(leader)
    book = openpyxl.load_workbook(io.BytesIO(client.get(reverse("enterprises:export")).content))
    sheet = book["企业名单"]
    headers = [c.value for c in sheet[1]]
    row = dict(zip(headers, sheet[2], strict=True))
    for header in ["企业名称", "联系人", "地址", "法定代表人"]:
        cell = row[header]
        assert cell.data_type == "s", header
        assert cell.quotePrefix, header
    assert row["企业名称"].value == '=HYPERLINK("http://evil")'
    assert row["联系电话"].value == "138****1234"


def test_import_template_has_the_headers(client, office, towns):
    client.force_login(office)
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("enterprises:import_template")).content)
    )
    assert book.sheetnames == ["企业名单", "年度数据", "填写说明"]
    assert [c.value for c in book["企业名单"][1]][:3] == [
        "统一社会信用代码",
        "企业名称",
        "所属镇街",
    ]
    notes = " ".join(str(c.value) for row in book["填写说明"].iter_rows() for c in row)
    assert "青山湖街道" in notes


def upload(client, content, name="名单.xlsx"):
    return client.post(reverse("enterprises:import"), {"file": SimpleUploadedFile(name, content)})


def test_web_import_previews_then_imports_on_confirm(
    client, office, towns, django_capture_on_commit_callbacks, celery_eager
):
    client.force_login(office)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, xlsx([firm_row(1), firm_row(2)]))
    job = ImportJob.objects.get()
    assert response.url == reverse("enterprises:import_job", args=[job.pk])
    assert job.status == ImportJob.Status.PREVIEW and not Enterprise.objects.exists()
    page = client.get(response.url).content.decode()
    assert "家企业将新增" in page and "确认导入" in page and "临安测试1有限公司" in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(response.url)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response.url)  # a double click
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and bytes(job.content) == b""
    assert Enterprise.objects.count() == 2
    assert EnterpriseRevision.objects.count() == 2
    assert AuditEvent.objects.filter(action="enterprise.import").count() == 1
    assert "家企业已新增" in client.get(response.url).content.decode()


def test_web_import_with_errors_says_where_and_writes_nothing(
    client, office, towns, django_capture_on_commit_callbacks, celery_eager
):
    client.force_login(office)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, xlsx([firm_row(1), firm_row(2, 所属镇街="火星")]))
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.INVALID and bytes(job.content) == b""
    page = client.get(response.url).content.decode()
    assert "没有导入任何数据" in page and "无法识别的镇街“火星”" in page
    assert "<td>3</td>" in page and "确认导入" not in page
    assert client.post(response.url).status_code == 302
    assert not Enterprise.objects.exists()


def test_upload_form_refuses_empty_and_too_big_files(client, office, settings):
    client.force_login(office)
    response = upload(client, b"")
    assert response.status_code == 400 and "所提交的是空文件" in response.content.decode()
    settings.IMPORT_MAX_UPLOAD_BYTES = 10
    response = upload(client, b"x" * 100)
    assert response.status_code == 400 and "文件超过" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_progress_fragment_asks_for_a_reload_when_done(client, office, towns):
    job = ImportJob.objects.create(
        created_by=office,
        file_name="a.xlsx",
        content=b"x",
        status=ImportJob.Status.CHECKING,
        rows_total=10,
        rows_done=4,
    )
    client.force_login(office)
    url = reverse("enterprises:import_progress", args=[job.pk])
    response = client.get(url)
    assert 'value="40"' in response.content.decode() and "HX-Refresh" not in response
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.PREVIEW)
    assert client.get(url)["HX-Refresh"] == "true"


def test_admin_edit_keeps_the_history(client, admin_user, towns):
    firm = EnterpriseFactory(town=towns[0], contact_person="李四")
    client.force_login(admin_user)
    url = reverse("admin:enterprises_enterprise_change", args=[firm.pk])
    data = {
        "credit_code": firm.credit_code,
        "name": firm.name,
        "town": towns[1].pk,
        "address": "",
        "industry": "",
        "industry_code": "",
        "size_class": "above",
        "legal_representative": "",
        "contact_person": "王五",
        "contact_phone": "",
        "status": "operating",
        "years-TOTAL_FORMS": 0,
        "years-INITIAL_FORMS": 0,
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    revision = firm.revisions.get()
    assert revision.changes == {
        "contact_person": ["李四", "王五"],
        "town": ["锦城街道", "锦北街道"],
    }
    assert AuditEvent.objects.filter(action="enterprise.update", actor=admin_user).exists()


def test_an_unexpected_error_ends_the_job_with_a_message(
    client, office, towns, django_capture_on_commit_callbacks, celery_eager, monkeypatch
):
    from enterprises import services

    def broken(**kwargs):
        raise RuntimeError("disk full")

    client.force_login(office)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, xlsx([firm_row(1)]))
    monkeypatch.setattr(services, "enterprises_import", broken)
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        client.post(response.url)
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED
    page = client.get(response.url).content.decode()
    assert "意外错误" in page and "上传修改后的文件" in page
    assert not Enterprise.objects.exists()
