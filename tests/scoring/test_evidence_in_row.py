"""Feedback where the thumb is: a file attached or removed in its row (htmx: only that row's
cell comes back, with the answer in it), and without JavaScript every button of the sheet
carries the values typed but not yet saved, the answer drawn next to the row."""

import re
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from scoring.models import Evidence, Score, ScoreSheet
from tests.scoring.conftest import score, sheet_of

HTMX = {"HTTP_HX_REQUEST": "true"}


def pdf(name="bien-ban.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 evidence")


def page(response) -> str:
    return response.content.decode()


def sheet_form(sheet, typed: dict | None = None) -> dict:
    """The sheet's form as the browser sends it: every row's version, value and basis, with
    ``typed`` (score pk → value) in place of the stored values."""
    data, typed = {}, typed or {}
    for item in Score.objects.filter(sheet=sheet):
        data[f"version-{item.pk}"] = str(item.version)
        data[f"self-{item.pk}"] = typed.get(item.pk, "")
        data[f"note-{item.pk}"] = item.self_note
    return data


def evidence_row(round_, world):
    sheet = sheet_of(round_, world.member)
    target = next(
        item for item in Score.objects.filter(sheet=sheet).select_related("criterion")
        if item.criterion.evidence_required and item.criterion.kind == "score"
    )  # fmt: skip
    return sheet, target


def test_attaching_with_htmx_returns_the_row_cell_with_its_message(client_as, world, round_):
    sheet, target = evidence_row(round_, world)
    client = client_as("member_clerk")
    url = reverse("scoring:evidence_upload", args=[target.pk])
    response = client.post(url, {f"file-{target.pk}": pdf()}, **HTMX)
    html = page(response)
    assert response.status_code == 200
    assert html.lstrip().startswith("<td ") and f'id="evidence-{target.pk}"' in html
    assert "Đã đính kèm: bien-ban.pdf." in html and 'role="status"' in html
    assert "score-table" not in html and "<html" not in html  # the cell, not the page
    evidence = Evidence.objects.get(score=target)
    assert reverse("scoring:evidence_delete", args=[evidence.pk]) in html

    fake = page(client.post(url, {f"file-{target.pk}": SimpleUploadedFile("x.pdf", b"<html>")},
                            **HTMX))  # fmt: skip
    assert "không phải là tệp PDF" in fake and 'role="alert"' in fake
    empty = page(client.post(url, {}, **HTMX))
    assert "Hãy chọn tệp trước, rồi bấm “Đính kèm”." in empty
    assert Evidence.objects.filter(score=target).count() == 1


def test_removing_with_htmx_returns_the_row_cell(client_as, world, round_):
    sheet, target = evidence_row(round_, world)
    client = client_as("member_clerk")
    client.post(reverse("scoring:evidence_upload", args=[target.pk]), {"file": pdf()}, **HTMX)
    evidence = Evidence.objects.get(score=target)
    html = page(client.post(reverse("scoring:evidence_delete", args=[evidence.pk]), **HTMX))
    assert "Đã gỡ: bien-ban.pdf." in html and f'id="evidence-{target.pk}"' in html
    assert not Evidence.objects.filter(score=target).exists()
    # Who removed it stays in the history.
    record = Evidence.history.filter(id=evidence.pk, history_type="-").get()
    assert record.history_user.username == "member_clerk"


def test_on_a_page_listing_what_is_missing_the_row_line_is_refreshed(client_as, world, round_):
    sheet, target = evidence_row(round_, world)
    client = client_as("member_clerk")
    url = reverse("scoring:evidence_upload", args=[target.pk])
    checked = reverse("scoring:sheet_detail", args=[sheet.pk]) + "?kiem-tra=1"
    html = page(client.post(url, {f"file-{target.pk}": pdf()}, HTTP_HX_CURRENT_URL=checked,
                            **HTMX))  # fmt: skip
    assert f'<div id="problem-{target.pk}" hx-swap-oob="true">' in html
    assert "cần minh chứng" not in html.split(f'id="problem-{target.pk}"')[1]


def test_a_refused_file_is_told_in_its_row_without_javascript(client_as, world, round_):
    sheet, target = evidence_row(round_, world)
    client = client_as("member_clerk")
    url = reverse("scoring:evidence_upload", args=[target.pk])
    data = {**sheet_form(sheet), f"file-{target.pk}": SimpleUploadedFile("x.pdf", b"<html>")}
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"].endswith(f"#evidence-{target.pk}")  # scrolled to the row
    html = page(client.get(response["Location"]))
    cell = re.search(rf'<td[^>]*id="evidence-{target.pk}".*?</td>', html, re.S).group(0)
    assert "không phải là tệp PDF" in cell  # in the row, not at the top
    assert "không phải là tệp PDF" not in html.replace(cell, "")


def test_typed_values_survive_attach_without_javascript(client_as, world, round_):
    sheet, target = evidence_row(round_, world)
    other = score(sheet, "1.1")
    client = client_as("member_clerk")
    url = reverse("scoring:evidence_upload", args=[target.pk])
    data = {**sheet_form(sheet, {other.pk: "2,5"}), f"file-{target.pk}": pdf()}
    client.post(url, data)
    assert Score.objects.get(pk=other.pk).self_value == Decimal("2.5")
    assert Evidence.objects.filter(score=target).count() == 1


def test_a_refused_typed_value_comes_back_as_typed_and_the_file_is_still_told(
    client_as, world, round_
):
    sheet, target = evidence_row(round_, world)
    other = score(sheet, "1.1")
    client = client_as("member_clerk")
    url = reverse("scoring:evidence_upload", args=[target.pk])
    data = {**sheet_form(sheet, {other.pk: "99"}), f"file-{target.pk}": pdf()}
    response = client.post(url, data)
    html = page(response)
    assert response.status_code == 200  # the page again, with what was typed
    assert 'value="99"' in html and "Điểm không được vượt quá" in html
    assert "Đã đính kèm: bien-ban.pdf." in html
    assert Score.objects.get(pk=other.pk).self_value is None


def test_save_all_attaches_every_chosen_file(client_as, world, round_):
    sheet, target = evidence_row(round_, world)
    client = client_as("member_clerk")
    data = {**sheet_form(sheet), f"file-{target.pk}": pdf()}
    response = client.post(reverse("scoring:sheet_detail", args=[sheet.pk]), data)
    assert response.status_code == 302 and response["Location"].endswith(f"#evidence-{target.pk}")
    assert Evidence.objects.filter(score=target).count() == 1


def test_typed_values_survive_submit_without_javascript(client_as, world, round_):
    sheet = sheet_of(round_, world.member)
    client = client_as("member_clerk")
    # Everything but one value is done; that value is typed and the sheet submitted at once.
    scores = list(Score.objects.filter(sheet=sheet).select_related("criterion"))
    last = next(item for item in scores if item.criterion.kind == "score")
    for item in scores:
        if item.criterion.kind == "score" and item != last:
            Score.objects.filter(pk=item.pk).update(self_value=item.criterion.max_points)
        if item.criterion.evidence_required:
            client.post(reverse("scoring:evidence_upload", args=[item.pk]), {"file": pdf()})
    data = {**sheet_form(sheet, {last.pk: "1"}), "action": "submit"}
    for item in scores:
        stored = Score.objects.get(pk=item.pk).self_value
        if item != last and stored is not None:
            data[f"self-{item.pk}"] = str(stored).replace(".", ",")
    url = reverse("scoring:sheet_action", args=[sheet.pk])
    question = client.post(url, data)
    assert question.status_code == 200 and "Gửi phiếu" in page(question)  # asks first
    assert Score.objects.get(pk=last.pk).self_value == Decimal("1")  # already saved
    client.post(url, {**data, "confirmed": "1"})
    assert ScoreSheet.objects.get(pk=sheet.pk).status == "submitted"


def test_nobody_else_attaches_or_removes(client_as, world, round_):
    sheet, target = evidence_row(round_, world)
    client_as("member_clerk").post(
        reverse("scoring:evidence_upload", args=[target.pk]), {"file": pdf()}
    )
    evidence = Evidence.objects.get(score=target)
    for persona, status in (("leader_clerk", 403), ("outsider_clerk", 404)):
        client = client_as(persona)
        upload = client.post(reverse("scoring:evidence_upload", args=[target.pk]),
                             {"file": pdf()})  # fmt: skip
        delete = client.post(reverse("scoring:evidence_delete", args=[evidence.pk]))
        assert (upload.status_code, delete.status_code) == (status, status), persona
    assert Evidence.objects.filter(score=target).count() == 1
