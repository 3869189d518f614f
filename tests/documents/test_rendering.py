import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from pypdf import PdfReader

from documents import checks, formatting
from documents.rendering import RefusedURL, StaticOnlyFetcher, html_to_pdf, static_path_for

A4 = (595.28, 841.89)  # points


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (datetime.date(2024, 3, 20), "ngày 20 tháng 3 năm 2024"),
        (datetime.date(2023, 2, 15), "ngày 15 tháng 02 năm 2023"),
        (datetime.date(2024, 1, 5), "ngày 05 tháng 01 năm 2024"),
        (datetime.date(2024, 12, 1), "ngày 01 tháng 12 năm 2024"),
    ],
)
def test_dates_follow_decree_30_leading_zeros(day, text):
    assert formatting.vn_date(day) == text


def test_date_line_names_the_place():
    assert (
        formatting.date_line("Thái Nguyên", datetime.date(2024, 3, 20))
        == "Thái Nguyên, ngày 20 tháng 3 năm 2024"
    )


def test_missing_date_leaves_room_to_write_it_by_hand():
    # Dots, not spaces: spaces collapse in print and leave no room.
    assert formatting.vn_date(None, year=2025) == "ngày …… tháng …… năm 2025"


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (Decimal("1234.5"), None, "1.234,5"),
        (Decimal("95.50"), None, "95,5"),
        (Decimal("100"), None, "100"),
        (Decimal("2.25"), 2, "2,25"),
        (7, 2, "7,00"),
        (Decimal("1234567"), None, "1.234.567"),
    ],
)
def test_numbers_use_vietnamese_separators(value, decimals, text):
    assert formatting.vn_number(value, decimals) == text


def test_roman_and_document_numbers():
    assert [formatting.roman(n) for n in (1, 4, 6, 9, 14)] == ["I", "IV", "VI", "IX", "XIV"]
    assert formatting.doc_number(5) == "05"
    assert formatting.doc_number("12") == "12"


def test_fetcher_serves_the_projects_static_files():
    path = static_path_for("https://documents.invalid/static/css/print.css")
    assert path.name == "print.css"


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/logo.png",
        "https://example.com/static/css/print.css",
        "file:///etc/passwd",
        "file:///work/main/static/css/print.css",
        "data:image/png;base64,iVBORw0KGgo=",
        "https://documents.invalid/static/../config/settings.py",
        "https://documents.invalid/static/%2e%2e/config/settings.py",
        "https://documents.invalid/config/settings.py",
        "https://documents.invalid/static/css/does-not-exist.css",
        "ftp://documents.invalid/static/css/print.css",
    ],
)
def test_fetcher_refuses_everything_else(url):
    with pytest.raises(RefusedURL):
        static_path_for(url)


def test_rendering_never_fetches_what_user_text_smuggles_in():
    smuggled = (
        '<img src="http://127.0.0.1:9/track.png">'
        '<img src="file:///etc/passwd">'
        '<link rel="stylesheet" href="https://example.com/evil.css">'
        '<div style="background: url(file:///etc/shadow)">x</div>'
    )
    html = (
        '<html><head><link rel="stylesheet" href="/static/css/print.css"></head>'
        f'<body class="doc"><p>Nội dung</p>{smuggled}</body></html>'
    )
    fetcher = StaticOnlyFetcher()
    pdf = html_to_pdf(html, fetcher=fetcher)
    assert pdf.startswith(b"%PDF")
    assert set(fetcher.refused) >= {
        "http://127.0.0.1:9/track.png",
        "file:///etc/passwd",
        "https://example.com/evil.css",
        "file:///etc/shadow",
    }
    page = PdfReader(BytesIO(pdf)).pages[0]
    assert (round(float(page.mediabox.width), 2), round(float(page.mediabox.height), 2)) == A4
    assert "Nội dung" in page.extract_text()


def test_font_check_warns_when_the_projects_fonts_are_missing(monkeypatch):
    assert checks.project_fonts_present() == []  # whatever fonts the machine has
    monkeypatch.setattr(checks, "FONT_FILES", (*checks.FONT_FILES, "fonts/Missing-Bold.ttf"))
    warnings = checks.project_fonts_present()
    assert [warning.id for warning in warnings] == ["documents.W001"]
    assert "fonts/Missing-Bold.ttf" in warnings[0].msg
    assert "static/fonts/" in warnings[0].hint
