"""The 2025 reform: a reorganisation imported, previewed, applied all or nothing and reversed;
members merging across authorities; the next year across the reform; custody; history by
lineage; search by a former name."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from clusters.models import (
    Authority,
    Cluster,
    ClusterYear,
    Membership,
    Reorganisation,
    Unit,
    UnitLink,
)
from clusters.reform import check, read_file, read_text
from clusters.roles import forget_roles
from clusters.services import plan_next_year, start_next_year
from pledges.models import Pledge
from scoring.models import ScoringTable
from tests.conftest import make_user

HEADER = "Đơn vị cũ;Đơn vị mới;Loại đơn vị mới;Ngày hiệu lực;Nghị quyết;Ngày nghị quyết"
RESOLUTION = "1683/NQ-UBTVQH15;16/06/2025"


@pytest.fixture
def reform(world):
    """A province P over city A and a second city C; C's xã Phúc Hà and A's phường Huống
    Thượng (a member of A's 2024 cluster) merge across the city lines into P's phường Quyết
    Thắng."""
    province = Authority.objects.create(name="Ủy ban nhân dân tỉnh P", place_name="P")
    Authority.objects.filter(pk=world.authority.pk).update(parent=province)
    world.authority.refresh_from_db()
    city_c = Authority.objects.create(name="Ủy ban nhân dân thành phố C", place_name="C",
                                      parent=province)  # fmt: skip
    phuc_ha = Unit.objects.create(authority=city_c, name="xã Phúc Hà")
    staff = make_user("province_staff", role="staff", authority=province)
    return province, city_c, phuc_ha, staff


def draft(province, rows_text: str, *, ending=()) -> Reorganisation:
    reading = read_text(rows_text)
    assert not reading.errors, reading.errors
    reorganisation = Reorganisation.objects.create(
        authority=province, title="Sắp xếp 2025", rows=reading.rows
    )
    reorganisation.ending_authorities.set(ending)
    return reorganisation


def merger_text(world) -> str:
    return "\n".join(
        [
            HEADER,
            f"phường Huống Thượng;phường Quyết Thắng;phường;01/07/2025;{RESOLUTION}",
            f"xã Phúc Hà;phường Quyết Thắng;phường;01/07/2025;{RESOLUTION}",
            f"xã Đồng Liên;xã Đồng Liên;xã;01/07/2025;{RESOLUTION}",
            f"xã Tân Cương;xã Tân Cương;xã;01/07/2025;{RESOLUTION}",
            f"xã Cao Ngạn;;;01/07/2025;{RESOLUTION}",
        ]
    )


def test_two_members_merge_across_authorities_into_one_successor(world, reform):
    province, city_c, phuc_ha, staff = reform
    reorganisation = draft(province, merger_text(world), ending=[world.authority, city_c])
    reorganisation.apply(by=staff)

    successor = Unit.objects.get(authority=province, name="phường Quyết Thắng")
    world.member.refresh_from_db()
    phuc_ha.refresh_from_db()
    assert (world.member.valid_to, world.member.successor) == (
        datetime.date(2025, 6, 30),
        successor,
    )
    assert phuc_ha.successor == successor  # from another authority: a merger across lines
    links = UnitLink.objects.filter(successor=successor).order_by("predecessor__name")
    assert [(link.predecessor.name, link.kind) for link in links] == [
        ("phường Huống Thượng", "merge"),
        ("xã Phúc Hà", "merge"),
    ]
    assert {link.resolution_number for link in links} == {"1683/NQ-UBTVQH15"}
    assert links[0].resolution_date == datetime.date(2025, 6, 16)
    assert links[0].effective_date == datetime.date(2025, 7, 1)
    world.authority.refresh_from_db()
    assert (world.authority.valid_to, world.authority.successor) == (
        datetime.date(2025, 6, 30),
        province,
    )
    free = Unit.objects.get(pk=world.free_unit.pk)
    assert free.valid_to == datetime.date(2025, 6, 30) and free.successor is None
    assert reorganisation.history.first().history_user == staff


def test_a_renaming_and_a_split_are_recorded_as_such(world, reform):
    province, _city_c, _phuc_ha, staff = reform
    text = "\n".join(
        [
            HEADER,
            f"xã Cao Ngạn;phường Cao Ngạn;phường;01/07/2025;{RESOLUTION}",
            f"xã Tân Cương;xã Tân Cương Bắc;xã;01/07/2025;{RESOLUTION}",
            f"xã Tân Cương;xã Tân Cương Nam;xã;01/07/2025;{RESOLUTION}",
        ]
    )
    draft(province, text, ending=[world.authority]).apply(by=staff)
    kinds = dict(UnitLink.objects.values_list("successor__name", "kind"))
    assert kinds == {
        "phường Cao Ngạn": "rename",
        "xã Tân Cương Bắc": "split",
        "xã Tân Cương Nam": "split",
    }


def test_an_import_with_bad_rows_names_each_row_and_saves_nothing(world, reform):
    province, _city_c, _phuc_ha, staff = reform
    text = "\n".join(
        [
            HEADER,
            f"xã Không Có;phường Mới;phường;01/07/2025;{RESOLUTION}",
            f"xã Đồng Liên;phường Mới;quận;01/07/2025;{RESOLUTION}",
            "xã Tân Cương;phường Mới;phường;31/02/2025;;",
            f"xã Phúc Hà;phường Mới;phường;01/07/2025;{RESOLUTION}",
        ]
    )
    reorganisation = draft(province, text, ending=[world.authority])
    plan = check(reorganisation)
    assert plan.errors == [
        "Dòng 2: không có đơn vị nào tên “xã Không Có” trong các đơn vị của "
        "Ủy ban nhân dân tỉnh P, Ủy ban nhân dân thành phố A.",
        "Dòng 3: loại “quận” không phải là: xã, phường, thị trấn, đặc khu, cơ quan.",
        "Dòng 4: ngày hiệu lực “31/02/2025” không phải là ngày (dd/mm/yyyy).",
        "Dòng 4: thiếu số nghị quyết.",
        # xã Phúc Hà belongs to city C, which does not end with this reorganisation.
        "Dòng 5: không có đơn vị nào tên “xã Phúc Hà” trong các đơn vị của "
        "Ủy ban nhân dân tỉnh P, Ủy ban nhân dân thành phố A.",
    ]
    before = (Unit.objects.count(), UnitLink.objects.count())
    with pytest.raises(ValidationError):
        reorganisation.apply(by=staff)
    assert (Unit.objects.count(), UnitLink.objects.count()) == before
    world.authority.refresh_from_db()
    assert world.authority.valid_to is None
    reorganisation.refresh_from_db()
    assert reorganisation.status == "draft"


def test_the_preview_page_names_the_bad_rows(client, world, reform):
    province, _city_c, _phuc_ha, staff = reform
    reorganisation = draft(province, f"{HEADER}\nxã Không Có;phường Mới;phường;01/07/2025;;")
    client.force_login(staff)
    page = client.get(reverse("clusters:reorganisation_detail", args=[reorganisation.pk]))
    html = page.content.decode()
    assert "Dòng 2: không có đơn vị nào tên “xã Không Có”" in html
    assert "Dòng 2: thiếu số nghị quyết." in html
    assert 'data-testid="reorganisation-ready"' not in html


def test_a_crash_in_the_middle_of_applying_leaves_nothing_half_done(world, reform, monkeypatch):
    province, city_c, _phuc_ha, staff = reform
    reorganisation = draft(province, merger_text(world), ending=[world.authority, city_c])
    original = UnitLink.save
    calls = []

    def crash_on_second(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("injected failure between two links")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(UnitLink, "save", crash_on_second)
    before = (Unit.objects.count(), UnitLink.objects.count())
    with pytest.raises(RuntimeError):
        reorganisation.apply(by=staff)
    assert (Unit.objects.count(), UnitLink.objects.count()) == before
    world.member.refresh_from_db()
    world.authority.refresh_from_db()
    assert world.member.valid_to is None and world.authority.successor is None
    reorganisation.refresh_from_db()
    assert reorganisation.status == "draft"


def test_reversing_restores_everything_while_no_year_uses_the_new_units(world, reform):
    province, city_c, phuc_ha, staff = reform
    reorganisation = draft(province, merger_text(world), ending=[world.authority, city_c])
    reorganisation.apply(by=staff)
    with pytest.raises(ValidationError):
        reorganisation.reverse(by=staff, reason="")
    reorganisation.reverse(by=staff, reason="Nhập nhầm bảng")
    assert not Unit.objects.filter(authority=province).exists()
    assert not UnitLink.objects.exists()
    world.member.refresh_from_db()
    world.authority.refresh_from_db()
    assert (world.member.valid_to, world.member.successor) == (None, None)
    assert (world.authority.valid_to, world.authority.successor) == (None, None)
    last = reorganisation.history.first()
    assert (last.status, last.history_change_reason, last.history_user) == (
        "reversed",
        "Nhập nhầm bảng",
        staff,
    )


def test_reversing_is_refused_once_a_year_uses_the_new_units(world, reform):
    province, city_c, _phuc_ha, staff = reform
    reorganisation = draft(province, merger_text(world), ending=[world.authority, city_c])
    reorganisation.apply(by=staff)
    successor = Unit.objects.get(name="phường Quyết Thắng")
    start_next_year(world.cluster_year, year=2026, leader=successor, deputy=None)
    with pytest.raises(ValidationError) as refused:
        reorganisation.reverse(by=staff, reason="Nhập nhầm")
    assert "phường Quyết Thắng là thành viên" in " ".join(refused.value.messages)
    assert Unit.objects.filter(pk=successor.pk).exists()


def test_starting_2026_from_2024_gives_one_member_for_the_two_that_merged(world, reform):
    province, city_c, _phuc_ha, staff = reform
    # Both merge into phường Quyết Thắng; the leader and the deputy continue under new records.
    text = "\n".join(
        [
            HEADER,
            f"phường Huống Thượng;phường Quyết Thắng;phường;01/07/2025;{RESOLUTION}",
            f"xã Tân Cương;phường Quyết Thắng;phường;01/07/2025;{RESOLUTION}",
            f"xã Đồng Liên;xã Đồng Liên;xã;01/07/2025;{RESOLUTION}",
        ]
    )
    draft(province, text, ending=[world.authority]).apply(by=staff)
    quyet_thang = Unit.objects.get(name="phường Quyết Thắng")
    dong_lien = Unit.objects.get(name="xã Đồng Liên", authority=province)
    plan = plan_next_year(world.cluster_year, year=2026)
    assert plan.moves and plan.authority == province
    assert (plan.leader, plan.deputy) == (quyet_thang, dong_lien)  # last year's deputy leads
    new_year, notes = start_next_year(
        world.cluster_year, year=2026, leader=quyet_thang, deputy=dong_lien, carry=True
    )
    assert new_year.cluster.authority == province
    assert list(new_year.cluster.predecessors.all()) == [world.cluster]
    assert list(new_year.memberships.values_list("unit__name", "role")) == [
        ("phường Quyết Thắng", "leader"),
        ("xã Đồng Liên", "deputy"),
    ]
    assert "phường Huống Thượng đã sáp nhập vào phường Quyết Thắng, đơn vị đã là thành viên." in (
        notes
    ) or any("phường Quyết Thắng" in note for note in notes)
    # The covenant and the table's text are carried as drafts, with the province's header.
    pledge = Pledge.objects.get(cluster_year=new_year)
    assert pledge.status == "draft" and pledge.issuer_parent == "ỦY BAN NHÂN DÂN TỈNH P"
    assert pledge.clauses.count() == world.pledge.clauses.count()
    table = ScoringTable.objects.get(cluster_year=new_year)
    assert table.criteria.count() == world.table.criteria.count()


def test_members_that_left_the_area_are_listed_for_staff(world, reform):
    province, _city_c, _phuc_ha, staff = reform
    elsewhere = Authority.objects.create(name="Ủy ban nhân dân tỉnh Q", place_name="Q")
    moved = Unit.objects.create(authority=elsewhere, name="xã Ở Tỉnh Khác",
                                valid_from=datetime.date(2025, 7, 1))  # fmt: skip
    text = "\n".join(
        [
            HEADER,
            f"xã Đồng Liên;xã Đồng Liên;xã;01/07/2025;{RESOLUTION}",
            f"xã Tân Cương;xã Tân Cương;xã;01/07/2025;{RESOLUTION}",
        ]
    )
    draft(province, text, ending=[world.authority]).apply(by=staff)
    Unit.objects.filter(pk=world.member.pk).update(
        valid_to=datetime.date(2025, 6, 30), successor=moved
    )
    plan = plan_next_year(world.cluster_year, year=2026)
    assert [unit.name for unit, _old in plan.members] == ["xã Đồng Liên", "xã Tân Cương"]
    assert plan.left_area == [
        "phường Huống Thượng: xã Ở Tỉnh Khác thuộc Ủy ban nhân dân tỉnh Q, ngoài địa bàn của cụm."
    ]


def test_successor_staff_read_the_predecessors_year_but_change_nothing(client, world, reform):
    province, city_c, _phuc_ha, staff = reform
    draft(province, merger_text(world), ending=[world.authority, city_c]).apply(by=staff)
    forget_roles(staff)
    client.force_login(staff)
    year_url = reverse("clusters:cluster_year_detail", args=[world.cluster_year.pk])
    assert client.get(year_url).status_code == 200
    settings_url = reverse("clusters:cluster_year_settings", args=[world.cluster_year.pk])
    assert client.get(settings_url).status_code == 403
    assert (
        client.get(reverse("clusters:cluster_year_next", args=[world.cluster_year.pk])).status_code
        == 200
    )  # noqa: E501
    # A's own staff keep their access to A's past years.
    client.force_login(world.users["staff"])
    assert client.get(settings_url).status_code == 200


def test_the_successors_history_shows_both_predecessors_2024_results(client, world, reform):
    from scoring.sheets import publish_table

    province, city_c, phuc_ha, staff = reform
    # City C's own 2024 cluster, with xã Phúc Hà, scored too.
    from tests.conftest import small_table

    cluster_c = Cluster.objects.create(authority=city_c, name="Cụm thi đua thành phố C")
    year_c = ClusterYear.objects.create(cluster=cluster_c, year=2024)
    Membership.objects.create(cluster_year=year_c, unit=phuc_ha, role="leader")
    for table in (world.table, small_table(year_c)):
        publish_table(table)
    draft(province, merger_text(world), ending=[world.authority, city_c]).apply(by=staff)
    successor = Unit.objects.get(name="phường Quyết Thắng")
    client.force_login(staff)
    page = client.get(reverse("results:unit_results", args=[successor.pk]))
    assert page.status_code == 200
    rows = page.content.decode().split('data-testid="unit-results"')[1]
    assert "phường Huống Thượng" in rows and "xã Phúc Hà" in rows
    assert rows.count("<td><a") == 2  # one row per predecessor, 2024 each
    assert "Cụm thi đua các xã thành phố A" in rows and "Cụm thi đua thành phố C" in rows
    # The province's overview of 2024 includes both former cities' clusters.
    overview = client.get(reverse("results:authority_overview", args=[province.pk]) + "?nam=2024")
    html = overview.content.decode()
    assert "Cụm thi đua các xã thành phố A" in html and "Cụm thi đua thành phố C" in html


def test_search_finds_a_unit_by_a_former_name(client, world, reform):
    province, city_c, _phuc_ha, staff = reform
    draft(province, merger_text(world), ending=[world.authority, city_c]).apply(by=staff)
    client.force_login(staff)
    page = client.get(reverse("clusters:unit_list"), {"q": "phuc ha"})
    html = page.content.decode()
    assert "phường Quyết Thắng" in html and "trước đây" in html


def test_the_import_page_reads_an_xlsx_and_a_csv(client, world, reform):
    province, city_c, _phuc_ha, staff = reform
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Danh sách sắp xếp"])
    sheet.append(HEADER.split(";"))
    sheet.append(
        [
            "phường Huống Thượng",
            "phường Quyết Thắng",
            "phường",
            datetime.date(2025, 7, 1),
            "1683/NQ-UBTVQH15",
            datetime.date(2025, 6, 16),
        ]
    )
    sheet.append(["=HYPERLINK(\"x\")", "=1+1", "phường", "01/07/2025", "1683", ""])  # fmt: skip
    data = io.BytesIO()
    workbook.save(data)
    reading = read_file(data.getvalue(), "sap-xep.xlsx")
    assert reading.errors == []
    assert reading.rows[0]["old"] == "phường Huống Thượng" and reading.rows[0]["row"] == 3
    assert reading.rows[0]["effective"] == "01/07/2025"
    assert reading.rows[1]["old"] == '=HYPERLINK("x")'  # kept as text, never evaluated
    client.force_login(staff)
    upload = SimpleUploadedFile("sap-xep.csv", merger_text(world).encode("utf-8-sig"))
    response = client.post(
        reverse("clusters:reorganisation_create"),
        {"authority": province.pk, "title": "Sắp xếp 2025", "file": upload,
         "ending_authorities": [world.authority.pk, city_c.pk]},
    )  # fmt: skip
    reorganisation = Reorganisation.objects.get()
    assert response.status_code == 302 and response["Location"] == reorganisation.get_absolute_url()
    assert len(reorganisation.rows) == 5 and reorganisation.source_name == "sap-xep.csv"
    assert check(reorganisation).errors == []


def test_a_file_without_the_header_is_refused_with_a_message(client, world, reform):
    province, _city_c, _phuc_ha, staff = reform
    client.force_login(staff)
    upload = SimpleUploadedFile("sap-xep.csv", b"a;b;c\n1;2;3\n")
    response = client.post(
        reverse("clusters:reorganisation_create"),
        {"authority": province.pk, "title": "Sắp xếp", "file": upload},
    )
    assert response.status_code == 200
    assert "Không tìm thấy dòng tiêu đề" in response.content.decode()
    assert not Reorganisation.objects.exists()
    damaged = SimpleUploadedFile("sap-xep.xlsx", b"not a zip")
    response = client.post(
        reverse("clusters:reorganisation_create"),
        {"authority": province.pk, "title": "Sắp xếp", "file": damaged},
    )
    assert response.status_code == 200 and not Reorganisation.objects.exists()


def test_an_authority_outside_the_receiving_area_cannot_be_ended(world, reform):
    province, _city_c, _phuc_ha, staff = reform
    reorganisation = draft(province, merger_text(world), ending=[world.other_authority])
    assert any("không thuộc" in error for error in check(reorganisation).errors)


def test_viewers_may_not_apply(world, reform):
    province, _city_c, _phuc_ha, _staff = reform
    viewer = make_user("province_viewer", role="viewer", authority=province)
    from clusters.access import get_reorganisation_for_user

    reorganisation = draft(province, merger_text(world))
    with pytest.raises(PermissionDenied):
        get_reorganisation_for_user(viewer, reorganisation.pk, edit=True)
