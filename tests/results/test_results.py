"""Totals, ranks, tie-breaks and tiers against hand-computed cases, in exact decimals."""

import datetime
from decimal import Decimal

import pytest

from clusters.models import Membership, Unit
from results.ranking import rank
from scoring.models import Criterion, Score, ScoreSheet
from scoring.services import create_table
from scoring.sheets import publish_table

D = Decimal


@pytest.fixture
def contest(world):
    """Six units; a table: I (60 + 40), II bonus 5 (cap 5), III deductions 10 (cap 10)."""
    world.table.delete()
    for index, name in enumerate(["xã Bốn", "xã Năm", "xã Sáu"], start=4):
        unit = Unit.objects.create(authority=world.authority, name=name)
        Membership.objects.create(cluster_year=world.cluster_year, unit=unit, position=index)
    table = create_table(world.cluster_year)
    section = Criterion.objects.create(table=table, code="I", text="Điểm", max_points=100,
                                       position=1)  # fmt: skip
    Criterion.objects.create(table=table, parent=section, code="1", text="a", max_points=60,
                             step=D("0.5"), position=1)  # fmt: skip
    Criterion.objects.create(table=table, parent=section, code="2", text="b", max_points=40,
                             step=D("0.5"), position=2)  # fmt: skip
    Criterion.objects.create(table=table, code="II", text="Thưởng", kind="bonus", max_points=5,
                             step=1, position=2)  # fmt: skip
    Criterion.objects.create(table=table, code="III", text="Trừ", kind="deduction",
                             max_points=10, step=1, position=3)  # fmt: skip
    world.cluster_year.self_score_deadline = datetime.date.today() + datetime.timedelta(days=5)
    world.cluster_year.save()
    publish_table(table)
    return table


def fill(table, unit_name, one, two, bonus=0, deduction=0, reviewed=None):
    sheet = ScoreSheet.objects.get(table=table, unit__name=unit_name)
    values = {"1": one, "2": two, "II": bonus, "III": deduction}
    for score in Score.objects.filter(sheet=sheet).select_related("criterion"):
        score.self_value = D(str(values[score.criterion.code]))
        if reviewed and score.criterion.code in reviewed:
            score.reviewed_value = D(str(reviewed[score.criterion.code]))
        score.save()
    return sheet


def results_of(table):
    sheets = list(ScoreSheet.objects.filter(table=table).select_related("unit"))
    scores = list(Score.objects.filter(sheet__in=sheets).select_related("criterion"))
    return rank(table, table.tree(), sheets, scores)


def test_ranking_with_ties_at_several_places_bonus_over_100_and_deductions(contest, world):
    fill(contest, "xã Đồng Liên", 58, 40, bonus=5)  # 103: bonus pushes it over 100
    fill(contest, "xã Tân Cương", 55, 40)  # 95
    fill(contest, "phường Huống Thượng", 60, 37, deduction=2)  # 95, but more score points
    fill(contest, "xã Bốn", 50, 40)  # 90
    fill(contest, "xã Năm", 50, 40)  # 90, identical: shared rank
    fill(contest, "xã Sáu", 45, 35)  # 80
    results = results_of(contest)
    table = [(r.sheet.unit.name, r.total, r.rank) for r in results]
    assert table == [
        ("xã Đồng Liên", D("103"), 1),
        ("phường Huống Thượng", D("95"), 2),
        ("xã Tân Cương", D("95"), 3),
        ("xã Bốn", D("90"), 4),
        ("xã Năm", D("90"), 4),
        ("xã Sáu", D("80"), 6),
    ]
    notes = {r.sheet.unit.name: r.tie_note for r in results}
    assert notes["xã Tân Cương"] == (
        "bằng tổng điểm, phân định theo: tổng điểm chấm cao hơn (chưa tính điểm thưởng, điểm trừ)"
    )
    assert notes["xã Năm"] == "bằng tổng điểm và mọi tiêu chí xét: đồng hạng"
    assert notes["xã Đồng Liên"] == ""


def test_tie_break_order_is_the_tables_own(contest, world):
    contest.tie_break = ["fewer_deductions", "score_total"]
    fill(contest, "xã Đồng Liên", 50, 40)  # 90, no deduction
    fill(contest, "xã Tân Cương", 52, 40, deduction=2)  # 90, higher score but deductions
    results = [r for r in results_of(contest) if r.total == 90]
    assert [r.sheet.unit.name for r in results] == ["xã Đồng Liên", "xã Tân Cương"]
    assert "ít điểm trừ hơn" in results[1].tie_note


def test_section_rule(contest, world):
    contest.tie_break = ["section:I"]
    fill(contest, "xã Đồng Liên", 50, 40, deduction=5)  # 85, section I 90
    fill(contest, "xã Tân Cương", 45, 40)  # 85, section I 85
    results = [r for r in results_of(contest) if r.total == 85]
    assert [r.sheet.unit.name for r in results] == ["xã Đồng Liên", "xã Tân Cương"]
    assert "điểm phần I cao hơn" in results[1].tie_note


def test_reviewed_values_count_where_reviewed_and_tiers_follow_the_bands(contest, world):
    fill(contest, "xã Đồng Liên", 60, 40, reviewed={"1": 50})  # self 100, reviewed 90
    sheet = fill(contest, "xã Tân Cương", 45, 25)  # 70, never reviewed
    ScoreSheet.objects.filter(pk=sheet.pk).update(status="submitted")
    results = {r.sheet.unit.name: r for r in results_of(contest)}
    leader = results["xã Đồng Liên"]
    assert (leader.own.total, leader.total, leader.percent) == (D("100"), D("90"), D("90.00"))
    assert leader.tier == "Hoàn thành xuất sắc nhiệm vụ"
    deputy = results["xã Tân Cương"]
    assert deputy.total == D("70") and not deputy.is_reviewed
    assert deputy.tier == "Hoàn thành tốt nhiệm vụ"
    assert results["xã Sáu"].tier == "Không hoàn thành nhiệm vụ"  # nothing entered: 0


def test_decimal_exactness_33_tenths_add_to_3_3(world):
    world.table.delete()
    table = create_table(world.cluster_year)
    table.nominal_total = D("3.3")
    table.save()
    section = Criterion.objects.create(table=table, code="I", text="Phần", max_points=D("3.3"),
                                       step=D("0.1"), position=1)  # fmt: skip
    for index in range(1, 34):
        Criterion.objects.create(table=table, parent=section, code=str(index), text="x",
                                 max_points=D("0.1"), step=D("0.1"), position=index)  # fmt: skip
    assert table.tree().problems == []
    publish_table(table)
    Score.objects.filter(sheet__table=table).update(self_value=D("0.1"))
    results = results_of(table)
    assert all(r.total == D("3.3") for r in results)
    assert all(r.percent == D("100.00") for r in results)
    assert 0.1 * 33 != 3.3  # what floats would have given


def test_results_page_shows_ranks_ties_and_tiers_and_staff_finalise(client_as, contest, world):
    from django.urls import reverse

    fill(contest, "xã Đồng Liên", 58, 40, bonus=5)
    fill(contest, "xã Tân Cương", 55, 40)
    fill(contest, "phường Huống Thượng", 60, 37, deduction=2)
    url = reverse("results:results", args=[world.cluster_year.pk])
    html = client_as("viewer").get(url).content.decode()
    assert (
        html.index("xã Đồng Liên") < html.index("phường Huống Thượng") < html.index("xã Tân Cương")
    )
    assert "103" in html and "bằng tổng điểm, phân định theo" in html
    assert "Hoàn thành xuất sắc nhiệm vụ" in html
    client = client_as("staff")
    url = reverse("results:results_status", args=[world.cluster_year.pk])
    asked = client.post(url, {"action": "finalise"}).content.decode()  # asks first
    assert "Chưa bao giờ gửi phiếu" in asked and "xã Sáu" in asked
    contest.refresh_from_db()
    assert not contest.is_closed
    client.post(url, {"action": "finalise", "confirmed": "1", "unsubmitted": "count"})
    contest.refresh_from_db()
    assert contest.is_closed
    response = client.post(reverse("results:results_status", args=[world.cluster_year.pk]),
                           {"action": "reopen", "reason": ""}, follow=True)  # fmt: skip
    assert "Hãy ghi lý do mở lại kết quả." in response.content.decode()
    client.post(reverse("results:results_status", args=[world.cluster_year.pk]),
                {"action": "reopen", "reason": "Sai điểm xã Sáu"})  # fmt: skip
    contest.refresh_from_db()
    assert contest.status == "published"
    assert contest.history.filter(history_change_reason="Sai điểm xã Sáu").exists()


def test_results_page_queries_do_not_grow_with_units_or_criteria(
    client_as, contest, world, django_assert_num_queries
):
    from django.urls import reverse

    url = reverse("results:results", args=[world.cluster_year.pk])
    client = client_as("viewer")
    client.get(url)
    # session, user, roles, cluster-year, table, criteria, sheets with units, scores
    with django_assert_num_queries(9):  # +1: the top bar's count of unread reminders
        client.get(url)
    for index in range(5):
        unit = Unit.objects.create(authority=world.authority, name=f"xã Mới {index}")
        Membership.objects.create(cluster_year=world.cluster_year, unit=unit, position=20 + index)
    from scoring.sheets import ensure_sheets

    ensure_sheets(contest)
    with django_assert_num_queries(9):  # +1: the top bar's count of unread reminders
        response = client.get(url)
    assert response.content.decode().count("xã Mới") == 10  # table and chart


def test_page_pdf_and_excel_agree(client_as, contest, world, django_assert_max_num_queries):
    import io

    from django.urls import reverse
    from openpyxl import load_workbook
    from pypdf import PdfReader

    fill(contest, "xã Đồng Liên", 58.5, 40, bonus=5)  # 103,5
    fill(contest, "xã Tân Cương", 55, 40, deduction=3)  # 92
    client = client_as("viewer")
    page = client.get(reverse("results:results", args=[world.cluster_year.pk])).content.decode()
    assert "103,5" in page and "92" in page
    pdf = client.get(reverse("results:summary_pdf", args=[world.cluster_year.pk]))
    reader = PdfReader(io.BytesIO(pdf.content))
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert "BẢNG TỔNG HỢP KẾT QUẢ CHẤM ĐIỂM THI ĐUA NĂM 2024" in text
    assert "xã Đồng Liên" in text and "103,5" in text and "CỤM TRƯỞNG" in text
    assert round(float(reader.pages[0].mediabox.width)) == 842
    workbook = load_workbook(io.BytesIO(client.get(
        reverse("results:summary_xlsx", args=[world.cluster_year.pk])).content))  # fmt: skip
    sheet = workbook.active
    assert sheet.freeze_panes == "C2"
    first = [cell.value for cell in sheet[2]]
    assert first[:4] == [1, "xã Đồng Liên", 98.5, 5]
    assert first[5].startswith("=SUM(C2:D2)-E2")
    # What the formula gives equals the page's total.
    assert first[2] + first[3] - first[4] == 103.5
    second = [cell.value for cell in sheet[3]]
    assert second[2] + second[3] - second[4] == 92
    # The PDF's queries do not grow with the units.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("results:summary_pdf", args=[world.cluster_year.pk])
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for index in range(5):
        unit = Unit.objects.create(authority=world.authority, name=f"xã Thêm {index}")
        Membership.objects.create(cluster_year=world.cluster_year, unit=unit, position=30 + index)
    from scoring.sheets import ensure_sheets

    ensure_sheets(contest)
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(url)


def test_the_chart_is_svg_with_a_bar_per_unit_in_rank_order(client_as, contest, world):
    from django.urls import reverse

    fill(contest, "xã Đồng Liên", 58, 40, bonus=5)
    fill(contest, "xã Tân Cương", 55, 40, deduction=2)
    html = (
        client_as("viewer")
        .get(reverse("results:results", args=[world.cluster_year.pk]))
        .content.decode()
    )
    chart = html[html.index("<svg") : html.index("</svg>")]
    assert chart.index("1. xã Đồng Liên") < chart.index("2. xã Tân Cương")
    assert "<title>+5</title>" in chart and "<title>−2</title>" in chart
    assert "style=" not in chart and "<script" not in chart  # satisfies the CSP


def test_vote_documents_carry_the_ranking_and_the_computed_outcome(client_as, contest, world):
    import io

    from django.urls import reverse
    from pypdf import PdfReader

    from results.models import Ballot, BallotCount

    fill(contest, "xã Đồng Liên", 58, 40, bonus=5)  # 103, first
    fill(contest, "xã Tân Cương", 55, 40)
    ballot = Ballot.objects.create(table=contest, award="Cờ thi đua của UBND tỉnh", seats=1,
                                   voters_present=6, ballots_issued=6, valid_ballots=6,
                                   held_on=datetime.date(2025, 1, 8))  # fmt: skip
    leader = Unit.objects.get(name="xã Đồng Liên")
    deputy = Unit.objects.get(name="xã Tân Cương")
    BallotCount.objects.create(ballot=ballot, unit=leader, votes=5, position=1)
    BallotCount.objects.create(ballot=ballot, unit=deputy, votes=1, position=2)
    client = client_as("viewer")

    def text(slug):
        response = client.get(
            reverse("results:vote_document_pdf", args=[world.cluster_year.pk, slug])
        )
        reader = PdfReader(io.BytesIO(response.content))
        return " ".join(" ".join(p.extract_text().split()) for p in reader.pages)

    count = text("kiem-phieu")
    assert "BIÊN BẢN KIỂM PHIẾU" in count and "ngày 08 tháng 01 năm 2025" in count
    assert "số phiếu thu về hợp lệ: 6" in count and "Trúng cử" in count
    meeting = text("hop-binh-xet")
    assert "KẾT QUẢ CHẤM ĐIỂM, XẾP HẠNG" in meeting and "103" in meeting
    proposal = text("to-trinh")
    assert "Kính gửi: Ủy ban nhân dân thành phố A." in proposal
    assert "Tặng Cờ thi đua của UBND tỉnh cho: xã Đồng Liên (xếp hạng 1, 103 điểm)" in proposal


@pytest.mark.parametrize("processes", [1, 2], ids=["in-process", "forked"])
def test_the_whole_year_prints_as_one_pdf(
    client_as, world, contest, settings, monkeypatch, processes
):
    import io

    from django.urls import reverse
    from pypdf import PdfReader

    from documents import rendering

    settings.PDF_BUNDLE_PROCESSES = processes  # one after the other, or in forked workers
    forks = []
    real = rendering._rendered_in_processes
    monkeypatch.setattr(rendering, "_rendered_in_processes",
                        lambda *args: forks.append(args) or real(*args))  # fmt: skip
    fill(contest, "xã Đồng Liên", 58, 40, bonus=5)
    client = client_as("viewer")
    client.post(reverse("results:year_bundle", args=[world.cluster_year.pk]))  # made in the job
    response = client.get(reverse("results:year_bundle_pdf", args=[world.cluster_year.pk]))
    assert len(forks) == (processes > 1)
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.getvalue()))
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    order = [
        "GIAO ƯỚC THI ĐUA NĂM 2024",  # the covenant
        "BIÊN BẢN Hội nghị ký kết",  # its conference
        "PHIẾU CHẤM ĐIỂM THI ĐUA NĂM 2024",  # the sheets (6 units)
        "BẢNG TỔNG HỢP KẾT QUẢ CHẤM ĐIỂM",
        "Họp bình xét thi đua",
    ]
    positions = [text.index(title) for title in order]
    assert positions == sorted(positions)
    assert text.count("PHIẾU CHẤM ĐIỂM THI ĐUA NĂM 2024") == 6
    sizes = {round(float(page.mediabox.width)) for page in reader.pages}
    assert sizes == {595, 842}  # portrait documents and landscape tables in one file


def test_authority_overview_shows_each_cluster_year_at_a_glance(client_as, contest, world):
    from django.urls import reverse

    fill(contest, "xã Đồng Liên", 58, 40, bonus=5)
    html = (
        client_as("viewer")
        .get(reverse("results:authority_overview", args=[world.authority.pk]) + "?nam=2024")
        .content.decode()
    )
    assert "Cụm thi đua các xã thành phố A" in html
    assert "chưa ký" in html and "tạm tính" in html
    assert "xã Đồng Liên (103" in html  # the unit in first place
    assert "0 / 0 (trên 6)" in html  # no sheet submitted yet


def test_a_units_results_follow_it_through_a_merger(client_as, contest, world):
    from django.urls import reverse

    from clusters.models import ClusterYear

    fill(contest, "phường Huống Thượng", 50, 40)  # 90 in 2024
    merged = Unit.objects.create(authority=world.authority, name="phường Quyết Thắng")
    world.member.valid_to = datetime.date(2024, 12, 31)
    world.member.successor = merged
    world.member.save()
    later = ClusterYear.objects.create(cluster=world.cluster, year=2025)
    Membership.objects.create(cluster_year=later, unit=merged, role="leader")
    table = create_table(later)
    Criterion.objects.create(table=table, code="I", text="Điểm", max_points=100, position=1)
    publish_table(table)
    Score.objects.filter(sheet__table=table).update(self_value=D("95"))
    html = (
        client_as("viewer").get(reverse("results:unit_results", args=[merged.pk])).content.decode()
    )
    assert "phường Huống Thượng" in html  # the predecessor's 2024 result is part of its story
    assert html.index("2024") < html.index("2025")
    assert "90 (hạng" in html and "95 (hạng 1)" in html  # the chart's points


def test_tiers_follow_the_years_bands_the_ones_its_settings_page_shows(client_as, contest, world):
    from django.urls import reverse

    fill(contest, "xã Đồng Liên", 50, 30)  # 80
    world.cluster_year.tier_bands = [
        {"name": "Xuất sắc", "min_percent": "85"},
        {"name": "Tốt", "min_percent": "75"},
    ]
    world.cluster_year.save()
    contest.refresh_from_db()
    results = {r.sheet.unit.name: r for r in results_of(contest)}
    assert results["xã Đồng Liên"].tier == "Tốt"
    assert not hasattr(contest, "tier_bands")  # one source: the year's settings
    page = client_as("viewer").get(reverse("results:results", args=[world.cluster_year.pk]))
    text = page.content.decode()
    assert "Tốt: từ 75% tổng điểm chuẩn" in text and "Xuất sắc: từ 85% tổng điểm chuẩn" in text


def test_percentages_round_half_up_as_the_spreadsheet_formula_does():
    from results.ranking import percent_of

    # 0,25 of 40 is 0,625 %: Excel's =ROUND(0.25*100/40, 2) gives 0,63; half-to-even gave 0,62.
    assert percent_of(D("0.25"), D("40")) == D("0.63")
    assert percent_of(D("103.5"), D("100")) == D("103.50")


def test_finalising_is_refused_to_readers_before_the_table_is_even_looked_at(client_as, world):
    from django.urls import reverse

    url = reverse("results:results_status", args=[world.cluster_year.pk])  # the table: a draft
    assert client_as("viewer").post(url, {"action": "finalise"}).status_code == 403
    assert client_as("member_clerk").post(url, {"action": "finalise"}).status_code == 403
    assert client_as("outsider_clerk").post(url, {"action": "finalise"}).status_code == 404
    response = client_as("staff").post(url, {"action": "finalise"}, follow=True)
    assert "Chỉ bảng đã công bố mới được khóa sổ." in response.content.decode()


def test_finalising_makes_staff_choose_for_the_sheets_never_submitted(client_as, contest, world):
    from django.urls import reverse

    submitted = fill(contest, "xã Đồng Liên", 50, 30)  # 80
    ScoreSheet.objects.filter(pk=submitted.pk).update(status="reviewed")
    late = fill(contest, "xã Tân Cương", 60, 40)  # 100, but never submitted
    url = reverse("results:results_status", args=[world.cluster_year.pk])
    client = client_as("staff")
    without = client.post(url, {"action": "finalise", "confirmed": "1"}).content.decode()
    assert "Hãy chọn một phương án trước khi tiếp tục." in without  # no default for this choice
    contest.refresh_from_db()
    assert not contest.is_closed
    client.post(url, {"action": "finalise", "confirmed": "1", "unsubmitted": "last"})
    contest.refresh_from_db()
    assert contest.is_closed and contest.unsubmitted == "last"
    ranked = {r.sheet.pk: r for r in results_of(contest)}
    assert ranked[submitted.pk].rank == 1
    assert ranked[late.pk].not_submitted and ranked[late.pk].tier == "Không nộp"
    assert ranked[late.pk].rank > max(r.rank for r in ranked.values() if not r.not_submitted)
    # The same on the page and on paper.
    page = client.get(reverse("results:results", args=[world.cluster_year.pk])).content.decode()
    assert "Không nộp" in page
    import io

    from openpyxl import load_workbook

    xlsx = client.get(reverse("results:summary_xlsx", args=[world.cluster_year.pk]))
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    row = next(r for r in rows if r[1] == "xã Tân Cương")
    assert "Không nộp" in row
