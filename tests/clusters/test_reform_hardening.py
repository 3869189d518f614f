"""The 2025 reform under hostile use: custody never writes, a reorganisation is refused in the
service layer when the state forbids it (applied twice, units used after their end, dates out
of range or order, an ended receiving authority), junk files get a message naming the row,
the next year across a split and two steps of lineage, and query budgets of the list pages."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clusters.models import (
    Authority,
    Cluster,
    ClusterYear,
    Membership,
    Reorganisation,
    Unit,
    UnitLink,
)
from clusters.reform import check, read_file
from clusters.services import plan_next_year, start_next_year
from tests.clusters import test_reform
from tests.clusters.test_reform import HEADER, RESOLUTION, draft, merger_text
from tests.conftest import make_user

reform = test_reform.reform  # the fixture: a province over city A, and a city C

ROW_END = f"xã Cao Ngạn;;;01/07/2025;{RESOLUTION}"


def _end_a(world, province):
    Authority.objects.filter(pk=world.authority.pk).update(
        valid_to=datetime.date(2025, 6, 30), successor=province
    )


# --- Custody never writes ----------------------------------------------------------------------


def test_successor_staff_cannot_add_a_year_to_the_predecessors_own_cluster(client, world, reform):
    """A ends on 30/6/2025: its 2025 still belongs to A's cluster, which P's staff only read."""
    province, _city_c, _phuc_ha, staff = reform
    _end_a(world, province)
    client.force_login(staff)
    url = reverse("clusters:cluster_year_next", args=[world.cluster_year.pk])
    response = client.post(url, {"year": 2025, "leader": world.deputy.pk,
                                 "deputy": world.leader.pk})  # fmt: skip
    assert response.status_code == 200
    assert "Chỉ cán bộ của Ủy ban nhân dân thành phố A được bắt đầu năm 2025" in (
        response.content.decode()
    )
    assert not ClusterYear.objects.filter(year=2025).exists()
    with pytest.raises(ValidationError):
        start_next_year(world.cluster_year, year=2025, leader=world.deputy, deputy=None, by=staff)


def test_staff_of_an_ended_authority_do_not_create_in_its_successor(client, world, reform):
    province, city_c, _phuc_ha, staff = reform
    draft(province, merger_text(world), ending=[world.authority, city_c]).apply(by=staff)
    successor = Unit.objects.get(name="phường Quyết Thắng")
    client.force_login(world.users["staff"])  # A's staff keep A, not P
    url = reverse("clusters:cluster_year_next", args=[world.cluster_year.pk])
    response = client.post(url, {"year": 2026, "leader": successor.pk, "cluster_name": "Cụm X"})
    assert response.status_code == 200
    assert not Cluster.objects.filter(authority=province).exists()
    assert not ClusterYear.objects.filter(year=2026).exists()
    # P's staff may.
    client.force_login(staff)
    response = client.post(url, {"year": 2026, "leader": successor.pk, "cluster_name": "Cụm X"})
    assert response.status_code == 302
    assert ClusterYear.objects.get(year=2026).cluster.authority == province


# --- State forbids -----------------------------------------------------------------------------


def test_a_second_reorganisation_of_the_same_units_is_refused(world, reform):
    province, _city_c, _phuc_ha, staff = reform
    text = f"{HEADER}\n{ROW_END}"
    first = draft(province, text, ending=[world.authority])
    second = draft(province, text)
    first.apply(by=staff)
    assert check(second).errors == [
        "Dòng 2: xã Cao Ngạn đã kết thúc theo đợt sắp xếp “Sắp xếp 2025”."
    ]
    with pytest.raises(ValidationError) as refused:
        second.apply(by=staff)
    assert "Dòng 2: xã Cao Ngạn đã kết thúc" in " ".join(refused.value.messages)
    second.refresh_from_db()
    assert second.status == "draft" and second.undo == {}
    # A unit ended on an earlier day, or already given a successor by hand, is refused too.
    Unit.objects.filter(pk=world.free_unit.pk).update(valid_to=datetime.date(2025, 3, 31))
    assert check(second).errors == ["Dòng 2: xã Cao Ngạn đã kết thúc ngày 31/03/2025."]


def test_a_unit_set_to_end_by_hand_gets_its_lineage_once(world, reform):
    province, _city_c, _phuc_ha, staff = reform
    Unit.objects.filter(pk=world.free_unit.pk).update(valid_to=datetime.date(2025, 6, 30))
    text = f"{HEADER}\nxã Cao Ngạn;phường Cao Ngạn;phường;01/07/2025;{RESOLUTION}"
    draft(province, text, ending=[world.authority]).apply(by=staff)
    again = draft(province, text.replace("phường Cao Ngạn", "phường Mới"))
    assert any("đã kết thúc theo đợt sắp xếp" in e for e in check(again).errors)


def test_a_unit_that_is_a_member_after_its_end_cannot_be_ended(world, reform):
    province, _city_c, _phuc_ha, _staff = reform
    later = ClusterYear.objects.create(cluster=world.cluster, year=2026)
    Membership.objects.create(cluster_year=later, unit=world.free_unit, role="leader")
    plan = check(draft(province, f"{HEADER}\n{ROW_END}", ending=[world.authority]))
    assert plan.errors == [
        "Dòng 2: xã Cao Ngạn là thành viên của Cụm thi đua các xã thành phố A năm 2026, "
        "sau ngày đơn vị kết thúc."
    ]


def test_an_ended_receiving_authority_receives_nothing(world, reform):
    province, _city_c, _phuc_ha, _staff = reform
    Authority.objects.filter(pk=province.pk).update(valid_to=datetime.date(2025, 12, 31))
    province.refresh_from_db()
    plan = check(draft(province, f"{HEADER}\n{ROW_END}", ending=[world.authority]))
    assert plan.errors[0].startswith("Ủy ban nhân dân tỉnh P đã kết thúc ngày 31/12/2025")


@pytest.mark.parametrize(
    ("row", "error"),
    [
        ("xã Cao Ngạn;phường X;phường;01/01/0001;1683",
         "Dòng 2: ngày hiệu lực “01/01/0001” không phải là ngày (dd/mm/yyyy)."),
        ("xã Cao Ngạn;phường X;phường;31/12/9999;1683",
         "Dòng 2: ngày hiệu lực “31/12/9999” không phải là ngày (dd/mm/yyyy)."),
        ("xã Cao Ngạn;phường X;phường;01/07/2025;1683;02/07/2025",
         "Dòng 2: nghị quyết ban hành ngày 02/07/2025, sau ngày hiệu lực 01/07/2025."),
        ("xã Cao Ngạn;phường X;phường;01/07/2020;1683",
         "Dòng 2: xã Cao Ngạn bắt đầu từ ngày 01/01/2021, sau ngày hiệu lực."),
    ],
)  # fmt: skip
def test_dates_out_of_range_or_order_name_the_row(world, reform, row, error):
    province, _city_c, _phuc_ha, staff = reform
    Unit.objects.filter(pk=world.free_unit.pk).update(valid_from=datetime.date(2021, 1, 1))
    reorganisation = draft(province, f"{HEADER}\n{row}", ending=[world.authority])
    assert check(reorganisation).errors == [error]
    before = (Unit.objects.count(), UnitLink.objects.count())
    with pytest.raises(ValidationError):
        reorganisation.apply(by=staff)  # refused, never an OverflowError (the year 1)
    assert (Unit.objects.count(), UnitLink.objects.count()) == before


def test_contradicting_rows_and_a_renaming_to_itself_are_refused(world, reform):
    province, _city_c, _phuc_ha, _staff = reform
    text = "\n".join([HEADER, f"xã Cao Ngạn;phường X;phường;01/07/2025;{RESOLUTION}", ROW_END])
    assert check(draft(province, text, ending=[world.authority])).errors == [
        "Dòng 3: xã Cao Ngạn kết thúc không có đơn vị kế thừa ở một trong hai dòng 2 và 3 nhưng "
        "có đơn vị kế thừa ở dòng kia."
    ]
    own = Unit.objects.create(authority=province, name="xã Riêng")
    text = f"{HEADER}\nxã Riêng;xã Riêng;xã;01/07/2025;{RESOLUTION}"
    assert check(draft(province, text)).errors == [
        "Dòng 2: xã Riêng chuyển thành đơn vị cùng tên và cùng loại: không có gì thay đổi."
    ]
    assert own.valid_to is None


# --- Junk in files and forms -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("long.csv", (HEADER + "\n" + "x" * 200_000 + ";;;01/07/2025;1\n").encode(),
         "Dòng 2 không đọc được"),
        ("empty.csv", b"", "rỗng"),
        ("latin.csv", "Đơn vị cũ".encode("utf-16"), "UTF-8"),
        ("bad.xlsx", b"PK\x03\x04junk", "không phải là tệp Excel"),
        ("blank.csv", b"\n" * 6000, "5000"),
    ],
)  # fmt: skip
def test_junk_files_get_a_message_and_save_nothing(client, world, reform, name, data, message):
    province, _city_c, _phuc_ha, staff = reform
    client.force_login(staff)
    response = client.post(
        reverse("clusters:reorganisation_create"),
        {"authority": province.pk, "title": "Sắp xếp", "file": SimpleUploadedFile(name, data)},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Reorganisation.objects.exists()


def test_control_characters_in_a_file_are_not_kept(world):
    reading = read_file(f"{HEADER}\nxã Cao\x00 Ngạn\x07;;;01/07/2025;1683\n".encode(), "a.csv")
    assert reading.errors == [] and reading.rows[0]["old"] == "xã Cao Ngạn"


def test_the_reversal_reason_refuses_nul_and_length(client, world, reform):
    province, city_c, _phuc_ha, staff = reform
    reorganisation = draft(province, merger_text(world), ending=[world.authority, city_c])
    reorganisation.apply(by=staff)
    with pytest.raises(ValidationError):
        reorganisation.reverse(by=staff, reason="\x00 \x00")
    with pytest.raises(ValidationError):
        reorganisation.reverse(by=staff, reason="x" * 2001)
    client.force_login(staff)
    url = reverse("clusters:reorganisation_reverse", args=[reorganisation.pk])
    assert client.post(url, {"reason": "x" * 2001}).status_code == 200
    reorganisation.refresh_from_db()
    assert reorganisation.status == "applied"
    client.post(url, {"reason": "Nhập\x00 nhầm"})
    reorganisation.refresh_from_db()
    assert reorganisation.status == "reversed"
    assert reorganisation.history.first().history_change_reason == "Nhập nhầm"


@pytest.mark.parametrize("value", ["abc", "\x00", "²", "9" * 5000, "-3"])
def test_junk_year_on_the_next_year_page(client_as, world, value):
    url = reverse("clusters:cluster_year_next", args=[world.cluster_year.pk])
    client = client_as("staff")
    assert client.get(url, {"nam": value}).status_code == 200
    response = client.post(url, {"year": value, "leader": world.deputy.pk})
    assert response.status_code == 200
    assert ClusterYear.objects.count() == 2  # the world's two years, nothing more


# --- Next year across lineage ------------------------------------------------------------------


def test_next_year_across_a_split_and_two_steps_of_lineage(world, reform):
    province, _city_c, _phuc_ha, staff = reform
    text = "\n".join(
        [
            HEADER,
            f"phường Huống Thượng;phường Huống Thượng Bắc;phường;01/07/2025;{RESOLUTION}",
            f"phường Huống Thượng;phường Huống Thượng Nam;phường;01/07/2025;{RESOLUTION}",
            f"xã Tân Cương;xã Tân Cương Mới;xã;01/07/2025;{RESOLUTION}",
            f"xã Đồng Liên;xã Đồng Liên;xã;01/07/2025;{RESOLUTION}",
        ]
    )
    draft(province, text, ending=[world.authority]).apply(by=staff)
    # A second step: xã Tân Cương Mới renamed again in 2026.
    second = f"{HEADER}\nxã Tân Cương Mới;phường Tân Cương;phường;01/01/2026;{RESOLUTION}"
    draft(province, second).apply(by=staff)
    plan = plan_next_year(world.cluster_year, year=2027)
    names = sorted(unit.name for unit, _old in plan.members)
    assert names == [
        "phường Huống Thượng Bắc",
        "phường Huống Thượng Nam",
        "phường Tân Cương",
        "xã Đồng Liên",
    ]
    assert any("đã được chia tách" in note for note in plan.notes)
    # Last year's deputy (xã Tân Cương, now phường Tân Cương) leads; the leader stays a member.
    assert plan.leader.name == "phường Tân Cương"
    assert plan.deputy.name != "xã Đồng Liên"


def test_the_leader_merged_away_does_not_lead_again(world, reform):
    province, _city_c, _phuc_ha, staff = reform
    text = "\n".join(
        [
            HEADER,
            f"xã Đồng Liên;phường Mới;phường;01/07/2025;{RESOLUTION}",
            f"xã Tân Cương;phường Mới;phường;01/07/2025;{RESOLUTION}",
            f"phường Huống Thượng;phường Huống Thượng;phường;01/07/2025;{RESOLUTION}",
        ]
    )
    draft(province, text, ending=[world.authority]).apply(by=staff)
    plan = plan_next_year(world.cluster_year, year=2026)
    assert sorted(unit.name for unit, _old in plan.members) == ["phường Huống Thượng", "phường Mới"]
    assert plan.leader is not None and plan.deputy is not None
    assert plan.leader != plan.deputy


# --- Query budgets -----------------------------------------------------------------------------


def _many_members(world, count: int) -> None:
    for number in range(count):
        unit = Unit.objects.create(authority=world.authority, name=f"xã Thêm {number:02d}")
        Membership.objects.create(cluster_year=world.cluster_year, unit=unit,
                                  position=10 + number)  # fmt: skip


def _queries(client, url, params, django_assert_max_num_queries, budget):
    with django_assert_max_num_queries(budget):
        assert client.get(url, params).status_code == 200


def test_the_next_year_page_does_not_query_per_member(
    client_as, world, reform, django_assert_max_num_queries
):
    province, city_c, _phuc_ha, staff = reform
    _many_members(world, 20)
    draft(province, merger_text(world), ending=[world.authority, city_c]).apply(by=staff)
    url = reverse("clusters:cluster_year_next", args=[world.cluster_year.pk])
    _queries(client_as("staff"), url, {"nam": 2026}, django_assert_max_num_queries, 16)


def test_search_by_a_former_name_and_the_overview_do_not_query_per_row(
    client, world, reform, django_assert_max_num_queries
):
    province, city_c, _phuc_ha, staff = reform
    _many_members(world, 20)
    rows = "\n".join(f"xã Thêm {n:02d};phường Thêm {n:02d};phường;01/07/2025;1" for n in range(20))
    draft(province, f"{merger_text(world)}\n{rows}", ending=[world.authority, city_c]).apply(
        by=staff
    )
    client.force_login(staff)
    _queries(client, reverse("clusters:unit_list"), {"q": "them"},
             django_assert_max_num_queries, 10)  # fmt: skip
    _queries(client, reverse("results:authority_overview", args=[province.pk]), {"nam": 2024},
             django_assert_max_num_queries, 14)  # fmt: skip
    successor = Unit.objects.get(name="phường Quyết Thắng")
    _queries(client, reverse("clusters:unit_detail", args=[successor.pk]), {},
             django_assert_max_num_queries, 10)  # fmt: skip


def test_custody_in_the_overview_reaches_as_far_as_the_roles(client, world):
    """The overview lists the predecessors' years the user reads (clusters.roles: four steps),
    not every authority however far back."""
    chain = [world.authority]
    for step in range(5):
        chain.append(Authority.objects.create(name=f"Cơ quan {step}", place_name="X"))
    for older, newer in zip(chain, chain[1:], strict=False):
        Authority.objects.filter(pk=older.pk).update(
            valid_to=datetime.date(2025, 6, 30), successor=newer
        )
    head = chain[-1]
    staff = make_user("head_staff", role="staff", authority=head)
    client.force_login(staff)
    html = client.get(reverse("results:authority_overview", args=[head.pk]), {"nam": 2024})
    # A is five steps back: out of custody, so out of the overview.
    assert "Cụm thi đua các xã thành phố A" not in html.content.decode()
    year_url = reverse("clusters:cluster_year_detail", args=[world.cluster_year.pk])
    assert client.get(year_url).status_code == 404


def test_a_successor_that_ended_first_is_refused_on_the_unit_page(client_as, world):
    Unit.objects.filter(pk=world.free_unit.pk).update(valid_to=datetime.date(2025, 3, 31))
    url = reverse("clusters:unit_edit", args=[world.member.pk])
    form = {"name": "phường Huống Thượng", "kind": "phuong", "valid_to": "30/06/2025",
            "successor": world.free_unit.pk}  # fmt: skip
    response = client_as("staff").post(url, form)
    assert response.status_code == 200
    assert "xã Cao Ngạn đã kết thúc ngày 31/03/2025, trước đơn vị này" in response.content.decode()
    world.member.refresh_from_db()
    assert world.member.successor is None and world.member.valid_to is None


def test_a_units_history_names_only_the_predecessors_the_user_may_open(client, world, reform):
    province, city_c, _phuc_ha, staff = reform
    draft(province, merger_text(world), ending=[world.authority, city_c]).apply(by=staff)
    successor = Unit.objects.get(name="phường Quyết Thắng")
    clerk = make_user("successor_clerk", role="clerk", unit=successor)
    client.force_login(clerk)
    html = client.get(reverse("results:unit_results", args=[successor.pk])).content.decode()
    assert "xã Phúc Hà" not in html and "phường Huống Thượng" not in html
    client.force_login(staff)  # custody: the province reads both
    html = client.get(reverse("results:unit_results", args=[successor.pk])).content.decode()
    assert "xã Phúc Hà" in html and "phường Huống Thượng" in html


@pytest.mark.skipif(
    "postgresql" not in __import__("django.db").db.connection.vendor,
    reason="row locks: PostgreSQL (SQLite writes one transaction at a time)",
)
def test_two_tabs_applying_the_same_table_apply_it_once(transactional_db, world, reform):
    """Two drafts of the same table applied at the same moment: the second waits for the
    first's locks, then finds the units ended and applies nothing."""
    import threading
    import time

    from django.db import connection

    from clusters import reform as reform_module

    province, _city_c, _phuc_ha, staff = reform
    text = f"{HEADER}\n{ROW_END}"
    first = draft(province, text, ending=[world.authority])
    second = draft(province, text, ending=[world.authority])
    original = reform_module.execute
    outcomes: dict[str, object] = {}

    def slow_execute(reorganisation, plan):
        time.sleep(0.5)  # the first holds its locks a while
        return original(reorganisation, plan)

    def run(name, reorganisation):
        try:
            reorganisation.apply(by=staff)
            outcomes[name] = "applied"
        except ValidationError as exc:
            outcomes[name] = exc.messages
        finally:
            connection.close()

    reform_module.execute = slow_execute
    try:
        one = threading.Thread(target=run, args=("first", first))
        one.start()
        time.sleep(0.2)
        two = threading.Thread(target=run, args=("second", second))
        two.start()
        one.join(10)
        two.join(10)
    finally:
        reform_module.execute = original
    assert outcomes["first"] == "applied"
    assert isinstance(outcomes["second"], list), outcomes  # refused, with the problems
    assert "Dòng 2: xã Cao Ngạn đã kết thúc theo đợt sắp xếp “Sắp xếp 2025”." in outcomes["second"]
    assert Reorganisation.objects.filter(status="applied").count() == 1


def test_a_file_name_with_control_characters_is_stored_clean(client, world, reform):
    province, city_c, _phuc_ha, staff = reform
    client.force_login(staff)
    upload = SimpleUploadedFile("sap\x00xep\x07.csv", merger_text(world).encode())
    response = client.post(
        reverse("clusters:reorganisation_create"),
        {"authority": province.pk, "title": "Sắp xếp", "file": upload,
         "ending_authorities": [world.authority.pk, city_c.pk]},
    )  # fmt: skip
    assert response.status_code in (200, 302)
    for reorganisation in Reorganisation.objects.all():
        assert reorganisation.source_name.isprintable()


def test_two_predecessors_of_one_cluster_are_ranked_once(
    client, world, reform, django_assert_max_num_queries
):
    from scoring.sheets import publish_table

    province, _city_c, _phuc_ha, staff = reform
    publish_table(world.table)
    text = "\n".join(
        [
            HEADER,
            f"xã Đồng Liên;phường Hợp Nhất;phường;01/07/2025;{RESOLUTION}",
            f"phường Huống Thượng;phường Hợp Nhất;phường;01/07/2025;{RESOLUTION}",
        ]
    )
    draft(province, text, ending=[world.authority]).apply(by=staff)
    merged = Unit.objects.get(name="phường Hợp Nhất")
    client.force_login(staff)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("results:unit_results", args=[merged.pk]))
    rows = page.content.decode().split('data-testid="unit-results"')[1]
    assert "xã Đồng Liên" in rows and "phường Huống Thượng" in rows
    assert rows.count("<td><a") == 2  # one row for each, in the same 2024 ranking


def test_the_import_page_costs_the_same_for_an_administrator_of_many_authorities(
    client, world, reform, django_assert_max_num_queries
):
    from django.contrib.auth import get_user_model

    province, city_c, _phuc_ha, _staff = reform
    for number in range(15):
        Authority.objects.create(name=f"Ủy ban nhân dân xã {number}", place_name="X",
                                 parent=province)  # fmt: skip
    admin = get_user_model().objects.create_superuser("admin", password="pw-test-123")
    client.force_login(admin)
    with django_assert_max_num_queries(15):
        page = client.get(reverse("clusters:reorganisation_create"))
    html = page.content.decode()
    assert "Ủy ban nhân dân xã 14" in html and "Ủy ban nhân dân thành phố C" in html


@pytest.mark.parametrize("query", ["phuc\x00ha", "²", "x" * 5000, " ".join(["a"] * 500), "%_\\"])
def test_junk_in_the_unit_search(client_as, world, query):
    response = client_as("staff").get(reverse("clusters:unit_list"), {"q": query})
    assert response.status_code == 200
