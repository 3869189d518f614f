from pathlib import Path

from django.core.management.base import BaseCommand

from core.backup import write_backup


class Command(BaseCommand):
    help = (
        "Write every row and every uploaded file to one .tar.gz, readable by its owner only "
        "(restore with `restore`)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="e.g. giaouoc-2026-11-22.tar.gz")

    def handle(self, *args, file: Path, **options):
        manifest = write_backup(file)
        self.stdout.write(
            f"{file}: {manifest['data']['objects']} rows, {len(manifest['media'])} files"
        )
