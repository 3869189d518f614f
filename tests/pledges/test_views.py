import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from clusters.models import ClusterYear, Membership
from pledges.models import Ceremony, Clause, Pledge

HTMX = {"HTTP_HX_REQUEST": "true"}


def page(response) -> str:
    return response.content.decode()


def test_clause_is_added_inline_with_htmx_and_the_list_comes_back(client_as, world):
    response = client_as("leader_clerk").post(
        reverse("pledges:clause_add", args=[world.cluster_year.pk]),
        {
            "new-kind": "numbered",
            "new-text": "Giảm tỷ lệ hộ nghèo",
            "new-target_value": "1,5",
            "new-target_unit": "%",
        },
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#clauses" and response["HX-Reswap"] == "outerHTML"
    html = page(response)
    assert "<html" not in html and 'id="clauses"' in html
    assert "Giảm tỷ lệ hộ nghèo" in html and "1,5 %" in html
    clause = Clause.objects.get(text="Giảm tỷ lệ hộ nghèo")
    assert str(clause.target_value) == "1.50"


def test_clause_is_added_without_javascript_too(client_as, world):
    response = client_as("staff").post(
        reverse("pledges:clause_add", args=[world.cluster_year.pk]),
        {"new-kind": "item", "new-text": "Không có trọng điểm phức tạp về an ninh trật tự"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#clauses")
    assert world.pledge.clauses.filter(text__startswith="Không có trọng điểm").exists()


def test_a_bad_clause_is_explained_and_nothing_is_saved(client_as, world):
    count = world.pledge.clauses.count()
    response = client_as("staff").post(
        reverse("pledges:clause_add", args=[world.cluster_year.pk]),
        {"new-kind": "item", "new-text": "", "new-target_value": "một nửa"},
        **HTMX,
    )
    html = page(response)
    assert "Trường này là bắt buộc." in html
    assert "Nhập một số, ví dụ &quot;95,5&quot;." in html
    assert world.pledge.clauses.count() == count


def test_clause_edit_form_comes_inline_and_saves(client_as, world):
    clause = world.pledge.clauses.first()
    client = client_as("leader_clerk")
    form = client.get(reverse("pledges:clause_edit", args=[clause.pk]), **HTMX)
    assert "<html" not in page(form) and "<textarea" in page(form)
    full = client.get(reverse("pledges:clause_edit", args=[clause.pk]))
    assert "<html" in page(full)  # the same action as a plain page without JavaScript
    prefix = f"clause-{clause.pk}"
    response = client.post(
        reverse("pledges:clause_edit", args=[clause.pk]),
        {f"{prefix}-kind": "section", f"{prefix}-text": "Mục tiêu chung năm 2024"},
        **HTMX,
    )
    assert response["HX-Retarget"] == "#clauses"
    clause.refresh_from_db()
    assert clause.text == "Mục tiêu chung năm 2024"
    assert clause.history.count() == 2  # created, changed


def test_clauses_move_and_delete(client_as, world):
    client = client_as("staff")
    first, second = world.pledge.clauses.order_by("position")[:2]
    client.post(reverse("pledges:clause_move", args=[first.pk]), {"direction": "down"}, **HTMX)
    assert list(world.pledge.clauses.order_by("position")[:2]) == [second, first]
    client.post(reverse("pledges:clause_delete", args=[first.pk]))
    assert not Clause.objects.filter(pk=first.pk).exists()


def test_member_clerks_and_viewers_read_but_do_not_edit(client_as, world):
    for persona in ("member_clerk", "viewer"):
        html = page(
            client_as(persona).get(reverse("pledges:pledge_detail", args=[world.cluster_year.pk]))
        )
        assert "Giao ước thi đua năm 2024" in html
        assert reverse("pledges:clause_add", args=[world.cluster_year.pk]) not in html
        response = client_as(persona).post(
            reverse("pledges:clause_add", args=[world.cluster_year.pk]),
            {"new-kind": "item", "new-text": "x"},
        )
        assert response.status_code == 403


def test_leader_clerk_of_another_year_cannot_organise_this_one(client_as, world):
    """The clerk organises only the year in which their unit leads the cluster."""
    new_year = ClusterYear.objects.create(cluster=world.cluster, year=2025)
    Membership.objects.create(cluster_year=new_year, unit=world.deputy, role="leader")
    Membership.objects.create(cluster_year=new_year, unit=world.leader, role="member")
    response = client_as("leader_clerk").post(
        reverse("pledges:pledge_create", args=[new_year.pk]), {"source": "blank"}
    )
    assert response.status_code == 403
    assert not Pledge.objects.filter(cluster_year=new_year).exists()


def test_copy_from_last_year_through_the_page(client_as, world):
    new_year = ClusterYear.objects.create(cluster=world.cluster, year=2025)
    Membership.objects.create(cluster_year=new_year, unit=world.leader, role="leader")
    client = client_as("leader_clerk")
    html = page(client.get(reverse("pledges:pledge_detail", args=[new_year.pk])))
    assert "Sao chép từ bản giao ước năm 2024" in html
    response = client.post(
        reverse("pledges:pledge_create", args=[new_year.pk]), {"source": "previous"}, follow=True
    )
    assert "Đã tạo dự thảo từ bản giao ước năm 2024" in page(response)
    assert Pledge.objects.get(cluster_year=new_year).title == "Giao ước thi đua năm 2025"


def test_ceremony_and_attendees(client_as, world):
    client = client_as("leader_clerk")
    response = client.post(
        reverse("pledges:ceremony_edit", args=[world.cluster_year.pk]),
        {
            "starts_at": "20/03/2024 08:00",
            "venue": "Hội trường UBND xã Đồng Liên",
            "host_unit": world.leader.pk,
            "chair_name": "Nguyễn Văn An",
            "adopted_documents": "Quy chế hoạt động của Cụm\nBảng chấm điểm thi đua",
        },
    )
    assert response.status_code == 302
    ceremony = world.pledge.ceremony
    ceremony.refresh_from_db()
    assert ceremony.adopted_lines == ["Quy chế hoạt động của Cụm", "Bảng chấm điểm thi đua"]
    assert timezone.localtime(ceremony.starts_at).hour == 8  # typed in Asia/Ho_Chi_Minh
    response = client.post(
        reverse("pledges:attendee_add", args=[world.cluster_year.pk]),
        {"kind": "delegate", "name": "A"},
    )
    assert "Chọn đơn vị thành viên mà đại biểu này đại diện." in page(response)
    response = client.post(
        reverse("pledges:attendee_add", args=[world.cluster_year.pk]),
        {
            "kind": "witness",
            "name": "Trần Văn Bình",
            "title": "Phó Chủ tịch HĐND thành phố",
            "organisation": "HĐND thành phố",
        },
    )
    assert response.status_code == 302
    assert ceremony.attendees.filter(kind="witness", name="Trần Văn Bình").exists()


# --- The scanned signed copy --------------------------------------------------------------


def signed(world) -> Pledge:
    pledge = world.pledge
    pledge.date = datetime.date(2024, 3, 20)
    pledge.save()
    pledge.adopt()
    pledge.sign()
    return Pledge.objects.get(pk=pledge.pk)


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(buffer, "PNG")
    return buffer.getvalue()


def upload(client, world, name: str, content: bytes):
    return client.post(
        reverse("pledges:pledge_scan_upload", args=[world.cluster_year.pk]),
        {"scan": SimpleUploadedFile(name, content)},
        follow=True,
    )


def test_signed_copy_is_uploaded_and_served_only_to_readers(client_as, world):
    signed(world)
    response = upload(client_as("leader_clerk"), world, "ban-ky.pdf", b"%PDF-1.7\n1 0 obj\n")
    assert "Đã lưu bản chụp bản đã ký." in page(response)
    pledge = Pledge.objects.get(pk=world.pledge.pk)
    assert pledge.scan_content_type == "application/pdf"
    download = client_as("member_clerk").get(
        reverse("pledges:pledge_scan", args=[world.cluster_year.pk])
    )
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert (
        client_as("outsider_clerk")
        .get(reverse("pledges:pledge_scan", args=[world.cluster_year.pk]))
        .status_code
        == 404
    )


def test_png_scan_is_accepted(client_as, world):
    signed(world)
    upload(client_as("staff"), world, "ban-ky.PNG", png_bytes())
    assert Pledge.objects.get(pk=world.pledge.pk).scan_content_type == "image/png"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("ban-ky.exe", b"MZ\x90\x00", "Chỉ nhận tệp PDF, JPEG hoặc PNG."),
        ("ban-ky.html", b"<script>alert(1)</script>", "Chỉ nhận tệp PDF, JPEG hoặc PNG."),
        ("ban-ky.pdf", b"<html><script>alert(1)</script>", "không phải là tệp PDF"),
        ("ban-ky.png", b"%PDF-1.4 not a png", "không phải là tệp PNG"),
        ("ban-ky.jpg", b"\xff\xd8\xff\xe0garbage", "Ảnh bị hỏng hoặc không phải là ảnh."),
    ],
)
def test_bad_scans_are_refused_with_a_reason(client_as, world, name, content, message):
    signed(world)
    response = upload(client_as("staff"), world, name, content)
    assert message in page(response)
    assert not Pledge.objects.get(pk=world.pledge.pk).scan


def test_too_large_scans_are_refused(client_as, world, settings):
    settings.PLEDGE_SCAN_MAX_BYTES = 1024
    signed(world)
    response = upload(client_as("staff"), world, "ban-ky.pdf", b"%PDF-" + b"0" * 2048)
    assert "Tệp quá lớn" in page(response)
    assert not Pledge.objects.get(pk=world.pledge.pk).scan


def test_no_scan_before_signing(client_as, world):
    response = client_as("staff").post(
        reverse("pledges:pledge_scan_upload", args=[world.cluster_year.pk]),
        {"scan": SimpleUploadedFile("a.pdf", b"%PDF-1.4")},
    )
    assert response.status_code == 403


def test_only_staff_replace_a_stored_scan_and_the_old_file_is_kept(client_as, world):
    signed(world)
    upload(client_as("leader_clerk"), world, "lan-1.pdf", b"%PDF-1.4 first")
    first = Pledge.objects.get(pk=world.pledge.pk).scan.name
    response = client_as("leader_clerk").post(
        reverse("pledges:pledge_scan_upload", args=[world.cluster_year.pk]),
        {"scan": SimpleUploadedFile("lan-2.pdf", b"%PDF-1.4 second")},
    )
    assert response.status_code == 403
    upload(client_as("staff"), world, "lan-2.pdf", b"%PDF-1.4 second")
    pledge = Pledge.objects.get(pk=world.pledge.pk)
    assert pledge.scan.name != first
    assert pledge.scan.storage.exists(first)  # the history still points at it


def test_reopening_detaches_the_scan_of_the_signed_text(client_as, world):
    signed(world)
    upload(client_as("staff"), world, "ban-ky.pdf", b"%PDF-1.4 signed text")
    scanned = Pledge.objects.get(pk=world.pledge.pk)
    old_name = scanned.scan.name
    scanned.reopen(reason="Ký nhầm bản")
    url = reverse("pledges:pledge_scan", args=[world.cluster_year.pk])
    assert client_as("staff").get(url).status_code == 404
    assert scanned.history.filter(scan=old_name).exists()


def test_opening_the_attendee_form_records_nothing(client_as, world):
    world.pledge.ceremony.delete()  # its guest goes with it
    response = client_as("staff").get(reverse("pledges:attendee_add", args=[world.cluster_year.pk]))
    assert response.status_code == 200
    assert not Ceremony.objects.filter(pledge=world.pledge).exists()
