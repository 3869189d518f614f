"""Opening an uploaded .xlsx within bounds: every upload of a workbook goes through here.

A workbook is a zip of XML parts, and openpyxl, even read-only, parses a whole ``<row>``
element before it yields the row: a 115 KB file of 60 rows of 16,384 cells kept a worker busy
for seconds, and a row numbered 1,000,000 makes it yield a million empty rows. So, before
openpyxl sees the file:

1. the zip: its number of entries, their declared unpacked sizes (Python's zipfile never
   unpacks past a declared size) and each entry's compression ratio (a zip bomb);
2. every XML part is streamed through expat in small chunks, refusing a DTD (entity
   expansion), not-well-formed XML, more elements in all than ``max_elements``, a worksheet
   that declares (``<dimension ref>``) or holds a row numbered past ``max_rows``, and a row
   with more than ``max_row_cells`` cells, the moment the cell past the limit is met, long
   before the row is read whole;
3. then openpyxl opens it read-only (formulas as their text, never evaluated), and rows are
   read through :meth:`BoundedWorkbook.rows`, which stops at the time budget.

A time budget (``XLSX_READ_SECONDS``, a setting) runs from the opening over all three steps.
Every refusal is a ValidationError with a message for the user; callers show it in their own
list of errors. Limits on the file's own size stay with the callers, which say it in their
words before anything is unpacked.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from time import monotonic
from types import TracebackType
from typing import Any
from xml.parsers import expat

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

# The namespaces of SpreadsheetML (transitional and strict): the elements openpyxl reads as
# rows and cells are these, whatever prefix the file gives them.
SHEET_NAMESPACES = frozenset(
    {
        "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "http://purl.oclc.org/ooxml/spreadsheetml/main",
    }
)
CHUNK = 64 * 1024
# How often (in elements) the scan looks at the clock between chunks.
CLOCK_EVERY = 20_000
DIMENSION = re.compile(r"^\$?[A-Za-z]{0,3}\$?(\d*)(?::\$?[A-Za-z]{0,3}\$?(\d*))?$")
# A zip entry is judged by its ratio only past this size: small parts of a normal workbook
# (styles, the content types) may compress very well, and cannot inflate to much.
RATIO_FROM_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """How much an uploaded workbook may hold. The defaults suit a table of a few thousand
    rows; a caller narrows them to what it reads."""

    max_unpacked_bytes: int = 40 * 1024 * 1024
    max_entries: int = 500
    max_ratio: int = 100
    max_rows: int = 10_000  # the highest row number of any worksheet, blank rows included
    max_row_cells: int = 64  # cells written in one row, empty ones included
    max_elements: int = 1_000_000  # XML elements in all the parts together
    seconds: float | None = None  # None: settings.XLSX_READ_SECONDS


def _number(value: float) -> str:
    """1000000 as "1.000.000", 5.0 as "5" and 2.5 as "2,5", as they are read in Vietnamese."""
    text = f"{int(value):,}" if value == int(value) else f"{value:,}"
    return text.translate(str.maketrans(",.", ".,"))


def too_large(detail: str) -> ValidationError:
    return ValidationError(
        _("The Excel file is too large: %(detail)s") % {"detail": detail}, code="xlsx_too_large"
    )


def damaged() -> ValidationError:
    return ValidationError(
        _("This is not an Excel (.xlsx) file, or it is damaged."), code="xlsx_damaged"
    )


class Clock:
    """The time budget of one reading, checked between pieces of work."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = monotonic() + seconds

    def check(self) -> None:
        if monotonic() > self.deadline:
            raise too_large(
                _("reading it takes more than %(seconds)s seconds.")
                % {"seconds": _number(self.seconds)}
            )


def check_archive(archive: zipfile.ZipFile, limits: Limits) -> None:
    """The zip's entries, their unpacked sizes and compression ratios, before any is read."""
    entries = archive.infolist()
    if len(entries) > limits.max_entries:
        raise too_large(
            _("it holds more than %(limit)s parts.") % {"limit": _number(limits.max_entries)}
        )
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > limits.max_unpacked_bytes:
        raise too_large(
            _("it unpacks to more than %(limit)s MB.")
            % {"limit": _number(limits.max_unpacked_bytes // (1024 * 1024))}
        )
    for entry in entries:
        packed = max(entry.compress_size, 1)
        if entry.file_size > RATIO_FROM_BYTES and entry.file_size > limits.max_ratio * packed:
            raise too_large(
                _(
                    "a part of it unpacks to more than %(limit)s times its packed size, as a "
                    "zip bomb does."
                )
                % {"limit": _number(limits.max_ratio)}
            )


class _Refused(Exception):
    """Raised from expat's handlers to stop the parse; carries the ValidationError."""

    def __init__(self, error: ValidationError) -> None:
        super().__init__(error)
        self.error = error


class _PartScan:
    """One XML part through expat: counts elements, rows and the cells of each row."""

    def __init__(self, limits: Limits, clock: Clock, elements: int) -> None:
        self.limits = limits
        self.clock = clock
        self.elements = elements
        self.row = 0  # the current row's number, as openpyxl counts it
        self.cells = 0  # cells met so far in the current row
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self.parser.StartElementHandler = self.start
        self.parser.StartDoctypeDeclHandler = self.doctype
        self.parser.EntityDeclHandler = self.entity

    def feed(self, data: bytes, final: bool = False) -> None:
        try:
            self.parser.Parse(data, final)
        except _Refused as refused:
            raise refused.error from None
        except expat.ExpatError:
            raise damaged() from None

    def doctype(self, *args: Any) -> None:
        raise _Refused(damaged())  # no part of a workbook has one: entity expansion

    def entity(self, *args: Any) -> None:
        raise _Refused(damaged())

    def start(self, name: str, attributes: dict[str, str]) -> None:
        self.elements += 1
        if self.elements > self.limits.max_elements:
            raise _Refused(
                too_large(
                    _("it holds more than %(limit)s pieces of data.")
                    % {"limit": _number(self.limits.max_elements)}
                )
            )
        if not self.elements % CLOCK_EVERY:
            try:
                self.clock.check()
            except ValidationError as error:
                raise _Refused(error) from None
        namespace, _space, local = name.rpartition(" ")
        if namespace not in SHEET_NAMESPACES:
            return
        if local == "c":
            self.cells += 1
            if self.cells > self.limits.max_row_cells:
                raise _Refused(
                    too_large(
                        _("row %(row)s has more than %(limit)s cells; the limit is %(limit)s.")
                        % {"row": _number(self.row), "limit": _number(self.limits.max_row_cells)}
                    )
                )
        elif local == "row":
            try:
                self.row = int(attributes["r"]) if "r" in attributes else self.row + 1
            except ValueError:
                raise _Refused(damaged()) from None
            self.cells = 0
            if self.row > self.limits.max_rows:
                raise _Refused(self.too_many_rows())
        elif local == "dimension":
            self.dimension(attributes.get("ref", ""))

    def dimension(self, ref: str) -> None:
        """The declared range ("A1:G120"): a sheet that says it runs past the last row allowed
        is refused before its rows are parsed. A dimension that lies is caught by the count."""
        match = DIMENSION.match(ref.strip())
        if match is None:
            return  # openpyxl ignores what it cannot read; so do we
        rows = [int(number) for number in match.groups() if number]
        if rows and max(rows) > self.limits.max_rows:
            raise _Refused(self.too_many_rows())

    def too_many_rows(self) -> ValidationError:
        return too_large(
            _("a sheet has more than %(limit)s rows; the limit is %(limit)s.")
            % {"limit": _number(self.limits.max_rows)}
        )


# How an XML document may begin (the XML spec's appendix F, which libxml2, under openpyxl,
# follows): byte-order marks, "<" in UTF-16 or UTF-32 of either order, and "<?xm" in EBCDIC.
# expat reads UTF-8 and UTF-16; a part in another of these is refused as damaged.
XML_STARTS = (
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xfe\xff",
    b"\x00\x00\xfe\xff",
    b"<",
    b"\x00<",
    b"\x00\x00\x00<",
    b"\x4c\x6f\xa7\x94",
)


def _looks_like_xml(head: bytes) -> bool:
    """Whether an XML parser would take the part for XML; images and other binary parts (which
    no XML parser would read, so neither would openpyxl) are not parsed."""
    return head.lstrip(b" \t\r\n").startswith(XML_STARTS)


def scan_parts(archive: zipfile.ZipFile, limits: Limits, clock: Clock) -> None:
    """Every XML part streamed through expat (any part may be named as a worksheet by the
    workbook's relationships, so none is trusted by its name)."""
    elements = 0
    for entry in archive.infolist():
        if entry.is_dir():
            continue
        with archive.open(entry) as stream:
            chunk = stream.read(CHUNK)
            if not _looks_like_xml(chunk[:64]):
                continue
            scan = _PartScan(limits, clock, elements)
            while chunk:
                scan.feed(chunk)
                clock.check()
                chunk = stream.read(CHUNK)
            scan.feed(b"", final=True)
            elements = scan.elements


class BoundedWorkbook:
    """A checked workbook opened read-only; use as a context manager (it closes the file)."""

    def __init__(self, workbook: Workbook, clock: Clock) -> None:
        self.workbook = workbook
        self.clock = clock

    @property
    def sheetnames(self) -> list[str]:
        return list(self.workbook.sheetnames)

    @property
    def worksheets(self) -> list[Any]:
        return list(self.workbook.worksheets)

    def __getitem__(self, name: str) -> Any:
        return self.workbook[name]

    def rows(
        self, sheet: Any, *, max_col: int, min_row: int = 1, max_row: int | None = None
    ) -> Iterator[tuple[Any, ...]]:
        """The values of the sheet's rows, at most ``max_col`` each (openpyxl otherwise pads
        every row to the width the sheet declares), the time budget checked at each row."""
        for row in sheet.iter_rows(
            min_row=min_row, max_row=max_row, max_col=max_col, values_only=True
        ):
            self.clock.check()
            yield row

    def close(self) -> None:
        self.workbook.close()

    def __enter__(self) -> BoundedWorkbook:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def open_workbook(data: bytes, limits: Limits | None = None) -> BoundedWorkbook:
    """The uploaded workbook, checked (see the module's doc) and opened read-only; a
    ValidationError with the user's message when it is too large, too slow or damaged."""
    limits = limits or Limits()
    seconds = limits.seconds if limits.seconds is not None else settings.XLSX_READ_SECONDS
    clock = Clock(seconds)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_archive(archive, limits)
            scan_parts(archive, limits, clock)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        OSError,
        ValueError,
        EOFError,
        NotImplementedError,
    ):
        # A damaged entry or directory, a bad CRC, a compression zipfile does not know.
        raise damaged() from None
    clock.check()
    try:
        # data_only=False: a formula is read as its text, never evaluated or trusted.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except ValidationError:
        raise
    except Exception:  # noqa: BLE001 - openpyxl raises anything on a damaged workbook
        raise damaged() from None
    clock.check()
    return BoundedWorkbook(workbook, clock)
