from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Load a backup made by `backup` into a freshly migrated, empty database (all or nothing)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            loaded = restore_backup(file)
        except BackupError as error:
            raise CommandError(f"nothing restored: {error}") from error
        # What was saved and written, counted as it was, not what the manifest announces.
        rows = loaded["rows"]
        self.stdout.write(f"restored {sum(rows.values())} rows and {loaded['files']} files")
        for label, count in sorted(rows.items()):
            self.stdout.write(f"  {label}: {count}")
        for note in loaded["upgrade_notes"]:
            self.stdout.write(f"  note: {note}")
