import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.synthetic import Options, generate, refresh_statistics


class Command(BaseCommand):
    help = "Add a synthetic but realistic province (for benchmarks and load tests)"

    def add_arguments(self, parser):
        defaults = Options()
        for name in ("authorities", "clusters", "units", "years", "criteria", "last_year", "seed"):
            parser.add_argument(f"--{name.replace('_', '-')}", type=int,
                                default=getattr(defaults, name))  # fmt: skip

    def handle(self, *args, **options):
        chosen = Options(**{name: options[name] for name in Options.__dataclass_fields__})
        started = time.perf_counter()
        try:
            with transaction.atomic():  # all or nothing
                generate(chosen, stdout=self.stdout)
        except ValueError as error:  # an option the generator cannot honour
            raise CommandError(f"nothing generated: {error}") from error
        refresh_statistics()
        self.stdout.write(f"done in {time.perf_counter() - started:.1f} s")
