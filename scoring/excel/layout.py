"""The layout of the scoring table's workbook: sheet names, headers, words and limits."""

from __future__ import annotations

import re

from core.forms import largest_decimal

from ..models import Criterion, ScoringTable

SHEET = "Bảng chấm điểm"
SETTINGS_SHEET = "Cài đặt"
HEADERS = [
    "Mã",
    "Nội dung",
    "Hướng dẫn chấm",
    "Loại",
    "Điểm tối đa",
    "Bước điểm",
    "Yêu cầu minh chứng",
]
KIND_LABELS = {
    Criterion.Kind.SCORE: "Điểm",
    Criterion.Kind.BONUS: "Thưởng",
    Criterion.Kind.DEDUCTION: "Trừ",
}
SCORE, BONUS, DEDUCTION = Criterion.Kind.SCORE, Criterion.Kind.BONUS, Criterion.Kind.DEDUCTION
KIND_WORDS = {
    "": SCORE, "diem": SCORE, "diem chuan": SCORE, "cham diem": SCORE, "score": SCORE,
    "thuong": BONUS, "diem thuong": BONUS, "cong": BONUS, "bonus": BONUS,
    "tru": DEDUCTION, "diem tru": DEDUCTION, "deduction": DEDUCTION,
}  # fmt: skip
YES = {"co", "x", "yes", "1", "true", "c"}
NO = {"", "khong", "no", "0", "false", "k"}
SETTING_LABELS = {
    "title": "Tên bảng",
    "nominal_total": "Tổng điểm chuẩn",
    "bonus_cap": "Điểm thưởng tối đa",
    "deduction_cap": "Điểm trừ tối đa",
    "tie_break": "Thứ tự xét khi bằng điểm",
    "tier_bands": "Mức xếp loại",
    "legal_bases": "Căn cứ",
}

MAX_BYTES = 2 * 1024 * 1024
MAX_UNPACKED_BYTES = 40 * 1024 * 1024  # a zip bomb inflates far beyond this
MAX_ROWS = 2000
MAX_CELL_CHARS = 4000
# Limits of the stored values, read from the model fields (one place for them).
MAX_POINTS = largest_decimal(Criterion, "max_points")
MAX_STEP = largest_decimal(Criterion, "step")
CODE_LENGTH = Criterion._meta.get_field("code").max_length
SETTING_MAXIMA = {
    name: largest_decimal(ScoringTable, name)
    for name in ("nominal_total", "bonus_cap", "deduction_cap")
}

ROMAN = re.compile(r"^[IVXLC]+$")
NUMBER = re.compile(r"^\d+$")
DOTTED = re.compile(r"^\d+(\.\d+)+$")
LETTER = re.compile(r"^[a-zđ]$")
