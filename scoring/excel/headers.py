"""Finding the header row of a criteria sheet and what each of its columns holds: our own
seven headers, or a clerk's "TT | Nội dung tiêu chí | Điểm chuẩn | Ghi chú" below a title
block (see HEADER_WORDS in layout.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.text import fold

from .cells import Parsed, ParseError, column_letter, text_of
from .layout import HEADER_EXAMPLES, HEADER_SEARCH_ROWS, HEADER_WORDS

# The field each column gives, in the words of the criterion's form.
FIELD_NAMES = {
    "code": gettext_lazy("code"),
    "text": gettext_lazy("content"),
    "guidance": gettext_lazy("scoring guidance"),
    "kind": gettext_lazy("kind"),
    "max_points": gettext_lazy("max points"),
    "step": gettext_lazy("step"),
    "evidence": gettext_lazy("evidence required"),
}


@dataclass
class Columns:
    """The header row (1-based, as Excel numbers it) and the zero-based column of each field;
    guidance may come from several columns ("Hướng dẫn chấm" and "Ghi chú")."""

    header_row: int
    code: int
    text: int
    max_points: int | None
    guidance: list[int] = field(default_factory=list)
    kind: int | None = None
    step: int | None = None
    evidence: int | None = None
    headers: dict[int, str] = field(default_factory=dict)  # every header cell, as typed

    @cached_property
    def read(self) -> dict[int, str]:
        """The columns read, each with the field it gives."""
        read = {self.code: "code", self.text: "text"}
        for name in ("max_points", "kind", "step", "evidence"):
            column = getattr(self, name)
            if column is not None:
                read[column] = name
        read.update(dict.fromkeys(self.guidance, "guidance"))
        return dict(sorted(read.items()))


def header_key(value: object) -> str:
    """A header's words, folded, without what stands in brackets and without punctuation:
    "Điểm chuẩn\n(điểm)" -> "diem chuan"."""
    text = re.sub(r"\([^)]*\)", " ", fold(text_of(value)))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def field_of(value: object) -> str | None:
    key = header_key(value)
    if not key:
        return None
    for name, (exact, leading) in HEADER_WORDS.items():
        if key in exact or any(key == word or key.startswith(word + " ") for word in leading):
            return name
    return None


def columns_of(row: Sequence[object], number: int) -> Columns | None:
    """The columns of ``row`` if it is a header: it names a code and a content column."""
    found: dict[str, list[int]] = {}
    headers = {}
    for column, value in enumerate(row):
        if text_of(value):
            headers[column] = text_of(value)
        name = field_of(value)
        if name is not None:
            found.setdefault(name, []).append(column)
    if "text" not in found:
        return None
    if "code" not in found:
        # A clerk's "TT" column often has no header: the empty header just left of the
        # contents, in a row that names the points too.
        left = found["text"][0] - 1
        if "max_points" not in found or left < 0 or text_of(row[left]):
            return None
        found["code"] = [left]
        headers[left] = ""

    def first(name: str) -> int | None:
        return found[name][0] if name in found else None

    return Columns(
        header_row=number,
        code=found["code"][0],
        text=found["text"][0],
        max_points=first("max_points"),
        guidance=found.get("guidance", []),
        kind=first("kind"),
        step=first("step"),
        evidence=first("evidence"),
        headers=headers,
    )


def find_columns(rows: list[tuple], parsed: Parsed) -> Columns | None:
    """The header among the first rows (title rows may stand above it); every problem is
    added to ``parsed``."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns = columns_of(row, index + 1)
        if columns is None:
            continue
        if columns.max_points is None:
            parsed.errors.append(
                ParseError(
                    columns.header_row,
                    None,
                    _("the header has no column of points (%(examples)s).")
                    % {"examples": HEADER_EXAMPLES["max_points"]},
                )
            )
            return None
        return columns
    parsed.errors.append(
        ParseError(
            None,
            None,
            _(
                "No header row in the first %(count)d rows of the sheet: it needs a column of "
                "codes (%(code)s), one of contents (%(text)s) and one of points (%(points)s)."
            )
            % {
                "count": HEADER_SEARCH_ROWS,
                "code": HEADER_EXAMPLES["code"],
                "text": HEADER_EXAMPLES["text"],
                "points": HEADER_EXAMPLES["max_points"],
            },
        )
    )
    return None


def label(column: int, header: str) -> str:
    return f"{column_letter(column)} “{header}”" if header else column_letter(column)


def describe(columns: Columns) -> list[str]:
    """What the preview says about the columns: which were read as what, which were not."""
    read = columns.read
    named = [
        f"{label(column, columns.headers.get(column, ''))} → {FIELD_NAMES[name]}"
        for column, name in read.items()
    ]
    notes = [_("Columns read: %(columns)s.") % {"columns": "; ".join(named)}]
    unread = [
        label(column, header)
        for column, header in sorted(columns.headers.items())
        if column not in read
    ]
    if unread:
        notes.append(
            _("Columns not read (not part of the table): %(columns)s.")
            % {"columns": "; ".join(unread)}
        )
    return notes
