"""Demo covenants for the two real clusters (DESIGN.md §1), loaded by `manage.py load_demo`.

Facts come from the source reports: dates, afternoons, places, hosts, the people they name
(chair, attending and witnessing leaders), movements, commitments and what was adopted; names
the reports do not give (the other signers, the Bắc Kạn chair, the secretaries) are left blank
for the clerk, and legal bases are the ones in force at the time (editable text, never
constants)."""

from __future__ import annotations

import datetime
import zoneinfo

from django.db import transaction

from clusters.models import ClusterYear

from .models import Attendee, Ceremony, Clause, Pledge
from .services import create_pledge

TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")

THAI_NGUYEN_2024 = {
    "cluster": "Cụm thi đua các xã thuộc thành phố Thái Nguyên",
    "year": 2024,
    "number": "01/GƯ-CTĐ",
    "place": "Đồng Liên",
    "date": datetime.date(2024, 3, 20),
    "legal_bases": [
        "Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15 ngày 15 tháng 6 năm 2022;",
        "Căn cứ Nghị định số 98/2023/NĐ-CP ngày 31 tháng 12 năm 2023 của Chính phủ quy định "
        "chi tiết thi hành một số điều của Luật Thi đua, khen thưởng;",
        "Căn cứ Kế hoạch tổ chức các phong trào thi đua năm 2024 của Ủy ban nhân dân thành phố "
        "Thái Nguyên;",
    ],
    "goals": "Thực hiện phong trào thi đua năm 2024, các xã thành viên Cụm thi đua các xã thuộc "
    "thành phố Thái Nguyên thống nhất ký kết giao ước thi đua với các nội dung sau:",
    "targets": {
        "Phát triển kinh tế": [
            ("Hoàn thành và hoàn thành vượt mức các chỉ tiêu thu ngân sách được giao", None, ""),
            ("Giữ vững tiêu chí xã đạt chuẩn nông thôn mới nâng cao", None, ""),
        ],
        "Văn hóa - xã hội": [
            ("Tỷ lệ hộ gia đình đạt danh hiệu “Gia đình văn hóa”", 90, "%"),
            ("Giảm tỷ lệ hộ nghèo theo chuẩn nghèo đa chiều", 0.5, "%"),
        ],
        "Quốc phòng - an ninh": [
            ("Hoàn thành 100% chỉ tiêu tuyển quân được giao", None, ""),
        ],
        "Cải cách hành chính, chuyển đổi số": [
            ("Tỷ lệ hồ sơ thủ tục hành chính giải quyết đúng hạn", 100, "%"),
            ("Tỷ lệ hồ sơ được tiếp nhận, giải quyết trực tuyến toàn trình", 80, "%"),
        ],
        "Xây dựng Đảng, chính quyền và hệ thống chính trị": [
            ("Không có cán bộ, công chức vi phạm kỷ luật", None, ""),
        ],
        "Công tác thi đua, khen thưởng": [
            ("Tổ chức phát động thi đua và sơ kết, tổng kết đúng thời gian quy định", None, ""),
        ],
    },
    "movements": [
        "“Thái Nguyên chung tay vì người nghèo - Không để ai bị bỏ lại phía sau”",
        "“Toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh”",
        "“Dân vận khéo”",
        "thi đua đẩy mạnh cải cách hành chính - chuyển đổi số",
    ],
    "registrations": "Cờ thi đua của Ủy ban nhân dân tỉnh",
    "ceremony": {
        # "the afternoon of 20/3/2024 at the office of the Đảng uỷ, HĐND and UBND of xã Đồng
        # Liên" (the hour is not given: 14:00 stands for the afternoon).
        "starts_at": datetime.datetime(2024, 3, 20, 14, 0, tzinfo=TZ),
        "venue": "Trụ sở Đảng ủy, HĐND, UBND xã Đồng Liên",
        "host": "xã Đồng Liên",
        "chair_name": "Tạ Văn Phin",
        "chair_title": "Phó Bí thư Đảng ủy, Chủ tịch UBND xã Đồng Liên, Cụm trưởng",
        "adopted": [
            "Quy chế hoạt động của Cụm thi đua các xã thuộc thành phố Thái Nguyên",
            "Bảng chấm điểm thi đua năm 2024",
            "Bản giao ước thi đua năm 2024",
        ],
        "proceedings": [
            "Hội nghị đã nghe đại diện xã Đồng Liên, Cụm trưởng, báo cáo kết quả hoạt động của "
            "Cụm năm 2023 và dự thảo các văn bản của Cụm năm 2024.",
            "Các đại biểu thảo luận, thống nhất nội dung Quy chế hoạt động, Bảng chấm điểm và "
            "Bản giao ước thi đua năm 2024.",
        ],
        # Attending and witnessing the signing.
        "witnesses": [
            {"name": "Nguyễn Văn Tư", "title": "Bí thư Đảng ủy, Chủ tịch HĐND xã Đồng Liên"},
            {"name": "Phạm Tiến Quyết", "title": "Phó Bí thư Thường trực Đảng ủy xã Đồng Liên"},
        ],
    },
}

BAC_KAN_2023 = {
    "cluster": "Cụm thi đua các xã, phường thuộc thành phố Bắc Kạn",
    "year": 2023,
    "number": "01/GƯ-CTĐ",
    "place": "Huyền Tụng",
    "date": datetime.date(2023, 2, 15),
    "legal_bases": [
        "Căn cứ Luật Thi đua, khen thưởng ngày 26 tháng 11 năm 2003; Luật sửa đổi, bổ sung "
        "một số điều của Luật Thi đua, khen thưởng năm 2013;",
        "Căn cứ Nghị định số 91/2017/NĐ-CP ngày 31 tháng 7 năm 2017 của Chính phủ quy định "
        "chi tiết thi hành một số điều của Luật Thi đua, khen thưởng;",
        "Căn cứ Kế hoạch tổ chức các phong trào thi đua năm 2023 của Ủy ban nhân dân thành phố "
        "Bắc Kạn;",
    ],
    "goals": "Các xã, phường thành viên Cụm thi đua thành phố Bắc Kạn thống nhất ký kết giao "
    "ước thi đua năm 2023 với các nội dung sau:",
    "targets": {
        "Phát triển kinh tế": [("Hoàn thành các chỉ tiêu phát triển kinh tế được giao", None, "")],
        "Văn hóa - xã hội": [("Tỷ lệ tổ dân phố, thôn đạt danh hiệu văn hóa", 85, "%")],
        "Quản lý đô thị, trật tự xây dựng": [
            ("Không để phát sinh công trình xây dựng sai phép, không phép", None, "")
        ],
        "Xây dựng nông thôn mới": [("Duy trì các tiêu chí nông thôn mới đã đạt", None, "")],
        "Cải cách hành chính, chuyển đổi số": [
            ("Tỷ lệ hồ sơ thủ tục hành chính giải quyết đúng hạn", 100, "%")
        ],
        "Xây dựng Đảng, chính quyền và hệ thống chính trị": [
            ("Tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên", None, "")
        ],
    },
    "movements": [
        "“Cả nước chung tay vì người nghèo - Không để ai bị bỏ lại phía sau”",
        "“Toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh”",
    ],
    "registrations": "Cờ thi đua của Ủy ban nhân dân tỉnh",
    "ceremony": {
        # The afternoon of 15/2/2023 at the office of UBND phường Huyền Tụng (14:00 stands for
        # the afternoon); the chair is not named.
        "starts_at": datetime.datetime(2023, 2, 15, 14, 0, tzinfo=TZ),
        "venue": "Trụ sở UBND phường Huyền Tụng",
        "host": "phường Huyền Tụng",
        "chair_name": "",
        "chair_title": "Chủ tịch UBND phường Huyền Tụng, Cụm trưởng",
        "adopted": [
            "Kế hoạch hoạt động của Cụm thi đua năm 2023",
            "Quy chế hoạt động của Cụm thi đua",
            "Bảng chấm điểm thi đua năm 2023",
            "Bản giao ước thi đua năm 2023",
        ],
        "proceedings": [
            "Hội nghị đã thông qua Kế hoạch, Quy chế hoạt động và Bảng chấm điểm thi đua của "
            "Cụm trên các lĩnh vực phát triển kinh tế, văn hóa - xã hội, quản lý đô thị, xây "
            "dựng nông thôn mới, cải cách hành chính và xây dựng Đảng.",
        ],
        "witnesses": [
            {
                "name": "Lê Đăng Trưởng",
                "title": "Ủy viên Ban Thường vụ Thành ủy, Phó Chủ tịch HĐND thành phố Bắc Kạn, "
                "phụ trách khối thi đua xã, phường",
            }
        ],
    },
}


def _clauses(pledge: Pledge, spec: dict) -> None:
    """Replace the skeleton with the demo's content (sections stay in the usual order)."""
    rows: list[tuple[str, str, float | None, str]] = [
        ("section", "Mục tiêu chung", None, ""),
        (
            "item",
            f"Đoàn kết, hợp tác, học tập, giúp đỡ lẫn nhau; phấn đấu hoàn thành toàn diện các "
            f"chỉ tiêu, nhiệm vụ phát triển kinh tế - xã hội năm {spec['year']}.",
            None,
            "",
        ),
        ("section", "Chỉ tiêu, nhiệm vụ trọng tâm", None, ""),
    ]
    for heading, items in spec["targets"].items():
        rows.append(("heading", heading, None, ""))
        rows.extend(("item", text, value, unit) for text, value, unit in items)
    rows += [
        ("section", "Cam kết của các đơn vị", None, ""),
        ("numbered", "100% cán bộ, công chức hoàn thành tốt nhiệm vụ được giao.", None, ""),
        ("numbered", "Không có cán bộ, công chức bị xử lý kỷ luật.", None, ""),
        (
            "numbered",
            "Thực hiện nghiêm chế độ thông tin, báo cáo theo Quy chế hoạt động của Cụm.",
            None,
            "",
        ),
        ("section", "Các phong trào thi đua", None, ""),
    ]
    rows.extend(("item", f"Phong trào {movement}.", None, "") for movement in spec["movements"])
    rows += [
        ("section", "Đăng ký danh hiệu thi đua", None, ""),
        (
            "item",
            f"Các đơn vị đăng ký danh hiệu thi đua năm {spec['year']} theo danh sách dưới đây.",
            None,
            "",
        ),
    ]
    pledge.clauses.all().delete()
    Clause.objects.bulk_create(
        Clause(
            pledge=pledge, position=10 * index, kind=kind, text=text,
            target_value=value, target_unit=unit,
        )
        for index, (kind, text, value, unit) in enumerate(rows, start=1)
    )  # fmt: skip


@transaction.atomic
def load(stdout=None) -> None:
    """Create the demo covenants that are missing (idempotent; existing ones are kept)."""
    for spec in (THAI_NGUYEN_2024, BAC_KAN_2023):
        cluster_year = (
            ClusterYear.objects.filter(cluster__name=spec["cluster"], year=spec["year"])
            .select_related("cluster__authority")
            .first()
        )
        if cluster_year is None or Pledge.objects.filter(cluster_year=cluster_year).exists():
            continue
        pledge = create_pledge(cluster_year)
        pledge.number = spec["number"]
        pledge.place = spec["place"]
        pledge.date = spec["date"]
        pledge.legal_bases = "\n".join(spec["legal_bases"])
        pledge.goals = spec["goals"]
        pledge.save()
        _clauses(pledge, spec)
        pledge.signatories.update(registered_title=spec["registrations"])
        meeting = spec["ceremony"]
        ceremony = Ceremony.objects.create(
            pledge=pledge,
            starts_at=meeting["starts_at"],
            venue=meeting["venue"],
            host_unit=cluster_year.memberships.get(unit__name=meeting["host"]).unit,
            chair_name=meeting["chair_name"],
            chair_title=meeting["chair_title"],
            adopted_documents="\n".join(meeting["adopted"]),
            proceedings="\n".join(meeting["proceedings"]),
        )
        for position, witness in enumerate(meeting["witnesses"], start=1):
            Attendee.objects.create(
                ceremony=ceremony, kind=Attendee.Kind.WITNESS, position=position, **witness
            )
        pledge.adopt()
        pledge.sign()
        if stdout:
            stdout.write(f"Demo covenant: {pledge} (signed)")
