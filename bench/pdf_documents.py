"""Benchmark: the PDFs of a year at realistic size, next to the WeasyPrint floor. Not a test.

    .venv/bin/python bench/pdf_documents.py [--repeat 5]

A generated cluster-year of 15 units × 60 criteria (`generate_dataset`'s generator, a closed
year with its vote) in a throw-away SQLite file (var/bench-pdf.sqlite3). Times the full path
(queries + template + WeasyPrint) of one unit's score sheet, the summary table and the
whole-year bundle (covenant, conference minutes, 15 score sheets, summary, vote minutes), warm,
median of --repeat runs (the bundle: of 3). The bundle is timed in one process and in
PDF_BUNDLE_PROCESSES forked ones (by default the machine's cores, at most 4). Results are
written down in bench/README.md.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from pages import recreate_database, setup  # noqa: E402

DATABASE = ROOT / "var" / "bench-pdf.sqlite3"
FLOOR_HTML = (
    '<html><head><link rel="stylesheet" href="/static/css/print.css"></head>'
    '<body class="doc"><p>Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022.</p>'
    "</body></html>"
)


def timed(function, repeat: int) -> tuple[float, float, bytes]:
    result = function()  # warm-up
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000, min(samples) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    (ROOT / "var").mkdir(exist_ok=True)
    url = f"sqlite:///{DATABASE}"
    recreate_database(url)
    setup(url)
    os.environ["DEBUG"] = "0"

    from django.conf import settings
    from django.core.management import call_command
    from django.test import override_settings
    from pypdf import PdfReader

    from core.synthetic import Options, generate, refresh_statistics
    from documents.rendering import html_to_pdf, render_pdf, render_pdf_bundle
    from results.bundle import year_parts
    from results.documents import summary_context
    from scoring.access import Reading
    from scoring.documents import sheet_document_context
    from scoring.models import ScoreSheet

    EVERYTHING = Reading(None, True)  # what staff read

    def bundle_in(processes: int, parts) -> bytes:
        with override_settings(PDF_BUNDLE_PROCESSES=processes):
            return render_pdf_bundle(parts)

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    year = generate(Options(clusters=1, units=15, years=1, criteria=60, last_year=2025))[0]
    refresh_statistics()
    sheet = ScoreSheet.objects.filter(table__cluster_year=year).first()

    cases = [
        ("floor: one-paragraph A4 page", lambda: html_to_pdf(FLOOR_HTML)),
        ("score sheet, 60 criteria", lambda: render_pdf(
            "scoring/print/sheet.html", sheet_document_context(sheet))),
        ("summary table, 15 units", lambda: render_pdf(
            "results/print/summary.html", summary_context(year))),
        ("whole-year bundle, 15 units, in one process",
         lambda: bundle_in(1, year_parts(year, EVERYTHING))),
        (f"whole-year bundle, 15 units, {settings.PDF_BUNDLE_PROCESSES} forked processes",
         lambda: bundle_in(settings.PDF_BUNDLE_PROCESSES, year_parts(year, EVERYTHING))),
    ]  # fmt: skip
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    floor = None
    print("| document | median ms | min ms | × floor | pages |")
    print("|---|---:|---:|---:|---:|")
    for name, function in cases:
        median, best, pdf = timed(function, 3 if "bundle" in name else args.repeat)
        floor = floor or median
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        print(
            f"| {name} | {median:.0f} | {best:.0f} | {median / floor:.1f} | {pages} |", flush=True
        )


if __name__ == "__main__":
    main()
