"""Backup and restore: every row and every uploaded file come back intact, or nothing at all."""

import datetime
import hashlib
import io
import json
import os
import shutil
import stat
import tarfile
import tracemalloc
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from clusters.models import Authority, ClusterYear
from core import backup as backup_module
from core.backup import FORMAT, dump_rows
from pledges.models import Pledge
from scoring.models import Evidence
from tests.test_url_access import member_evidence, scanned_pledge

# Real transactions: PostgreSQL will not TRUNCATE (flush) tables inside the test's own transaction.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def filled(world):
    """The world with a signed covenant's scan and a piece of evidence on a score."""
    scanned_pledge(world)
    member_evidence(world)
    return world


def files_under(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def all_rows(tmp_path: Path) -> list[dict]:
    target = tmp_path / "rows.jsonl"
    dump_rows(target)
    rows = [json.loads(line) for line in target.read_text().splitlines()]
    target.unlink()
    return rows


def wipe():
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


def test_backup_then_restore_gives_back_every_row_and_file(filled, tmp_path):
    rows_before = all_rows(tmp_path)
    media = Path(settings.MEDIA_ROOT)
    files_before = files_under(media)
    assert len(files_before) == 2 and len(rows_before) > 100
    target = tmp_path / "backup.tar.gz"
    call_command("backup", str(target), stdout=io.StringIO())

    wipe()
    assert not Authority.objects.exists() and not media.exists()
    out = io.StringIO()
    call_command("restore", str(target), stdout=out)

    assert f"restored {len(rows_before)} rows and 2 files" in out.getvalue()
    assert all_rows(tmp_path) == rows_before
    assert files_under(media) == files_before
    evidence = Evidence.objects.get()
    assert evidence.file.read() == b"%PDF-1.4"  # the row still points at its file


def test_the_pdfs_made_from_the_data_and_the_job_queue_stay_out_of_a_backup(filled, tmp_path):
    """A made bundle is made again on demand from the restored data: neither its row, nor its
    file under generated/, nor the job queue's rows go into the archive."""
    from django.core.files.base import ContentFile

    from documents.models import GeneratedFile

    made = GeneratedFile.objects.create(
        kind="bundle", key="k" * 64, subject="year-1", filename="ho-so.pdf",
        status=GeneratedFile.Status.DONE, requested_at=_at(1), queued_at=_at(2), ticket="t",
    )  # fmt: skip
    made.file.save("bundle/made.pdf", ContentFile(b"%PDF-1.7 made"), save=True)
    assert (Path(settings.MEDIA_ROOT) / made.file.name).exists()
    target = tmp_path / "backup.tar.gz"
    call_command("backup", str(target), stdout=io.StringIO())
    with tarfile.open(target) as archive:
        names = archive.getnames()
        rows = archive.extractfile(backup_module.ROWS_NAME).read().decode()
    assert not [name for name in names if "generated" in name]
    assert "documents.generatedfile" not in rows and "django_tasks_database" not in rows
    wipe()
    out = io.StringIO()
    call_command("restore", str(target), stdout=out)
    assert "restored" in out.getvalue() and not GeneratedFile.objects.exists()


# Sub-millisecond parts are what a millisecond format loses: 000999 and 000001 came back as
# .000 (and then re-dumped without a fraction), 123456 as .123.
MICROSECONDS = [123456, 999, 1, 999999, 0]


def _at(microsecond: int) -> datetime.datetime:
    return datetime.datetime(2024, 11, 15, 8, 30, 5, microsecond, tzinfo=datetime.UTC)


def _timestamps() -> dict[str, datetime.datetime]:
    """Every timestamp the test sets, by a name that survives a restore (pks are kept)."""
    found = {}
    for year in ClusterYear.objects.all():
        found[f"year {year.pk} updated_at"] = year.updated_at
    for row in ClusterYear.history.all():
        found[f"year history {row.history_id}"] = row.history_date
    for pledge in Pledge.objects.all():
        found[f"pledge {pledge.pk} signed_at"] = pledge.signed_at
        found[f"pledge {pledge.pk} scan_uploaded_at"] = pledge.scan_uploaded_at
    for evidence in Evidence.objects.all():
        found[f"evidence {evidence.pk} uploaded_at"] = evidence.uploaded_at
    return found


def test_timestamps_come_back_to_the_microsecond(filled, tmp_path):
    """Deterministic: the round trip above failed only when some row's clock happened to fall on
    a sub-millisecond value; here every such value is set on purpose, through .update() (which
    leaves auto_now alone), on plain rows, history rows and a row with a file."""
    ClusterYear.objects.filter(pk=filled.cluster_year.pk).update(updated_at=_at(123456))
    ClusterYear.objects.filter(pk=filled.other_cluster_year.pk).update(updated_at=_at(999))
    history = list(ClusterYear.history.order_by("history_id"))
    assert len(history) >= 2
    for row, microsecond in zip(history, MICROSECONDS, strict=False):
        ClusterYear.history.filter(history_id=row.history_id).update(history_date=_at(microsecond))
    Pledge.objects.filter(pk=filled.pledge.pk).update(signed_at=_at(1), scan_uploaded_at=_at(0))
    Evidence.objects.update(uploaded_at=_at(999999))
    before = _timestamps()
    assert {value.microsecond for value in before.values() if value} >= {123456, 999, 1, 999999}
    target = tmp_path / "backup.tar.gz"
    call_command("backup", str(target), stdout=io.StringIO())

    wipe()
    call_command("restore", str(target), stdout=io.StringIO())

    assert _timestamps() == before
    with tarfile.open(target) as archive:
        manifest = json.loads(archive.extractfile("manifest.json").read())
    assert manifest["format"] == FORMAT == 4


def test_restore_refuses_a_database_that_is_not_empty(filled, tmp_path):
    target = tmp_path / "backup.tar.gz"
    call_command("backup", str(target), stdout=io.StringIO())
    with pytest.raises(CommandError, match="database is not empty"):
        call_command("restore", str(target))


def _rewrite(source: Path, target: Path, change) -> None:
    with tarfile.open(source, "r:gz") as old, tarfile.open(target, "w:gz") as new:
        for member in old.getmembers():
            content = old.extractfile(member).read()
            name, content = change(member.name, content)
            info = tarfile.TarInfo(name)
            info.size = len(content)
            new.addfile(info, io.BytesIO(content))


def _escaping(name: str, content: bytes) -> tuple[str, bytes]:
    """Every file renamed to climb out of MEDIA_ROOT, in the archive and in its manifest."""
    if name.startswith("media/"):
        return "media/../../" + Path(name).name, content
    if name == "manifest.json":
        manifest = json.loads(content)
        manifest["media"] = {"../../" + Path(k).name: v for k, v in manifest["media"].items()}
        return name, json.dumps(manifest).encode()
    return name, content


def _manifest_format(value):
    def change(name: str, content: bytes) -> tuple[str, bytes]:
        if name == "manifest.json":
            return name, json.dumps({**json.loads(content), "format": value}).encode()
        return name, content

    return change


def test_a_format_1_backup_still_restores(filled, tmp_path):
    """Format 1 differs only in how finely it wrote timestamps; its rows load as they are."""
    good = tmp_path / "good.tar.gz"
    call_command("backup", str(good), stdout=io.StringIO())
    old = tmp_path / "old.tar.gz"
    _as_old_format(good, old, 1)
    wipe()
    call_command("restore", str(old), stdout=io.StringIO())
    assert Evidence.objects.get().file.read() == b"%PDF-1.4"


def test_a_format_3_backup_restores_its_rows_read_as_a_stream(filled, tmp_path):
    rows_before = all_rows(tmp_path)
    good, old = tmp_path / "good.tar.gz", tmp_path / "old.tar.gz"
    call_command("backup", str(good), stdout=io.StringIO())
    _as_old_format(good, old, 3)
    wipe()
    call_command("restore", str(old), stdout=io.StringIO())
    assert all_rows(tmp_path) == rows_before


def test_a_backup_of_an_unknown_format_restores_nothing(filled, tmp_path):
    good = tmp_path / "good.tar.gz"
    call_command("backup", str(good), stdout=io.StringIO())
    newer = tmp_path / "newer.tar.gz"
    _rewrite(good, newer, _manifest_format(FORMAT + 1))
    wipe()
    with pytest.raises(CommandError, match=f"unknown backup format {FORMAT + 1}"):
        call_command("restore", str(newer))
    assert not Authority.objects.exists()


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda n, c: (n, c.replace(b"minh-chung", b"minh-chunG")) if n == "data.jsonl" else (n, c),
         "data.jsonl does not match"),
        (lambda n, c: (n, c[: len(c) // 2]) if n == "data.jsonl" else (n, c),
         "data.jsonl does not match"),
        (lambda n, c: (n, b"tampered") if n.startswith("media/") else (n, c),
         "does not match its checksum"),
        (lambda n, c: ("media/extra.pdf", c) if n.startswith("media/") else (n, c),
         "has no media/"),
        (_escaping, "unsafe file name"),
    ],
    ids=["rows", "cut-rows", "file", "missing-file", "path-traversal"],
)  # fmt: skip
def test_a_damaged_backup_restores_nothing(filled, tmp_path, change, message):
    good = tmp_path / "good.tar.gz"
    call_command("backup", str(good), stdout=io.StringIO())
    bad = tmp_path / "bad.tar.gz"
    _rewrite(good, bad, change)
    wipe()
    with pytest.raises(CommandError, match=message):
        call_command("restore", str(bad))
    assert not Authority.objects.exists()
    assert not Path(settings.MEDIA_ROOT).exists() or not files_under(Path(settings.MEDIA_ROOT))
    assert not list(tmp_path.parent.glob("*.pdf")) and not list(tmp_path.glob("*.pdf"))


def test_a_failure_while_loading_leaves_neither_rows_nor_files(filled, tmp_path, monkeypatch):
    target = tmp_path / "backup.tar.gz"
    call_command("backup", str(target), stdout=io.StringIO())
    wipe()
    real_extract = backup_module._extract
    calls = []

    def crash_on_the_second_file(source, path, digest, name):
        calls.append(path)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_extract(source, path, digest, name)

    monkeypatch.setattr(backup_module, "_extract", crash_on_the_second_file)
    with pytest.raises(OSError, match="disk full"):
        call_command("restore", str(target))
    monkeypatch.undo()
    assert not Authority.objects.exists()
    assert not files_under(Path(settings.MEDIA_ROOT))


def _as_old_format(source: Path, target: Path, version: int, change_row=None) -> None:
    """A backup as formats 1 to 3 wrote it: the rows as one JSON list in data.json."""
    with tarfile.open(source, "r:gz") as old:
        contents = {m.name: old.extractfile(m).read() for m in old.getmembers()}
    rows = [json.loads(line) for line in contents.pop("data.jsonl").decode().splitlines()]
    for row in rows:
        if change_row:
            change_row(row)
    contents["data.json"] = json.dumps(rows).encode()
    manifest = json.loads(contents["manifest.json"])
    manifest["format"] = version
    manifest["data"] = {
        "name": "data.json",
        "objects": len(rows),
        "sha256": hashlib.sha256(contents["data.json"]).hexdigest(),
    }
    contents["manifest.json"] = json.dumps(manifest).encode()
    with tarfile.open(target, "w:gz") as new:
        for name, content in contents.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            new.addfile(info, io.BytesIO(content))


def _as_format_2(source: Path, target: Path, table_bands: list) -> None:
    """A backup as the layout before issue 11 wrote it: the vote's models under scoring, and
    each scoring table with tier bands of its own."""

    def change(row: dict) -> None:
        if row["model"].startswith("results."):
            row["model"] = row["model"].replace("results.", "scoring.", 1)
        if row["model"] in ("scoring.scoringtable", "scoring.historicalscoringtable"):
            row["fields"]["tier_bands"] = table_bands

    _as_old_format(source, target, 2, change)


def test_a_backup_from_before_the_results_app_restores_into_todays_layout(filled, tmp_path, world):
    from results.models import Ballot, BallotCount

    ballot = Ballot.objects.create(table=world.table, award="Cờ thi đua")  # published by filled
    BallotCount.objects.create(ballot=ballot, unit=world.member, votes=3)
    year_pk = ballot.table.cluster_year_id
    ranked_with = [{"name": "Xuất sắc", "min_percent": "95"}]  # not the year's own bands
    assert ClusterYear.objects.get(pk=year_pk).tier_bands != ranked_with
    good, old = tmp_path / "good.tar.gz", tmp_path / "old.tar.gz"
    call_command("backup", str(good), stdout=io.StringIO())
    _as_format_2(good, old, ranked_with)
    wipe()
    call_command("restore", str(old), stdout=io.StringIO())
    restored = Ballot.objects.get()
    assert restored.award == "Cờ thi đua" and restored.counts.get().votes == 3
    assert restored.history.exists()
    # A finalised year keeps the tiers it was ranked with: its table's bands become the year's.
    assert ClusterYear.objects.get(pk=year_pk).tier_bands == ranked_with


def test_issued_documents_come_back_byte_for_byte(filled, tmp_path):
    """The register's frozen copies (binary, any byte) and its corrections survive a round trip:
    same bytes, same hash, same chain, the numbers' counter where it was."""
    from issuing.models import IssuedDocument, RegisterCounter
    from issuing.services import issue_document

    def render(template: str, context: dict) -> bytes:
        return bytes(range(256)) + context["issued"]["code"].encode()

    first = issue_document(cluster_year=filled.cluster_year, slug="giao-uoc",
                           by=filled.users["staff"], render=render)  # fmt: skip
    second = issue_document(cluster_year=filled.cluster_year, slug="giao-uoc",
                            by=filled.users["staff"], render=render, supersede=first)  # fmt: skip
    before = {d.code: (bytes(d.pdf), d.sha256, d.number) for d in IssuedDocument.objects.all()}
    target = tmp_path / "backup.tar.gz"
    call_command("backup", str(target), stdout=io.StringIO())
    wipe()
    call_command("restore", str(target), stdout=io.StringIO())

    after = {d.code: (bytes(d.pdf), d.sha256, d.number) for d in IssuedDocument.objects.all()}
    assert after == before
    for pdf, sha256, _number in after.values():
        assert hashlib.sha256(pdf).hexdigest() == sha256
    assert IssuedDocument.objects.get(code=second.code).supersedes.code == first.code
    assert RegisterCounter.objects.get().last_number == 2


def test_the_archive_is_readable_by_its_owner_only_from_its_creation(filled, tmp_path, monkeypatch):
    """It holds password hashes: 0600 whatever the umask, never renamed into place wider, and its
    folder left as it was."""
    folder = tmp_path / "backups"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    modes_before_rename = []
    real_replace = os.replace

    def replace(source, target):
        modes_before_rename.append(stat.S_IMODE(os.stat(source).st_mode))
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    old_umask = os.umask(0)
    try:
        call_command("backup", str(folder / "backup.tar.gz"), stdout=io.StringIO())
    finally:
        os.umask(old_umask)
    assert modes_before_rename == [0o600]
    assert stat.S_IMODE((folder / "backup.tar.gz").stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755
    assert [p.name for p in folder.iterdir()] == ["backup.tar.gz"]  # no partial file left


def _auto_timestamps() -> dict[tuple[str, object, str], datetime.datetime]:
    """Every auto_now and auto_now_add value of every row, by model, pk and field."""
    from django.apps import apps

    found = {}
    for model in apps.get_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        ]
        if not fields or not model._meta.managed or model._meta.proxy:
            continue
        for row in model._base_manager.values("pk", *fields):
            for name in fields:
                found[(model._meta.label_lower, row["pk"], name)] = row[name]
    return found


def test_auto_now_and_auto_now_add_fields_come_back_to_the_microsecond(filled, tmp_path):
    """created_at, updated_at and the like are not stamped anew by the load: every such value of
    every model, each set to its own sub-millisecond instant, is the same after a round trip."""
    from django.apps import apps

    microsecond = 1
    for (label, pk, name), _value in _auto_timestamps().items():
        model = apps.get_model(label)
        model._base_manager.filter(pk=pk).update(**{name: _at(microsecond % 1_000_000)})
        microsecond = microsecond * 7 + 3
    before = _auto_timestamps()
    assert len(before) > 10
    assert len({value.microsecond for value in before.values()}) > 10
    target = tmp_path / "backup.tar.gz"
    call_command("backup", str(target), stdout=io.StringIO())
    wipe()
    call_command("restore", str(target), stdout=io.StringIO())
    assert _auto_timestamps() == before


def test_restore_reports_the_rows_it_loaded_per_model(filled, tmp_path):
    from issuing.models import RegisterCounter  # noqa: F401 - the models exist

    expected = {}
    for row in all_rows(tmp_path):
        expected[row["model"]] = expected.get(row["model"], 0) + 1
    target = tmp_path / "backup.tar.gz"
    call_command("backup", str(target), stdout=io.StringIO())
    wipe()
    out = io.StringIO()
    call_command("restore", str(target), stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == f"restored {sum(expected.values())} rows and 2 files"
    assert lines[1:] == [f"  {label}: {count}" for label, count in sorted(expected.items())]


def test_a_manifest_that_announces_other_numbers_is_not_what_is_reported(filled, tmp_path):
    """The manifest says 5 rows more than data.jsonl holds: refused, nothing loaded."""

    def lie(name: str, content: bytes) -> tuple[str, bytes]:
        if name == "manifest.json":
            manifest = json.loads(content)
            manifest["data"]["objects"] += 5
            return name, json.dumps(manifest).encode()
        return name, content

    good, bad = tmp_path / "good.tar.gz", tmp_path / "bad.tar.gz"
    call_command("backup", str(good), stdout=io.StringIO())
    _rewrite(good, bad, lie)
    wipe()
    with pytest.raises(CommandError, match="its manifest"):
        call_command("restore", str(bad))
    assert not Authority.objects.exists()


def test_the_rows_of_an_old_backup_are_read_one_item_at_a_time(monkeypatch):
    """Rows larger than a read, split anywhere, come back whole (formats 1 to 3)."""
    monkeypatch.setattr(backup_module, "CHUNK", 7)
    items = [{"model": "a.b", "fields": {"text": "x" * 100, "n": n}} for n in range(20)]
    text = io.StringIO(" \n[" + ",\n ".join(json.dumps(item) for item in items) + "]\n")
    assert list(backup_module.json_list_items(text)) == items
    with pytest.raises(backup_module.BackupError, match="before their list does"):
        list(backup_module.json_list_items(io.StringIO(json.dumps(items)[:-1])))


def _synthetic_backup(target: Path, scale: int) -> None:
    """A format-4 archive of ``scale`` × (300 groups and a 1 MB file), not compressible."""
    rows = b"".join(
        json.dumps({"model": "auth.group", "fields": {"name": f"{n:06d}" + "g" * 140,
                                                      "permissions": []}}).encode() + b"\n"
        for n in range(300 * scale)
    )  # fmt: skip
    media = os.urandom(1024 * 1024 * scale)
    manifest = {
        "format": 4,
        "data": {"name": "data.jsonl", "sha256": hashlib.sha256(rows).hexdigest(),
                 "objects": 300 * scale},
        "media": {"big.bin": hashlib.sha256(media).hexdigest()},
    }  # fmt: skip
    with tarfile.open(target, "w:gz") as archive:
        for name, content in (("data.jsonl", rows), ("media/big.bin", media),
                              ("manifest.json", json.dumps(manifest).encode())):  # fmt: skip
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))


def _peak_of_restore(target: Path) -> int:
    wipe()
    tracemalloc.start()
    try:
        backup_module.restore_backup(target)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_restore_memory_does_not_grow_with_the_archive(tmp_path):
    """Structural, not a timing: the rows are saved and the file is copied as they are read, so
    four times the data does not take four times the memory (reading either whole did)."""
    small, large = tmp_path / "small.tar.gz", tmp_path / "large.tar.gz"
    _synthetic_backup(small, 1)
    _synthetic_backup(large, 4)
    _peak_of_restore(small)  # warms Django's caches, which are not the archive's
    peak_small = _peak_of_restore(small)
    peak_large = _peak_of_restore(large)
    print(f"restore peak: {peak_small / 1e6:.2f} MB for 1×, {peak_large / 1e6:.2f} MB for 4×")
    assert peak_large < 2 * peak_small
    assert peak_large < 4 * 1024 * 1024  # less than the 4 MB file alone
