from decimal import Decimal
from io import BytesIO

from django.urls import reverse
from pypdf import PdfReader

from scoring.models import Criterion, ScoringTable

HTMX = {"HTTP_HX_REQUEST": "true"}
A4_LANDSCAPE = (841.89, 595.28)


def page(response) -> str:
    return response.content.decode()


def test_staff_builds_a_table_from_scratch_without_javascript(client_as, world):
    world.table.delete()
    client = client_as("staff")
    year = world.cluster_year.pk
    client.post(reverse("scoring:table_create", args=[year]))
    table = ScoringTable.objects.get(cluster_year=world.cluster_year)
    add = reverse("scoring:criterion_add", args=[year])
    client.post(add, {"new-code": "I", "new-text": "Kinh tế", "new-kind": "score",
                      "new-max_points": "100", "new-step": "0,5"})  # fmt: skip
    section = Criterion.objects.get(table=table, code="I")
    for code, points in (("1", "62,5"), ("2", "37,5")):
        response = client.post(add, {"parent": section.pk, "new-code": code, "new-text": "x",
                                     "new-kind": "score", "new-max_points": points,
                                     "new-step": "0,5"})  # fmt: skip
        assert response.status_code == 302
    assert table.tree().problems == []
    client.post(reverse("scoring:table_status", args=[year]), {"action": "publish"})
    assert ScoringTable.objects.get(pk=table.pk).status == "published"


def test_the_editor_answers_htmx_with_the_tree_and_its_totals(client_as, world):
    client = client_as("leader_clerk")
    first = world.table.criteria.get(code="1")
    response = client.post(
        reverse("scoring:criterion_action", args=[first.pk]), {"action": "down"}, **HTMX
    )
    assert response["HX-Retarget"] == "#tree"
    html = page(response)
    assert "<html" not in html and 'data-testid="totals"' in html
    assert "Bảng đã đúng mọi quy tắc." in html
    edit = client.get(reverse("scoring:criterion_edit", args=[first.pk]), **HTMX)
    assert "<tr" in page(edit) and "<html" not in page(edit)
    prefix = f"criterion-{first.pk}"
    response = client.post(
        reverse("scoring:criterion_edit", args=[first.pk]),
        {f"{prefix}-code": "1", f"{prefix}-text": "Tiêu chí một", f"{prefix}-kind": "score",
         f"{prefix}-max_points": "55", f"{prefix}-step": "0,5"},
        **HTMX,
    )  # fmt: skip
    html = page(response)
    assert "tổng điểm tối đa 100 khác tổng các phần 95." in html  # live warning
    assert "Chưa thể công bố:" in html


def test_publishing_a_table_that_breaks_a_rule_is_refused_with_the_reasons(client_as, world):
    world.table.criteria.filter(code="2").update(max_points=Decimal("30"))
    response = client_as("staff").post(
        reverse("scoring:table_status", args=[world.cluster_year.pk]),
        {"action": "publish"},
        follow=True,
    )
    html = page(response)
    assert "Chưa thể công bố bảng:" in html
    assert "I: tổng điểm tối đa 100 khác tổng các phần 90." in html
    assert ScoringTable.objects.get(pk=world.table.pk).status == "draft"


def test_a_published_table_takes_wording_fixes_only(client_as, world):
    world.table.publish()
    client = client_as("staff")
    criterion = world.table.criteria.get(code="1")
    prefix = f"criterion-{criterion.pk}"
    client.post(
        reverse("scoring:criterion_edit", args=[criterion.pk]),
        {f"{prefix}-code": "9", f"{prefix}-text": "Tiêu chí một (sửa chính tả)",
         f"{prefix}-kind": "bonus", f"{prefix}-max_points": "1", f"{prefix}-step": "1"},
    )  # fmt: skip
    criterion.refresh_from_db()
    assert criterion.text == "Tiêu chí một (sửa chính tả)"
    assert (criterion.code, criterion.kind, criterion.max_points) == ("1", "score", 60)
    for name, data in (
        ("scoring:criterion_add", {"new-code": "II", "new-text": "x", "new-kind": "score",
                           "new-max_points": "1", "new-step": "1"}),
        ("scoring:criterion_action", {"action": "delete"}),
    ):  # fmt: skip
        args = [world.cluster_year.pk] if name == "scoring:criterion_add" else [criterion.pk]
        response = client.post(reverse(name, args=args), data)
        assert response.status_code == 403
        assert "Bảng đã công bố: cấu trúc đã khóa" in page(response)
    assert world.table.criteria.count() == 3


def test_read_only_roles_see_the_table_but_no_editor(client_as, world):
    for persona in ("viewer", "member_clerk"):
        html = page(
            client_as(persona).get(reverse("scoring:table_detail", args=[world.cluster_year.pk]))
        )
        assert "Tiêu chí 1" in html
        assert reverse("scoring:criterion_add", args=[world.cluster_year.pk]) not in html


def test_copy_from_an_earlier_table_through_the_page(client_as, world):
    later = world.cluster.years.create(year=2025)
    later.memberships.create(unit=world.leader, role="leader")
    client = client_as("leader_clerk")
    html = page(client.get(reverse("scoring:table_detail", args=[later.pk])))
    assert "Sao chép từ bảng đã có" in html
    client.post(reverse("scoring:table_create", args=[later.pk]), {"source": world.table.pk})
    assert ScoringTable.objects.get(cluster_year=later).criteria.count() == 3
    # A table of another authority cannot be copied, even by guessing its id.
    other = world.cluster.years.create(year=2026)
    other.memberships.create(unit=world.leader, role="leader")
    response = client.post(reverse("scoring:table_create", args=[other.pk]),
                           {"source": world.other_table.pk})  # fmt: skip
    assert response.status_code == 404


def pdf_text(response) -> tuple[list[str], list]:
    reader = PdfReader(BytesIO(response.content))
    sizes = [
        (round(float(p.mediabox.width), 2), round(float(p.mediabox.height), 2))
        for p in reader.pages
    ]
    return [" ".join(p.extract_text().split()) for p in reader.pages], sizes


def test_table_and_blank_form_print_in_landscape_with_their_columns(client_as, world):
    client = client_as("member_clerk")
    for slug in ("bang-diem", "phieu-cham"):
        url = reverse("scoring:table_document_pdf", args=[world.cluster_year.pk, slug])
        pages, sizes = pdf_text(client.get(url + f"?unit={world.member.pk}"))
        assert set(sizes) == {A4_LANDSCAPE}
        text = " ".join(pages)
        for column in ("Mã", "Nội dung", "Điểm tối đa", "Điểm tự chấm", "Điểm thẩm định",
                       "Ghi chú"):  # fmt: skip
            assert column in text
        assert "Tiêu chí 1" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    pages, _sizes = pdf_text(client.get(
        reverse("scoring:table_document_pdf", args=[world.cluster_year.pk, "phieu-cham"])
        + f"?unit={world.member.pk}"
    ))  # fmt: skip
    assert "PHIẾU TỰ CHẤM ĐIỂM THI ĐUA NĂM 2024" in pages[0]
    assert "phường Huống Thượng" in pages[0]
    # A unit outside the cluster is not found.
    url = reverse("scoring:table_document_pdf", args=[world.cluster_year.pk, "phieu-cham"])
    assert client.get(url + f"?unit={world.other_unit.pk}").status_code == 404


def test_pdf_queries_do_not_grow_with_the_criteria(client_as, world, django_assert_num_queries):
    from scoring.demo import build_table

    client = client_as("staff")
    url = reverse("scoring:table_document_pdf", args=[world.cluster_year.pk, "bang-diem"])
    client.get(url)
    # session, user, roles, cluster-year, table, table for print, criteria (a staff member
    # clerks for no unit, so the leader-clerk check needs no query)
    with django_assert_num_queries(7):
        client.get(url)
    world.table.delete()
    build_table(world.cluster_year)  # 49 criteria instead of 3
    with django_assert_num_queries(7):
        client.get(url)


def test_settings_are_typed_in_vietnamese_and_shown_as_rules(client_as, world):
    client = client_as("staff")
    url = reverse("scoring:table_settings", args=[world.cluster_year.pk])
    form = client.get(url).content.decode()
    assert "tổng điểm chấm\nít điểm trừ hơn" in form  # the defaults, visible
    response = client.post(url, {
        "title": "Bảng chấm điểm thi đua năm 2024", "legal_bases": "",
        "nominal_total": "100", "bonus_cap": "5", "deduction_cap": "7,5",
        "tie_break": "Phần I\nít điểm trừ hơn", "tier_bands": "Xuất sắc: 90\nTốt: 70",
    })  # fmt: skip
    assert response.status_code == 302
    table = ScoringTable.objects.get(pk=world.table.pk)
    assert table.tie_break == ["section:I", "fewer_deductions"]
    assert table.deduction_cap == Decimal("7.5")
    html = page(client.get(reverse("scoring:table_detail", args=[world.cluster_year.pk])))
    assert "Điểm phần I cao hơn" in html and "Ít điểm trừ hơn" in html
    response = client.post(url, {
        "title": "x", "nominal_total": "100", "bonus_cap": "5", "deduction_cap": "5",
        "tie_break": "ai nhiều phiếu hơn",
    })  # fmt: skip
    assert "không phải là tiêu chí xét" in page(response)


def test_a_leader_clerk_copies_only_tables_they_may_see(client_as, world):
    from clusters.models import Cluster, ClusterYear
    from tests.conftest import small_table

    sibling = Cluster.objects.create(authority=world.authority, name="Cụm bên cạnh")
    sibling_table = small_table(ClusterYear.objects.create(cluster=sibling, year=2024))
    later = world.cluster.years.create(year=2025)
    later.memberships.create(unit=world.leader, role="leader")
    client = client_as("leader_clerk")
    html = page(client.get(reverse("scoring:table_detail", args=[later.pk])))
    assert "Cụm bên cạnh" not in html
    response = client.post(
        reverse("scoring:table_create", args=[later.pk]), {"source": sibling_table.pk}
    )
    assert response.status_code == 404
    # Staff of the authority may copy it.
    response = client_as("staff").post(
        reverse("scoring:table_create", args=[later.pk]), {"source": sibling_table.pk}
    )
    assert response.status_code == 302 and later.scoring_table.criteria.count() == 3


def test_the_blank_form_for_no_unit_or_a_forged_unit(client_as, world):
    from django.urls import reverse

    url = reverse("scoring:table_document", args=[world.cluster_year.pk, "phieu-cham"])
    client = client_as("member_clerk")
    assert client.get(url + "?unit=").status_code == 200  # the cluster's blank form
    assert client.get(url + "?unit=abc").status_code == 404
    assert client.get(url + f"?unit={world.other_unit.pk}").status_code == 404  # not a member
    assert client.get(url + f"?unit={world.member.pk}").status_code == 200


def test_the_wording_of_a_published_table_can_be_saved(client_as, world):
    from django.urls import reverse

    from scoring.sheets import publish_table

    publish_table(world.table)
    url = reverse("scoring:table_settings", args=[world.cluster_year.pk])
    client = client_as("staff")
    page = client.get(url).content.decode()
    assert 'data-testid="frozen-settings"' in page and "tổng điểm chấm; ít điểm trừ hơn" in page
    assert 'name="tie_break"' not in page and 'name="nominal_total"' not in page
    title = "Bảng chấm điểm 2024 (sửa chữ)"
    response = client.post(
        url, {"title": title, "legal_bases": "Căn cứ mới", "tie_break": "rác", "nominal_total": "1"}
    )
    assert response.status_code == 302
    world.table.refresh_from_db()
    assert (world.table.title, world.table.legal_bases) == (
        "Bảng chấm điểm 2024 (sửa chữ)",
        "Căn cứ mới",
    )
    assert world.table.nominal_total == 100 and world.table.tie_break == [
        "score_total",
        "fewer_deductions",
    ]
