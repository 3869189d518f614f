"""Reading, checking and applying a reorganisation of administrative units (see
clusters.models.reform). Reading and checking save nothing and name every problem by its row;
execute() and undo() run inside the model's transitions (Reorganisation.apply / reverse)."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.text import fold
from core.xlsx import Limits, open_workbook

from .models import Authority, Membership, Reorganisation, Unit, UnitLink

MAX_BYTES = 2 * 1024 * 1024
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 20
HEADER_SEARCH_ROWS = 10
# What the workbook may hold before it is read (core/xlsx.py): rows numbered past twice MAX_ROWS
# (blank ones included) or a row of more than 64 cells are refused before openpyxl parses them.
XLSX_LIMITS = Limits(max_unpacked_bytes=MAX_UNPACKED_BYTES, max_rows=2 * MAX_ROWS)

# Column -> the headers it is recognised by (compared without case and diacritics).
COLUMNS: dict[str, tuple[str, ...]] = {
    "old": ("don vi cu", "ten don vi cu", "old unit", "former unit"),
    "new": ("don vi moi", "ten don vi moi", "new unit"),
    "kind": ("loai don vi moi", "loai", "kind", "new unit kind", "new unit's kind"),
    "effective": ("ngay hieu luc", "hieu luc tu ngay", "effective date"),
    "resolution": ("nghi quyet", "so nghi quyet", "resolution"),
    "resolution_date": ("ngay nghi quyet", "ngay ban hanh", "resolution date"),
}
REQUIRED = ("old", "new", "effective", "resolution")

KIND_WORDS: dict[str, str] = {
    "xa": Unit.Kind.COMMUNE,
    "commune": Unit.Kind.COMMUNE,
    "phuong": Unit.Kind.WARD,
    "ward": Unit.Kind.WARD,
    "thi tran": Unit.Kind.TOWNSHIP,
    "township": Unit.Kind.TOWNSHIP,
    "dac khu": Unit.Kind.SPECIAL_ZONE,
    "special zone": Unit.Kind.SPECIAL_ZONE,
    "co quan": Unit.Kind.AGENCY,
    "agency": Unit.Kind.AGENCY,
}


@dataclass
class Reading:
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _text(value: Any) -> str:
    """A cell as text: dates as dd/mm/yyyy, everything else as typed (never a formula: the
    value is kept as text, and a text starting with "=" is only text here)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # Control characters (NUL, which PostgreSQL cannot store, and the like) are not text.
    text = "".join(ch if ch.isprintable() else " " for ch in str(value))
    return " ".join(text.split())[:300]


def _rows_of(table: list[tuple[int, list[str]]], reading: Reading) -> Reading:
    """Find the header among the first rows and turn the rows under it into dicts."""
    columns: dict[str, int] = {}
    header_at = None
    for number, cells in table[:HEADER_SEARCH_ROWS]:
        found = {}
        for index, cell in enumerate(cells):
            name = fold(cell).strip(" :*")
            for key, names in COLUMNS.items():
                if name in names and key not in found:
                    found[key] = index
        if all(key in found for key in REQUIRED):
            columns, header_at = found, number
            break
    if header_at is None:
        reading.errors.append(
            _(
                "No header row found: the table needs the columns “Đơn vị cũ”, “Đơn vị mới”, "
                "“Loại đơn vị mới”, “Ngày hiệu lực” and “Nghị quyết”."
            )
        )
        return reading
    for number, cells in table:
        if number <= header_at:
            continue
        row = {key: (cells[index] if index < len(cells) else "") for key, index in columns.items()}
        if not any(row.values()):
            continue
        reading.rows.append({"row": number, **{key: row.get(key, "") for key in COLUMNS}})
    if not reading.rows:
        reading.errors.append(_("The table has no rows under its header."))
    return reading


def read_text(text: str) -> Reading:
    """Rows typed or pasted on the page, or a CSV file: comma, semicolon or tab separated."""
    reading = Reading()
    lines = text.splitlines()
    if len(lines) > MAX_ROWS:
        reading.errors.append(_("The table has more than %(max)s rows.") % {"max": MAX_ROWS})
        return reading
    sample = "\n".join(lines[:HEADER_SEARCH_ROWS])
    delimiter = max(("\t", ";", ","), key=sample.count)
    table = []
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, start=1):
            table.append((number, [_text(cell) for cell in cells[:MAX_COLUMNS]]))
    except csv.Error:
        reading.errors.append(
            _("Row %(row)s cannot be read as a table row (a cell far too long or a stray quote).")
            % {"row": reader.line_num}
        )
        return reading
    return _rows_of(table, reading)


def read_file(data: bytes, name: str) -> Reading:
    """An uploaded .xlsx or .csv, read within bounds (size, unpacked size, rows, columns)."""
    reading = Reading()
    if len(data) > MAX_BYTES:
        reading.errors.append(
            _("The file is too large; the limit is %(limit)s MB.")
            % {"limit": MAX_BYTES // (1024 * 1024)}
        )
        return reading
    if not name.lower().endswith(".xlsx"):
        try:
            return read_text(data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            reading.errors.append(_("The CSV file is not in UTF-8: save it as “CSV UTF-8”."))
            return reading
    damaged = _("This is not an Excel (.xlsx) file, or it is damaged.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        reading.errors.append(damaged)
        return reading
    if unpacked > MAX_UNPACKED_BYTES:
        reading.errors.append(_("The file unpacks to far more than a reorganisation holds."))
        return reading
    try:
        workbook = open_workbook(data, XLSX_LIMITS)
    except ValidationError as refusal:
        reading.errors.extend(refusal.messages)
        return reading
    try:
        sheet = workbook.worksheets[0]
        table = []
        for number, values in enumerate(
            workbook.rows(sheet, max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS), start=1
        ):
            if number > MAX_ROWS:
                reading.errors.append(
                    _("The table has more than %(max)s rows.") % {"max": MAX_ROWS}
                )
                return reading
            table.append((number, [_text(value) for value in values]))
    except ValidationError as refusal:  # the time budget ran out between rows
        return Reading(errors=list(refusal.messages))
    except Exception:  # noqa: BLE001 - sheets are read lazily: any damage surfaces here
        return Reading(errors=[damaged])
    finally:
        workbook.close()
    return _rows_of(table, reading)


# --- Checking ---------------------------------------------------------------------------------


# The years a reorganisation's dates may fall in (the year 1 has no day before its first).
FIRST_YEAR, LAST_YEAR = 1900, 2100


def parse_date(text: str) -> datetime.date | None:
    """ "01/07/2025", "1/7/2025", "2025-07-01"; None when empty, not a date or out of the
    years FIRST_YEAR to LAST_YEAR."""
    text = (text or "").strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            day = datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        return day if FIRST_YEAR <= day.year <= LAST_YEAR else None
    return None


@dataclass
class NewUnit:
    name: str
    kind: str
    effective: datetime.date
    rows: list[int] = field(default_factory=list)


@dataclass
class PlannedLink:
    row: int
    old: Unit
    new_key: str
    kind: str
    effective: datetime.date
    resolution: str
    resolution_date: datetime.date | None


@dataclass
class Plan:
    errors: list[str] = field(default_factory=list)
    row_errors: dict[int, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    new_units: dict[str, NewUnit] = field(default_factory=dict)
    links: list[PlannedLink] = field(default_factory=list)
    ended: dict[int, tuple[Unit, datetime.date, int]] = field(default_factory=dict)
    authorities: list[Authority] = field(default_factory=list)
    authorities_end: datetime.date | None = None


def _row_error(row: int, message: str) -> str:
    return _("Row %(row)s: %(message)s") % {"row": row, "message": message}


def scope_of(reorganisation: Reorganisation, authorities: list[Authority]) -> list[int]:
    """The authorities whose units the rows may name: the receiving authority, its
    predecessors and the authorities that end with this reorganisation."""
    receiving = reorganisation.authority
    return [receiving.pk, *receiving.predecessor_ids(), *(a.pk for a in authorities)]


@dataclass
class _Known:
    """What the rows are checked against beyond the units themselves, read once."""

    ended_by: dict[int, str]  # unit pk -> title of the applied reorganisation that ended it
    with_successor_links: set[int]
    last_membership: dict[int, tuple[int, str]]  # unit pk -> (latest year, cluster's name)

    @classmethod
    def read(cls, reorganisation: Reorganisation, units: list[Unit]) -> _Known:
        pks = [unit.pk for unit in units]
        ended_by: dict[int, str] = {}
        for title, undo in (
            Reorganisation.objects.filter(status=Reorganisation.Status.APPLIED)
            .exclude(pk=reorganisation.pk)
            .values_list("title", "undo")
        ):
            for pk in (undo or {}).get("units", {}):
                ended_by.setdefault(int(pk), title)
        linked = set(
            UnitLink.objects.filter(predecessor_id__in=pks).values_list("predecessor_id", flat=True)
        )
        last: dict[int, tuple[int, str]] = {}
        for unit_id, year, cluster in (
            Membership.objects.filter(unit_id__in=pks)
            .order_by("year")
            .values_list("unit_id", "year", "cluster_year__cluster__name")
        ):
            last[unit_id] = (year, cluster)
        return cls(ended_by, linked, last)

    def problems(self, old: Unit, effective: datetime.date | None) -> list[str]:
        """Why ``old`` cannot end the day before ``effective`` ([] when it can)."""
        last_day = _day_before(effective) if effective is not None else None
        if old.valid_to is not None:
            # A unit already ended on that very day may still get its lineage recorded, once.
            if last_day is None or old.valid_to != last_day:
                return [
                    _("%(unit)s already ended on %(date)s.")
                    % {"unit": old.name, "date": old.valid_to.strftime("%d/%m/%Y")}
                ]
            if old.pk in self.ended_by:
                return [
                    _("%(unit)s was already ended by the reorganisation “%(title)s”.")
                    % {"unit": old.name, "title": self.ended_by[old.pk]}
                ]
            if old.successor_id or old.pk in self.with_successor_links:
                return [_("%(unit)s already has a successor.") % {"unit": old.name}]
        if last_day is None:
            return []
        problems = []
        if old.valid_from is not None and old.valid_from > last_day:
            problems.append(
                _("%(unit)s begins on %(date)s, after the effective date.")
                % {"unit": old.name, "date": old.valid_from.strftime("%d/%m/%Y")}
            )
        year, cluster = self.last_membership.get(old.pk, (0, ""))
        if year > last_day.year:
            problems.append(
                _("%(unit)s is a member of %(cluster)s in %(year)s, after it would end.")
                % {"unit": old.name, "cluster": cluster, "year": year}
            )
        return problems


def check(reorganisation: Reorganisation, *, lock: bool = False) -> Plan:
    """Every problem of the rows, each naming its row, and what applying would do. With
    ``lock`` (inside Reorganisation.apply) the units and authorities it reads stay locked
    until the transaction ends, so that two reorganisations of the same units are applied
    one after the other, the second checked against what the first did."""
    plan = Plan()
    receiving = reorganisation.authority
    authorities: list[Authority] = []
    if reorganisation.pk:
        ending = reorganisation.ending_authorities.all()
        authorities = list(ending.select_for_update() if lock else ending)
    area = receiving.area_ids()
    if receiving.valid_to is not None:
        plan.errors.append(
            _("%(authority)s ended on %(date)s: the authority that succeeded it receives "
              "reorganisations.")
            % {"authority": receiving, "date": receiving.valid_to.strftime("%d/%m/%Y")}
        )  # fmt: skip
    for authority in authorities:
        if authority.pk not in area:
            plan.errors.append(
                _("%(authority)s is not under %(receiving)s: it cannot end here.")
                % {"authority": authority, "receiving": receiving}
            )
        elif authority.valid_to is not None:
            plan.errors.append(
                _("%(authority)s already ended on %(date)s.")
                % {"authority": authority, "date": authority.valid_to.strftime("%d/%m/%Y")}
            )
    plan.authorities = authorities
    if not reorganisation.rows:
        plan.errors.append(_("The table has no rows."))
        return plan
    in_scope = Unit.objects.filter(authority_id__in=scope_of(reorganisation, authorities))
    if lock:
        in_scope = in_scope.select_for_update(of=("self",))
    units = list(in_scope.select_related("authority"))
    known = _Known.read(reorganisation, units)
    by_name: dict[str, list[Unit]] = defaultdict(list)
    by_code: dict[str, list[Unit]] = defaultdict(list)
    for unit in units:
        by_name[fold(unit.name)].append(unit)
        if unit.code:
            by_code[fold(unit.code)].append(unit)
    current_names = {
        fold(unit.name)
        for unit in units
        if unit.authority_id == receiving.pk and unit.valid_to is None
    }
    seen_pairs: set[tuple[int, str]] = set()
    successor_given: dict[int, tuple[bool, int]] = {}  # unit pk -> (has a successor, row)
    # How many rows name each former unit and each new unit (a renaming is one and one).
    rows_from = Counter(fold(str(raw.get("old") or "")) for raw in reorganisation.rows)
    rows_into = Counter(fold(str(raw.get("new") or "")) for raw in reorganisation.rows)
    # A new unit may take the name of a unit that ends here (a merger keeping a name).
    old_names = {fold(str(raw.get("old") or "")) for raw in reorganisation.rows}
    for raw in reorganisation.rows:
        number = int(raw.get("row") or 0)
        problems: list[str] = []
        old_text = str(raw.get("old") or "").strip()
        new_text = str(raw.get("new") or "").strip()
        effective = parse_date(str(raw.get("effective") or ""))
        resolution = str(raw.get("resolution") or "").strip()
        resolution_date_text = str(raw.get("resolution_date") or "").strip()
        resolution_date = parse_date(resolution_date_text)
        kind_text = fold(str(raw.get("kind") or "")).strip()
        kind = KIND_WORDS.get(kind_text) if kind_text else None
        old: Unit | None = None
        if not old_text:
            problems.append(_("the former unit is missing."))
        else:
            matches = by_code.get(fold(old_text)) or by_name.get(fold(old_text), [])
            living = [u for u in matches if effective is None or u.is_valid_in_year(effective.year)]
            if not matches:
                problems.append(
                    _("no unit named “%(name)s” among the units of %(authorities)s.")
                    % {
                        "name": old_text,
                        "authorities": ", ".join([receiving.name, *(a.name for a in authorities)]),
                    }
                )
            elif len(living or matches) > 1:
                problems.append(
                    _("several units are named “%(name)s” (%(where)s): write the unit's code.")
                    % {
                        "name": old_text,
                        "where": ", ".join(u.authority.name for u in living or matches),
                    }
                )
            else:
                old = (living or matches)[0]
                problems.extend(known.problems(old, effective))
        if effective is None:  # out of FIRST_YEAR..LAST_YEAR too (parse_date)
            problems.append(_("the effective date “%(text)s” is not a date (dd/mm/yyyy).")
                            % {"text": raw.get("effective") or ""})  # fmt: skip
        if not resolution:
            problems.append(_("the resolution is missing."))
        if resolution_date_text and resolution_date is None:
            problems.append(
                _("the resolution date “%(text)s” is not a date (dd/mm/yyyy).")
                % {"text": resolution_date_text}
            )
        elif resolution_date and effective and resolution_date > effective:
            problems.append(
                _("the resolution is dated %(date)s, after the effective date %(effective)s.")
                % {
                    "date": resolution_date.strftime("%d/%m/%Y"),
                    "effective": effective.strftime("%d/%m/%Y"),
                }
            )
        if new_text and kind is None:
            problems.append(
                _("the kind “%(text)s” is not one of: xã, phường, thị trấn, đặc khu, cơ quan.")
                % {"text": raw.get("kind") or ""}
            )
        if len(new_text) > Unit._meta.get_field("name").max_length:  # type: ignore[operator]
            problems.append(_("the new unit's name is too long."))
        new_key = fold(new_text)
        if new_text and new_key in current_names and new_key not in old_names:
            problems.append(
                _("%(name)s already exists in %(authority)s.")
                % {"name": new_text, "authority": receiving.name}
            )
        if old is not None and (old.pk, new_key) in seen_pairs:
            problems.append(_("the same row appears twice."))
        earlier = plan.ended.get(old.pk) if old is not None else None
        if old is not None and earlier is not None and effective not in (None, earlier[1]):
            problems.append(
                _("%(unit)s ends on another date in row %(row)s.")
                % {"unit": old.name, "row": earlier[2]}
            )
        planned_new = plan.new_units.get(new_key) if new_text else None
        if planned_new is not None and kind is not None and effective is not None:  # noqa: SIM102
            if planned_new.kind != kind or planned_new.effective != effective:
                problems.append(
                    _("%(name)s has another kind or effective date in row %(row)s.")
                    % {"name": new_text, "row": planned_new.rows[0]}
                )
        continues = successor_given.get(old.pk) if old is not None else None
        if continues is not None and continues[0] != bool(new_text):
            problems.append(
                _("%(unit)s ends without a successor in one of the rows %(first)s and %(row)s "
                  "and continues in the other.")
                % {"unit": old.name if old else "", "first": continues[1], "row": number}
            )  # fmt: skip
        if (
            old is not None
            and old.authority_id == receiving.pk  # else the unit moves to the receiving one
            and new_text
            and new_key == fold(old.name)
            and kind == old.kind
            and rows_into[new_key] == 1
            and rows_from[fold(old_text)] == 1
        ):
            problems.append(
                _("%(unit)s would continue as a unit of the same name and kind: nothing "
                  "changes.")
                % {"unit": old.name}
            )  # fmt: skip
        if problems:
            plan.errors.extend(_row_error(number, problem) for problem in problems)
            plan.row_errors.setdefault(number, []).extend(problems)
            continue
        assert old is not None and effective is not None
        seen_pairs.add((old.pk, new_key))
        successor_given.setdefault(old.pk, (bool(new_text), number))
        plan.ended.setdefault(old.pk, (old, effective, number))
        if not new_text:
            continue  # the unit ends without a successor
        assert kind is not None
        if planned_new is None:
            planned_new = plan.new_units[new_key] = NewUnit(new_text, kind, effective)
        planned_new.rows.append(number)
        plan.links.append(
            PlannedLink(number, old, new_key, "", effective, resolution, resolution_date)
        )
    # Kind of each link: several parts from one unit is a split; several units into one, a
    # merger; one into one, a renaming.
    parts = defaultdict(set)
    sources = defaultdict(set)
    for link in plan.links:
        parts[link.old.pk].add(link.new_key)
        sources[link.new_key].add(link.old.pk)
    for link in plan.links:
        if len(parts[link.old.pk]) > 1:
            link.kind = UnitLink.Kind.SPLIT
        elif len(sources[link.new_key]) > 1:
            link.kind = UnitLink.Kind.MERGE
        else:
            link.kind = UnitLink.Kind.RENAME
    dates = [effective for _u, effective, _r in plan.ended.values()]
    plan.authorities_end = min(dates) if dates else None
    for authority in authorities:
        staying = [
            unit.name
            for unit in units
            if unit.authority_id == authority.pk
            and unit.valid_to is None
            and unit.pk not in plan.ended
        ]
        if staying:
            plan.warnings.append(
                _("%(count)s units of %(authority)s are not in the table and stay as they are: "
                  "%(names)s.")
                % {"count": len(staying), "authority": authority, "names": ", ".join(staying)}
            )  # fmt: skip
    return plan


# --- Applying and reversing (inside the model's transitions) ----------------------------------


def _day_before(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=1)


def execute(reorganisation: Reorganisation, plan: Plan) -> dict[str, Any]:
    """Apply a checked plan; returns what reversing needs."""
    receiving = reorganisation.authority
    undo: dict[str, Any] = {"units": {}, "authorities": {}, "created": []}
    created: dict[str, Unit] = {}
    for key, new in plan.new_units.items():
        unit = Unit(authority=receiving, name=new.name, kind=new.kind, valid_from=new.effective)
        unit.full_clean()
        unit.save()
        created[key] = unit
        undo["created"].append(unit.pk)
    first_successor: dict[int, Unit] = {}
    for link in plan.links:
        first_successor.setdefault(link.old.pk, created[link.new_key])
        record = UnitLink(
            predecessor=link.old,
            successor=created[link.new_key],
            kind=link.kind,
            effective_date=link.effective,
            resolution_number=link.resolution,
            resolution_date=link.resolution_date,
            reorganisation=reorganisation,
        )
        record.full_clean()
        record.save()
    for old, effective, _row in plan.ended.values():
        undo["units"][str(old.pk)] = [
            old.valid_to.isoformat() if old.valid_to else None,
            old.successor_id,
        ]
        old.valid_to = _day_before(effective)
        old.successor = first_successor.get(old.pk)
        old.full_clean()
        old.save(update_fields=["valid_to", "successor"])
    for authority in plan.authorities:
        undo["authorities"][str(authority.pk)] = [
            authority.valid_to.isoformat() if authority.valid_to else None,
            authority.successor_id,
        ]
        assert plan.authorities_end is not None
        authority.valid_to = _day_before(plan.authorities_end)
        authority.successor = receiving
        authority.full_clean()
        authority.save(update_fields=["valid_to", "successor"])
    return undo


def blockers(reorganisation: Reorganisation) -> list[str]:
    """Why an applied reorganisation can no longer be reversed ([] when it can): a year,
    a user or a later reorganisation uses its new units."""
    created = reorganisation.undo.get("created", [])
    reasons = [
        _("%(unit)s is a member of %(cluster)s in %(year)s.")
        % {"unit": m.unit.name, "cluster": m.cluster_year.cluster.name, "year": m.year}
        for m in Membership.objects.filter(unit_id__in=created).select_related(
            "unit", "cluster_year__cluster"
        )
    ]
    reasons += [
        _("%(unit)s has users assigned to it.") % {"unit": unit.name}
        for unit in Unit.objects.filter(pk__in=created, assignments__isnull=False).distinct()
    ]
    reasons += [
        _("%(unit)s was reorganised again later.") % {"unit": link.predecessor.name}
        for link in UnitLink.objects.filter(predecessor_id__in=created).select_related(
            "predecessor"
        )
    ]
    return reasons


def undo(reorganisation: Reorganisation) -> None:
    from django.core.exceptions import ValidationError

    # The new units stay locked while they are checked and deleted: a membership or an
    # assignment being written to one of them meanwhile waits, then finds it gone (or, written
    # first, is found by blockers()).
    list(
        Unit.objects.select_for_update()
        .filter(pk__in=reorganisation.undo.get("created", []))
        .values_list("pk", flat=True)
    )
    reasons = blockers(reorganisation)
    if reasons:
        raise ValidationError([_("The reorganisation can no longer be reversed:"), *reasons])
    state = reorganisation.undo
    for pk, (valid_to, successor_id) in state.get("units", {}).items():
        Unit.objects.filter(pk=int(pk)).update(
            valid_to=parse_date(valid_to) if valid_to else None, successor_id=successor_id
        )
    for pk, (valid_to, successor_id) in state.get("authorities", {}).items():
        Authority.objects.filter(pk=int(pk)).update(
            valid_to=parse_date(valid_to) if valid_to else None, successor_id=successor_id
        )
    UnitLink.objects.filter(reorganisation=reorganisation).delete()
    Unit.objects.filter(pk__in=state.get("created", [])).delete()
