"""The outline of a criteria sheet: where each row sits, from its code and the rows above it
(``Outline``), then, once the whole sheet is read, the table's tree (``build``): which group
headings are only titles, the points of headings given as a sum, codes repeated at one level,
and the values the file does not give (said in the preview, never silently).

A clerk's sheet is an outline: group headings A., B., C. (capital letters with a dot), sections
I., II. (Roman numerals), criteria 1, 2, sub-criteria 1.1 and items a), b). Group headings stand
either above the sections (A. the scored part, B. bonus, C. deductions) or inside a section;
the first one seen decides. A group heading above sections is their title, not a criterion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from core.numbers import format_decimal
from core.text import fold
from documents.formatting import roman

from ..services import Row
from .cells import Parsed, ParseError, column_letter
from .headers import Columns
from .layout import (
    BONUS,
    BONUS_HEADING,
    CAPITAL,
    DEDUCTION,
    DEDUCTION_HEADING,
    DEFAULT_STEP,
    DOTTED,
    LETTER,
    NUMBER,
    ROMAN,
    SCORE,
)

ZERO = Decimal(0)

SECTION, GROUP, NUMBERED, LETTERED = "section", "group", "numbered", "lettered"


@dataclass
class Entry:
    """A row read as a criterion (or a group heading that may turn out to be only a title)."""

    line: int  # the row's number in the sheet
    code: str
    style: str  # SECTION, GROUP, NUMBERED (1, 1.1…) or LETTERED (a, b…)
    text: str
    kind: str
    parent: int | None  # index of the parent entry
    points: Decimal | None  # None: the sum of its parts (a formula or an empty cell)
    formula: bool = False
    cap_in_text: Decimal | None = None  # "tối đa 5 điểm" in a bonus/deduction heading
    step: Decimal | None = None  # None: not given by the file
    evidence: bool = False
    guidance: list[str] = field(default_factory=list)
    top: bool = False  # a group heading above the sections
    broken: bool = False  # had an error: kept for the outline, never saved


def next_letters(previous: str | None) -> set[str]:
    """The letters that may follow ``previous`` in a list: A, B, C, D, Đ (or E), E…"""
    if previous is None:
        return {"A"}
    following = {chr(ord(previous) + 1)} if previous != "Đ" else {"E"}
    if previous == "D":
        following.add("Đ")
    return following


def heading_kind(text: str) -> str | None:
    folded = fold(text)
    if BONUS_HEADING.match(folded):
        return BONUS
    if DEDUCTION_HEADING.match(folded):
        return DEDUCTION
    return None


class Outline:
    """Where each row sits, from its code and the rows above it."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.top_group: int | None = None
        self.section: int | None = None
        self.sub_group: int | None = None  # a group heading inside the current section
        self.numbered: dict[str, int] = {}  # code -> entry, within the current container
        self.last_numbered: int | None = None
        self.sections = 0  # sections so far in the current top group (or the table)
        self.top_letter: str | None = None  # letter of the last top group
        self.sub_letter: str | None = None  # letter of the last group in the section

    def container(self) -> int | None:
        for index in (self.sub_group, self.section, self.top_group):
            if index is not None:
                return index
        return None

    def kind_of(self, index: int | None) -> str:
        return self.entries[index].kind if index is not None else SCORE

    def classify(self, code: str, mark: str, text: str, kind: str | None) -> tuple[str, str]:
        """(style, code as stored) of a code, or raises ValueError with the message."""
        if ROMAN.match(code) and len(code) > 1:
            return SECTION, code
        if CAPITAL.match(code):
            if ROMAN.match(code) and code == roman(self.sections + 1):
                return SECTION, code
            own_kind = kind or heading_kind(text)
            top = self.group_is_top(own_kind)
            previous = self.top_letter if top else self.sub_letter
            expected = next_letters(previous)
            established = previous is not None
            at_start = self.container() is None and self.last_numbered is None
            if code in expected and (mark == "." or established or at_start):
                return GROUP, code
            if mark == "." and own_kind in (BONUS, DEDUCTION) and top:
                return GROUP, code  # "B. Điểm thưởng" after sections I…V, with no "A."
            if ROMAN.match(code) and self.last_numbered is None and mark != ".":
                return SECTION, code  # "V" with nothing numbered above: a section, as before
            if mark == ".":
                raise ValueError(
                    _(
                        "“%(code)s.” reads as a group heading (A., B., C.… in order), but "
                        "it does not follow %(previous)s. Items under a criterion are written "
                        "a), b) or a., b."
                    )
                    % {
                        "code": code,
                        "previous": f"“{previous}.”" if previous else _("any group heading"),
                    }
                )
            return LETTERED, code.lower()  # "C" typed for the item c
        if NUMBER.match(code) or DOTTED.match(code):
            return NUMBERED, code
        if LETTER.match(code):
            return LETTERED, code
        raise ValueError(
            _('"%(code)s" is not a code of the table (I, II…; A., B.…; 1, 2…; 1.1…; a, b…).')
            % {"code": code}
        )

    def group_is_top(self, kind: str | None) -> bool:
        """A group heading stands above the sections when the sheet starts with one, when
        the groups so far did, or when it opens a bonus or deduction part after scored
        sections; otherwise it is a heading inside the current section."""
        if self.section is None or self.top_letter is not None:
            return True
        return kind in (BONUS, DEDUCTION) and kind != self.kind_of(self.section)

    def parent_of(self, style: str, code: str, *, top: bool = False) -> tuple[int | None, bool]:
        """(parent, found) of a new row; ``top``: a group heading above the sections."""
        if style == SECTION:
            return self.top_group, True
        if style == GROUP:
            return (None if top else self.section), True
        if DOTTED.match(code):
            parent = self.numbered.get(code.rsplit(".", 1)[0])
            return parent, parent is not None
        if style == NUMBERED:
            return self.container(), True
        parent = self.last_numbered if self.last_numbered is not None else self.container()
        return parent, parent is not None

    def add(self, entry: Entry) -> None:
        """Append ``entry`` (its style and parent decided) and move the outline on."""
        index = len(self.entries)
        self.entries.append(entry)
        if entry.style == GROUP and entry.top:
            self.top_group, self.section, self.sub_group = index, None, None
            self.top_letter, self.sub_letter, self.sections = entry.code, None, 0
            self.numbered, self.last_numbered = {}, None
        elif entry.style == GROUP:
            self.sub_group, self.sub_letter = index, entry.code
            self.numbered, self.last_numbered = {}, None
        elif entry.style == SECTION:
            self.section, self.sub_group, self.sub_letter = index, None, None
            self.sections += 1
            self.numbered, self.last_numbered = {}, None
        elif entry.style == NUMBERED:
            self.numbered[entry.code] = index
            self.last_numbered = index


def points_text(value: Decimal) -> str:
    return format_decimal(value).replace(".", ",")


def build(entries: list[Entry], columns: Columns, parsed: Parsed) -> None:
    """Fill ``parsed.rows`` from ``entries``, or add the errors that forbid it."""
    code_column = column_letter(columns.code)
    points_column = column_letter(columns.max_points or 0)
    children: dict[int, list[int]] = {}
    for index, entry in enumerate(entries):
        if entry.parent is not None:
            children.setdefault(entry.parent, []).append(index)

    # A group heading above sections ("A. CÁC TIÊU CHÍ CHẤM ĐIỂM" over I, II…) is their title,
    # not a criterion: its sections are the table's sections (and its kind is theirs).
    titles = {
        index
        for index, entry in enumerate(entries)
        if entry.style == GROUP
        and entry.top
        and any(entries[child].style == SECTION for child in children.get(index, []))
    }
    for title in sorted(titles):
        for child in children[title]:
            if entries[child].style != SECTION:
                parsed.errors.append(
                    ParseError(
                        entries[child].line,
                        code_column,
                        _(
                            "%(code)s stands directly under the group heading %(group)s, beside "
                            "its sections; put it under a section (I, II…)."
                        )
                        % {"code": entries[child].code, "group": f"{entries[title].code}."},
                    )
                )
    given = {index: entries[index].points for index in titles}

    # A heading with a formula or no number is worth the sum of its parts, deepest first; a
    # bonus or deduction heading "tối đa 5 điểm" is worth its cap.
    for index in reversed(range(len(entries))):
        entry = entries[index]
        if entry.points is not None:
            continue
        parts = children.get(index, [])
        if entry.cap_in_text is not None:
            entry.points = entry.cap_in_text
        elif parts:
            entry.points = sum((entries[part].points or ZERO for part in parts), ZERO)
        else:
            if not entry.broken:
                parsed.errors.append(
                    ParseError(
                        entry.line,
                        points_column,
                        _("a formula is only allowed for a criterion with parts below it.")
                        if entry.formula
                        else _("the max points are empty."),
                    )
                )
            entry.points = ZERO

    def parent_of(entry: Entry) -> int | None:
        return None if entry.parent in titles else entry.parent

    seen: set[tuple[int | None, str]] = set()
    for index, entry in enumerate(entries):
        if index in titles or entry.broken:
            continue
        key = (parent_of(entry), entry.code.casefold())
        if key in seen:
            parsed.errors.append(
                ParseError(
                    entry.line,
                    code_column,
                    _("the code %(code)s appears twice at the same level.") % {"code": entry.code},
                )
            )
        seen.add(key)
    if any(entry.broken for entry in entries) or parsed.errors:
        return

    position: dict[int, int] = {}
    for index, entry in enumerate(entries):
        if index in titles:
            continue
        position[index] = len(parsed.rows)
        parent = parent_of(entry)
        if entry.step is None:
            parsed.step_defaults.add(len(parsed.rows))
        parsed.rows.append(
            Row(
                code=entry.code,
                text=entry.text,
                guidance="\n".join(entry.guidance),
                kind=entry.kind,
                max_points=entry.points or ZERO,
                step=entry.step if entry.step is not None else DEFAULT_STEP,
                evidence_required=entry.evidence,
                parent_index=position[parent] if parent is not None else None,
            )
        )
        parsed.source_rows.append(entry.line)
    parsed.notes.extend(defaults_notes(columns, parsed))
    for title in sorted(titles):
        entry = entries[title]
        note = _(
            "Row %(row)d: “%(code)s. %(text)s” is a group heading, not a criterion: the sections "
            "under it are the table's sections."
        ) % {"row": entry.line, "code": entry.code, "text": entry.text}
        sections = sum((entries[c].points or ZERO for c in children[title]), ZERO)
        points = given[title]
        if points is not None and points != sections:
            note += " " + _(
                "Its %(points)s points differ from the sum of its sections, %(sum)s."
            ) % {"points": points_text(points), "sum": points_text(sections)}
        parsed.notes.append(note)


def defaults_notes(columns: Columns, parsed: Parsed) -> list[str]:
    """What the file does not say and what is used instead."""
    notes = []
    step = points_text(DEFAULT_STEP)
    if columns.step is None:
        notes.append(_("Scoring step: %(step)s (default, the file has no such column).") % {
            "step": step
        })  # fmt: skip
    elif parsed.step_defaults:
        notes.append(
            _("Scoring step: %(step)s (default) where its cell is empty, marked below.")
            % {"step": step}
        )
    if columns.kind is None:
        notes.append(
            _(
                "Kind: read from the headings (“Điểm thưởng”, “Điểm cộng”, “Điểm trừ”); the file "
                "has no such column."
            )
        )
    if columns.evidence is None:
        notes.append(_("Evidence required: no (the file has no such column)."))
    return notes
