"""The criteria sheet read row by row, under the header found wherever it is (headers.py):
each row's code, text, kind, points, step and evidence, its place given by the outline
(outline.py). Rows without a code are guidance lines ("- Đạt 100%: 5 điểm") of the row above,
totals ("Tổng cộng") or, below the last criterion, the signatures and notes of the form."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.translation import gettext as _

from core.text import fold

from .cells import Parsed, ParseError, column_letter, points_error, points_of, text_of
from .headers import Columns
from .layout import (
    BONUS,
    BULLETS,
    CAP_IN_TEXT,
    CODE_AND_TEXT,
    CODE_LENGTH,
    CODE_ONLY,
    DEDUCTION,
    KIND_WORDS,
    MAX_CELL_CHARS,
    MAX_POINTS,
    MAX_STEP,
    NO,
    TEXT_WITH_CODE,
    YES,
)
from .outline import GROUP, LETTERED, SECTION, Entry, Outline, heading_kind


def split_code(code_cell: object, text_cell: object) -> tuple[str, str, str]:
    """(code, mark, text) of a row: the code cell alone, a code and text merged into the code
    cell ("I. Kinh tế" across the row), or the code at the start of an empty-coded text."""
    raw, text = text_of(code_cell), text_of(text_cell)
    if raw in BULLETS:
        return "", "", f"{raw} {text}"  # a bullet in the code column: a line of guidance
    if raw:
        match = CODE_ONLY.match(raw)
        if match:
            return match["code"], match["mark"] or "", text
        if not text:
            match = CODE_AND_TEXT.match(raw)
            if match:
                return match["code"], match["mark"] or "", match["text"].strip()
            return "", "", raw  # a text merged from the first column ("Ghi chú: …")
        return raw, "", text  # not a code: classify() names it
    match = TEXT_WITH_CODE.match(text)
    if match:
        return match["code"], match["mark"], match["text"].strip()
    return "", "", text


def is_totals(text: str) -> bool:
    folded = fold(text)
    return folded.startswith("tong") or folded in ("cong", "cong:") or (
        folded.startswith(("cong phan", "cong muc", "cong (", "cong diem"))
    )  # fmt: skip


def is_column_numbers(cells: Sequence[object]) -> bool:
    """The row of column numbers under a form's header: "(1) | (2) | (3)" or "1 | 2 | 3"."""
    values = [text_of(c).strip("()") for c in cells if text_of(c)]
    return len(values) >= 3 and all(v.isdigit() and len(v) <= 2 for v in values)


class RowReader:
    """Reads the rows under the header into ``outline.entries``; errors go to ``parsed``."""

    def __init__(self, columns: Columns, parsed: Parsed) -> None:
        self.columns = columns
        self.parsed = parsed
        self.outline = Outline()
        self.pending: list[int] = []  # rows without a code, not yet known to be in the table
        self.after_totals = False

    def error(self, line: int, column: int | None, message: str) -> None:
        letter = column_letter(column) if column is not None else None
        self.parsed.errors.append(ParseError(line, letter, message))

    def read(self, rows: list[tuple], first_line: int) -> None:
        for line, cells in enumerate(rows, start=first_line):
            self.read_row(line, cells)

    def notes(self) -> list[str]:
        """The rows without a code left below the last criterion: the form's signatures and
        notes, not read (said in the preview)."""
        if not self.pending:
            return []
        first, last = self.pending[0], self.pending[-1]
        return [
            _("Not read, below the table (signatures, notes…): row %(rows)s.")
            % {"rows": f"{first}–{last}" if last != first else str(first)}
        ]

    def cell(self, cells: Sequence[object], column: int | None) -> object:
        return cells[column] if column is not None and column < len(cells) else None

    def read_row(self, line: int, cells: Sequence[object]) -> None:
        columns = self.columns
        mapped = columns.read
        if all(text_of(self.cell(cells, c)) == "" for c in mapped):
            return  # an empty row (other columns, such as "Điểm tự chấm", do not count)
        if line == columns.header_row + 1 and (
            is_column_numbers(cells)
            or not (
                text_of(self.cell(cells, columns.code)) or text_of(self.cell(cells, columns.text))
            )
        ):
            return  # the column numbers or the second line of the header
        too_long = [c for c in mapped if len(text_of(self.cell(cells, c))) > MAX_CELL_CHARS]
        for column in too_long:
            self.error(line, column, _("the text is too long (over 4000 characters)."))
        if too_long:
            return
        code, mark, text = split_code(
            self.cell(cells, columns.code), self.cell(cells, columns.text)
        )
        points_cell = self.cell(cells, columns.max_points)
        if not code:
            self.read_uncoded(line, text, points_cell)
            return
        for pending in self.pending:  # rows without a code, inside the table after all
            self.error(pending, columns.code, _("the code is empty."))
        self.pending = []
        self.after_totals = False
        self.read_coded(line, cells, code, mark, text, points_cell)

    def read_uncoded(self, line: int, text: str, points_cell: object) -> None:
        if is_totals(text):
            self.after_totals = True
            return
        entries = self.outline.entries
        if (
            text.startswith(BULLETS)
            and entries
            and not self.after_totals
            and not self.pending
            and not text_of(points_cell)
        ):
            entries[-1].guidance.append(text)  # "- Đạt 100%: 5 điểm" under its criterion
            return
        self.pending.append(line)

    def read_coded(
        self, line: int, cells: Sequence[object], code: str, mark: str, text: str,
        points_cell: object,
    ) -> None:  # fmt: skip
        columns, outline = self.columns, self.outline
        errors_before = len(self.parsed.errors)
        if CODE_LENGTH is not None and len(code) > CODE_LENGTH:
            self.error(line, columns.code, _("the code is longer than 20 characters."))
        if not text:
            self.error(line, columns.text, _("the content is empty."))
        kind = self.read_kind(line, cells)
        try:
            style, code = outline.classify(code, mark, text, kind)
        except ValueError as problem:
            self.error(line, columns.code, str(problem))
            style = LETTERED
        top = style == GROUP and outline.group_is_top(kind or heading_kind(text))
        parent, found = outline.parent_of(style, code, top=top)
        if not found and len(self.parsed.errors) == errors_before:
            self.error(
                line,
                columns.code,
                _("%(code)s has no parent above it (missing section or criterion).")
                % {"code": code},
            )
        if kind is None and style in (SECTION, GROUP):
            kind = heading_kind(text)
        if kind is None:
            kind = outline.kind_of(parent)
        points, formula, cap = self.read_points(line, points_cell, kind, style, text)
        entry = Entry(
            line=line, code=code, style=style, text=text, kind=kind, parent=parent,
            points=points, formula=formula, cap_in_text=cap, top=top,
            step=self.read_step(line, cells), evidence=self.read_evidence(line, cells),
            guidance=[
                text_of(self.cell(cells, c)) for c in columns.guidance
                if text_of(self.cell(cells, c))
            ],
        )  # fmt: skip
        entry.broken = len(self.parsed.errors) > errors_before
        outline.add(entry)

    def read_kind(self, line: int, cells: Sequence[object]) -> str | None:
        """The kind column's word, or None when the file leaves the kind to the headings."""
        word = fold(text_of(self.cell(cells, self.columns.kind)))
        if not word:
            return None
        kind = KIND_WORDS.get(word)
        if kind is None:
            self.error(line, self.columns.kind, _('the kind must be "Điểm", "Thưởng" or "Trừ".'))
        return kind

    def read_points(
        self, line: int, value: object, kind: str, style: str, text: str
    ) -> tuple[Decimal | None, bool, Decimal | None]:
        """(points, is a formula, cap read in the text); points None: the sum of the parts."""
        column = self.columns.max_points
        cap = None
        if kind in (BONUS, DEDUCTION) and style in (SECTION, GROUP):
            match = CAP_IN_TEXT.search(fold(text))
            if match:
                cap = points_of(match["number"])
        if isinstance(value, str) and value.strip().startswith("="):
            return None, True, cap
        if not text_of(value):
            return None, False, cap
        try:
            points = points_of(value)
        except (ValueError, ArithmeticError):
            self.error(
                line,
                column,
                _('"%(value)s" is not a number of points.') % {"value": text_of(value)},
            )
            return Decimal(0), False, cap
        if points < 0 and kind == DEDUCTION:
            points = -points  # "-2" in a deduction: deducts at most 2
        problem = points_error(points, MAX_POINTS)
        if problem:
            self.error(line, column, problem)
        return points, False, cap

    def read_step(self, line: int, cells: Sequence[object]) -> Decimal | None:
        value = self.cell(cells, self.columns.step)
        if not text_of(value):
            return None
        try:
            step = points_of(value)
            if step <= 0 or points_error(step, MAX_STEP):
                raise ValueError(step)
        except (ValueError, ArithmeticError):
            self.error(
                line,
                self.columns.step,
                _('"%(value)s" is not a step (e.g. 0,25; 0,5; 1).') % {"value": text_of(value)},
            )
            return None
        return step

    def read_evidence(self, line: int, cells: Sequence[object]) -> bool:
        word = fold(text_of(self.cell(cells, self.columns.evidence)))
        if word not in YES | NO:
            self.error(line, self.columns.evidence, _('write "Có" or leave it empty.'))
        return word in YES
