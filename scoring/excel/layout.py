"""The layout of the scoring table's workbook: sheet names, headers, words and limits."""

from __future__ import annotations

import re

from core.forms import largest_decimal
from core.xlsx import Limits

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
# The columns of a clerk's sheet, by the words of their headers (folded, without what stands
# in brackets): our own headers first, then the words of the tables clerks already keep
# ("TT | Nội dung tiêu chí | Điểm chuẩn | Ghi chú", "STT | Tiêu chí | Điểm tối đa | Hướng dẫn").
# A header is the exact words, or starts with them followed by a space ("tieu chi" and
# "tieu chi cham diem"); columns such as "Điểm tự chấm" or "Điểm cụm chấm" are not read.
HEADER_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # field: (exact words, leading words)
    "code": (("ma", "tt", "stt", "so tt", "so thu tu", "ma so", "ma tieu chi"), ()),
    "text": (
        ("noi dung",),
        ("noi dung", "tieu chi", "ten tieu chi", "cac tieu chi", "dien giai"),
    ),
    "guidance": (
        ("ghi chu",),
        ("huong dan", "cach cham", "phuong phap cham", "ghi chu"),
    ),
    "kind": (("loai",), ("loai diem", "loai tieu chi")),
    "max_points": (
        ("diem", "so diem"),
        ("diem toi da", "diem chuan", "thang diem", "khung diem", "muc diem", "diem quy dinh"),
    ),
    "step": (("buoc",), ("buoc diem", "buoc cham")),
    "evidence": (("minh chung",), ("yeu cau minh chung", "co minh chung", "can minh chung")),
}
# What a user reads about the columns (in the error when no header is found).
HEADER_EXAMPLES = {
    "code": "Mã, TT, STT",
    "text": "Nội dung, Nội dung tiêu chí, Tiêu chí",
    "max_points": "Điểm tối đa, Điểm chuẩn, Thang điểm",
}
HEADER_SEARCH_ROWS = 15
MAX_COLUMNS = 30  # columns read of each row: a scoring table has far fewer
DEFAULT_STEP = Criterion._meta.get_field("step").get_default()
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
# What the workbook may hold before it is read (core/xlsx.py): rows numbered past MAX_SHEET_ROWS
# (blank ones included: a clerk's sheet has gaps) or a row of more than MAX_ROW_CELLS cells, the
# cost of reading a file, not of the table it holds, are refused before openpyxl parses them.
MAX_SHEET_ROWS = 10_000
MAX_ROW_CELLS = 64
XLSX_LIMITS = Limits(
    max_unpacked_bytes=MAX_UNPACKED_BYTES, max_rows=MAX_SHEET_ROWS, max_row_cells=MAX_ROW_CELLS
)
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
CAPITAL = re.compile(r"^[A-ZĐ]$")
# A code as clerks write it: "I", "I.", "Phần I", "A.", "1", "1.", "1.1", "a", "a)", "a.".
CODE = r"(?P<code>[IVXLC]+|[A-ZĐ]|\d+(?:\.\d+)*|[a-zđ])(?P<mark>[.):])?"
PREFIX = r"(?:(?i:phần|mục)\s+)?"
CODE_ONLY = re.compile(rf"^{PREFIX}{CODE}$")
# A code and its text in one cell (a section row merged across the columns): "I. Kinh tế".
CODE_AND_TEXT = re.compile(rf"^{PREFIX}{CODE}\s+(?P<text>\S.*)$", re.DOTALL)
# The same at the start of the content cell when the code cell is empty: a mark is required
# there ("1. Thu ngân sách", "a) Đạt dự toán"), so that "5 năm liền…" stays a text.
TEXT_WITH_CODE = re.compile(
    rf"^{PREFIX}(?P<code>[IVXLC]+|[A-ZĐ]|\d+(?:\.\d+)*|[a-zđ])(?P<mark>[.):])\s+(?P<text>\S.*)$",
    re.DOTALL,
)
# A heading's words that make its section a bonus or a deduction (folded text).
HEADING_PREFIX = r"^(?:phan\s+\S+\s*[.:-]?\s*)?(?:cac\s+)?(?:tieu chi\s+|noi dung\s+|muc\s+)?"
BONUS_HEADING = re.compile(HEADING_PREFIX + r"(?:diem thuong|diem cong|cong diem|thuong)\b")
DEDUCTION_HEADING = re.compile(HEADING_PREFIX + r"(?:diem tru|tru diem|tru)\b")
BULLETS = ("-", "+", "*", "•", "–", "—", "·", "◦")
# "Tối đa 5 điểm" in a bonus or deduction heading whose points cell is empty.
CAP_IN_TEXT = re.compile(r"toi da\s*:?\s*(?P<number>\d+(?:[.,]\d+)?)\s*(?:diem|d)\b")
# Points as clerks type them: "5", "2,5", "5 điểm", "tối đa 5", "-2" (a deduction).
POINTS_TEXT = re.compile(r"^(?:toi da\s*:?\s*)?(?P<number>[+-]?\s*[\d.,]+)\s*(?:diem|d)?$")
