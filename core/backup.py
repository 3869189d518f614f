"""Backup and restore of the whole application: every row (dumpdata with natural keys) and every
uploaded file (MEDIA_ROOT), in one .tar.gz with a manifest of SHA-256 sums.

``manage.py backup FILE`` writes it; ``manage.py restore FILE`` loads it into a freshly migrated,
empty database (all or nothing) and puts the files back, checking every sum. The format does not
depend on the database: a SQLite backup restores into PostgreSQL and back.

Timestamps are kept to the microsecond (format 2). Django's own JSON encoder writes datetimes and
times to the millisecond (ECMA-262 style), so format 1 backups lost the sub-millisecond part of
every timestamp: a restored row was not the row that was backed up.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core import management, serializers
from django.core.serializers import json as json_serializer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils.timezone import is_aware

from .synthetic import refresh_statistics

FORMAT = 3
# The formats, and what restore does with the older ones (refusing would leave an old backup,
# perhaps the only copy, with no way back):
# 1. timestamps cut to milliseconds: restored as they are (the cut happened when it was written);
# 2. timestamps whole (ExactEncoder);
# 3. the apps as reorganised (issue 11): the award vote's models moved from scoring to results,
#    and the tier bands live only on the cluster-year. Formats 1 and 2 are upgraded on restore by
#    upgrade_rows(): the vote's rows change app, and a table's own bands, which its ranking used,
#    become its year's bands, so that a finalised year keeps the tiers it was ranked with.
READABLE_FORMATS = {1, 2, 3}
MOVED_MODELS = {
    f"scoring.{name}": f"results.{name}"
    for name in ("ballot", "ballotcount", "historicalballot", "historicalballotcount")
}
TABLE_MODELS = {"scoring.scoringtable", "scoring.historicalscoringtable"}
# The dumpdata format of data.json: Django's JSON with every timestamp whole (see ExactEncoder).
# Registered under a name of its own rather than replacing "json", so nothing else in the project
# changes; loaddata reads the file as plain "json" (the Deserializer is Django's).
SERIALIZATION_FORMAT = "backup-json"
# Rebuilt by migrate (content types, permissions) or not worth keeping (sessions, login
# attempts); everything else is kept.
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "axes"]


class BackupError(Exception):
    pass


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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


class Serializer(json_serializer.Serializer):
    """Django's JSON serializer writing with ExactEncoder: dumpdata takes no encoder option."""

    def _init_options(self):
        super()._init_options()
        self.json_kwargs["cls"] = ExactEncoder


Deserializer = json_serializer.Deserializer


def dump_rows() -> bytes:
    # register_serializer only imports a module by name; __name__ keeps it right if this module
    # moves. Done here, not at import, so loading this module changes no global state.
    serializers.register_serializer(SERIALIZATION_FORMAT, __name__)
    out = io.StringIO()
    management.call_command(
        "dumpdata", natural_foreign=True, natural_primary=True, exclude=EXCLUDED,
        indent=None, format=SERIALIZATION_FORMAT, stdout=out,
    )  # fmt: skip
    return out.getvalue().encode()


def media_files() -> list[tuple[str, Path]]:
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return []
    return sorted(
        (path.relative_to(root).as_posix(), path)
        for path in root.rglob("*")
        if path.is_file() and not path.is_symlink()
    )


def write_backup(target: Path) -> dict:
    rows = dump_rows()
    files = media_files()
    manifest = {
        "format": FORMAT,
        "data": {"name": "data.json", "sha256": _sha256(rows), "objects": len(json.loads(rows))},
        "media": {},
    }
    with tarfile.open(target, "w:gz") as archive:
        _add(archive, "data.json", rows)
        for name, path in files:
            content = path.read_bytes()
            manifest["media"][name] = _sha256(content)
            _add(archive, f"media/{name}", content)
        _add(archive, "manifest.json", json.dumps(manifest, indent=1, sort_keys=True).encode())
    return manifest


def _add(archive: tarfile.TarFile, name: str, content: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(content))


def _safe_media_name(name: str) -> str:
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts:
        raise BackupError(f"unsafe file name in the backup: {name!r}")
    return path.as_posix()


def _database_is_empty() -> bool:
    for model in apps.get_models():
        label = model._meta.label_lower
        if (
            model._meta.app_label in ("contenttypes", "sessions", "axes")
            or label == "auth.permission"
        ):
            continue
        if model._meta.managed and not model._meta.proxy and model._default_manager.exists():
            return False
    return True


def read_backup(source: Path) -> tuple[dict, bytes, dict[str, bytes]]:
    """The manifest, the rows and the files, every sum checked; nothing is written."""
    with tarfile.open(source, "r:gz") as archive:
        members = {member.name: member for member in archive.getmembers()}
        for member in members.values():
            if not member.isfile():
                raise BackupError(f"unexpected entry in the backup (not a file): {member.name!r}")

        def read(name: str) -> bytes:
            if name not in members:
                raise BackupError(f"the backup has no {name}")
            return archive.extractfile(members[name]).read()

        manifest = json.loads(read("manifest.json"))
        if manifest.get("format") not in READABLE_FORMATS:
            raise BackupError(
                f"unknown backup format {manifest.get('format')!r} "
                f"(this version reads formats {sorted(READABLE_FORMATS)})"
            )
        rows = read("data.json")
        if _sha256(rows) != manifest["data"]["sha256"]:
            raise BackupError("data.json does not match its checksum: the backup is damaged")
        files = {}
        for name, digest in manifest["media"].items():
            content = read(f"media/{_safe_media_name(name)}")
            if _sha256(content) != digest:
                raise BackupError(f"{name} does not match its checksum: the backup is damaged")
            files[name] = content
        extra = {name for name in members if name.startswith("media/")} - {
            f"media/{name}" for name in files
        }
        if extra:
            raise BackupError(f"files in the backup but not in its manifest: {sorted(extra)[:5]}")
    return manifest, rows, files


def upgrade_rows(rows: bytes, version: int) -> tuple[bytes, list[str]]:
    """The rows of a format-1 or format-2 backup in today's layout (see FORMAT), with notes on
    what changed beyond the move (years whose bands were taken from their table)."""
    if version >= 3:
        return rows, []
    objects = json.loads(rows)
    notes: list[str] = []
    bands_of_year: dict[int, object] = {}
    for row in objects:
        row["model"] = MOVED_MODELS.get(row["model"], row["model"])
        if row["model"] in TABLE_MODELS:
            bands = row["fields"].pop("tier_bands", None)
            if row["model"] == "scoring.scoringtable" and bands is not None:
                bands_of_year[row["fields"]["cluster_year"]] = bands
    for row in objects:
        if row["model"] == "clusters.clusteryear" and row["pk"] in bands_of_year:
            bands = bands_of_year[row["pk"]]
            if row["fields"].get("tier_bands") != bands:
                row["fields"]["tier_bands"] = bands
                notes.append(
                    f"cluster-year {row['pk']}: tier bands taken from its scoring table, "
                    "which its ranking used"
                )
    return json.dumps(objects).encode(), notes


def restore_backup(source: Path) -> dict:
    manifest, rows, files = read_backup(source)
    rows, manifest["upgrade_notes"] = upgrade_rows(rows, manifest["format"])
    if not _database_is_empty():
        raise BackupError(
            "the database is not empty: restore into a freshly migrated database "
            "(e.g. a new DATABASE_URL, then manage.py migrate)"
        )
    root = Path(settings.MEDIA_ROOT)
    clashes = [name for name in files if (root / name).exists()]
    if clashes:
        raise BackupError(f"MEDIA_ROOT already holds files of the backup: {clashes[:5]}")
    with tempfile.NamedTemporaryFile(suffix=".json") as fixture:
        fixture.write(rows)
        fixture.flush()
        written: list[Path] = []
        try:
            with transaction.atomic():
                management.call_command("loaddata", fixture.name, verbosity=0)
                for name, content in files.items():
                    path = root / name
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(content)
                    written.append(path)
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            raise
    refresh_statistics()
    return manifest
