"""Benchmark: server time and queries of the key pages as the database grows. Not a test.

    .venv/bin/python bench/pages.py [--repeat 30] [--database-url postgres://…/giaouoc_bench]
                                    [--sizes 1,10,100] [--tail 500]

The target is one cluster-year of 15 units × 60 criteria (the open year of a generated cluster,
its sheets a mix of reviewed, submitted and in progress; its deadline a month ahead, so that
three members' sheets are open for scoring, with trails of about 60, 1,000 and 5,000 history
rows). It is measured with the rest of the
database at 1×, 10× and 100× the size of that cluster-year (more authorities, clusters and
years from `generate_dataset`). Pages are requested in-process through the whole middleware
stack (Django's test client; no HTTP), DEBUG off, warm, median of --repeat rounds in which
every page is requested once. The floor is a view that renders base.html for the same
logged-in user through the same middleware.

The database given (default: a throw-away PostgreSQL database giaouoc_bench on the local
server) is dropped and created again. Results are written down in bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import platform
import statistics
import sys
import time
import types
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/giaouoc_bench"


def recreate_database(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        Path(parts.path).unlink(missing_ok=True)
        return
    import psycopg2

    name = parts.path.lstrip("/")
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def setup(url: str) -> None:
    os.environ.update(
        DATABASE_URL=url, DEBUG="0", SECRET_KEY="bench-only-not-secret",
        ALLOWED_HOSTS="testserver", DJANGO_SETTINGS_MODULE="config.settings",
        STATIC_ROOT=str(ROOT / "var" / "bench-static"),
    )  # fmt: skip
    import django

    django.setup()


def floor_urlconf():
    """The project's URLs plus /bench-floor/: base.html for the logged-in user, nothing else."""
    from django.contrib.auth.decorators import login_required
    from django.shortcuts import render
    from django.urls import include, path

    @login_required
    def floor(request):
        return render(request, "base.html")

    module = types.ModuleType("bench_urls")
    module.urlpatterns = [
        path("bench-floor/", floor, name="bench_floor"),
        path("", include("config.urls")),
    ]
    sys.modules["bench_urls"] = module
    return "bench_urls"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--sizes", default="1,10,100")
    parser.add_argument("--tail", type=int, default=0, metavar="N",
                        help="then p99 of the grid and results over N requests, without and "
                             "with gc.freeze()")  # fmt: skip
    parser.add_argument(
        "--profile", metavar="PAGE", help="profile one page (a name below) and stop"
    )
    args = parser.parse_args()
    recreate_database(args.database_url)
    setup(args.database_url)

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from clusters.models import ClusterYear, Membership
    from core.synthetic import Options, generate, refresh_statistics
    from scoring.dataset import long_trail
    from scoring.models import Score, ScoreSheet

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    settings.ROOT_URLCONF = floor_urlconf()

    target = generate(Options(clusters=1, units=15, years=1, criteria=60, last_year=2025, seed=1))[
        0
    ]
    users = get_user_model().objects
    prefix = f"a{target.cluster.authority_id}"
    leader = target.memberships.get(role=Membership.Role.LEADER).unit
    members = [m.unit for m in target.memberships.filter(role=Membership.Role.MEMBER)[:3]]
    member = members[0]
    # An open year, as at a deadline: scoring runs for another month and the three members'
    # sheets are being scored (inputs on the page). Two of them carry a long trail.
    today = datetime.date.today()
    ClusterYear.objects.filter(pk=target.pk).update(
        self_score_deadline=today + datetime.timedelta(days=30),
        review_deadline=today + datetime.timedelta(days=45),
    )
    ScoreSheet.objects.filter(table__cluster_year=target, unit__in=members).update(
        status=ScoreSheet.Status.DRAFT, submitted_at=None, reviewed_at=None
    )
    sheet, sheet_1000, sheet_5000 = (
        ScoreSheet.objects.get(table__cluster_year=target, unit=unit) for unit in members
    )
    long_trail(sheet_1000, 1000 - Score.history.filter(sheet_id=sheet_1000.pk).count())
    long_trail(sheet_5000, 5000 - Score.history.filter(sheet_id=sheet_5000.pk).count())
    trails = {s.pk: Score.history.filter(sheet_id=s.pk).count() for s in (sheet, sheet_1000,
                                                                         sheet_5000)}  # fmt: skip
    print(f"history rows: {', '.join(str(count) for count in trails.values())}", flush=True)
    pages = [
        ("floor: base.html", "staff", "/bench-floor/"),
        ("dashboard", "staff", reverse("clusters:home")),
        ("cluster-year", "staff", reverse("clusters:cluster_year_detail", args=[target.pk])),
        (f"score sheet, {trails[sheet.pk]} history rows (clerk, open)", "member",
         reverse("scoring:sheet_detail", args=[sheet.pk])),
        (f"score sheet, {trails[sheet_1000.pk]} history rows (clerk, open)", "member1000",
         reverse("scoring:sheet_detail", args=[sheet_1000.pk])),
        (f"score sheet, {trails[sheet_5000.pk]} history rows (clerk, open)", "member5000",
         reverse("scoring:sheet_detail", args=[sheet_5000.pk])),
        ("reviewer grid (leader clerk)", "leader",
         reverse("scoring:review_grid", args=[target.pk])),
        ("results", "staff", reverse("results:results", args=[target.pk])),
        ("authority overview", "staff",
         reverse("results:authority_overview", args=[target.cluster.authority_id]) + "?nam=2025"),
        ("unit results over years", "staff", reverse("results:unit_results", args=[member.pk])),
    ]  # fmt: skip
    clients = {}
    for role, username in (("staff", f"{prefix}-canbo"), ("member", f"{prefix}-u{member.pk}"),
                           ("member1000", f"{prefix}-u{members[1].pk}"),
                           ("member5000", f"{prefix}-u{members[2].pk}"),
                           ("leader", f"{prefix}-u{leader.pk}")):  # fmt: skip
        clients[role] = Client()
        clients[role].force_login(users.get(username=username))
    for role in ("member", "member1000", "member5000"):  # the sheets are open for scoring
        url = next(url for _name, who, url in pages if who == role)
        assert 'inputmode="decimal"' in clients[role].get(url).content.decode(), url

    results: dict[str, dict[int, tuple[float, int]]] = {name: {} for name, _, _ in pages}
    added = 1
    sizes = [int(s) for s in args.sizes.split(",")]
    for size in sizes:
        missing = size - added
        if missing > 0:  # the rest of the province: other authorities, 5 years of 15 units each
            clusters = -(-missing // 5)
            generate(Options(authorities=1, clusters=clusters, units=15, years=5, criteria=60,
                             seed=size))  # fmt: skip
            added += clusters * 5
        refresh_statistics()  # as autovacuum would soon after such a load (see its docstring)
        scores = ScoreSheet.objects.count()
        if args.profile:  # at the largest size only
            if size == max(sizes):
                profile(clients, pages, args.profile, args.repeat)
                return
            continue
        samples: dict[str, list[float]] = {name: [] for name, _, _ in pages}
        for name, role, url in pages:
            client = clients[role]
            assert client.get(url).status_code == 200, (name, url)  # warm-up
            queries: list[str] = []

            def count(run, sql, *rest, queries=queries):
                queries.append(sql)
                return run(sql, *rest)

            with connection.execute_wrapper(count):
                client.get(url)
            results[name][size] = (0.0, len(queries))
        # Interleaved (every page once per round), so that the shared machine's slow spells fall
        # on all pages alike instead of on whichever page was being measured.
        for _ in range(args.repeat):
            for name, role, url in pages:
                start = time.perf_counter()
                clients[role].get(url)
                samples[name].append(time.perf_counter() - start)
        for name, _, _ in pages:
            results[name][size] = (statistics.median(samples[name]) * 1000, results[name][size][1])
        print(f"size {size}×: {added} cluster-years, {scores} score sheets", flush=True)

    with connection.cursor() as cursor:
        server = cursor.connection.server_version if connection.vendor == "postgresql" else ""
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, {connection.vendor} {server}")  # fmt: skip
    sizes = sorted(sizes)
    floor = results["floor: base.html"]
    header = " | ".join(f"{s}× ms | {s}× floor | {s}× queries" for s in sizes)
    print(f"| page | {header} |")
    print("|---|" + "---:|" * (3 * len(sizes)))
    for name, by_size in results.items():
        cells = " | ".join(
            f"{by_size[s][0]:.1f} | {by_size[s][0] / floor[s][0]:.1f} | {by_size[s][1]}"
            for s in sizes
        )
        print(f"| {name} | {cells} |")
    if args.tail:
        tail(clients, pages, args.tail)


def tail(clients, pages, requests: int) -> None:
    """p50/p99/max of the grid, the results and the floor over ``requests`` requests each
    (interleaved), without and with gc.freeze() (everything alive after start-up moved out of
    the collector's sight, as config/wsgi.py does), then without again."""
    wanted = [page for page in pages if page[0].startswith(("floor", "reviewer grid", "results"))]
    print(f"\ntail latency, {requests} requests each, in process (ms):")
    print("| gc | page | p50 | p99 | max | gen-2 collections |")
    print("|---|---|---:|---:|---:|---:|")
    for label in ("default", "gc.freeze()", "default again"):
        if label == "gc.freeze()":
            gc.collect()
            gc.freeze()
        else:
            gc.unfreeze()
        samples: dict[str, list[float]] = {name: [] for name, _, _ in wanted}
        before = gc.get_stats()[2]["collections"]
        for _ in range(requests):
            for name, role, url in wanted:
                start = time.perf_counter()
                clients[role].get(url)
                samples[name].append((time.perf_counter() - start) * 1000)
        full = gc.get_stats()[2]["collections"] - before
        for name, values in samples.items():
            values.sort()
            p50 = values[len(values) // 2]
            p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
            print(f"| {label} | {name} | {p50:.1f} | {p99:.1f} | {values[-1]:.1f} | {full} |")


def profile(clients, pages, wanted: str, repeat: int) -> None:
    """cProfile of `repeat` requests of one page, the functions that took the most time."""
    import cProfile
    import pstats

    name, role, url = next(page for page in pages if page[0].startswith(wanted))
    client = clients[role]
    client.get(url)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        client.get(url)
    profiler.disable()
    print(f"{name}: {url}, {repeat} requests")
    stats = pstats.Stats(profiler).sort_stats("tottime")
    stats.print_stats(25)
    stats.sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
