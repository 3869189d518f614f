"""The criteria sheet: the header row found wherever it is, then one criterion per row, its
place in the tree from its code, as on paper."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from core.text import fold
from documents.formatting import roman

from ..services import Row
from .cells import Parsed, ParseError, number_of, points_error, text_of
from .layout import (
    CODE_LENGTH,
    DOTTED,
    HEADERS,
    KIND_WORDS,
    LETTER,
    MAX_CELL_CHARS,
    MAX_POINTS,
    MAX_ROWS,
    MAX_STEP,
    NO,
    NUMBER,
    ROMAN,
    YES,
)


def find_header(rows: list[tuple], parsed: Parsed) -> int | None:
    wanted = [fold(h) for h in HEADERS[:2]]
    for index, row in enumerate(rows[:15]):
        cells = [fold(text_of(c)) for c in row[:2]]
        if cells == wanted:
            found = [fold(text_of(c)) for c in row[: len(HEADERS)]]
            expected = [fold(h) for h in HEADERS]
            if found != expected:
                parsed.errors.append(
                    ParseError(
                        index + 1,
                        None,
                        _("the columns must be, in this order: %(columns)s.")
                        % {"columns": ", ".join(HEADERS)},
                    )
                )
                return None
            return index
    parsed.errors.append(
        ParseError(
            None,
            None,
            _("No header row (%(columns)s) in the first 15 rows of the sheet.")
            % {"columns": ", ".join(HEADERS)},
        )
    )
    return None


def parse_rows(sheet, parsed: Parsed) -> None:
    rows: list[tuple] = []
    for row in sheet.iter_rows(values_only=True):
        rows.append(
            tuple(row[: len(HEADERS)]) + (None,) * (len(HEADERS) - len(row[: len(HEADERS)]))
        )
        if len(rows) > MAX_ROWS + 15:
            parsed.errors.append(
                ParseError(
                    None,
                    None,
                    _("The sheet has more than %(limit)d rows; a scoring table has far fewer.")
                    % {"limit": MAX_ROWS},
                )
            )
            return
    header = find_header(rows, parsed)
    if header is None:
        return
    section: int | None = None  # index in parsed.rows of the current section
    sections = 0
    numbered: dict[str, int] = {}  # code -> index, within the current section
    last_numbered: int | None = None
    siblings: dict[int | None, set[str]] = {}
    for offset, cells in enumerate(rows[header + 1 :], start=header + 2):
        code_cell, text_cell, guidance, kind_cell, max_cell, step_cell, evidence = cells
        code = text_of(code_cell).rstrip(".)").strip()
        text = text_of(text_cell)
        if not code and not text and all(text_of(c) == "" for c in cells):
            continue  # empty row
        if not code and fold(text).startswith("tong"):
            continue  # a totals row
        errors_before = len(parsed.errors)
        for letter, cell in zip("ABCDEFG", cells, strict=True):
            if len(text_of(cell)) > MAX_CELL_CHARS:
                parsed.errors.append(
                    ParseError(offset, letter, _("the text is too long (over 4000 characters)."))
                )
        if len(parsed.errors) > errors_before:
            continue
        if len(code) > CODE_LENGTH:
            parsed.errors.append(
                ParseError(offset, "A", _("the code is longer than 20 characters."))
            )
        if not code:
            parsed.errors.append(ParseError(offset, "A", _("the code is empty.")))
        if not text:
            parsed.errors.append(ParseError(offset, "B", _("the content is empty.")))
        kind = KIND_WORDS.get(fold(text_of(kind_cell)))
        if kind is None:
            parsed.errors.append(
                ParseError(offset, "D", _('the kind must be "Điểm", "Thưởng" or "Trừ".'))
            )
        formula = isinstance(max_cell, str) and max_cell.strip().startswith("=")
        max_points = Decimal("0")
        if not formula:
            try:
                max_points = number_of(max_cell)
            except (ValueError, ArithmeticError):
                parsed.errors.append(
                    ParseError(
                        offset,
                        "E",
                        _('"%(value)s" is not a number of points.') % {"value": text_of(max_cell)},
                    )
                )
            else:
                problem = points_error(max_points, MAX_POINTS)
                if problem:
                    parsed.errors.append(ParseError(offset, "E", problem))
        step = Decimal("0.5")
        if text_of(step_cell):
            try:
                step = number_of(step_cell)
                if step <= 0 or points_error(step, MAX_STEP):
                    raise ValueError(step)
            except (ValueError, ArithmeticError):
                parsed.errors.append(
                    ParseError(
                        offset,
                        "F",
                        _('"%(value)s" is not a step (e.g. 0,25; 0,5; 1).')
                        % {"value": text_of(step_cell)},
                    )
                )
        evidence_word = fold(text_of(evidence))
        if evidence_word not in YES | NO:
            parsed.errors.append(ParseError(offset, "G", _('write "Có" or leave it empty.')))
        # Where it sits in the tree, from its code.
        parent: int | None = None
        level_ok = True
        is_section = bool(ROMAN.match(code)) and not (
            # "C", "V", "X"… typed for a lettered item, where that is not the next section
            len(code) == 1 and code != roman(sections + 1) and last_numbered is not None
        )
        if is_section:
            parent = None
        elif NUMBER.match(code) or DOTTED.match(code):
            prefix = code.rsplit(".", 1)[0] if "." in code else None
            if prefix is None:
                parent = section  # None in a table without sections: a top-level criterion
            else:
                parent = numbered.get(prefix)
                if parent is None:
                    level_ok = False
        elif LETTER.match(code.lower()):
            code = code.lower()
            parent = last_numbered if last_numbered is not None else section
            if parent is None:
                level_ok = False
        elif code:
            parsed.errors.append(
                ParseError(
                    offset,
                    "A",
                    _('"%(code)s" is not a code of the table (I, II…; 1, 2…; 1.1…; a, b…).')
                    % {"code": code},
                )
            )
            level_ok = False
        if code and not level_ok and len(parsed.errors) == errors_before:
            parsed.errors.append(
                ParseError(
                    offset,
                    "A",
                    _("%(code)s has no parent above it (missing section or criterion).")
                    % {"code": code},
                )
            )
        if code and level_ok:
            seen = siblings.setdefault(parent, set())
            if code.casefold() in seen:
                parsed.errors.append(
                    ParseError(
                        offset,
                        "A",
                        _("the code %(code)s appears twice at the same level.") % {"code": code},
                    )
                )
            seen.add(code.casefold())
        if len(parsed.errors) > errors_before:
            continue
        index = len(parsed.rows)
        parsed.rows.append(
            Row(
                code=code,
                text=text,
                guidance=text_of(guidance),
                kind=kind,
                max_points=max_points,
                step=step,
                evidence_required=evidence_word in YES,
                parent_index=parent,
            )
        )
        parsed.source_rows.append(offset)
        if formula:
            parsed.formula_rows.add(index)
        if is_section:
            section, numbered, last_numbered = index, {}, None
            sections += 1
        elif NUMBER.match(code) or DOTTED.match(code):
            numbered[code] = index
            last_numbered = index
    resolve_formulas(parsed)
    if not parsed.rows and not parsed.errors:
        parsed.errors.append(ParseError(None, None, _("The sheet has no criteria.")))


def resolve_formulas(parsed: Parsed) -> None:
    """A parent whose max is a formula gets the sum of its parts (deepest first)."""
    children: dict[int, list[int]] = {}
    for index, row in enumerate(parsed.rows):
        if row.parent_index is not None:
            children.setdefault(row.parent_index, []).append(index)
    for index in sorted(parsed.formula_rows, reverse=True):
        parts = children.get(index)
        if not parts:
            parsed.errors.append(
                ParseError(
                    parsed.source_rows[index],
                    "E",
                    _("a formula is only allowed for a criterion with parts below it."),
                )
            )
            continue
        parsed.rows[index].max_points = sum(
            (parsed.rows[i].max_points for i in parts), Decimal("0")
        )
