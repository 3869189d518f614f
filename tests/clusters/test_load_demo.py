from django.contrib.auth import get_user_model
from django.core.management import call_command

from clusters.models import Assignment, Authority, Cluster, ClusterYear, Membership, Unit
from pledges.models import Attendee, Ceremony, Clause, Pledge, Signatory
from scoring.models import Criterion, ScoringTable

MODELS = [
    Authority, Unit, Cluster, ClusterYear, Membership, Assignment, get_user_model(),
    Pledge, Clause, Signatory, Ceremony, Attendee, ScoringTable, Criterion,
]  # fmt: skip


def counts() -> dict:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_load_demo_loads_the_two_real_clusters(db):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    thai_nguyen = ClusterYear.objects.get(
        cluster__name="Cụm thi đua các xã thuộc thành phố Thái Nguyên", year=2024
    )
    assert thai_nguyen.memberships.count() == 11
    assert thai_nguyen.leader.unit.name == "xã Đồng Liên"
    bac_kan = ClusterYear.objects.get(
        cluster__name="Cụm thi đua các xã, phường thuộc thành phố Bắc Kạn", year=2023
    )
    assert bac_kan.leader.unit.name == "phường Huyền Tụng"
    assert set(bac_kan.memberships.values_list("unit__name", flat=True)) == {
        "phường Huyền Tụng",
        "phường Đức Xuân",
        "phường Nguyễn Thị Minh Khai",
        "phường Phùng Chí Kiên",
        "phường Sông Cầu",
        "phường Xuất Hóa",
        "xã Dương Quang",
        "xã Nông Thượng",
    }
    roles = set(Assignment.objects.values_list("role", flat=True))
    assert roles == {"staff", "viewer", "clerk"}


def test_load_demo_twice_changes_nothing(db):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = counts()
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert counts() == first


def test_load_demo_keeps_edits_made_since(db):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    Unit.objects.filter(name="xã Đồng Liên").update(head_name="Nguyễn Văn Mới")
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Unit.objects.get(name="xã Đồng Liên").head_name == "Nguyễn Văn Mới"


def test_load_demo_if_empty_skips_a_database_with_data(world, capsys):
    call_command("load_demo", if_empty=True)
    assert not Cluster.objects.filter(name__contains="Thái Nguyên").exists()


def test_demo_passwords_are_printed_and_usable_only_in_debug(db, settings, capsys):
    settings.DEBUG = False
    call_command("load_demo")
    output = capsys.readouterr().out
    assert "giaouoc-demo" not in output
    assert not get_user_model().objects.get(username="canbo.thainguyen").has_usable_password()


def test_demo_passwords_are_printed_in_debug(db, settings, capsys):
    settings.DEBUG = True
    call_command("load_demo")
    assert "giaouoc-demo" in capsys.readouterr().out
    assert get_user_model().objects.get(username="vanthu.donglien").check_password("giaouoc-demo")


def test_load_demo_gives_both_clusters_a_signed_covenant(db):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    thai_nguyen = Pledge.objects.get(cluster_year__year=2024)
    assert thai_nguyen.is_signed and thai_nguyen.signatories.count() == 11
    assert thai_nguyen.signatories.order_by("position").first().unit.name == "xã Đồng Liên"
    assert thai_nguyen.clauses.filter(text__contains="Dân vận khéo").exists()
    bac_kan = Pledge.objects.get(cluster_year__year=2023)
    assert bac_kan.is_signed and bac_kan.signatories.count() == 8
    assert bac_kan.ceremony.attendees.filter(kind="witness").exists()


def test_load_demo_gives_both_clusters_a_published_realistic_table(db):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    for year in (2023, 2024):
        table = ScoringTable.objects.get(cluster_year__year=year)
        tree = table.tree()
        assert table.status == "published" and tree.problems == []
        assert (
            40 <= len(tree.rows) <= 60
            and 5 <= len([n for n in tree.roots if n.criterion.kind == "score"]) <= 6
        )
        assert tree.totals["score"] == 100 and tree.totals["bonus"] > 0
        assert tree.totals["deduction"] > 0


def test_the_demo_has_2026_after_the_reform(db):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    province = Authority.objects.get(name="Ủy ban nhân dân tỉnh Thái Nguyên")
    city = Authority.objects.get(name="Ủy ban nhân dân thành phố Thái Nguyên")
    bac_kan = Authority.objects.get(name="Ủy ban nhân dân thành phố Bắc Kạn")
    assert (city.successor, bac_kan.successor) == (province, province)
    assert city.valid_to.isoformat() == "2025-06-30"
    quyet_thang = Unit.objects.get(authority=province, name="phường Quyết Thắng")
    assert {u.name for u in quyet_thang.predecessors_in_lineage()} == {
        "xã Phúc Hà",
        "xã Quyết Thắng",
    }
    link = quyet_thang.predecessor_links.first()
    assert (link.resolution_number, link.resolution_date.isoformat()) == (
        "1683/NQ-UBTVQH15",
        "2025-06-16",
    )
    # Units whose successor is not from a public source end without one, not invented.
    dong_lien = Unit.objects.get(authority=city, name="xã Đồng Liên")
    assert dong_lien.valid_to.isoformat() == "2025-06-30" and dong_lien.successor is None
    year = ClusterYear.objects.get(cluster__authority=province, year=2026)
    assert list(year.memberships.values_list("unit__name", "role")) == [
        ("phường Quyết Thắng", "leader")
    ]
    assert year.cluster.predecessors.get().name == "Cụm thi đua các xã thuộc thành phố Thái Nguyên"
    assert Pledge.objects.filter(cluster_year=year).exists()
    assert ScoringTable.objects.filter(cluster_year=year).exists()
    before = counts()
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert counts() == before
