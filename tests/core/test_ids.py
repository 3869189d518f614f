"""core/ids.py: what a value from a request becomes. Junk is None (or a cleaned text), never
an exception: a letter, "²" (which str.isdigit() takes for a digit), Arabic-Indic digits
(which int() takes), NUL, 5,000 digits (which int() refuses with a ValueError), a number
past its bounds."""

from __future__ import annotations

import pytest

from core.ids import (
    REASON_LIMIT,
    TEXT_LIMIT,
    parse_id,
    parse_int,
    parse_page,
    parse_text,
    parse_year,
)

JUNK = ["abc", "12a", "²", "١٢", "\x00", "1\x00", "9" * 5000, "1e3", "1.0", "1_000", " 12", "+1",
        "", None, "--1", "-"]  # fmt: skip


@pytest.mark.parametrize("value", JUNK)
def test_junk_is_no_number_and_no_id(value):
    assert parse_int(value) is None
    assert parse_id(value) is None
    assert parse_year(value) is None
    assert parse_page(value) == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0", 0), ("42", 42), ("-7", -7), ("007", 7), ("9" * 18, int("9" * 18)),
     ("-" + "9" * 18, -int("9" * 18)), ("9" * 19, None), (42, 42)],
)  # fmt: skip
def test_parse_int_takes_plain_integers_that_fit_a_64_bit_column(value, expected):
    assert parse_int(value) == expected


def test_parse_int_keeps_within_its_bounds():
    assert parse_int("5", minimum=1, maximum=5) == 5
    assert parse_int("1", minimum=1, maximum=5) == 1
    assert parse_int("0", minimum=1, maximum=5) is None
    assert parse_int("6", minimum=1, maximum=5) is None
    assert parse_int("-3", minimum=-3) == -3
    assert parse_int("-4", minimum=-3) is None


def test_negative_numbers_are_no_ids_and_no_pages():
    assert parse_id("-1") is None
    assert parse_page("-1") == 1
    assert parse_page("0") == 1
    assert parse_page("3") == 3


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2025", 2025), ("1900", 1900), ("2999", 2999), ("1899", None), ("3000", None),
     ("-2025", None), ("٢٠٢٥", None), ("20²5", None)],
)  # fmt: skip
def test_parse_year_takes_calendar_years(value, expected):
    assert parse_year(value) == expected


def test_parse_text_drops_nul_and_control_characters_keeps_vietnamese_and_line_breaks():
    assert parse_text("Hòa\x00 Bình") == "Hòa Bình"
    assert parse_text("\x00") == ""
    assert parse_text("a\x1b[31mb\x7f") == "a[31mb\x7f"  # DEL is no problem for PostgreSQL
    assert parse_text("  Lý do:\r\n\tđủ ²  ") == "Lý do:\r\n\tđủ ²"
    assert parse_text(None) == ""
    assert parse_text(12) == "12"


def test_parse_text_cuts_to_its_limit():
    assert parse_text("ạ" * 5000) == "ạ" * TEXT_LIMIT
    assert parse_text("9" * 5000, limit=REASON_LIMIT) == "9" * REASON_LIMIT
    assert parse_text("  " + "x" * TEXT_LIMIT + "  ") == "x" * TEXT_LIMIT  # trimmed, then cut
