"""A realistic commune-cluster scoring table (49 criteria in 5 score sections of 100 points,
plus a bonus and a deduction section), given to both demo clusters by `manage.py load_demo`,
and the sample .xlsx that ships beside it (scoring/samples/)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from clusters.models import ClusterYear

from .models import ScoringTable
from .services import Row, create_table, replace_criteria
from .sheets import publish_table

SAMPLE_XLSX = Path(__file__).parent / "samples" / "bang-cham-diem-mau.xlsx"

S, B, D = "score", "bonus", "deduction"
# (code, content, kind, max points, step, evidence required, guidance)
DEMO_TABLE = [
    ("I", "Xây dựng Đảng, chính quyền và hệ thống chính trị", S, "15", "0.5", False, ""),
    ("1", "Xây dựng tổ chức cơ sở đảng trong sạch, vững mạnh", S, "5", "0.5", False, ""),
    ("1.1", "Đảng bộ được xếp loại hoàn thành tốt nhiệm vụ trở lên", S, "3", "0.5", True,
     "Hoàn thành xuất sắc: 3 điểm; hoàn thành tốt: 2 điểm; còn lại: 0 điểm."),
    ("1.2", "Tỷ lệ chi bộ hoàn thành tốt nhiệm vụ đạt từ 80% trở lên", S, "2", "0.5", False,
     "Đạt chỉ tiêu: 2 điểm; mỗi 5% không đạt trừ 0,5 điểm."),
    ("2", "Hoạt động của HĐND, UBND đúng quy định, hiệu quả", S, "5", "0.5", False,
     "Tổ chức đủ các kỳ họp, phiên họp theo quy định."),
    ("3", "Công tác dân vận; hoạt động của Mặt trận Tổ quốc và các đoàn thể", S, "5", "0.5",
     False, ""),
    ("a", "Thực hiện phong trào “Dân vận khéo”, có mô hình được công nhận", S, "2.5", "0.5",
     True, ""),
    ("b", "Mặt trận và các đoàn thể hoàn thành tốt nhiệm vụ", S, "2.5", "0.5", False, ""),
    ("II", "Phát triển kinh tế", S, "30", "0.5", False, ""),
    ("1", "Thu ngân sách nhà nước trên địa bàn", S, "8", "0.5", False, ""),
    ("a", "Đạt dự toán được giao", S, "6", "0.5", True, "Đạt 100% dự toán: 6 điểm."),
    ("b", "Vượt dự toán được giao", S, "2", "0.5", False, "Mỗi 5% vượt dự toán: 0,5 điểm."),
    ("2", "Tốc độ tăng giá trị sản xuất đạt chỉ tiêu Nghị quyết", S, "6", "0.5", False, ""),
    ("3", "Xây dựng nông thôn mới, đô thị văn minh", S, "8", "0.5", False, ""),
    ("3.1", "Giữ vững và nâng cao các tiêu chí đã đạt", S, "4", "0.5", True, ""),
    ("3.2", "Chỉnh trang khu dân cư, vệ sinh môi trường", S, "4", "0.5", False, ""),
    ("4", "Phát triển kinh tế tập thể, hợp tác xã", S, "4", "0.5", False, ""),
    ("5", "Quản lý đất đai, tài nguyên và môi trường", S, "4", "0.5", False,
     "Không để xảy ra vi phạm mới về đất đai: 4 điểm."),
    ("III", "Văn hóa - xã hội", S, "25", "0.5", False, ""),
    ("1", "Giáo dục và đào tạo", S, "5", "0.5", False, ""),
    ("a", "Duy trì chuẩn phổ cập giáo dục các cấp", S, "2.5", "0.5", False, ""),
    ("b", "Trường đạt chuẩn quốc gia theo kế hoạch", S, "2.5", "0.5", True, ""),
    ("2", "Y tế, dân số; bảo hiểm y tế toàn dân", S, "5", "0.5", False, ""),
    ("3", "Phong trào “Toàn dân đoàn kết xây dựng đời sống văn hóa”", S, "5", "0.5", False, ""),
    ("4", "Giảm nghèo và an sinh xã hội", S, "6", "0.5", False, ""),
    ("4.1", "Tỷ lệ hộ nghèo giảm đạt chỉ tiêu được giao", S, "3", "0.5", True, ""),
    ("4.2", "Chăm lo đối tượng chính sách, người có công", S, "3", "0.5", False, ""),
    ("5", "Lao động, việc làm, đào tạo nghề", S, "4", "0.5", False, ""),
    ("IV", "Quốc phòng - an ninh", S, "10", "0.5", False, ""),
    ("1", "Hoàn thành 100% chỉ tiêu tuyển quân", S, "4", "0.5", True, ""),
    ("2", "Bảo đảm an ninh chính trị, trật tự an toàn xã hội", S, "6", "0.5", False, ""),
    ("a", "Không để xảy ra tụ tập đông người, khiếu kiện vượt cấp", S, "3", "0.5", False, ""),
    ("b", "Kéo giảm tội phạm và tai nạn giao thông", S, "3", "0.5", False, ""),
    ("V", "Cải cách hành chính, chuyển đổi số; công tác thi đua, khen thưởng", S, "20", "0.25",
     False, ""),
    ("1", "Tỷ lệ hồ sơ thủ tục hành chính giải quyết đúng hạn", S, "6", "0.25", True,
     "100%: 6 điểm; mỗi 1% không đạt trừ 0,25 điểm."),
    ("2", "Tỷ lệ hồ sơ trực tuyến toàn trình", S, "5", "0.25", False, ""),
    ("3", "Chuyển đổi số, ứng dụng công nghệ thông tin", S, "4", "0.25", False, ""),
    ("4", "Công tác thi đua, khen thưởng", S, "5", "0.25", False, ""),
    ("4.1", "Phát động thi đua, ký kết giao ước đúng thời gian", S, "2", "0.25", False, ""),
    ("4.2", "Sơ kết, tổng kết, nhân rộng điển hình tiên tiến", S, "2", "0.25", True, ""),
    ("4.3", "Báo cáo thi đua đúng hạn, đầy đủ", S, "1", "0.25", False, ""),
    ("VI", "Điểm thưởng", B, "5", "0.5", False, "Tổng điểm thưởng không quá 5 điểm."),
    ("1", "Có mô hình mới, cách làm hay được cấp huyện trở lên công nhận", B, "2", "0.5", True, ""),
    ("2", "Tập thể được khen thưởng cấp tỉnh trở lên trong năm", B, "2", "0.5", True, ""),
    ("3", "Hoàn thành xuất sắc nhiệm vụ đột xuất được giao", B, "1", "0.5", False, ""),
    ("VII", "Điểm trừ", D, "10", "0.5", False, "Tổng điểm trừ không quá 10 điểm."),
    ("1", "Chậm hoặc thiếu báo cáo (mỗi lần trừ 0,5 điểm)", D, "2", "0.5", False, ""),
    ("2", "Có cán bộ, công chức bị xử lý kỷ luật", D, "3", "0.5", True, ""),
    ("3", "Để xảy ra điểm nóng về an ninh trật tự", D, "5", "0.5", False, ""),
]  # fmt: skip


def demo_rows() -> list[Row]:
    """The demo table as rows, parents found from the codes as in Excel."""
    rows: list[Row] = []
    section = None
    last_numbered: dict[str, int] = {}
    last_number: int | None = None
    for code, text, kind, max_points, step, evidence, guidance in DEMO_TABLE:
        if code.isupper():
            parent = None
        elif code.isdigit():
            parent = section
        elif "." in code:
            parent = last_numbered[code.rsplit(".", 1)[0]]
        else:
            parent = last_number
        rows.append(
            Row(code, text, guidance, kind, Decimal(max_points), Decimal(step), evidence, parent)
        )
        index = len(rows) - 1
        if code.isupper():
            section, last_numbered, last_number = index, {}, None
        elif code[0].isdigit():
            last_numbered[code] = index
            last_number = index
    return rows


LEGAL_BASES = (
    "Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15 ngày 15 tháng 6 năm 2022;\n"
    "Căn cứ Quy chế hoạt động của Cụm thi đua năm {year};"
)


@transaction.atomic
def build_table(
    cluster_year: ClusterYear, *, publish: bool = True, adopted_on: datetime.date | None = None
) -> ScoringTable:
    table = create_table(cluster_year)
    table.legal_bases = LEGAL_BASES.format(year=cluster_year.year)
    table.date = adopted_on
    table.save()
    replace_criteria(table, demo_rows())
    if publish:
        publish_table(table)
    return table


# The demo's clusters, and the day each adopted its table (at its signing conference).
DEMO_YEARS = (
    ("Cụm thi đua các xã thuộc thành phố Thái Nguyên", 2024, datetime.date(2024, 3, 20)),
    ("Cụm thi đua các xã, phường thuộc thành phố Bắc Kạn", 2023, datetime.date(2023, 2, 15)),
)


def load(stdout=None) -> None:
    """Give both demo clusters a published table (idempotent: existing tables are kept)."""
    for name, year, adopted_on in DEMO_YEARS:
        cluster_year = ClusterYear.objects.filter(cluster__name=name, year=year).first()
        if cluster_year is None or ScoringTable.objects.filter(cluster_year=cluster_year).exists():
            continue
        table = build_table(cluster_year, adopted_on=adopted_on)
        if stdout:
            stdout.write(f"Demo scoring table: {table} ({table.criteria.count()} criteria)")
    if stdout:
        stdout.write(f"Sample Excel table: {SAMPLE_XLSX}")
