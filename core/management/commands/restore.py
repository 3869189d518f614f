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
            manifest = restore_backup(file)
        except BackupError as error:
            raise CommandError(f"nothing restored: {error}") from error
        self.stdout.write(
            f"restored {manifest['data']['objects']} rows and {len(manifest['media'])} files"
        )
