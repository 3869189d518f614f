"""Every printed document is in the project's own type (whatever fonts the machine has) and is
an archival PDF: PDF/A-3b in its XMP metadata, tagged, with its own title, subject and language."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from documents import rendering
from scoring.models import ScoreSheet

from .year import full_year

ROOT = Path(settings.BASE_DIR)
PROJECT_FONT = ROOT / "static/fonts/LiberationSerif-Regular.ttf"
SUBJECT = "Cụm thi đua các xã thành phố A, năm 2024"


def _sheet_of_leader(world):
    return ScoreSheet.objects.get(table__cluster_year=world.cluster_year, unit=world.leader).pk


# (id, URL name, its arguments, a words of the document's own title), for every kind of document.
KINDS = [
    ("covenant", "pledges:pledge_document_pdf", lambda w: [w.cluster_year.pk, "giao-uoc"],
     "giao ước thi đua năm 2024"),
    ("conference-minutes", "pledges:pledge_document_pdf", lambda w: [w.cluster_year.pk, "bien-ban"],
     "biên bản hội nghị"),
    ("attendance", "pledges:pledge_document_pdf", lambda w: [w.cluster_year.pk, "diem-danh"],
     "danh sách đại biểu"),
    ("scoring-table", "scoring:table_document_pdf", lambda w: [w.cluster_year.pk, "bang-diem"],
     "bảng chấm điểm"),
    ("blank-form", "scoring:table_document_pdf", lambda w: [w.cluster_year.pk, "phieu-cham"],
     "phiếu chấm điểm"),
    ("unit-sheet", "scoring:sheet_pdf", lambda w: [_sheet_of_leader(w)], "xã đồng liên"),
    ("summary", "results:summary_pdf", lambda w: [w.cluster_year.pk], "tổng hợp"),
    ("vote-count", "results:vote_document_pdf", lambda w: [w.cluster_year.pk, "kiem-phieu"],
     "kiểm phiếu"),
    ("vote-meeting", "results:vote_document_pdf", lambda w: [w.cluster_year.pk, "hop-binh-xet"],
     "họp bình xét"),
    ("proposal", "results:vote_document_pdf", lambda w: [w.cluster_year.pk, "to-trinh"],
     "tờ trình"),
]  # fmt: skip


def embedded_fonts(pdf: bytes) -> dict[str, bytes | None]:
    """Every font of every page: its PDF name and its embedded file (None if not embedded)."""
    fonts: dict[str, bytes | None] = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            stream = descendant["/FontDescriptor"].get("/FontFile2")
            fonts[str(font["/BaseFont"])] = stream.get_object().get_data() if stream else None
    return fonts


def assert_in_the_projects_type(pdf: bytes) -> None:
    fonts = embedded_fonts(pdf)
    assert fonts, "no font at all"
    for name, data in fonts.items():
        # "ABCDEF+Liberation-Serif-Giaouoc-Bold": a subset of print.css's own face...
        assert name.split("+", 1)[1].startswith("Liberation-Serif-Giaouoc"), name
        assert data is not None, f"{name} is not embedded"
        # ...made from the file of static/fonts, not from a font of the machine.
        names = TTFont(io.BytesIO(data))["name"]
        assert names.getDebugName(1) == "Liberation Serif", name
        assert names.getDebugName(5) == "Version 2.1.5", name


@pytest.fixture
def year(world):
    return full_year(world)


@pytest.mark.parametrize(("url_name", "args", "title"), [k[1:] for k in KINDS],
                         ids=[k[0] for k in KINDS])  # fmt: skip
def test_every_document_is_an_archival_pdf_in_the_projects_type(
    client_as, world, year, url_name, args, title
):
    response = client_as("staff").get(reverse(url_name, args=args(world)))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.pdf_header == "%PDF-1.7"
    catalog = reader.trailer["/Root"]

    # PDF/A-3, level B, said in the XMP metadata, with the sRGB output intent it requires.
    xmp = reader.xmp_metadata
    assert xmp is not None
    assert (xmp.pdfaid_part, xmp.pdfaid_conformance) == ("3", "B")
    assert [str(i["/S"]) for i in catalog["/OutputIntents"]] == ["/GTS_PDFA1"]
    assert reader.trailer["/ID"]

    # Its own title (the same in the document information and the XMP), subject and language.
    assert title in reader.metadata.title.lower()
    assert xmp.dc_title == {"x-default": reader.metadata.title}
    assert reader.metadata.subject == SUBJECT
    assert xmp.dc_description == {"x-default": SUBJECT}
    assert catalog["/Lang"] == "vi"

    # Tagged: a structure tree whose root is the document, which every page refers to.
    assert bool(catalog["/MarkInfo"]["/Marked"])
    tree = catalog["/StructTreeRoot"]
    assert [str(element.get_object()["/S"]) for element in tree["/K"]] == ["/Document"]
    assert all("/StructParents" in page for page in reader.pages)

    assert_in_the_projects_type(pdf)


# fontconfig as a fresh machine has it: no font at all, or only DejaVu, plus (the worst case) a
# font of the machine named "Liberation Serif" that is not ours: DejaVu Serif renamed.
FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>{dirs}<cachedir>{cache}</cachedir></fontconfig>
"""

RENDER = """
import os, sys
import django
django.setup()
from documents.rendering import html_to_pdf
sys.stdout.buffer.write(html_to_pdf(sys.stdin.read()))
"""


def _impostor(folder: Path) -> None:
    dejavu = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
    if not dejavu.exists():
        pytest.skip("no DejaVu Serif to disguise as Liberation Serif on this machine")
    font = TTFont(dejavu)
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = "Liberation Serif"
        elif record.nameID == 6:
            record.string = "LiberationSerif"
    font.save(folder / "LiberationSerif-Impostor.ttf")


@pytest.mark.parametrize("machine", ["no fonts", "an impostor Liberation Serif"])
def test_a_document_is_in_the_projects_type_whatever_fonts_the_machine_has(
    world, year, tmp_path, machine
):
    """The covenant's HTML, rendered in a process whose fontconfig sees no font at all, or a
    machine font that calls itself Liberation Serif: the PDF embeds static/fonts' own files."""
    from pledges.documents import DOCUMENTS, document_context, load_for_print

    fonts = tmp_path / "fonts"
    fonts.mkdir()
    if machine != "no fonts":
        _impostor(fonts)
    config = tmp_path / "fonts.conf"
    config.write_text(FONTCONFIG.format(dirs=f"<dir>{fonts}</dir>", cache=tmp_path / "cache"))
    html = rendering.render_document_html(
        DOCUMENTS["giao-uoc"].template, document_context(load_for_print(world.cluster_year.pk)),
        for_pdf=True,
    )  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "FONTCONFIG"))}
    env.update(FONTCONFIG_FILE=str(config), DJANGO_SETTINGS_MODULE="config.settings", DEBUG="1")
    result = subprocess.run(
        [sys.executable, "-c", RENDER], input=html.encode(), cwd=ROOT, env=env,
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    assert result.stdout.startswith(b"%PDF")
    assert_in_the_projects_type(result.stdout)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(result.stdout)).pages)
    assert "GIAO ƯỚC THI ĐUA NĂM 2024" in " ".join(text.split())


def test_without_harfbuzz_subset_fonts_are_still_subset_and_it_is_said_once(monkeypatch, caplog):
    """On a machine without the system's HarfBuzz-Subset, WeasyPrint subsets the fonts with
    fontTools and would warn on every render: the PDF is the same kind of file, said once."""
    import weasyprint.pdf.fonts

    monkeypatch.setattr(weasyprint.pdf.fonts, "harfbuzz_subset", None)
    notice = next(
        f for f in rendering.WEASYPRINT_LOGGER.filters if isinstance(f, rendering._SubsetterNotice)
    )
    monkeypatch.setattr(notice, "said", False)
    html = (
        '<html lang="vi"><head><link rel="stylesheet" href="/static/css/print.css"></head>'
        '<body class="doc"><p>Xã Đồng Liên <b>đạt</b> <i>chỉ tiêu</i></p></body></html>'
    )
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdfs = [rendering.html_to_pdf(html) for _ in range(3)]
    said = [r for r in caplog.records if "Using fontTools instead of HarfBuzz" in r.getMessage()]
    assert len(said) == 1
    for pdf in pdfs:
        assert_in_the_projects_type(pdf)
        # A subset: a few kilobytes of the regular face's 390.
        assert all(
            len(data) < PROJECT_FONT.stat().st_size / 4 for data in embedded_fonts(pdf).values()
        )
