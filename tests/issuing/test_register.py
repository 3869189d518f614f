"""The register: numbers, frozen copies, corrections, and the public verification page."""

from __future__ import annotations

import datetime
import hashlib
import io
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.urls import reverse

from issuing.models import IssuedDocument, RegisterCounter
from issuing.services import issue_document

pytestmark = pytest.mark.django_db


def fake_render(template: str, context: dict) -> bytes:
    """A stand-in PDF that carries what the real one prints of the issue (fast: no WeasyPrint)."""
    header = context["header"]
    return f"%PDF-1.7 {template} {header['number']} {context['issued']['code']}".encode()


def adopted(world):
    pledge = world.pledge
    pledge.date = datetime.date(2024, 3, 20)
    pledge.save()
    pledge.adopt()
    return world.cluster_year


def test_a_draft_covenant_is_not_issued(world):
    with pytest.raises(ValidationError, match="dự thảo"):
        issue_document(cluster_year=world.cluster_year, slug="giao-uoc",
                       by=world.users["staff"], render=fake_render)  # fmt: skip
    assert not IssuedDocument.objects.exists()


def test_issuing_numbers_the_document_and_keeps_its_bytes_and_hash(world):
    document = issue_document(cluster_year=adopted(world), slug="giao-uoc",
                              by=world.users["staff"], render=fake_render)  # fmt: skip
    assert document.reference == "01/GƯ-CTĐ"
    assert document.body_name == "xã Đồng Liên"  # the leader unit's register
    assert document.signer_name == "Nguyễn Văn An"
    pdf = bytes(IssuedDocument.objects.get().pdf)
    assert b"01/G\xc6\xafU-CT\xc4\x90" not in pdf  # sanity of the next line's encoding
    assert "01/GƯ-CTĐ".encode() in pdf and document.code.encode() in pdf
    assert document.sha256 == hashlib.sha256(pdf).hexdigest()
    assert document.history.get().history_user == world.users["staff"]


def test_issuing_twice_without_a_correction_is_refused(world):
    kwargs = {"cluster_year": adopted(world), "slug": "giao-uoc", "by": world.users["staff"],
                  "render": fake_render}  # fmt: skip
    issue_document(**kwargs)
    with pytest.raises(ValidationError, match="đã được ban hành"):
        issue_document(**kwargs)
    assert RegisterCounter.objects.get().last_number == 1


def test_a_correction_supersedes_and_both_are_kept(world):
    kwargs = {"cluster_year": adopted(world), "slug": "giao-uoc", "by": world.users["staff"],
                  "render": fake_render}  # fmt: skip
    first = issue_document(**kwargs)
    second = issue_document(**kwargs, supersede=first)
    assert (first.number, second.number) == (1, 2)
    assert IssuedDocument.objects.count() == 2
    assert list(IssuedDocument.objects.valid()) == [second]
    with pytest.raises(ValidationError):
        issue_document(**kwargs, supersede=first)  # already replaced


def test_a_failed_render_gives_the_number_back(world):
    def broken(template: str, context: dict) -> bytes:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        issue_document(cluster_year=adopted(world), slug="giao-uoc",
                       by=world.users["staff"], render=broken)  # fmt: skip
    document = issue_document(cluster_year=world.cluster_year, slug="bien-ban",
                              by=world.users["staff"], render=fake_render)  # fmt: skip
    assert document.number == 1


def test_an_issued_document_never_changes(world):
    document = issue_document(cluster_year=adopted(world), slug="giao-uoc",
                              by=world.users["staff"], render=fake_render)  # fmt: skip
    document.pdf = b"%PDF other"
    with pytest.raises(ValidationError):
        document.save()
    with pytest.raises(ValidationError):
        document.delete()
    with pytest.raises(ValidationError):
        IssuedDocument.objects.filter(pk=document.pk).update(sha256="0" * 64)
    with pytest.raises(ValidationError):
        IssuedDocument.objects.all().delete()


# --- The page and the real PDF -------------------------------------------------------------


def test_issuing_asks_first_then_prints_the_number_and_code_on_every_page(world, client_as):
    import pdfplumber

    adopted(world)
    client = client_as("staff")
    url = reverse("issuing:issue", args=[world.cluster_year.pk, "giao-uoc"])
    question = client.post(url)
    assert question.status_code == 200 and "không bao giờ thu hồi" in question.content.decode()
    assert not IssuedDocument.objects.exists()
    response = client.post(url, {"confirmed": "1"})
    assert response.status_code == 302
    document = IssuedDocument.objects.get()
    with pdfplumber.open(io.BytesIO(bytes(document.pdf))) as pdf:
        texts = [page.extract_text() for page in pdf.pages]
    assert "Số: 01/GƯ-CTĐ" in texts[0]
    assert all(document.code in text for text in texts), texts
    page = client.get(reverse("issuing:register", args=[world.cluster_year.pk])).content.decode()
    assert "01/GƯ-CTĐ" in page


# --- Verification, without login -------------------------------------------------------------


@pytest.fixture
def issued(world):
    return issue_document(cluster_year=adopted(world), slug="giao-uoc",
                          by=world.users["staff"], render=fake_render)  # fmt: skip


def upload(client, document, content: bytes):
    return client.post(
        reverse("issuing:verify", args=[document.code]),
        {"file": SimpleUploadedFile("x.pdf", content, content_type="application/pdf")},
    )


def test_the_issued_pdf_is_verified_as_valid_without_login(client, issued):
    response = upload(client, issued, bytes(issued.pdf))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="status-valid"' in page and 'data-testid="compare-same"' in page
    assert issued.sha256 in page and "01/GƯ-CTĐ" in page and "xã Đồng Liên" in page


def test_one_byte_changed_is_not_the_issued_document(client, issued):
    changed = bytearray(issued.pdf)
    changed[-1] ^= 1
    page = upload(client, issued, bytes(changed)).content.decode()
    assert 'data-testid="compare-different"' in page and 'data-testid="compare-same"' not in page


def test_a_superseded_document_says_so_and_names_its_replacement(client, world, issued):
    correction = issue_document(cluster_year=world.cluster_year, slug="giao-uoc",
                                by=world.users["staff"], supersede=issued,
                                render=fake_render)  # fmt: skip
    page = client.get(reverse("issuing:verify", args=[issued.code])).content.decode()
    assert 'data-testid="status-superseded"' in page and correction.reference in page


def test_an_unknown_code_is_not_found(client, db):
    response = client.get(reverse("issuing:verify", args=["ZZZZZZZZZZ"]))
    assert response.status_code == 404 and 'data-testid="not-found"' in response.content.decode()


def test_the_page_reveals_nothing_of_the_scores(client, world, issued):
    page = client.get(reverse("issuing:verify", args=[issued.code])).content.decode()
    # Only the register's entry: nothing of what the document says (here, the fake copy's text;
    # a summary's units and totals likewise), no member unit, no criterion.
    for secret in ("Tiêu chí", world.member.name, "%PDF", "pledges/print"):
        assert secret not in page


def test_a_missing_file_gets_a_clear_message(client, issued):
    page = client.post(reverse("issuing:verify", args=[issued.code])).content.decode()
    assert 'data-testid="compare-error"' in page


def test_verification_is_throttled_per_address(client, issued, settings):
    settings.VERIFY_PER_MINUTE = 3
    from django.core.cache import cache  # noqa: PLC0415

    cache.clear()
    url = reverse("issuing:verify", args=[issued.code])
    answers = [client.get(url, REMOTE_ADDR="10.0.0.9").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert client.get(url, REMOTE_ADDR="10.0.0.10").status_code == 200
    cache.clear()


# --- Concurrency (PostgreSQL) ---------------------------------------------------------------


def clusters_without_leaders(world, count: int) -> list:
    """``count`` clusters of authority A, each with an adopted covenant and no leader unit: all
    issue into the authority's one register."""
    from clusters.models import Cluster, ClusterYear, Membership, Unit  # noqa: PLC0415
    from pledges.services import create_pledge  # noqa: PLC0415

    years = []
    for i in range(count):
        cluster = Cluster.objects.create(authority=world.authority, name=f"Cụm {i}")
        cluster_year = ClusterYear.objects.create(cluster=cluster, year=2024)
        unit = Unit.objects.create(authority=world.authority, name=f"xã Số {i}")
        Membership.objects.create(cluster_year=cluster_year, unit=unit, role="member")
        create_pledge(cluster_year).adopt()
        years.append(cluster_year)
    return years


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_issues_get_twenty_consecutive_numbers(world):
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: SQLite has no row locks (select_for_update is a no-op) and "
            "serialises writers on the whole file, so parallel issuing is not exercised"
        )
    years = clusters_without_leaders(world, 20)
    barrier = threading.Barrier(20)
    errors: list[BaseException] = []
    numbers: list[int] = []

    def one(cluster_year) -> None:
        try:
            barrier.wait()
            document = issue_document(cluster_year=cluster_year, slug="giao-uoc",
                                      by=world.users["staff"], render=fake_render)  # fmt: skip
            numbers.append(document.number)
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one, args=(year,)) for year in years]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert sorted(numbers) == list(range(1, 21))
    assert set(IssuedDocument.objects.values_list("body_key", flat=True)) == {
        f"authority:{world.authority.pk}"
    }


# --- The registers listed and exported ---------------------------------------------------------


def test_registers_are_filtered_and_exported_as_text(world, client_as, issued):
    import openpyxl
    from django.utils import timezone

    correction = issue_document(cluster_year=world.cluster_year, slug="giao-uoc",
                                by=world.users["staff"], supersede=issued,
                                render=fake_render)  # fmt: skip
    year = timezone.localdate().year
    client = client_as("viewer")
    page = client.get(reverse("issuing:register_list"), {"year": year, "status": "valid"})
    rows = page.content.decode().split('data-testid="registers"')[1].split("<tr>")[2:]
    assert len(rows) == 1 and rows[0].startswith(f"<td>{correction.reference}</td>")
    workbook = client.get(reverse("issuing:register_xlsx"), {"year": year})
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in rows] == ["01/GƯ-CTĐ", "02/GƯ-CTĐ"]
    assert rows[0][8] == "đã bị thay thế" and rows[1][9] == "01/GƯ-CTĐ"
    assert all(isinstance(value, str) for row in rows for value in row if value is not None)


def test_a_name_that_looks_like_a_formula_stays_text(world, client_as):
    from django.utils import timezone

    world.leader.name = '=HYPERLINK("http://x","y")'
    world.leader.save()
    issue_document(cluster_year=adopted(world), slug="giao-uoc",
                   by=world.users["staff"], render=fake_render)  # fmt: skip
    response = client_as("staff").get(
        reverse("issuing:register_xlsx"), {"year": timezone.localdate().year}
    )
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cell = sheet.cell(row=2, column=4)
    assert cell.value == '=HYPERLINK("http://x","y")' and cell.data_type == "s"


def test_an_outsider_sees_no_entry_of_another_authority(world, client_as, issued):
    from django.utils import timezone

    page = client_as("outsider_clerk").get(
        reverse("issuing:register_list"), {"year": timezone.localdate().year}
    )
    assert page.status_code == 200 and issued.reference not in page.content.decode()


@pytest.mark.parametrize("year", ["abc", "99999", "-1"])
def test_a_bad_year_gets_a_message_not_an_error(client_as, world, year):
    page = client_as("staff").get(reverse("issuing:register_list"), {"year": year})
    assert page.status_code == 200 and "invalid-feedback" in page.content.decode()
    assert (
        client_as("staff").get(reverse("issuing:register_xlsx"), {"year": year}).status_code == 200
    )


def test_an_issued_summary_is_verified_without_showing_its_rows(world, client):
    """The real summary (every unit's total), issued once the results are final: the public
    page names the document and its number, never a unit or a total that the PDF prints."""
    import pdfplumber

    from results.models import Ballot
    from scoring.sheets import publish_table

    world.cluster_year.self_score_deadline = datetime.date.today() + datetime.timedelta(days=5)
    world.cluster_year.review_deadline = datetime.date.today() + datetime.timedelta(days=9)
    world.cluster_year.save()
    publish_table(world.table)
    Ballot.objects.create(table=world.table, award="Cờ thi đua")
    world.table.close(reason="Chốt kết quả")
    document = issue_document(cluster_year=world.cluster_year, slug="tong-hop",
                              by=world.users["staff"])  # fmt: skip
    with pdfplumber.open(io.BytesIO(bytes(document.pdf))) as pdf:
        printed = "\n".join(page.extract_text() for page in pdf.pages)
    assert world.member.name in printed and document.reference in printed
    page = upload(client, document, bytes(document.pdf)).content.decode()
    assert 'data-testid="compare-same"' in page and document.reference in page
    for unit in (world.member, world.deputy):
        assert unit.name not in page
