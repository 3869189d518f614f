"""A synthetic but realistic province for benchmarks and load tests (`manage.py
generate_dataset`): every app's ``dataset`` module adds its part, lowest layer first —
clusters makes the organisation and leaves its years in ``run.cluster_years``; covenants,
tables, scores and votes follow. Everything is bulk inserted; the same options and seed give
the same province."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from .discovery import app_modules


@dataclass(frozen=True)
class Options:
    authorities: int = 1
    clusters: int = 40
    units: int = 10
    years: int = 5
    criteria: int = 60
    last_year: int = 2025
    seed: int = 2026


@dataclass
class DatasetRun:
    """What the apps' generators share: the options, one random generator (so the seed decides
    everything), where to report, and the cluster-years the organisation layer made."""

    options: Options
    rng: random.Random
    stdout: Any = None
    cluster_years: list[Any] = field(default_factory=list)


def generate(options: Options, stdout: Any = None) -> list[Any]:
    """Make the province; returns its cluster-years."""
    run = DatasetRun(options=options, rng=random.Random(options.seed), stdout=stdout)
    for module in app_modules("dataset"):
        module.generate(run)
    return run.cluster_years


def refresh_statistics() -> None:
    """ANALYZE after a bulk load. PostgreSQL plans queries with the row counts it last measured,
    and until autovacuum gets round to a freshly filled table, it takes 80,000 scores for a few:
    the results page of a year then read the whole score table instead of its 15 sheets' rows
    (13 ms instead of 1 ms in bench/pages.py). SQLite keeps its own statistics the same way."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
