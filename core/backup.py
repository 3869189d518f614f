"""Backup and restore of the whole application: every row (dumpdata with natural keys) and every
uploaded file (MEDIA_ROOT), in one .tar.gz with a manifest of SHA-256 sums.

``manage.py backup FILE`` writes it, readable by its owner only (it holds password hashes);
``manage.py restore FILE`` loads it into a freshly migrated, empty database (all or nothing) and
puts the files back, checking every sum. The format does not depend on the database: a SQLite
backup restores into PostgreSQL and back.

Restore streams: the rows are read, checked and saved one object at a time and every file is
copied in chunks while its sum is computed, so memory does not grow with the archive (a 612 KB
archive once took 1.9 GB when the rows were read whole and parsed at once).

Timestamps are kept to the microsecond (format 2). Django's own JSON encoder writes datetimes and
times to the millisecond (ECMA-262 style), so format 1 backups lost the sub-millisecond part of
every timestamp: a restored row was not the row that was backed up. Rows are saved raw, as
loaddata does, so auto_now and auto_now_add keep the values of the backup.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import tarfile
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.core import management, serializers
from django.core.management.color import no_style
from django.core.serializers import jsonl as jsonl_serializer
from django.core.serializers import python as python_serializer
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, transaction
from django.utils.timezone import is_aware

from .synthetic import refresh_statistics

FORMAT = 4
# The formats, and what restore does with the older ones (refusing would leave an old backup,
# perhaps the only copy, with no way back):
# 1. timestamps cut to milliseconds: restored as they are (the cut happened when it was written);
# 2. timestamps whole (ExactEncoder);
# 3. the apps as reorganised (issue 11): the award vote's models moved from scoring to results,
#    and the tier bands live only on the cluster-year. Formats 1 and 2 are upgraded on restore by
#    upgrade_row(): the vote's rows change app, and a table's own bands, which its ranking used,
#    become its year's bands, so that a finalised year keeps the tiers it was ranked with;
# 4. the rows as JSON lines (data.jsonl, one object a line) instead of one JSON list
#    (data.json), so that restore reads them as a stream. Formats 1 to 3 are still read as a
#    stream, one object of the list at a time (json_list_items).
READABLE_FORMATS = {1, 2, 3, 4}
MOVED_MODELS = {
    f"scoring.{name}": f"results.{name}"
    for name in ("ballot", "ballotcount", "historicalballot", "historicalballotcount")
}
TABLE_MODELS = {"scoring.scoringtable", "scoring.historicalscoringtable"}
ROWS_NAME = "data.jsonl"
# The dumpdata format of data.jsonl: Django's JSON lines with every timestamp whole (see
# ExactEncoder). Registered under a name of its own rather than replacing "jsonl", so nothing else
# in the project changes; the rows are read back with Django's Python deserializer.
SERIALIZATION_FORMAT = "backup-jsonl"
# Rebuilt by migrate (content types, permissions) or not worth keeping (sessions, login
# attempts, the job queue, and the PDFs made from the data, which are made again on demand:
# documents.GeneratedFile and their files under GENERATED_DIR); everything else is kept.
EXCLUDED = [
    "contenttypes", "auth.permission", "sessions", "axes", "django_tasks_database",
    "documents.generatedfile",
]  # fmt: skip
GENERATED_DIR = "generated"
CHUNK = 1024 * 1024


class BackupError(Exception):
    pass


class ExactEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder, but datetimes and times keep all six fractional digits.

    Django cuts them to three (r[:23]), so 12:00:00.000999 came back as 12:00:00 and .123456 as
    .123. Full isoformat() is what Django's deserializer reads back exactly (parse_datetime and
    parse_time take up to six digits, offsets as +00:00 or Z)."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            return o.isoformat()
        if isinstance(o, datetime.time) and not is_aware(o):
            return o.isoformat()
        return super().default(o)  # dates, decimals, UUIDs; aware times are refused as before


class Serializer(jsonl_serializer.Serializer):
    """Django's JSON lines serializer writing with ExactEncoder (dumpdata takes no encoder)."""

    def _init_options(self):
        super()._init_options()
        self.json_kwargs["cls"] = ExactEncoder


Deserializer = jsonl_serializer.Deserializer


class HashingReader(io.RawIOBase):
    """A binary stream read through, its SHA-256 and size computed on the way."""

    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        self.sha256 = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        data = self.source.read(len(buffer))
        self.sha256.update(data)
        self.size += len(data)
        buffer[: len(data)] = data
        return len(data)

    def drain(self) -> str:
        while self.read(CHUNK):
            pass
        return self.sha256.hexdigest()


def dump_rows(target: Path) -> int:
    """Every row to ``target`` as JSON lines (dumpdata streams them); the number of rows."""
    # register_serializer only imports a module by name; __name__ keeps it right if this module
    # moves. Done here, not at import, so loading this module changes no global state.
    serializers.register_serializer(SERIALIZATION_FORMAT, __name__)
    management.call_command(
        "dumpdata", natural_foreign=True, natural_primary=True, exclude=EXCLUDED,
        format=SERIALIZATION_FORMAT, output=str(target), verbosity=0,
    )  # fmt: skip
    with target.open("rb") as rows:
        return sum(1 for line in rows if line.strip())


def media_files() -> list[tuple[str, Path]]:
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return []
    return sorted(
        (path.relative_to(root).as_posix(), path)
        for path in root.rglob("*")
        if path.is_file()
        and not path.is_symlink()
        and path.relative_to(root).parts[0] != GENERATED_DIR
    )


def write_backup(target: Path) -> dict:
    """The archive at ``target``, mode 0600 from its creation: it is written to a temporary file
    that mkstemp creates with os.open(..., 0o600) in the same folder, then renamed over the
    target, so there is no moment at which it is readable by others, whatever the umask, and the
    folder's own mode is left alone."""
    target = Path(target)
    fd, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, tempfile.TemporaryDirectory() as work:
            rows_path = Path(work) / ROWS_NAME
            objects = dump_rows(rows_path)
            manifest: dict[str, Any] = {"format": FORMAT, "media": {}}
            with tarfile.open(fileobj=out, mode="w:gz") as archive:
                manifest["data"] = {
                    "name": ROWS_NAME,
                    "sha256": _add_file(archive, ROWS_NAME, rows_path),
                    "objects": objects,
                }
                for name, path in media_files():
                    manifest["media"][name] = _add_file(archive, f"media/{name}", path)
                content = json.dumps(manifest, indent=1, sort_keys=True).encode()
                info = _info("manifest.json", len(content))
                archive.addfile(info, io.BytesIO(content))
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return manifest


def _info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    return info


def _add_file(archive: tarfile.TarFile, name: str, path: Path) -> str:
    """The file copied into the archive in chunks; the SHA-256 of what was copied (not of what a
    second read might find, should the file change meanwhile)."""
    with path.open("rb") as source:
        reader = HashingReader(source)
        archive.addfile(_info(name, os.fstat(source.fileno()).st_size), reader)
    return reader.sha256.hexdigest()


def _safe_media_name(name: str) -> str:
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts:
        raise BackupError(f"unsafe file name in the backup: {name!r}")
    return path.as_posix()


def _database_is_empty() -> bool:
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label in (
            "contenttypes",
            "sessions",
            "axes",
            "django_tasks_database",
        ) or label in ("auth.permission", "documents.generatedfile"):
            continue
        if model._meta.managed and not model._meta.proxy and model._default_manager.exists():
            return False
    return True


def json_list_items(stream: IO[str]) -> Iterator[Any]:
    """The items of a JSON list, read one at a time from a text stream (the rows of formats 1 to
    3): only the item being read is held, never the whole list."""
    decoder = json.JSONDecoder()
    buffer = ""

    def more(at_least: int) -> bool:
        nonlocal buffer
        chunk = stream.read(max(CHUNK, at_least))  # doubling: a large row is decoded O(log) times
        buffer += chunk
        return bool(chunk)

    while not buffer.strip():
        if not more(0):
            raise BackupError("the rows are empty: the backup is damaged")
    buffer = buffer.lstrip()
    if not buffer.startswith("["):
        raise BackupError("the rows are not a JSON list: the backup is damaged")
    buffer = buffer[1:]
    while True:
        buffer = buffer.lstrip(" \t\r\n,")
        if not buffer:
            if not more(0):
                raise BackupError("the rows end before their list does: the backup is damaged")
            continue
        if buffer[0] == "]":
            return
        try:
            item, end = decoder.raw_decode(buffer)
        except json.JSONDecodeError:
            if not more(len(buffer)):
                raise BackupError("the rows are not valid JSON: the backup is damaged") from None
            continue
        yield item
        buffer = buffer[end:]


def upgrade_row(row: dict, bands_of_year: dict[int, object], notes: list[str]) -> dict:
    """A row of a format-1 or format-2 backup in today's layout (see FORMAT); ``bands_of_year``
    are the tables' bands by year, found by a first reading of the rows (tables come after their
    years in a dump)."""
    row["model"] = MOVED_MODELS.get(row["model"], row["model"])
    if row["model"] in TABLE_MODELS:
        row["fields"].pop("tier_bands", None)
    if row["model"] == "clusters.clusteryear" and row["pk"] in bands_of_year:
        bands = bands_of_year[row["pk"]]
        if row["fields"].get("tier_bands") != bands:
            row["fields"]["tier_bands"] = bands
            notes.append(
                f"cluster-year {row['pk']}: tier bands taken from its scoring table, "
                "which its ranking used"
            )
    return row


def _bands_of_year(rows: Iterable[dict]) -> dict[int, object]:
    found = {}
    for row in rows:
        if row["model"] == "scoring.scoringtable" and row["fields"].get("tier_bands") is not None:
            found[row["fields"]["cluster_year"]] = row["fields"]["tier_bands"]
    return found


class Archive:
    """A backup opened for restore: its members listed (one pass, nothing kept but their
    headers), its manifest read and every name checked; the rows and files read as streams."""

    def __init__(self, archive: tarfile.TarFile) -> None:
        self.archive = archive
        self.members = {member.name: member for member in archive.getmembers()}
        for member in self.members.values():
            if not member.isfile():
                raise BackupError(f"unexpected entry in the backup (not a file): {member.name!r}")
        manifest = json.loads(self.open("manifest.json").read())
        if manifest.get("format") not in READABLE_FORMATS:
            raise BackupError(
                f"unknown backup format {manifest.get('format')!r} "
                f"(this version reads formats {sorted(READABLE_FORMATS)})"
            )
        self.manifest = manifest
        self.format: int = manifest["format"]
        self.rows_name: str = manifest["data"].get("name") or "data.json"
        self.open(self.rows_name).close()  # present
        self.media = {_safe_media_name(name): digest for name, digest in manifest["media"].items()}
        for name in self.media:
            self.open(f"media/{name}").close()
        extra = {name for name in self.members if name.startswith("media/")} - {
            f"media/{name}" for name in self.media
        }
        if extra:
            raise BackupError(f"files in the backup but not in its manifest: {sorted(extra)[:5]}")
        self.notes: list[str] = []

    def open(self, name: str) -> IO[bytes]:
        if name not in self.members:
            raise BackupError(f"the backup has no {name}")
        stream = self.archive.extractfile(self.members[name])
        assert stream is not None  # a regular file, checked above
        return stream

    def rows(self, reader: HashingReader) -> Iterator[dict]:
        """The rows, in today's layout, read through ``reader`` (which sums them)."""
        text = io.TextIOWrapper(io.BufferedReader(reader, CHUNK), encoding="utf-8")
        if self.format >= 4:
            items: Iterator[dict] = (json.loads(line) for line in text if line.strip())
        else:
            items = json_list_items(text)
        if self.format >= 3:
            yield from items
            return
        with self.open(self.rows_name) as first:
            bands = _bands_of_year(json_list_items(io.TextIOWrapper(first, encoding="utf-8")))
        for row in items:
            yield upgrade_row(row, bands, self.notes)


def _load(rows: Iterable[dict]) -> Counter[str]:
    """The rows saved as loaddata saves them (raw: no save(), no auto_now, foreign keys checked
    at the end), one at a time as they are read; the number saved of each model."""
    loaded: Counter[str] = Counter()
    models = set()
    deferred = []
    objects = python_serializer.Deserializer(rows, handle_forward_references=True)
    with connection.constraint_checks_disabled():
        for obj in objects:
            obj.save()
            model = type(obj.object)
            models.add(model)
            loaded[model._meta.label_lower] += 1
            if obj.deferred_fields:
                deferred.append(obj)
        for obj in deferred:
            obj.save_deferred_fields()
    connection.check_constraints(table_names=[model._meta.db_table for model in models])
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(statement)
    return loaded


def _extract(source: IO[bytes], path: Path, digest: str, name: str) -> None:
    """One file copied in chunks, its sum checked as it is written."""
    sha256 = hashlib.sha256()
    with path.open("xb") as out:
        while chunk := source.read(CHUNK):
            sha256.update(chunk)
            out.write(chunk)
    if sha256.hexdigest() != digest:
        raise BackupError(f"{name} does not match its checksum: the backup is damaged")


def restore_backup(source: Path, *, progress: Callable[[str], None] | None = None) -> dict:
    """Load the backup at ``source``: every row and file or nothing. Returns what was actually
    loaded: ``rows`` (the number of each model's rows saved), ``files`` (the number written),
    ``format`` and ``upgrade_notes``."""
    with tarfile.open(source, "r:gz") as tar:
        backup = Archive(tar)
        if not _database_is_empty():
            raise BackupError(
                "the database is not empty: restore into a freshly migrated database "
                "(e.g. a new DATABASE_URL, then manage.py migrate)"
            )
        root = Path(settings.MEDIA_ROOT)
        clashes = [name for name in backup.media if (root / name).exists()]
        if clashes:
            raise BackupError(f"MEDIA_ROOT already holds files of the backup: {clashes[:5]}")
        written: list[Path] = []
        made: list[Path] = []
        try:
            with transaction.atomic():
                loaded = _load_checked(backup)
                for name, digest in backup.media.items():
                    path = root / name
                    for folder in reversed(path.parents):
                        if not folder.exists():
                            folder.mkdir()
                            made.append(folder)
                    written.append(path)
                    with backup.open(f"media/{name}") as stream:
                        _extract(stream, path, digest, name)
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            for folder in reversed(made):
                folder.rmdir()
            raise
    refresh_statistics()
    return {
        "format": backup.format,
        "rows": dict(loaded),
        "files": len(written),
        "upgrade_notes": backup.notes,
    }


def _load_checked(backup: Archive) -> Counter[str]:
    """The rows loaded, and their sum and number checked once they have all been read: a
    mismatch raises, and the transaction around rolls back what was saved."""
    name = backup.rows_name
    with backup.open(name) as stream:
        reader = HashingReader(stream)
        try:
            loaded = _load(backup.rows(reader))
        except (DeserializationError, DatabaseError, ValueError, KeyError, TypeError) as error:
            if reader.drain() != backup.manifest["data"]["sha256"]:
                message = f"{name} does not match its checksum: the backup is damaged"
                raise BackupError(message) from error
            raise BackupError(f"the rows could not be loaded: {error}") from error
        if reader.drain() != backup.manifest["data"]["sha256"]:
            raise BackupError(f"{name} does not match its checksum: the backup is damaged")
    expected = backup.manifest["data"].get("objects")
    if expected is not None and sum(loaded.values()) != expected:
        raise BackupError(
            f"{name} holds {sum(loaded.values())} rows, its manifest {expected}: "
            "the backup is damaged"
        )
    return loaded
