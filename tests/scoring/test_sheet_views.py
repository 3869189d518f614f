import datetime
from decimal import Decimal
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from scoring.models import Evidence, Score, ScoreSheet
from tests.scoring.conftest import score, sheet_of

HTMX = {"HTTP_HX_REQUEST": "true"}


def page(response) -> str:
    return response.content.decode()


def save(client, target, **fields):
    data = {f"version-{target.pk}": fields.pop("version", target.version)}
    data.update({f"{name}-{target.pk}": value for name, value in fields.items()})
    return client.post(reverse("scoring:score_save", args=[target.pk]), data, **HTMX)


def test_a_field_saves_by_itself_and_says_so(client_as, world, round_):  # noqa: F811
    target = score(sheet_of(round_, world.member), "1.1")
    response = save(client_as("member_clerk"), target, self="2,5", note="Xếp loại tốt")
    html = page(response)
    assert "đã lưu" in html and 'id="sheet-totals"' in html and 'hx-swap-oob="true"' in html
    assert f'id="version-{target.pk}"' in html and 'value="1"' in html  # the new version
    stored = Score.objects.get(pk=target.pk)
    assert (stored.self_value, stored.self_note, stored.version) == (
        Decimal("2.5"),
        "Xếp loại tốt",
        1,
    )


def test_bad_input_is_explained_next_to_the_field_and_nothing_is_saved(client_as, world, round_):  # noqa: F811
    target = score(sheet_of(round_, world.member), "1.1")
    client = client_as("member_clerk")
    for typed, message in (("abc", 'Nhập một số, ví dụ &quot;95,5&quot;.'),
                           ("1e9", 'Nhập một số, ví dụ &quot;95,5&quot;.'),
                           ("-1", "Điểm không được âm."), ("9", "Điểm không được vượt quá 3."),
                           ("2,25", "Điểm phải là bội số của 0,5")):  # fmt: skip
        html = page(save(client, target, self=typed))
        assert message in html, typed
        assert "invalid-feedback" in html
    assert Score.objects.get(pk=target.pk).self_value is None
    html = page(save(client, target, self="2.5"))  # a point works as well as a comma
    assert "đã lưu" in html


def test_a_stale_save_shows_the_current_value(client_as, world, round_):  # noqa: F811
    target = score(sheet_of(round_, world.member), "1.1")
    save(client_as("member_clerk"), target, self="3")
    html = page(save(client_as("staff"), target, self="1", version=0))  # an old page
    assert "Người khác vừa lưu điểm này: điểm hiện là 3" in html
    assert Score.objects.get(pk=target.pk).self_value == Decimal("3")


def test_the_whole_form_saves_without_javascript(client_as, world, round_):  # noqa: F811
    sheet = sheet_of(round_, world.member)
    first, second = score(sheet, "1.1"), score(sheet, "1.2")
    response = client_as("member_clerk").post(reverse("scoring:sheet_detail", args=[sheet.pk]), {
        f"version-{first.pk}": 0, f"self-{first.pk}": "3", f"note-{first.pk}": "",
        f"version-{second.pk}": 0, f"self-{second.pk}": "1,5", f"note-{second.pk}": "75%",
    }, follow=True)  # fmt: skip
    assert "Đã lưu 2 điểm." in page(response)
    assert Score.objects.get(pk=second.pk).self_value == Decimal("1.5")


def test_a_clerk_cannot_score_another_units_sheet_by_editing_the_url(client_as, world, round_):  # noqa: F811
    others = [
        score(sheet_of(round_, world.leader), "1.1"),
        score(sheet_of(round_, world.deputy), "1.1"),
    ]
    for target in others:
        response = save(client_as("member_clerk"), target, self="3")
        assert response.status_code == 404  # not even visible
        assert Score.objects.get(pk=target.pk).self_value is None
    # A clerk that sees another sheet (the leader, as reviewer) still cannot self-score it.
    response = save(
        client_as("leader_clerk"), score(sheet_of(round_, world.member), "1.1"), self="3"
    )
    assert response.status_code == 403
    # Nor smuggle another unit's score into its own sheet's form.
    own = sheet_of(round_, world.member)
    foreign = others[0]
    client_as("member_clerk").post(reverse("scoring:sheet_detail", args=[own.pk]), {
        f"version-{foreign.pk}": 0, f"self-{foreign.pk}": "3"})  # fmt: skip
    assert Score.objects.get(pk=foreign.pk).self_value is None


def submit_all(client, sheet):
    for item in Score.objects.filter(sheet=sheet).select_related("criterion"):
        if item.criterion.kind == "score":
            save(client, item, self=str(item.criterion.max_points).replace(".", ","))
        if item.criterion.evidence_required:
            upload = SimpleUploadedFile("mc.pdf", b"%PDF-1.4 evidence")
            client.post(reverse("scoring:evidence_upload", args=[item.pk]), {"file": upload})
    url = reverse("scoring:sheet_action", args=[sheet.pk])
    return client.post(url, {"action": "submit", "confirmed": "1"}, follow=True)


def test_submitting_makes_the_sheet_read_only_and_notifies_the_leader(client_as, world, round_):  # noqa: F811
    sheet = sheet_of(round_, world.member)
    client = client_as("member_clerk")
    assert "Đã gửi phiếu cho cụm trưởng thẩm định." in page(submit_all(client, sheet))
    response = save(client, score(sheet, "1.1"), self="1")
    assert response.status_code == 403
    dashboard = page(client_as("leader_clerk").get(reverse("clusters:home")))
    assert "1 phiếu chờ thẩm định" in dashboard


def test_the_leader_reviews_with_reasons_and_cannot_review_itself(client_as, world, round_):  # noqa: F811
    member = sheet_of(round_, world.member)
    leader = sheet_of(round_, world.leader)
    submit_all(client_as("member_clerk"), member)
    ScoreSheet.objects.filter(pk=leader.pk).update(status="submitted")
    client = client_as("leader_clerk")
    target = score(member, "1.1")
    html = page(save(client, target, reviewed="2"))
    assert "Hãy ghi lý do điểm thẩm định khác điểm tự chấm." in html
    html = page(save(client, target, reviewed="2", reason="Chỉ hoàn thành tốt"))
    assert "đã lưu" in html
    own = score(leader, "1.1")
    response = save(client, own, reviewed="0", reason="Tự chấm lại")
    assert response.status_code == 403
    assert "Cụm trưởng không tự thẩm định" in page(response)
    response = client.post(reverse("scoring:sheet_action", args=[member.pk]),
                           {"action": "reviewed", "confirmed": "1"},
                           follow=True)  # fmt: skip
    assert "Đã đánh dấu phiếu đã thẩm định." in page(response)
    sheet_page = page(client_as("viewer").get(reverse("scoring:sheet_detail", args=[member.pk])))
    assert "Chỉ hoàn thành tốt" in sheet_page and "— → 2" in sheet_page


def test_writes_after_a_deadline_are_refused(client_as, world, round_):  # noqa: F811
    world.cluster_year.self_score_deadline = datetime.date.today() - datetime.timedelta(days=1)
    world.cluster_year.save()
    target = score(sheet_of(round_, world.member), "1.1")
    response = save(client_as("member_clerk"), target, self="3")
    assert response.status_code == 403 and "Đã hết hạn tự chấm điểm." in page(response)
    assert Score.objects.get(pk=target.pk).self_value is None


def test_staff_extend_the_deadlines_with_a_reason(client_as, world, round_):  # noqa: F811
    url = reverse("scoring:deadlines", args=[world.cluster_year.pk])
    response = client_as("staff").post(url, {"self_score_deadline": "31/12/2030",
                                             "review_deadline": "15/01/2031",
                                             "reason": "Gia hạn theo đề nghị của Cụm"})  # fmt: skip
    assert response.status_code == 302
    world.cluster_year.refresh_from_db()
    assert world.cluster_year.self_score_deadline == datetime.date(2030, 12, 31)
    listing = page(
        client_as("viewer").get(reverse("scoring:sheet_list", args=[world.cluster_year.pk]))
    )
    assert "31/12/2030" in listing and "Gia hạn theo đề nghị của Cụm" in listing
    assert client_as("viewer").post(url, {}).status_code == 403


def office_file() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_evidence_is_checked_served_only_to_readers_and_never_inline(client_as, world, round_):  # noqa: F811
    target = score(sheet_of(round_, world.member), "1.1")
    client = client_as("member_clerk")
    url = reverse("scoring:evidence_upload", args=[target.pk])
    bad = client.post(url, {"file": SimpleUploadedFile("x.html", b"<script>")}, follow=True)
    assert "Chỉ nhận tệp PDF, ảnh (JPEG, PNG) và văn bản Office." in page(bad)
    fake = client.post(url, {"file": SimpleUploadedFile("x.pdf", b"<html>")}, follow=True)
    assert "không phải là tệp PDF" in page(fake)
    client.post(url, {"file": SimpleUploadedFile("bien-ban.docx", office_file())})
    evidence = Evidence.objects.get(score=target)
    download = client_as("leader_clerk").get(
        reverse("scoring:evidence_download", args=[evidence.pk])
    )
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert "sandbox" in download["Content-Security-Policy"]
    assert (
        client_as("outsider_clerk")
        .get(reverse("scoring:evidence_download", args=[evidence.pk]))
        .status_code
        == 404
    )
    # Another member's clerk cannot see it either.
    from tests.conftest import make_user

    deputy_clerk = make_user("deputy_clerk", role="clerk", unit=world.deputy)
    from django.test import Client

    other = Client()
    other.force_login(deputy_clerk)
    assert other.get(reverse("scoring:evidence_download", args=[evidence.pk])).status_code == 404


def test_sheet_page_and_grid_queries_do_not_grow_with_units_or_criteria(
    client_as,
    world,
    round_,
    django_assert_max_num_queries,
):
    sheet = sheet_of(round_, world.member)
    client = client_as("staff")
    client.get(reverse("scoring:sheet_detail", args=[sheet.pk]))
    # session, user, roles, sheet with its year, the year's members, criteria, scores, their
    # evidence, score history, evidence history, sheet history
    with django_assert_max_num_queries(12):  # the 11 above, and the top bar's unread reminders
        client.get(reverse("scoring:sheet_detail", args=[sheet.pk]))
    # A field saved with htmx: session, user, roles, score, sheet, cluster-year, leader and
    # deputy, savepoint, locked sheet, locked score, update, history, release; then the sheet's
    # scores and criteria for the totals.
    with django_assert_max_num_queries(16):
        save(client, score(sheet, "1.1"), self="1")
    grid = reverse("scoring:review_grid", args=[world.cluster_year.pk])
    client.get(grid)
    with django_assert_max_num_queries(10) as few:  # +1: the top bar's count of unread reminders
        client.get(grid)
    from clusters.models import Membership, Unit
    from scoring.sheets import ensure_sheets

    for index in range(6):
        unit = Unit.objects.create(authority=world.authority, name=f"xã Thêm {index}")
        Membership.objects.create(cluster_year=world.cluster_year, unit=unit, position=10 + index)
    ensure_sheets(round_)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(grid)
    assert page(response).count('class="text-center"><a href=') == 9


def test_sheet_pdf_has_both_columns_and_the_chairmans_block(client_as, world, round_):  # noqa: F811
    sheet = sheet_of(round_, world.member)
    save(client_as("member_clerk"), score(sheet, "1.1"), self="2,5", note="Tốt")
    response = client_as("viewer").get(reverse("scoring:sheet_pdf", args=[sheet.pk]))
    reader = PdfReader(BytesIO(response.content))
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert "PHIẾU CHẤM ĐIỂM THI ĐUA NĂM 2024" in text and "phường Huống Thượng" in text
    assert "Điểm tự chấm" in text and "Điểm thẩm định" in text and "2,5" in text
    assert "TM. ỦY BAN NHÂN DÂN" in text and "CHỦ TỊCH" in text
    assert round(float(reader.pages[0].mediabox.width)) == 842  # landscape


def test_evidence_size_limit_and_fake_office_files(client_as, world, round_, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    target = score(sheet_of(round_, world.member), "1.1")
    client = client_as("member_clerk")
    url = reverse("scoring:evidence_upload", args=[target.pk])
    big = client.post(
        url, {"file": SimpleUploadedFile("to.pdf", b"%PDF-" + b"0" * 2048)}, follow=True
    )
    assert "Tệp quá lớn" in page(big)
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.html", "<script>alert(1)</script>")
    fake = client.post(url, {"file": SimpleUploadedFile("bao-cao.docx", buffer.getvalue())},
                       follow=True)  # fmt: skip
    assert "không phải là tệp DOCX" in page(fake)
    assert not Evidence.objects.filter(score=target).exists()


def test_notes_reasons_and_evidence_show_in_the_history(client_as, world, round_):
    target = score(sheet_of(round_, world.member), "1.1")
    client = client_as("member_clerk")
    save(client, target, self="", note="Chỉ thêm căn cứ")
    client.post(reverse("scoring:evidence_upload", args=[target.pk]),
                {"file": SimpleUploadedFile("nghi-quyet.pdf", b"%PDF-1.4")})  # fmt: skip
    html = page(client.get(reverse("scoring:sheet_detail", args=[target.sheet_id])))
    assert "căn cứ chấm: — → Chỉ thêm căn cứ" in html
    assert "minh chứng: — → nghi-quyet.pdf" in html


def test_writes_after_the_review_deadline_or_on_a_closed_table_are_refused(
    client_as, world, round_
):
    sheet = sheet_of(round_, world.member)
    ScoreSheet.objects.filter(pk=sheet.pk).update(status="submitted")
    world.cluster_year.review_deadline = datetime.date.today() - datetime.timedelta(days=1)
    world.cluster_year.save()
    target = score(sheet, "1.1")
    response = save(client_as("leader_clerk"), target, reviewed="1", reason="x")
    assert response.status_code == 403 and "Đã hết hạn thẩm định." in page(response)
    world.cluster_year.review_deadline = datetime.date.today() + datetime.timedelta(days=1)
    world.cluster_year.save()
    round_.close(reason="Chốt")
    response = save(client_as("staff"), target, reviewed="1", reason="x")
    assert response.status_code == 403
    assert Score.objects.get(pk=target.pk).reviewed_value is None


def test_a_stale_review_against_the_units_newer_value_is_refused(client_as, world, round_):
    sheet = sheet_of(round_, world.member)
    target = score(sheet, "1.1")
    save(client_as("member_clerk"), target, self="3")
    ScoreSheet.objects.filter(pk=sheet.pk).update(status="submitted")
    html = page(save(client_as("leader_clerk"), target, reviewed="2", reason="x", version=0))
    assert "Người khác vừa lưu điểm này: điểm hiện là 3" in html


def test_a_save_racing_another_is_not_taken_for_unchanged(client_as, world, round_, monkeypatch):
    """Found by the load test (bench/load.py). The clerk's request read the score (2, version 1);
    before it went on, another save committed 1. The clerk's 2 must not be taken for
    "unchanged" on the strength of the old copy: it is refused as stale, and says what is there."""
    from scoring import access, sheets

    target = score(sheet_of(round_, world.member), "1.1")
    sheets.save_self(target, value=Decimal("2"), note="", version=0)
    real = access.get_score_for_user

    def read_then_someone_else_saves(user, pk):
        copy, rights = real(user, pk)
        sheets.save_self(Score.objects.get(pk=pk), value=Decimal("1"), note="", version=1)
        return copy, rights

    monkeypatch.setattr(access, "get_score_for_user", read_then_someone_else_saves)
    html = page(save(client_as("member_clerk"), target, self="2", version=1))
    assert "đã lưu" not in html and "Người khác vừa lưu điểm này" in html
    assert Score.objects.get(pk=target.pk).self_value == Decimal("1")


def test_the_sheet_shows_the_newest_changes_and_the_history_page_all_of_them(
    client_as, world, round_
):
    sheet = sheet_of(round_, world.member)
    target, other = score(sheet, "1.1"), score(sheet, "1.2")
    client = client_as("member_clerk")
    for index in range(25):  # a score saved again and again must not make the page grow
        save(client, Score.objects.get(pk=target.pk), self=str(index % 3))
    save(client, other, self="1", note="Căn cứ đầu tiên")
    html = page(client.get(reverse("scoring:sheet_detail", args=[sheet.pk])))
    panel = html[html.index('data-testid="history"') :]
    panel = panel[: panel.index("</ul>")]
    assert panel.count("<li>") == 20  # the newest changes under the sheet
    assert "căn cứ chấm: — → Căn cứ đầu tiên" in panel  # the newest first
    assert "Toàn bộ lịch sử</a>" in html  # 25 + 2 changes: more than shown
    history_url = reverse("scoring:sheet_history", args=[sheet.pk])
    # Each changed criterion has a panel, read when opened (htmx), a link without JavaScript.
    assert html.count(f'hx-get="{history_url}?tieu-chi=') == 2
    assert f'href="{history_url}?tieu-chi={target.criterion_id}"' in html
    panel = page(
        client.get(f"{history_url}?tieu-chi={target.criterion_id}", HTTP_HX_REQUEST="true")
    )
    assert panel.count("<li>") == 3 and "toàn bộ lịch sử" in panel  # the newest 3 of 25
    assert "<html" not in panel
    panel = page(client.get(f"{history_url}?tieu-chi={other.criterion_id}", HTTP_HX_REQUEST="true"))
    assert panel.count("<li>") == 2 and "toàn bộ lịch sử" not in panel  # its value and basis

    whole = page(client.get(history_url))
    assert whole.count("điểm tự chấm: — → 0") == 1  # the first save, which the sheet dropped
    assert whole.count("<li>") == 27
    one = page(client.get(f"{history_url}?tieu-chi={other.criterion_id}"))
    assert "Căn cứ đầu tiên" in one and "→ 2" not in one
    for wrong in ("abc", "0", "²", "9" * 5000, str(other.criterion_id + 10_000)):
        assert client.get(f"{history_url}?tieu-chi={wrong}").status_code == 404


def test_two_tabs_of_one_sheet_cannot_overwrite_each_other_silently(client_as, round_, world):
    """Tab A saves 1; tab B, loaded before, tries 0,5: refused with the current value and who
    saved it, and B keeps its old version, so its next try is refused too, until B takes the
    current value."""
    sheet = sheet_of(round_, world.member)
    target = score(sheet, "1.1")
    clerk = client_as("member_clerk")
    assert "đã lưu" in save(clerk, target, self="1", note="", version=0).content.decode()
    refused = save(clerk, target, self="0,5", note="", version=0).content.decode()
    assert "hiện là 1" in refused and "Lưu bởi" in refused
    assert f'name="version-{target.pk}"' not in refused  # the tab keeps its old version
    assert 'data-testid="take-current"' in refused
    again = save(clerk, target, self="0,5", note="", version=0).content.decode()
    assert "hiện là 1" in again and "đã lưu" not in again
    assert Score.objects.get(pk=target.pk).self_value == 1
    # Taking the current value (the page, reloaded) gives the current version: then it saves.
    current = Score.objects.get(pk=target.pk).version
    assert "đã lưu" in save(clerk, target, self="0,5", note="", version=current).content.decode()


def test_submit_and_mark_reviewed_ask_first_saying_what_follows(client_as, world, round_):  # noqa: F811
    sheet = sheet_of(round_, world.member)
    for item in Score.objects.filter(sheet=sheet, criterion__kind="score"):
        save(client_as("member_clerk"), item, self="0")
    url = reverse("scoring:sheet_action", args=[sheet.pk])
    clerk = client_as("member_clerk")
    asked = clerk.post(url, {"action": "submit"})  # no JavaScript: a page of its own
    html = page(asked)
    assert asked.status_code == 200 and "không thể sửa điểm" in html
    assert 'name="confirmed" value="1"' in html and 'name="action" value="submit"' in html
    assert ScoreSheet.objects.get(pk=sheet.pk).status == "draft"  # nothing happened yet
    dialog = page(clerk.post(url, {"action": "submit"}, **HTMX))  # with htmx: a <dialog>
    assert dialog.lstrip().startswith("<dialog") and "data-confirm" in dialog


def test_the_reviewer_reopens_a_reviewed_sheet_with_a_reason_until_the_results_are_final(
    client_as,
    world,
    round_,  # noqa: F811
):
    sheet = sheet_of(round_, world.member)
    ScoreSheet.objects.filter(pk=sheet.pk).update(status="reviewed")
    url = reverse("scoring:sheet_action", args=[sheet.pk])
    leader = client_as("leader_clerk")
    assert "Mở lại thẩm định" in page(leader.get(reverse("scoring:sheet_detail", args=[sheet.pk])))
    assert client_as("member_clerk").post(url, {"action": "reopen", "reason": "x",
                                                "confirmed": "1"}).status_code == 403  # fmt: skip
    missing = leader.post(url, {"action": "reopen", "reason": "", "confirmed": "1"}, follow=True)
    assert "Hãy ghi lý do mở lại thẩm định." in page(missing)
    leader.post(url, {"action": "reopen", "reason": "Đơn vị bổ sung minh chứng", "confirmed": "1"})
    sheet.refresh_from_db()
    assert sheet.status == "submitted"
    record = sheet.history.first()
    assert (record.history_user, record.history_change_reason) == (
        world.users["leader_clerk"],
        "Đơn vị bổ sung minh chứng",
    )
    ScoreSheet.objects.filter(pk=sheet.pk).update(status="reviewed")
    round_.close(reason="Chốt kết quả")
    response = leader.post(url, {"action": "reopen", "reason": "Muộn", "confirmed": "1"})
    assert response.status_code == 403
    assert ScoreSheet.objects.get(pk=sheet.pk).status == "reviewed"
