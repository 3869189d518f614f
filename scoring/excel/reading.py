"""Reading a clerk's workbook into criteria rows and settings, every error named by sheet,
row and column; nothing is saved here (see scoring/excel)."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from clusters.forms import TierBandsField
from core.text import fold
from core.xlsx import BoundedWorkbook, open_workbook

from ..models import default_tie_break, tie_break_from_words, validate_tie_break
from ..services import Row
from .cells import Parsed, ParseError, number_of, points_error, text_of
from .headers import describe, find_columns
from .layout import (
    HEADER_SEARCH_ROWS,
    MAX_BYTES,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_UNPACKED_BYTES,
    SETTING_LABELS,
    SETTING_MAXIMA,
    SETTINGS_SHEET,
    SHEET,
    XLSX_LIMITS,
)
from .outline import build
from .rows import RowReader


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
        workbook = open_workbook(data, XLSX_LIMITS)
    except ValidationError as refusal:
        parsed.errors.extend(ParseError(None, None, message) for message in refusal.messages)
        return parsed
    try:
        parse_criteria(workbook, parsed)
        if SETTINGS_SHEET in workbook.sheetnames:
            _parse_settings(workbook, parsed)
    except ValidationError as refusal:  # the time budget ran out between rows
        return Parsed(errors=[ParseError(None, None, message) for message in refusal.messages])
    except Exception:  # noqa: BLE001 - sheets are read lazily: any damage surfaces here
        return Parsed(errors=[damaged])
    finally:
        workbook.close()
    parsed.sort_errors()
    return parsed


def parse_criteria(workbook: BoundedWorkbook, parsed: Parsed) -> None:
    """The criteria from our sheet "Bảng chấm điểm", or else from the first sheet that has a
    header (a clerk's workbook may start with a sheet of instructions)."""
    if SHEET in workbook.sheetnames:
        names = [SHEET]
    else:
        names = [name for name in workbook.sheetnames if name != SETTINGS_SHEET]
    first_problems: list[ParseError] = []
    for number, name in enumerate(names):
        sheet = workbook[name]
        head = list(workbook.rows(sheet, max_row=HEADER_SEARCH_ROWS, max_col=MAX_COLUMNS))
        trial = Parsed()
        columns = find_columns(head, trial)
        if columns is None:
            first_problems = first_problems or trial.errors
            continue
        rows, filled = [], 0
        for row in workbook.rows(sheet, min_row=columns.header_row + 1, max_col=MAX_COLUMNS):
            rows.append(row)
            filled += any(cell is not None for cell in row)
            if filled > MAX_ROWS:
                parsed.errors.append(
                    ParseError(
                        None,
                        None,
                        _("The sheet has more than %(limit)d rows; a scoring table has far fewer.")
                        % {"limit": MAX_ROWS},
                    )
                )
                return
        if number:
            parsed.notes.append(_("Sheet read: “%(sheet)s”.") % {"sheet": name})
        parsed.notes.extend(describe(columns))
        reader = RowReader(columns, parsed)
        reader.read(rows, columns.header_row + 1)
        build(reader.outline.entries, columns, parsed)
        parsed.notes.extend(reader.notes())
        if not parsed.rows and not parsed.errors:
            parsed.errors.append(ParseError(None, None, _("The sheet has no criteria.")))
        return
    parsed.errors.extend(first_problems)


def _parse_settings(workbook: BoundedWorkbook, parsed: Parsed) -> None:
    sheet = workbook[SETTINGS_SHEET]
    by_label = {fold(label): key for key, label in SETTING_LABELS.items()}

    def error(number: int, message: str) -> None:
        parsed.errors.append(ParseError(number, "B", message, sheet=SETTINGS_SHEET))

    rows = workbook.rows(sheet, max_row=50, max_col=2)  # "name | value"
    for number, row in enumerate(rows, start=1):
        if not row or len(row) < 2:
            continue
        key = by_label.get(fold(text_of(row[0])))
        if key is None:
            continue
        value = row[1]
        if key in ("nominal_total", "bonus_cap", "deduction_cap"):
            try:
                number_value = number_of(value)
            except (ValueError, ArithmeticError):
                error(number, _("%(label)s must be a number.") % {"label": text_of(row[0])})
                continue
            problem = points_error(number_value, SETTING_MAXIMA[key])
            if problem:
                error(number, problem)
            else:
                parsed.settings[key] = number_value
        elif key == "tie_break":
            rules, bad = tie_break_from_words(text_of(value).split(";"))
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
                parsed.settings[key] = TierBandsField().clean(text_of(value).replace(";", "\n"))
            except ValidationError as problem:
                error(number, " ".join(problem.messages))
        else:
            parsed.settings[key] = text_of(value)  # kept even when empty: it clears the text


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
