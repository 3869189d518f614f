"""Load the demo: every app's ``demo`` module, lowest layer first (clusters makes the
organisation, then the covenants, the tables and scores, the votes). Idempotent."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from core.discovery import app_modules


class Command(BaseCommand):
    help = "Load the demo clusters and users (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already has data (used by `make run`).",
        )

    @transaction.atomic
    def handle(self, *args: Any, if_empty: bool = False, **options: Any) -> None:
        modules = app_modules("demo")
        if if_empty and any(getattr(m, "has_data", lambda: False)() for m in modules):
            self.stdout.write("Demo data: the database already has data; nothing loaded.")
            self.print_logins(modules)
            return
        for module in modules:
            module.load(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.print_logins(modules)

    def print_logins(self, modules: list[ModuleType]) -> None:
        for module in modules:
            if not hasattr(module, "logins"):
                continue
            rows = module.logins()
            if not rows:
                continue
            self.stdout.write("Demo logins (username — role):")
            for username, role, full_name in rows:
                self.stdout.write(f"  {username:<22} {role:<7} {full_name}")
            self.stdout.write(module.login_help())
