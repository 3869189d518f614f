import datetime

import pytest

from clusters.models import Authority, Cluster, ClusterYear, Membership, Unit
from pledges.services import create_pledge

# Real commune names of Thái Nguyên and Bắc Kạn (more than enough for 15 members).
COMMUNES = [
    "Đồng Liên", "Tân Cương", "Phúc Trìu", "Phúc Xuân", "Phúc Hà", "Sơn Cẩm", "Huống Thượng",
    "Linh Sơn", "Thịnh Đức", "Quyết Thắng", "Cao Ngạn", "Dương Quang", "Nông Thượng",
    "Đức Xuân", "Huyền Tụng",
]  # fmt: skip
HEADS = [
    "Nguyễn Văn Đức", "Trần Thị Hằng", "Lê Quốc Việt", "Phạm Thị Thuỷ", "Hoàng Văn Quý",
    "Vũ Thị Ngọc Ánh", "Đặng Văn Lưỡng", "Bùi Thị Hường", "Đỗ Mạnh Cường", "Ngô Thị Yến",
    "Dương Văn Khởi", "Lý Thị Nguyệt", "Hà Văn Dũng", "Ma Thị Thắm", "Triệu Văn Ước",
]  # fmt: skip


@pytest.fixture
def covenant_of(db):
    """covenant_of(n) -> a dated draft covenant of a cluster-year with n member units, whose
    heads have Vietnamese names (every diacritic must survive into the PDF)."""

    def make(members: int):
        authority = Authority.objects.create(
            name=f"Ủy ban nhân dân thành phố Thái Nguyên {members}", place_name="Thái Nguyên"
        )
        cluster = Cluster.objects.create(
            authority=authority, name="Cụm thi đua các xã thuộc thành phố Thái Nguyên"
        )
        cluster_year = ClusterYear.objects.create(cluster=cluster, year=2024)
        for index in range(members):
            unit = Unit.objects.create(
                authority=authority,
                name=f"xã {COMMUNES[index]}",
                head_name=HEADS[index],
                head_title="Chủ tịch UBND xã",
            )
            role = "leader" if index == 0 else "deputy" if index == 1 else "member"
            Membership.objects.create(
                cluster_year=cluster_year, unit=unit, role=role, position=index + 1
            )
        pledge = create_pledge(cluster_year)
        pledge.number = "01/GƯ-CTĐ"
        pledge.place = "Thái Nguyên"
        pledge.date = datetime.date(2024, 3, 20)
        pledge.legal_bases = "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;"
        pledge.save()
        return pledge

    return make
