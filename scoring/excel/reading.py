"""Reading a clerk's workbook into criteria rows and settings, every error named by sheet,
row and column; nothing is saved here (see scoring/excel)."""

from __future__ import annotations

import io
import unicodedata
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from clusters.forms import TierBandsField
from core.numbers import parse_decimal
from core.text import fold
from documents.formatting import roman

from ..models import default_tie_break, tie_break_from_words, validate_tie_break
from ..services import Row
from .layout import (
    CODE_LENGTH,
    DOTTED,
    HEADERS,
    KIND_WORDS,
    LETTER,
    MAX_BYTES,
    MAX_CELL_CHARS,
    MAX_POINTS,
    MAX_ROWS,
    MAX_STEP,
    MAX_UNPACKED_BYTES,
    NO,
    NUMBER,
    ROMAN,
    SETTING_LABELS,
    SETTING_MAXIMA,
    SETTINGS_SHEET,
    SHEET,
    YES,
)


@dataclass
class ParseError:
    row: int | None
    column: str | None
    message: str
    sheet: str | None = None

    def __str__(self) -> str:
        if self.sheet and self.row:
            return _("Sheet “%(sheet)s”, row %(row)d, column %(column)s: %(message)s") % {
                "sheet": self.sheet,
                "row": self.row,
                "column": self.column or "A",
                "message": self.message,
            }
        if self.row and self.column:
            return _("Row %(row)d, column %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        if self.row:
            return _("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}
        return self.message


@dataclass
class Parsed:
    rows: list[Row] = field(default_factory=list)
    settings: dict = field(default_factory=dict)
    errors: list[ParseError] = field(default_factory=list)
    formula_rows: set[int] = field(default_factory=set)  # row indexes whose max is a sum
    source_rows: list[int] = field(default_factory=list)  # the Excel row of each parsed row


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def _number(value) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(value)
    is_number = isinstance(value, int | float)
    number = Decimal(str(value)) if is_number else parse_decimal(_text(value))
    if not number.is_finite():
        raise ValueError(value)
    return number


def _points_error(number: Decimal, limit: Decimal) -> str | None:
    """Why a number of points cannot be stored: 2 decimals, below the field's limit."""
    if number != number.quantize(Decimal("0.01")):
        return _("at most 2 decimals (e.g. 0,25).")
    if number < 0 or number > limit:
        return _("the number must be between 0 and %(limit)s.") % {
            "limit": str(limit).replace(".", ",")
        }
    return None


def parse_workbook(data: bytes) -> Parsed:
    """Read an uploaded .xlsx. Every problem is reported with its row and column."""
    parsed = Parsed()
    if len(data) > MAX_BYTES:
        parsed.errors.append(
            ParseError(
                None,
                None,
                _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
                % {"size": round(len(data) / 1024 / 1024, 1), "limit": MAX_BYTES // (1024 * 1024)},
            )
        )
        return parsed
    damaged = ParseError(None, None, _("This is not an Excel (.xlsx) file, or it is damaged."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        parsed.errors.append(damaged)
        return parsed
    if unpacked > MAX_UNPACKED_BYTES:
        parsed.errors.append(
            ParseError(None, None, _("The file unpacks to far more than a scoring table holds."))
        )
        return parsed
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        parsed.errors.append(damaged)
        return parsed
    try:
        sheet = workbook[SHEET] if SHEET in workbook.sheetnames else workbook.worksheets[0]
        _parse_rows(sheet, parsed)
        if SETTINGS_SHEET in workbook.sheetnames:
            _parse_settings(workbook[SETTINGS_SHEET], parsed)
    except Exception:  # noqa: BLE001 - sheets are read lazily: any damage surfaces here
        return Parsed(errors=[damaged])
    finally:
        workbook.close()
    return parsed


def _find_header(rows: list[tuple], parsed: Parsed) -> int | None:
    wanted = [fold(h) for h in HEADERS[:2]]
    for index, row in enumerate(rows[:15]):
        cells = [fold(_text(c)) for c in row[:2]]
        if cells == wanted:
            found = [fold(_text(c)) for c in row[: len(HEADERS)]]
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


def _parse_rows(sheet, parsed: Parsed) -> None:
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
    header = _find_header(rows, parsed)
    if header is None:
        return
    section: int | None = None  # index in parsed.rows of the current section
    sections = 0
    numbered: dict[str, int] = {}  # code -> index, within the current section
    last_numbered: int | None = None
    siblings: dict[int | None, set[str]] = {}
    for offset, cells in enumerate(rows[header + 1 :], start=header + 2):
        code_cell, text_cell, guidance, kind_cell, max_cell, step_cell, evidence = cells
        code = _text(code_cell).rstrip(".)").strip()
        text = _text(text_cell)
        if not code and not text and all(_text(c) == "" for c in cells):
            continue  # empty row
        if not code and fold(text).startswith("tong"):
            continue  # a totals row
        errors_before = len(parsed.errors)
        for letter, cell in zip("ABCDEFG", cells, strict=True):
            if len(_text(cell)) > MAX_CELL_CHARS:
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
        kind = KIND_WORDS.get(fold(_text(kind_cell)))
        if kind is None:
            parsed.errors.append(
                ParseError(offset, "D", _('the kind must be "Điểm", "Thưởng" or "Trừ".'))
            )
        formula = isinstance(max_cell, str) and max_cell.strip().startswith("=")
        max_points = Decimal("0")
        if not formula:
            try:
                max_points = _number(max_cell)
            except (ValueError, ArithmeticError):
                parsed.errors.append(
                    ParseError(
                        offset,
                        "E",
                        _('"%(value)s" is not a number of points.') % {"value": _text(max_cell)},
                    )
                )
            else:
                problem = _points_error(max_points, MAX_POINTS)
                if problem:
                    parsed.errors.append(ParseError(offset, "E", problem))
        step = Decimal("0.5")
        if _text(step_cell):
            try:
                step = _number(step_cell)
                if step <= 0 or _points_error(step, MAX_STEP):
                    raise ValueError(step)
            except (ValueError, ArithmeticError):
                parsed.errors.append(
                    ParseError(
                        offset,
                        "F",
                        _('"%(value)s" is not a step (e.g. 0,25; 0,5; 1).')
                        % {"value": _text(step_cell)},
                    )
                )
        evidence_word = fold(_text(evidence))
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
                guidance=_text(guidance),
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
    _resolve_formulas(parsed)
    if not parsed.rows and not parsed.errors:
        parsed.errors.append(ParseError(None, None, _("The sheet has no criteria.")))


def _resolve_formulas(parsed: Parsed) -> None:
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


def _parse_settings(sheet, parsed: Parsed) -> None:
    by_label = {fold(label): key for key, label in SETTING_LABELS.items()}

    def error(number: int, message: str) -> None:
        parsed.errors.append(ParseError(number, "B", message, sheet=SETTINGS_SHEET))

    for number, row in enumerate(sheet.iter_rows(values_only=True, max_row=50), start=1):
        if not row or len(row) < 2:
            continue
        key = by_label.get(fold(_text(row[0])))
        if key is None:
            continue
        value = row[1]
        if key in ("nominal_total", "bonus_cap", "deduction_cap"):
            try:
                number_value = _number(value)
            except (ValueError, ArithmeticError):
                error(number, _("%(label)s must be a number.") % {"label": _text(row[0])})
                continue
            problem = _points_error(number_value, SETTING_MAXIMA[key])
            if problem:
                error(number, problem)
            else:
                parsed.settings[key] = number_value
        elif key == "tie_break":
            rules, bad = tie_break_from_words(_text(value).split(";"))
            try:
                validate_tie_break(rules)
            except ValidationError as problem:
                bad.extend(problem.messages)
            if bad:
                error(number, _("unknown tie-break rule: %(rule)s") % {"rule": "; ".join(bad)})
            else:
                parsed.settings[key] = rules or default_tie_break()
        elif key == "tier_bands":
            try:
                parsed.settings[key] = TierBandsField().clean(_text(value).replace(";", "\n"))
            except ValidationError as problem:
                error(number, " ".join(problem.messages))
        else:
            parsed.settings[key] = _text(value)  # kept even when empty: it clears the text


def rows_to_data(parsed: Parsed) -> dict:
    """A JSON-safe form of the parsed rows and settings (signed into the preview page)."""
    return {
        "rows": [
            {
                "code": r.code,
                "text": r.text,
                "guidance": r.guidance,
                "kind": r.kind,
                "max_points": str(r.max_points),
                "step": str(r.step),
                "evidence_required": r.evidence_required,
                "parent_index": r.parent_index,
            }
            for r in parsed.rows
        ],
        "settings": {
            k: (str(v) if isinstance(v, Decimal) else v) for k, v in parsed.settings.items()
        },
    }


def data_to_rows(data: dict) -> tuple[list[Row], dict]:
    rows = [
        Row(
            code=r["code"],
            text=r["text"],
            guidance=r["guidance"],
            kind=r["kind"],
            max_points=Decimal(r["max_points"]),
            step=Decimal(r["step"]),
            evidence_required=r["evidence_required"],
            parent_index=r["parent_index"],
        )
        for r in data["rows"]
    ]
    settings = dict(data["settings"])
    for key in ("nominal_total", "bonus_cap", "deduction_cap"):
        if key in settings:
            settings[key] = Decimal(settings[key])
    return rows, settings
