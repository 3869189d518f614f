"""Every printed document against Decree 30/2020/NĐ-CP (DESIGN.md §5), read back from the PDF.

A cluster of 8, 11 and 15 member units with long real names ("phường Nguyễn Thị Minh Khai"
leads it) goes through the year: covenant signed at its conference, table adopted, sheets
submitted and reviewed (one never handed in, one not reviewed), a tie, the award vote and the
results finalised. Every kind of document is printed and its text and geometry read back with
pdfplumber: A4, margins, embedded Times-metric fonts, the national motto and its rule, the italic
date line (from the document's own date, never the day it is printed), page numbers from page 2,
the "Số:" line where the kind has one, signature headings on the page of their names, names of
places never broken inside, and no "-0".
"""

from __future__ import annotations

import datetime
import io
import os
import random
import re
import unicodedata
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal

import pdfplumber
import pytest
from pypdf import PdfReader

from clusters.models import Authority, Cluster, ClusterYear, Membership, Unit
from documents import formatting
from documents.kinds import DOTS
from documents.rendering import render_pdf
from pledges.documents import DOCUMENTS as PLEDGE_DOCUMENTS
from pledges.documents import document_context as pledge_context
from pledges.documents import load_for_print as load_pledge
from pledges.models import Attendee, Ceremony
from pledges.services import create_pledge
from results.documents import SUMMARY, VOTE_DOCUMENTS, summary_context, vote_context
from results.models import Ballot, BallotCount
from scoring.demo import build_table
from scoring.documents import DOCUMENTS as TABLE_DOCUMENTS
from scoring.documents import SHEET_DOCUMENT, sheet_document_context
from scoring.documents import document_context as table_context
from scoring.documents import load_for_print as load_table
from scoring.models import Score, ScoreSheet

MM = 72 / 25.4  # points per millimetre
PORTRAIT, LANDSCAPE = (595.28, 841.89), (841.89, 595.28)
TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")

# Long real names of wards and communes (Thái Nguyên, Bắc Kạn); the leader's is the longest.
PLACES = [
    "Nguyễn Thị Minh Khai", "Huyền Tụng", "Phùng Chí Kiên", "Hoàng Văn Thụ", "Phan Đình Phùng",
    "Quang Trung", "Trưng Vương", "Túc Duyên", "Gia Sàng", "Tân Thịnh", "Đồng Quang",
    "Tích Lương", "Huống Thượng", "Quyết Thắng", "Đồng Liên",
]  # fmt: skip
# Heads of the units; two are not known (their documents leave a blank for the name).
HEADS = [
    "Hoàng Thị Hồng Nhung", "Đinh Văn Tài", "Ma Thị Thảo", "", "Nông Thị Hà", "Triệu Văn Bảo",
    "Lục Thị Mơ", "Hứa Văn Nam", "Đàm Thị Yến", "", "Vi Thị Ngân", "Mông Văn Hải",
    "Chu Thị Lan", "La Văn Sơn", "Hầu Thị Mai",
]  # fmt: skip
CITY = "Thái Nguyên"
SIGNED = datetime.date(2024, 3, 20)  # the conference: the covenant, the minutes, the table
SUBMITTED = datetime.datetime(2024, 11, 12, 9, 30, tzinfo=TZ)  # the sheets handed in
MEETING = datetime.date(2024, 12, 20)  # the year-end meeting and its vote
DOTTED_NAME = re.compile("…{10,}")  # the blank left for a name nobody gave


def unit_name(index: int) -> str:
    return f"{'xã' if index >= 12 else 'phường'} {PLACES[index]}"


@dataclass
class Year:
    cluster_year: ClusterYear
    members: int
    units: list[Unit] = field(default_factory=list)
    never_submitted: Unit | None = None
    not_reviewed: Unit | None = None


def make_year(members: int, *, vote: bool = True) -> Year:
    """A cluster-year of ``members`` units through the whole year (see the module's doc)."""
    authority = Authority.objects.create(
        name="Ủy ban nhân dân thành phố Thái Nguyên",
        short_name="UBND thành phố Thái Nguyên",
        place_name=CITY,
        parent_body="UBND TỈNH THÁI NGUYÊN",
    )
    cluster = Cluster.objects.create(
        authority=authority, name="Cụm thi đua các xã, phường thuộc thành phố Thái Nguyên"
    )
    cluster_year = ClusterYear.objects.create(cluster=cluster, year=2024)
    year = Year(cluster_year, members)
    for index in range(members):
        unit = Unit.objects.create(
            authority=authority,
            name=unit_name(index),
            kind=Unit.Kind.COMMUNE if index >= 12 else Unit.Kind.WARD,
            head_name=HEADS[index],
            head_title="Chủ tịch UBND",
        )
        role = "leader" if index == 0 else "deputy" if index == 1 else "member"
        Membership.objects.create(
            cluster_year=cluster_year, unit=unit, role=role, position=index + 1
        )
        year.units.append(unit)
    # The covenant, signed at its conference.
    pledge = create_pledge(cluster_year)
    pledge.number, pledge.place, pledge.date = "1/GƯ-CTĐ", CITY, SIGNED
    pledge.legal_bases = "Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15 ngày 15/6/2022;"
    pledge.save()
    pledge.signatories.update(registered_title="Cờ thi đua của Ủy ban nhân dân tỉnh")
    ceremony = Ceremony.objects.create(
        pledge=pledge,
        starts_at=datetime.datetime(2024, 3, 20, 14, 0, tzinfo=TZ),
        venue="Trụ sở UBND phường Nguyễn Thị Minh Khai",
        chair_name=HEADS[0],
        chair_title="Chủ tịch UBND phường Nguyễn Thị Minh Khai, Cụm trưởng",
    )
    Attendee.objects.create(
        ceremony=ceremony,
        kind=Attendee.Kind.WITNESS,
        name="Trần Quốc Toản",
        title="Phó Chủ tịch HĐND thành phố Thái Nguyên",
    )
    Attendee.objects.create(
        ceremony=ceremony,
        kind=Attendee.Kind.GUEST,
        name="Lê Thị Bích",
        title="Trưởng phòng Nội vụ",
        organisation="UBND thành phố Thái Nguyên",
    )
    pledge.adopt()
    pledge.sign()
    # The table adopted at the conference, published; every sheet scored.
    table = build_table(cluster_year, adopted_on=SIGNED)
    year.never_submitted = year.units[-1]
    year.not_reviewed = year.units[-2]
    for sheet in ScoreSheet.objects.filter(table=table).select_related("unit"):
        position = year.units.index(sheet.unit)
        fill_sheet(sheet, position)
        if sheet.unit == year.never_submitted:
            continue
        status = "submitted" if sheet.unit == year.not_reviewed else "reviewed"
        ScoreSheet.objects.filter(pk=sheet.pk).update(status=status, submitted_at=SUBMITTED)
    if not vote:
        return year
    # The award vote at the year-end meeting, then the results finalised.
    ballot = Ballot.objects.create(
        table=table,
        award="Cờ thi đua của Ủy ban nhân dân tỉnh",
        seats=1,
        held_on=MEETING,
        voters_present=members,
        ballots_issued=members,
        valid_ballots=members,
    )
    for position, unit in enumerate(year.units[:3], start=1):
        BallotCount.objects.create(
            ballot=ballot, unit=unit, votes=members - position, position=position
        )
    ballot.close(by=None)
    table.close(reason="Kết quả cuối năm")
    return year


def fill_sheet(sheet: ScoreSheet, position: int) -> None:
    """Scores that differ from unit to unit; the second and third units tie on the total (the
    table's first tie-break settles it: the third has half a point less of score and half a
    point more of bonus), the fourth and fifth share a rank; notes of growing length move the
    sheets' page breaks to every place of the last page."""
    twins = {2: 1, 4: 3}
    rng = random.Random(twins.get(position, position))
    scores = list(
        Score.objects.filter(sheet=sheet)
        .select_related("criterion")
        .order_by("criterion__position", "criterion__pk")
    )
    for number, score in enumerate(scores):
        criterion = score.criterion
        if criterion.kind == "score":
            value = criterion.max_points - criterion.step * rng.choice([0, 0, 0, 1, 2])
        elif criterion.kind == "bonus":
            value = criterion.step * rng.choice([0, 1])
        elif position % 2 or position <= 4:  # these lose nothing: "0", never "-0"
            value = Decimal(0)
        else:
            value = criterion.step * rng.choice([0, 1])
        score.self_value = score.reviewed_value = value
        if number < position % 5:
            note = "Có báo cáo, biên bản kiểm tra và hồ sơ minh chứng kèm theo. "
            score.self_note = note * (1 + position % 3)
    if position == 2:  # half a point moved from the score to the bonus: the same total
        half = Decimal("0.5")
        lower = next(s for s in scores if s.criterion.kind == "score" and s.self_value >= half)
        higher = next(
            s for s in scores
            if s.criterion.kind == "bonus" and s.self_value + half <= s.criterion.max_points
        )  # fmt: skip
        lower.self_value = lower.reviewed_value = lower.self_value - half
        higher.self_value = higher.reviewed_value = higher.self_value + half
    Score.objects.bulk_update(scores, ["self_value", "reviewed_value", "self_note"])


# --- Reading a PDF back ---------------------------------------------------------------------


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@dataclass
class Printed:
    """A rendered document: its pages as pdfplumber reads them, and its fonts as pypdf does."""

    name: str
    pdf: bytes
    pages: list = field(default_factory=list)

    def __post_init__(self):
        keep = os.environ.get("DECREE30_PDF_DIR")  # to look at the pages: pdftoppm -png
        if keep:
            with open(os.path.join(keep, f"{self.name}.pdf"), "wb") as file:
                file.write(self.pdf)
        self.document = pdfplumber.open(io.BytesIO(self.pdf))
        self.pages = list(self.document.pages)

    def text(self, page) -> str:
        """The page's text, no-break spaces (which keep names whole) read as spaces."""
        return nfc(page.extract_text() or "").replace(formatting.NBSP, " ")

    @property
    def all_text(self) -> str:
        return "\n".join(self.text(page) for page in self.pages)


def font_family(fontname: str) -> str:
    """ "ABCDEF+Liberation-Serif-Bold" -> "liberationserifbold"."""
    return re.sub(r"[^a-z]", "", fontname.split("+", 1)[-1].lower())


TIMES_METRIC = ("liberationserif", "tinos", "timesnewroman")


def embedded_fonts(pdf: bytes) -> dict[str, bool]:
    """Every font the PDF uses: whether its program is embedded."""
    fonts = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources = page.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            descendant = font.get("/DescendantFonts")
            described = descendant[0].get_object() if descendant else font
            descriptor = described.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor else {}
            fonts[str(font["/BaseFont"])] = any(
                key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
            )
    return fonts


def lines_of(page, y_tolerance: float = 2) -> list[list[dict]]:
    """The page's words grouped in visual lines, each sorted left to right."""
    words = page.extract_words(x_tolerance=1.5, keep_blank_chars=False, use_text_flow=False)
    lines: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        for line in lines:
            if abs(line[0]["top"] - word["top"]) <= y_tolerance:
                line.append(word)
                break
        else:
            lines.append([word])
    lines.sort(key=lambda line: line[0]["top"])
    return [sorted(line, key=lambda word: word["x0"]) for line in lines]


def on_one_line(text: str) -> str:
    """A pattern for ``text`` printed on one line, its spaces plain or no-break."""
    return "[ \u00a0]".join(re.escape(word) for word in text.split(" "))


def bare(word: str) -> str:
    """A word without its punctuation, marks and footnote numbers ("Khai**(1)" -> "Khai")."""
    return re.sub(r"[\W\d_]", "", nfc(word))


# --- What each kind requires ------------------------------------------------------------------


@dataclass
class Expect:
    landscape: bool
    date_line: str  # the exact italic line under the motto
    number: str | None  # the "Số:" line, None where the kind has none
    signatures: list[tuple[str, str]] = field(default_factory=list)  # (heading, name or "")


def check_decree30(printed: Printed, expect: Expect, *, today: datetime.date) -> None:
    name = printed.name
    width, height = LANDSCAPE if expect.landscape else PORTRAIT
    content = {
        "left": 30 * MM,
        "right": width - 15 * MM,
        "top": 20 * MM,
        "bottom": height - 20 * MM,
    }
    lefts, rights = [], []
    for number, page in enumerate(printed.pages, start=1):
        where = f"{name} p.{number}"
        # A4, in the orientation of the kind.
        assert (round(page.width, 1), round(page.height, 1)) == (
            round(width, 1),
            round(height, 1),
        ), where
        # Margins: nothing printed outside the content box but the page number above it.
        objects = page.chars + page.rects + page.lines
        in_margin = [o for o in page.chars if o["bottom"] <= content["top"]]
        header_text = "".join(c["text"] for c in in_margin).strip()
        if number == 1:
            assert header_text == "", f"{where}: page 1 has no number, found {header_text!r}"
        else:
            assert header_text == str(number), f"{where}: page number {header_text!r}"
            middle = (min(c["x0"] for c in in_margin) + max(c["x1"] for c in in_margin)) / 2
            assert abs(middle - (content["left"] + content["right"]) / 2) < 3 * MM, where
        for item in objects:
            if item in in_margin:
                continue
            what = f"{where}: {item.get('text', 'a rule')!r}"
            assert item["x0"] >= content["left"] - 0.5, f"{what} in the left margin"
            assert item["x1"] <= content["right"] + 0.5, f"{what} in the right margin"
            assert item["top"] >= content["top"] - 0.5, f"{what} in the top margin"
            assert item["bottom"] <= content["bottom"] + 0.5, f"{what} in the bottom margin"
        lefts += [o["x0"] for o in objects if o not in in_margin]
        rights += [o["x1"] for o in objects if o not in in_margin]
        # No "-0" anywhere.
        assert not re.search(r"(?<![\d,.])-0(?![\d,])", printed.text(page)), f"{where}: -0"
    # The margins are the least Decree 30 allows, not wider: top 20-25 mm, left 30-35 mm, right
    # 15-20 mm.
    top = min(item["top"] for item in printed.pages[0].chars)
    assert 20 * MM - 0.5 <= top <= 25 * MM, f"{name}: top margin {top / MM:.1f} mm"
    assert 30 * MM - 0.5 <= min(lefts) <= 35 * MM, f"{name}: left margin {min(lefts) / MM:.1f} mm"
    assert width - 20 * MM <= max(rights) <= width - 15 * MM + 0.5, f"{name}: right margin"

    first = printed.pages[0]
    text = printed.text(first)
    # The national motto, its slogan underlined by a rule as long as the slogan.
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text, name
    slogan = first.search("Độc lập - Tự do - Hạnh phúc")
    assert slogan, name
    slogan = slogan[0]
    # (WeasyPrint paints a border as the band between two rectangles: their edges count.)
    rules = [
        edge for edge in first.edges
        if edge["orientation"] == "h"
        and -1 <= edge["top"] - slogan["bottom"] <= 6
        and abs(edge["x0"] - slogan["x0"]) < 6 and abs(edge["x1"] - slogan["x1"]) < 6
    ]  # fmt: skip
    assert rules, f"{name}: no rule under the slogan"
    # The italic date line, day in two digits, from the document's own date.
    dates = [m for m in first.search(r"ngày (\d\d|……) tháng") if m]
    assert dates, f"{name}: no date line"
    line = next(
        (m for m in first.search(on_one_line(expect.date_line)) if m),
        None,
    )
    assert line is not None, f"{name}: date line is not {expect.date_line!r}: {text[:400]}"
    chars = [
        c
        for c in first.chars
        if c["top"] >= line["top"] - 1
        and c["bottom"] <= line["bottom"] + 1
        and line["x0"] - 1 <= c["x0"] <= line["x1"]
    ]
    assert chars and all("italic" in c["fontname"].lower() for c in chars if c["text"].strip()), (
        name
    )
    assert formatting.vn_date(today) not in printed.all_text, f"{name}: dated the day it is printed"
    # The number line under the issuing body, where the kind has one.
    if expect.number is None:
        assert "Số:" not in text, name
    else:
        found = first.search(on_one_line(expect.number))
        assert found and found[0]["x1"] < first.width / 2, f"{name}: no {expect.number!r}"
    # Fonts: Times New Roman or its metric twins, embedded.
    fonts = embedded_fonts(printed.pdf)
    assert fonts and all(fonts.values()), f"{name}: fonts not embedded: {fonts}"
    families = {font_family(c["fontname"]) for page in printed.pages for c in page.chars}
    assert all(f.startswith(TIMES_METRIC) for f in families), f"{name}: {families}"
    # Signature blocks: heading and name on one page, the name below its heading; and never a
    # page of signatures alone (something of the document's body above them).
    for number, (heading, person) in enumerate(expect.signatures):
        check_signature(printed, heading, person, first=number == 0)


def headings(printed: Printed, heading: str) -> list[tuple[int, dict]]:
    """Where a signature heading is printed. Blocks stand two to a row, so a heading broken
    over two lines is looked for in each half of the page too."""
    pattern = r"\s+".join(re.escape(word) for word in heading.split())
    found: list[tuple[int, dict]] = []
    for index, page in enumerate(printed.pages):
        middle = (30 * MM + page.width - 15 * MM) / 2
        regions = [
            page,
            page.crop((0, 0, middle, page.height)),
            page.crop((middle, 0, page.width, page.height)),
        ]
        for region in regions:
            for match in region.search(pattern):
                if not any(
                    i == index
                    and abs(m["top"] - match["top"]) < 2
                    and abs(m["x0"] - match["x0"]) < 2
                    for i, m in found
                ):
                    found.append((index, match))
    return found


def check_signature(printed: Printed, heading: str, person: str, *, first: bool) -> None:
    found = headings(printed, heading)
    assert found, f"{printed.name}: no signature heading {heading!r}"
    for index, match in found:
        page = printed.pages[index]
        names = page.search(on_one_line(person) if person else DOTTED_NAME.pattern)
        below = [
            n for n in names
            if 0 < n["top"] - match["bottom"] < 70 * MM
            and abs((n["x0"] + n["x1"]) / 2 - (match["x0"] + match["x1"]) / 2) < 40 * MM
        ]  # fmt: skip
        assert below, (
            f"{printed.name} p.{index + 1}: {heading!r} without its name {person or '……'!r} "
            "under it on the same page"
        )
        if first:  # the signatures never begin a page of their own
            body_above = [
                c for c in page.chars
                if c["bottom"] < match["top"] - 2 and c["top"] > 20 * MM and c["text"].strip()
            ]  # fmt: skip
            assert body_above, f"{printed.name} p.{index + 1}: a page of signatures alone"


def segments(line: list[dict], gap: float = 8) -> list[list[dict]]:
    """A visual line cut where the words are far apart: a table row's cells, the two columns
    of the header or of a row of signature blocks."""
    parts: list[list[dict]] = []
    for word in line:
        if parts and word_gap(parts[-1][-1], word) <= gap:
            parts[-1].append(word)
        else:
            parts.append([word])
    return parts


def check_names_unbroken(printed: Printed, names: list[str]) -> None:
    """A place's name is never broken across two lines inside a heading, a signature or a
    table cell ("UBND THÀNH PHỐ THÁI / NGUYÊN"): no piece of text ends with the beginning of a
    name while the next line begins with its end. (A justified paragraph may break it.)"""
    for index, page in enumerate(printed.pages):
        lines = [segments(line) for line in lines_of(page)]
        for number in range(1, len(lines)):
            ends = [(part[-1], part) for part in lines[number - 1]]
            justified = lines[number - 1][-1][-1]["x1"] > page.width - 15 * MM - 8
            for part in lines[number]:
                starts = [bare(word["text"]) for word in part]
                for place in names:
                    words = [bare(word) for word in place.split()]
                    for cut in range(1, len(words)):
                        head, tail = words[:cut], words[cut:]
                        if starts[: len(tail)] != tail:
                            continue
                        broken = [
                            whole for last, whole in ends
                            if [bare(w["text"]) for w in whole[-len(head):]] == head
                        ]  # fmt: skip
                        assert not broken or justified, (
                            f"{printed.name} p.{index + 1}: {place!r} broken across lines "
                            f"({' '.join(w['text'] for w in broken[0])!r} / "
                            f"{' '.join(w['text'] for w in part)!r})"
                        )


def word_gap(left: dict, right: dict) -> float:
    return right["x0"] - left["x1"]


# --- The documents ------------------------------------------------------------------------


def print_year(year: Year) -> dict[str, tuple[Printed, Expect]]:
    """Every document of the year, each with what Decree 30 requires of it."""
    cluster_year = year.cluster_year
    leader_name = HEADS[0]
    dated = f"{CITY}, {formatting.vn_date(SIGNED)}"
    meeting = f"{CITY}, {formatting.vn_date(MEETING)}"
    blank = "Số: ……/……"
    pledge = pledge_context(load_pledge(cluster_year.pk))
    blocks = [(s.unit_line, s.signer_name) for s in pledge["signatories"]]
    table = load_table(cluster_year.pk)
    votes = vote_context(cluster_year)
    no_name = ""  # a blank for the name: nobody is named
    tm = "TM. ỦY BAN NHÂN DÂN"
    secretary, counter = ("THƯ KÝ", no_name), ("TRƯỞNG BAN KIỂM PHIẾU", no_name)
    leader = ("CỤM TRƯỞNG", leader_name)
    blank_form = f"{DOTS}, ngày …… tháng …… năm 2024"
    leader_form = "Nguyễn Thị Minh Khai, ngày …… tháng …… năm 2024"
    documents = {
        "giao-uoc": (
            PLEDGE_DOCUMENTS["giao-uoc"].template,
            pledge,
            Expect(False, dated, "Số: 01/GƯ-CTĐ", [*blocks, ("CHỨNG KIẾN", "Trần Quốc Toản")]),
        ),
        "bien-ban": (
            PLEDGE_DOCUMENTS["bien-ban"].template,
            pledge,
            Expect(False, dated, blank, [secretary, ("CHỦ TRÌ HỘI NGHỊ", leader_name)]),
        ),
        "diem-danh": (PLEDGE_DOCUMENTS["diem-danh"].template, pledge, Expect(False, dated, None)),
        "bang-diem": (
            TABLE_DOCUMENTS["bang-diem"].template,
            table_context(table),
            Expect(True, dated, None),
        ),
        "phieu-cham": (
            TABLE_DOCUMENTS["phieu-cham"].template,
            table_context(table),
            Expect(True, blank_form, None, [(tm, no_name)]),
        ),
        "phieu-cham-don-vi": (
            TABLE_DOCUMENTS["phieu-cham"].template,
            table_context(table, unit=year.units[0]),
            Expect(True, leader_form, None, [(tm, leader_name)]),
        ),
        "tong-hop": (
            SUMMARY.template,
            summary_context(cluster_year),
            Expect(True, meeting, blank, [leader]),
        ),
        "kiem-phieu": (
            VOTE_DOCUMENTS["kiem-phieu"].template,
            votes,
            Expect(False, meeting, blank, [secretary, counter]),
        ),
        "hop-binh-xet": (
            VOTE_DOCUMENTS["hop-binh-xet"].template,
            votes,
            Expect(False, meeting, blank, [secretary, leader]),
        ),
        "to-trinh": (
            VOTE_DOCUMENTS["to-trinh"].template,
            votes,
            Expect(False, meeting, blank, [leader]),
        ),
    }
    printed = {
        slug: (Printed(slug, render_pdf(template, context)), expect)
        for slug, (template, context, expect) in documents.items()
    }
    sheets = ScoreSheet.objects.filter(table=table).select_related(
        "unit", "table__cluster_year__cluster__authority"
    )
    for sheet in sheets:
        place = formatting.place_of(sheet.unit.name)
        handed_in = sheet.unit != year.never_submitted
        day = formatting.vn_date(SUBMITTED.date()) if handed_in else "ngày …… tháng …… năm 2024"
        expect = Expect(
            True, f"{place}, {day}", None, [("TM. ỦY BAN NHÂN DÂN", sheet.unit.head_name)]
        )
        slug = f"phieu-{sheet.unit.name}"
        printed[slug] = (
            Printed(slug, render_pdf(SHEET_DOCUMENT.template, sheet_document_context(sheet))),
            expect,
        )
    return printed


PROPER_NAMES = [*PLACES, CITY] + [place.upper() for place in [*PLACES, CITY]]


@pytest.mark.parametrize("members", [8, 11, 15])
def test_every_document_kind_follows_decree_30(db, members):
    year = make_year(members)
    today = datetime.date.today()
    printed = print_year(year)
    for document, expect in printed.values():
        check_decree30(document, expect, today=today)
        check_names_unbroken(document, PROPER_NAMES)
    # Every member unit's delegate is on the attendance sheet, though a witness was recorded.
    attendance = printed["diem-danh"][0].all_text
    for unit in year.units:
        assert re.search(r"\s+".join(unit.name.split()), attendance), unit.name
    check_summary(printed["tong-hop"][0], year)


def check_summary(summary: Printed, year: Year) -> None:
    """Up to 15 units on one landscape page at 12 pt; the tie-breaks as numbered footnotes; the
    marks of the sheets not reviewed and never handed in explained under the table."""
    assert len(summary.pages) == 1, f"the summary of {year.members} units runs to more pages"
    page = summary.pages[0]
    for unit in year.units:
        found = page.search(on_one_line(unit.name))
        assert found, unit.name
        assert min(char["size"] for char in found[0]["chars"]) >= 11.9, "not readable"
    text = summary.all_text
    never, unreviewed = year.never_submitted.name, year.not_reviewed.name
    assert re.search(re.escape(never) + r"\*\*", text), "the unit that never handed in"
    assert re.search(re.escape(unreviewed) + r"\*(?!\*)", text), "the sheet not reviewed"
    assert "* Phiếu đã nộp, chưa thẩm định: tính theo điểm tự chấm." in text
    assert "** Phiếu chưa nộp: tính theo điểm tự chấm hiện có." in text
    # The second and third units tie on the total: the rule that settled it is a footnote
    # marked on the unit it put below; the fourth and fifth share their rank, noted too.
    settled = "(1) Bằng tổng điểm, phân định theo: tổng điểm chấm cao hơn"
    assert settled in " ".join(text.split()), text
    assert re.search(re.escape(year.units[2].name) + r"\s*\(1\)", text)
    assert "Bằng tổng điểm và mọi tiêu chí xét: đồng hạng." in " ".join(text.split())


def test_before_the_vote_the_vote_documents_leave_one_date_blank(db):
    """No meeting yet: the date line and the body say the same (both left for the văn thư),
    never the year after in one place and the year itself in another."""
    year = make_year(3, vote=False)
    votes = vote_context(year.cluster_year)
    for slug in ("kiem-phieu", "hop-binh-xet", "to-trinh"):
        text = Printed(slug, render_pdf(VOTE_DOCUMENTS[slug].template, votes)).all_text
        assert f"{CITY}, ngày …… tháng …… năm ……" in text, slug
        assert "2025" not in text, slug
        if slug != "to-trinh":
            assert "Hôm nay, ngày …… tháng …… năm ……," in text, slug
    summary = Printed("tong-hop", render_pdf(SUMMARY.template, summary_context(year.cluster_year)))
    assert f"{CITY}, ngày …… tháng …… năm ……" in summary.all_text
    assert "(kết quả tạm tính)" in summary.all_text


def test_the_demo_prints_the_people_places_and_times_of_the_sources(db):
    from django.core.management import call_command

    call_command("load_demo", stdout=io.StringIO())
    thai_nguyen = ClusterYear.objects.get(year=2024, cluster__name__contains="Thái Nguyên")
    context = pledge_context(load_pledge(thai_nguyen.pk))
    minutes = Printed("bien-ban", render_pdf(PLEDGE_DOCUMENTS["bien-ban"].template, context))
    text = " ".join(minutes.all_text.split())
    when = "Vào hồi 14 giờ 00 phút, ngày 20 tháng 3 năm 2024"
    assert f"{when}, tại Trụ sở Đảng ủy, HĐND, UBND xã Đồng Liên" in text
    assert (
        "Chủ trì Hội nghị: đồng chí Tạ Văn Phin, Phó Bí thư Đảng ủy, Chủ tịch UBND xã Đồng "
        "Liên, Cụm trưởng." in text
    )
    assert "Đồng chí Nguyễn Văn Tư, Bí thư Đảng ủy, Chủ tịch HĐND xã Đồng Liên (chứng kiến)" in text
    assert "Đồng chí Phạm Tiến Quyết, Phó Bí thư Thường trực Đảng ủy xã Đồng Liên" in text
    assert "Thư ký Hội nghị: đồng chí ……" in text  # not named by the sources
    covenant = Printed("giao-uoc", render_pdf(PLEDGE_DOCUMENTS["giao-uoc"].template, context))
    assert "Tạ Văn Phin" in covenant.all_text and "Phạm Tiến Quyết" in covenant.all_text
    table = Printed("bang-diem", render_pdf(
        TABLE_DOCUMENTS["bang-diem"].template, table_context(load_table(thai_nguyen.pk))
    ))  # fmt: skip
    assert "Thái Nguyên, ngày 20 tháng 3 năm 2024" in table.all_text  # adopted at the conference
    bac_kan = ClusterYear.objects.get(year=2023, cluster__name__contains="Bắc Kạn")
    context = pledge_context(load_pledge(bac_kan.pk))
    attendance = Printed("diem-danh", render_pdf(PLEDGE_DOCUMENTS["diem-danh"].template, context))
    text = " ".join(attendance.all_text.split())
    when = "Thời gian: 14 giờ 00 phút, ngày 15 tháng 02 năm 2023"
    assert f"{when}; địa điểm: Trụ sở UBND phường Huyền Tụng" in text
    assert "Lê Đăng Trưởng" in text and "Ủy viên Ban Thường vụ Thành ủy" in text
    for membership in bac_kan.memberships.select_related("unit"):  # all 8 member delegates
        assert membership.unit.name in text
    assert "Huyền Tụng, ngày 15 tháng 02 năm 2023" in text


# --- The one formatter ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("0"), "0"), (Decimal("-0.00"), "0"), (Decimal("2.5"), "-2,5"), (None, "")],
)
def test_a_deduction_never_prints_minus_zero(value, text):
    assert formatting.vn_negated(value) == text
    assert formatting.vn_number(Decimal("-0.0")) == "0"


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("UBND THÀNH PHỐ THÁI NGUYÊN", "UBND THÀNH~PHỐ THÁI~NGUYÊN"),
        ("CHỦ TỊCH UBND PHƯỜNG HUYỀN TỤNG", "CHỦ TỊCH UBND PHƯỜNG HUYỀN~TỤNG"),
        ("UBND PHƯỜNG NGUYỄN THỊ MINH KHAI", "UBND PHƯỜNG NGUYỄN~THỊ~MINH~KHAI"),
        ("CỤM THI ĐUA CÁC XÃ, PHƯỜNG THUỘC THÀNH PHỐ BẮC KẠN",
         "CỤM THI ĐUA CÁC XÃ, PHƯỜNG THUỘC THÀNH~PHỐ BẮC~KẠN"),
        ("Chủ tịch UBND xã Đồng Liên, Cụm trưởng", "Chủ tịch UBND xã Đồng~Liên, Cụm trưởng"),
        ("UBND thị xã Phổ Yên", "UBND thị~xã Phổ~Yên"),
    ],
)  # fmt: skip
def test_names_of_places_are_kept_whole(typed, kept):
    assert formatting.keep_names(typed).replace(formatting.NBSP, "~") == kept


def test_number_lines_and_places():
    assert formatting.number_line("5/BB-CTĐ") == "Số: 05/BB-CTĐ"
    assert formatting.number_line("") == "Số: ……/……"
    assert formatting.place_of("phường Nguyễn Thị Minh Khai") == "Nguyễn Thị Minh Khai"
    assert formatting.place_of("thị trấn Hùng Sơn") == "Hùng Sơn"
