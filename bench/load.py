"""Load test: gunicorn (sync workers, as the README runs it in production) on loopback, driven by
wrk for a bounded time at 16 and 64 concurrent connections, against the score sheet page, the
score save (htmx POST, every request a real write) and the results page, next to /healthz (one
query, a few bytes of JSON: what the stack itself costs). Not a test: run on demand.

    .venv/bin/python bench/load.py [--seconds 20] [--workers 4] [--connections 16,64]
        [--server gunicorn-sync --server gunicorn-gthread --server granian] [--threads 4]
        [--scenarios healthz,sheet,save,results]

Needs Debian's wrk (`apt-get install wrk`) and the local PostgreSQL. The database
giaouoc_load is dropped and created again; the data is one generated cluster-year of
15 units × 60 criteria whose scoring is open. Prints throughput, p50/p95/p99 latency, errors and
the memory (RSS) of each worker before and after. Results are written down in bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
URL = "postgres://postgres@127.0.0.1:5432/giaouoc_load"
PORT = 8765

from pages import recreate_database, setup  # noqa: E402


def worker_rss(master: int) -> list[int]:
    """RSS in MiB of the gunicorn workers (children of the master process)."""
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{master}$", text, re.M):
            sizes.append(int(re.search(r"^VmRSS:\s+(\d+)", text, re.M).group(1)) // 1024)
    return sorted(sizes)


def server_command(name: str, workers: int, threads: int) -> list[str]:
    """The command line of an application server serving config.wsgi on PORT."""
    bin_dir = ROOT / ".venv" / "bin"
    gunicorn = [str(bin_dir / "gunicorn"), "config.wsgi", "--workers", str(workers),
                "--bind", f"127.0.0.1:{PORT}", "--timeout", "30", "--log-level", "warning",
                "--no-control-socket"]  # fmt: skip
    if name == "gunicorn-sync":
        return gunicorn
    if name == "gunicorn-gthread":
        return [*gunicorn, "--worker-class", "gthread", "--threads", str(threads)]
    if name == "granian":
        return [str(bin_dir / "granian"), "--interface", "wsgi", "--workers", str(workers),
                "--blocking-threads", "1", "--host", "127.0.0.1", "--port", str(PORT),
                "--log-level", "warning", "config.wsgi:application"]  # fmt: skip
    raise ValueError(name)


SERVERS = ("gunicorn-sync", "gunicorn-gthread", "granian")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", default="16,64")
    parser.add_argument(
        "--server", choices=sorted(SERVERS), action="append",
        help="the application server(s) to measure, one after the other on the same data "
        "(default: gunicorn-sync)",
    )  # fmt: skip
    parser.add_argument("--threads", type=int, default=4, help="threads a worker (gthread)")
    parser.add_argument(
        "--scenarios", default="static,sheet,save,results",
        help="comma-separated: static (the floor: the stack's own cost), healthz, sheet, save, "
        "results",
    )  # fmt: skip
    args = parser.parse_args()
    recreate_database(URL)
    setup(URL)

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.utils.crypto import get_random_string

    from core.synthetic import Options, generate, refresh_statistics
    from scoring.models import Score

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    target = generate(Options(clusters=1, units=15, years=1, criteria=60, last_year=2026, seed=1))[
        0
    ]
    refresh_statistics()
    drafts = Score.objects.filter(sheet__table__cluster_year=target, sheet__status="draft")
    drafts.update(self_value=None, version=0)
    staff = get_user_model().objects.get(username=f"a{target.cluster.authority_id}-canbo")
    client = Client()
    client.force_login(staff)
    csrf = get_random_string(32)
    cookie = f"sessionid={client.cookies['sessionid'].value}; csrftoken={csrf}"

    env = {**os.environ, "ALLOWED_HOSTS": "127.0.0.1"}
    rows = []
    for server_name in args.server or ["gunicorn-sync"]:
        rows += measure(server_name, args, env, target, drafts, cookie, csrf)
    print_table(rows)


def measure(server_name, args, env, target, drafts, cookie, csrf) -> list:
    from django.urls import reverse

    command = server_command(server_name, args.workers, args.threads)
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        print(f"{' '.join(command)}: RSS MiB at start {worker_rss(server.pid)}")
        sheet = drafts.first().sheet
        every = {
            "static": ("floor: a static file through whitenoise (GET)", "get",
                       "/static/img/favicon.svg"),
            "healthz": ("/healthz (GET: a fresh database connection each time)", "get",
                        "/healthz"),
            "sheet": ("score sheet page (GET)", "get",
                      reverse("scoring:sheet_detail", args=[sheet.pk])),
            "save": ("score save (POST)", "save", ""),
            "results": ("results page (GET)", "get", reverse("results:results", args=[target.pk])),
        }  # fmt: skip
        scenarios = [every[name] for name in args.scenarios.split(",")]
        rows = []
        for name, mode, path in scenarios:
            for connections in [int(c) for c in args.connections.split(",")]:
                scores = ",".join(f"{pk}:{v}" for pk, v in drafts.values_list("pk", "version"))
                run_env = {
                    **env, "LOAD_MODE": mode, "LOAD_COOKIE": cookie, "LOAD_CSRF": csrf,
                    "LOAD_SCORES": scores, "LOAD_PATH": path, "LOAD_THREADS": "2",
                }  # fmt: skip
                output = subprocess.run(
                    ["wrk", "-t2", f"-c{connections}", f"-d{args.seconds}s", "--timeout", "10s",
                     "-s", str(ROOT / "bench" / "load.lua"), f"http://127.0.0.1:{PORT}/"],
                    env=run_env, capture_output=True, text=True, check=True,
                )  # fmt: skip
                sys.stderr.write(output.stderr)
                output = output.stdout
                line = next(x for x in output.splitlines() if x.startswith("RESULT"))
                figures = dict(pair.split("=") for pair in line.split()[1:])
                time.sleep(5)  # let requests still in flight when wrk stopped finish first
                rss = worker_rss(server.pid)
                rows.append((server_name, name, connections, figures, rss))
                print(server_name, name, connections, line, "RSS", rss, flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
        time.sleep(2)  # the port free again for the next server
    return rows


def print_table(rows: list) -> None:
    columns = (
        "server, scenario, connections, requests/s, p50 ms, p95 ms, p99 ms, errors, "
        "stale (harness), worker RSS MiB"
    )
    print("| " + " | ".join(columns.split(", ")) + " |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|---|")
    for server_name, name, connections, f, rss in rows:
        errors = int(f["failed"]) + int(f["socket_errors"])
        rss_text = ", ".join(map(str, rss))
        print(f"| {server_name} | {name} | {connections} | {float(f['rps']):.0f} | {f['p50']} | "
              f"{f['p95']} | {f['p99']} | {errors} of {f['requests']} | {f['stale']} | "
              f"{rss_text} |")  # fmt: skip


if __name__ == "__main__":
    main()
