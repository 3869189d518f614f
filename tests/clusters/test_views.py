import datetime

from django.urls import reverse

from clusters.models import Cluster, ClusterYear, Membership, Unit


def page_text(response) -> str:
    return response.content.decode()


# --- Dashboard --------------------------------------------------------------------------------


def test_dashboard_lists_the_years_of_the_staffs_authority_only(client_as, world):
    html = page_text(client_as("staff").get(reverse("clusters:home")))
    assert "Cụm thi đua các xã thành phố A" in html
    assert "xã Đồng Liên" in html  # the leader
    assert "Cụm thi đua thành phố B" not in html


def test_dashboard_of_a_clerk_shows_the_years_of_their_unit(client_as, world):
    html = page_text(client_as("outsider_clerk").get(reverse("clusters:home")))
    assert "Cụm thi đua thành phố B" in html
    assert "Cụm thi đua các xã thành phố A" not in html


def test_dashboard_tells_a_user_without_role_what_to_do(client_as, world):
    html = page_text(client_as("no_role").get(reverse("clusters:home")))
    assert "Tài khoản của bạn chưa được phân công" in html


def test_dashboard_shows_the_role_in_the_top_bar(client_as, world):
    assert "cán bộ thi đua" in page_text(client_as("staff").get(reverse("clusters:home")))
    assert "công chức đơn vị" in page_text(client_as("member_clerk").get(reverse("clusters:home")))


def add_years(world, count: int, members_per_year: int) -> None:
    for offset in range(1, count + 1):
        cluster = Cluster.objects.create(authority=world.authority, name=f"Cụm phụ {offset}")
        cluster_year = ClusterYear.objects.create(cluster=cluster, year=2024)
        for index in range(members_per_year):
            unit = Unit.objects.create(authority=world.authority, name=f"xã {offset}-{index}")
            Membership.objects.create(
                cluster_year=cluster_year,
                unit=unit,
                role="leader" if index == 0 else "member",
                position=index + 1,
            )


def test_dashboard_queries_do_not_grow_with_years_or_members(
    client_as, world, django_assert_num_queries
):
    client = client_as("staff")
    client.get(reverse("clusters:home"))  # warm up: session, content types
    add_years(world, count=5, members_per_year=6)
    # session, user, roles (assignments), cluster-years with member counts, their memberships
    with django_assert_num_queries(6):  # +1: the top bar's count of unread reminders
        response = client.get(reverse("clusters:home"))
    assert page_text(response).count("card-cluster-year") == 6


def test_cluster_year_page_queries_do_not_grow_with_members(
    client_as, world, django_assert_num_queries
):
    client = client_as("staff")
    url = reverse("clusters:cluster_year_detail", args=[world.cluster_year.pk])
    client.get(url)
    for index in range(10):
        unit = Unit.objects.create(authority=world.authority, name=f"xã Thêm {index}")
        Membership.objects.create(cluster_year=world.cluster_year, unit=unit, position=10 + index)
    # session, user, roles, the cluster-year (with its covenant and table), members with units,
    # other years, whether the results are final, the counts of sheets and of closed ballots
    # (progress steps); the cards read what is joined
    with django_assert_num_queries(10):  # +1: the top bar's count of unread reminders
        response = client.get(url)
    assert "13 thành viên" in page_text(response)


def test_cluster_list_queries_do_not_grow_with_clusters(
    client_as, world, django_assert_num_queries
):
    client = client_as("staff")
    client.get(reverse("clusters:cluster_list"))
    add_years(world, count=4, members_per_year=1)
    # session, user, roles, clusters with year counts, editable authorities
    with django_assert_num_queries(6):  # +1: the top bar's count of unread reminders
        client.get(reverse("clusters:cluster_list"))


# --- Cluster-year page -----------------------------------------------------------------------


def test_cluster_year_page_shows_members_roles_and_settings(client_as, world):
    html = page_text(
        client_as("viewer").get(
            reverse("clusters:cluster_year_detail", args=[world.cluster_year.pk])
        )
    )
    assert "Cụm trưởng" in html and "Cụm phó" in html
    assert "xã Đồng Liên" in html and "phường Huống Thượng" in html
    assert "Nguyễn Văn An" in html  # the leader's head signs when no representative is set
    assert "15/11/2024" in html
    assert "Trên 50% số phiếu hợp lệ" in html
    assert "Hoàn thành xuất sắc nhiệm vụ: từ 90% tổng điểm chuẩn" in html
    # A viewer reads, but is offered no change.
    assert reverse("clusters:membership_add", args=[world.cluster_year.pk]) not in html


def test_cluster_year_page_offers_changes_to_staff(client_as, world):
    html = page_text(
        client_as("staff").get(
            reverse("clusters:cluster_year_detail", args=[world.cluster_year.pk])
        )
    )
    assert reverse("clusters:membership_add", args=[world.cluster_year.pk]) in html
    assert reverse("clusters:cluster_year_next", args=[world.cluster_year.pk]) in html


# --- Staff create and change -----------------------------------------------------------------


def test_staff_creates_a_cluster_and_its_first_year(client_as, world):
    client = client_as("staff")
    response = client.post(
        reverse("clusters:cluster_create"),
        {
            "authority": world.authority.pk,
            "name": "Khối các cơ quan",
            "kind": "khoi",
            "is_active": "on",
        },
    )
    cluster = Cluster.objects.get(name="Khối các cơ quan")
    assert response.status_code == 302 and cluster.authority == world.authority
    response = client.post(
        reverse("clusters:cluster_year_create", args=[cluster.pk]),
        {
            "year": "2025",
            "vote_threshold_percent": "50",
            "vote_threshold_basis": "valid",
            "awards": "Cờ thi đua: 1",
            "tier_bands": "Xuất sắc: 90",
            "members_read_after_final": "all",
        },
    )
    assert response.status_code == 302
    assert cluster.years.get().year == 2025


def test_staff_cannot_create_a_cluster_in_another_authority(client_as, world):
    response = client_as("staff").post(
        reverse("clusters:cluster_create"),
        {"authority": world.other_authority.pk, "name": "Cụm lạ"},
    )
    assert response.status_code == 200
    assert not Cluster.objects.filter(name="Cụm lạ").exists()


def test_staff_adds_a_member(client_as, world):
    response = client_as("staff").post(
        reverse("clusters:membership_add", args=[world.cluster_year.pk]),
        {"unit": world.free_unit.pk, "role": "member", "position": "4"},
    )
    assert response.status_code == 302
    assert world.cluster_year.memberships.filter(unit=world.free_unit).exists()


def test_adding_a_second_leader_shows_why_and_saves_nothing(client_as, world):
    response = client_as("staff").post(
        reverse("clusters:membership_add", args=[world.cluster_year.pk]),
        {"unit": world.free_unit.pk, "role": "leader", "position": "4"},
    )
    assert response.status_code == 200
    assert "xã Đồng Liên đang là cụm trưởng năm nay" in page_text(response)
    assert not world.cluster_year.memberships.filter(unit=world.free_unit).exists()


def test_staff_removes_a_member(client_as, world):
    membership = world.cluster_year.memberships.get(unit=world.member)
    response = client_as("staff").post(reverse("clusters:membership_delete", args=[membership.pk]))
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_read_only_roles_change_nothing(client_as, world):
    for persona in ("viewer", "leader_clerk"):
        response = client_as(persona).post(
            reverse("clusters:cluster_year_settings", args=[world.cluster_year.pk]),
            {"year": "2024", "vote_threshold_percent": "90", "vote_threshold_basis": "valid"},
        )
        assert response.status_code == 403
        membership = world.cluster_year.memberships.get(unit=world.member)
        response = client_as(persona).post(
            reverse("clusters:membership_delete", args=[membership.pk])
        )
        assert response.status_code == 403
    world.cluster_year.refresh_from_db()
    assert world.cluster_year.vote_threshold_percent == 50
    assert world.cluster_year.memberships.count() == 3


def test_staff_edits_a_unit_and_records_its_successor(client_as, world):
    response = client_as("staff").post(
        reverse("clusters:unit_edit", args=[world.member.pk]),
        {
            "name": "phường Huống Thượng",
            "kind": "phuong",
            "valid_to": "30/06/2025",
            "successor": world.free_unit.pk,
        },
    )
    assert response.status_code == 302
    world.member.refresh_from_db()
    assert world.member.valid_to == datetime.date(2025, 6, 30)
    assert world.member.successor == world.free_unit
    assert world.member.authority == world.authority  # the disabled field keeps its value


def test_staff_edits_the_authority(client_as, world):
    response = client_as("staff").post(
        reverse("clusters:authority_edit", args=[world.authority.pk]),
        {"name": world.authority.name, "place_name": "Thái Nguyên", "parent_body": "UBND TỈNH"},
    )
    assert response.status_code == 302
    world.authority.refresh_from_db()
    assert world.authority.place_name == "Thái Nguyên"


# --- Units -----------------------------------------------------------------------------------


def test_unit_search_ignores_diacritics(client_as, world):
    html = page_text(client_as("staff").get(reverse("clusters:unit_list"), {"q": "dong lien"}))
    assert "xã Đồng Liên" in html
    assert "xã Tân Cương" not in html


def test_unit_search_says_when_nothing_matches(client_as, world):
    html = page_text(client_as("staff").get(reverse("clusters:unit_list"), {"q": "khong co"}))
    assert "Không có đơn vị nào khớp với “khong co”." in html


def test_unit_list_hides_former_units_unless_asked(client_as, world):
    Unit.objects.create(
        authority=world.authority, name="xã Đã Giải Thể", valid_to=datetime.date(2020, 1, 1)
    )
    client = client_as("staff")
    assert "xã Đã Giải Thể" not in page_text(client.get(reverse("clusters:unit_list")))
    assert "xã Đã Giải Thể" in page_text(client.get(reverse("clusters:unit_list"), {"former": "1"}))
    # Searched by its name, it is offered rather than "no unit matches" alone.
    html = page_text(client.get(reverse("clusters:unit_list"), {"q": "da giai the"}))
    assert "xã Đã Giải Thể" not in html and "1 đơn vị đã kết thúc" in html and "former=1" in html


def test_clerks_see_their_fellow_members_but_not_other_units(client_as, world):
    client = client_as("member_clerk")
    html = page_text(client.get(reverse("clusters:unit_list")))
    assert "xã Đồng Liên" in html
    assert "xã Cao Ngạn" not in html and "phường Huyền Tụng" not in html
    assert client.get(reverse("clusters:unit_detail", args=[world.free_unit.pk])).status_code == 404


def test_unit_detail_shows_its_history_across_years(client_as, world):
    later = ClusterYear.objects.create(cluster=world.cluster, year=2025)
    Membership.objects.create(cluster_year=later, unit=world.member, role="leader")
    world.member.valid_to = datetime.date(2025, 12, 31)
    world.member.successor = world.free_unit
    world.member.save()
    html = page_text(
        client_as("viewer").get(reverse("clusters:unit_detail", args=[world.member.pk]))
    )
    assert html.index("2025") < html.index("2024")  # newest first
    assert "Cụm trưởng" in html and "Thành viên" in html
    assert "Được kế thừa bởi" in html and "xã Cao Ngạn" in html
    successor_html = page_text(
        client_as("viewer").get(reverse("clusters:unit_detail", args=[world.free_unit.pk]))
    )
    assert "Kế thừa từ" in successor_html and "phường Huống Thượng" in successor_html


def test_unit_list_queries_do_not_grow_with_units(client_as, world, django_assert_num_queries):
    client = client_as("staff")
    client.get(reverse("clusters:unit_list"))
    for index in range(20):
        Unit.objects.create(
            authority=world.authority, name=f"xã Số {index}", successor=world.free_unit
        )
    # session, user, roles, the units with authority and successor (sorted in Python, in the
    # Vietnamese alphabet, and paged from the list)
    with django_assert_num_queries(5):  # +1: the top bar's count of unread reminders
        response = client.get(reverse("clusters:unit_list"))
    assert "xã Số 19" in page_text(response)


def test_cluster_page_queries_do_not_grow_with_years(client_as, world, django_assert_num_queries):
    client = client_as("viewer")
    url = reverse("clusters:cluster_detail", args=[world.cluster.pk])
    client.get(url)
    for year in range(2015, 2024):
        cluster_year = ClusterYear.objects.create(cluster=world.cluster, year=year)
        Membership.objects.create(cluster_year=cluster_year, unit=world.leader, role="leader")
    # session, user, roles, the cluster, its years with member counts, their memberships
    with django_assert_num_queries(7):  # +1: the top bar's count of unread reminders
        response = client.get(url)
    assert page_text(response).count("xã Đồng Liên") == 10


def test_staff_cannot_add_a_unit_of_another_authority_by_crafting_the_post(client_as, world):
    response = client_as("staff").post(
        reverse("clusters:membership_add", args=[world.cluster_year.pk]),
        {"unit": world.other_unit.pk, "role": "member", "position": "4"},
    )
    assert response.status_code == 200
    assert not Membership.objects.filter(unit=world.other_unit, cluster_year=world.cluster_year)


def test_a_conflicting_save_is_explained_and_saves_nothing(client_as, world, monkeypatch):
    from django.db import IntegrityError

    from clusters.forms import MembershipForm

    def collide(self, commit=True):
        Membership.objects.create(cluster_year=world.cluster_year, unit=world.free_unit)
        raise IntegrityError("duplicate key")  # another request won the race

    monkeypatch.setattr(MembershipForm, "save", collide)
    response = client_as("staff").post(
        reverse("clusters:membership_add", args=[world.cluster_year.pk]),
        {"unit": world.free_unit.pk, "role": "member", "position": "4"},
    )
    assert response.status_code == 200
    assert "Có người vừa lưu một thay đổi trùng cùng lúc." in page_text(response)
    assert not world.cluster_year.memberships.filter(unit=world.free_unit).exists()


def test_clerks_do_not_see_the_names_of_successors_they_cannot_open(client_as, world):
    world.member.successor = world.free_unit
    world.member.save()
    html = page_text(
        client_as("member_clerk").get(reverse("clusters:unit_detail", args=[world.member.pk]))
    )
    assert "xã Cao Ngạn" not in html


def test_save_and_add_another_returns_to_an_empty_form(client_as, world):
    url = reverse("clusters:membership_add", args=[world.cluster_year.pk])
    response = client_as("staff").post(
        url, {"unit": world.free_unit.pk, "role": "member", "position": "4", "add_another": "1"}
    )
    assert response.status_code == 302 and response["Location"] == url
