"""Benchmark: time to render the covenant PDF of 11 and 15 members, next to the WeasyPrint
floor (a one-paragraph A4 page) in the same warm process. Not a test: run on demand.

    DEBUG=1 .venv/bin/python bench/pdf_covenant.py [--repeat 15]

It builds its data in a throw-away SQLite file (var/bench.sqlite3), so the development
database is untouched. When LibreOffice is installed (`apt-get install
libreoffice-writer-nogui`; it is not a project dependency), it also times the way such documents
are made today: a .docx of the same covenant (LibreOffice's own conversion of our HTML, with the
print stylesheet) converted to PDF by `soffice --convert-to pdf`, a fresh process each time.
Results are written down in bench/README.md.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DEBUG", "1")
os.environ["DATABASE_URL"] = f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from clusters.models import Authority, Cluster, ClusterYear, Membership, Unit  # noqa: E402
from documents.rendering import html_to_pdf, render_document_html, render_pdf  # noqa: E402
from pledges.documents import DOCUMENTS, document_context, load_for_print  # noqa: E402
from pledges.services import create_pledge  # noqa: E402

FLOOR_HTML = (
    '<html><head><link rel="stylesheet" href="/static/css/print.css"></head>'
    '<body class="doc"><p>Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022.</p>'
    "</body></html>"
)


def covenant(members: int) -> int:
    authority = Authority.objects.create(name=f"UBND bench {members}", place_name="Thái Nguyên")
    cluster = Cluster.objects.create(authority=authority, name=f"Cụm thi đua {members} xã")
    cluster_year = ClusterYear.objects.create(cluster=cluster, year=2024)
    for index in range(members):
        unit = Unit.objects.create(
            authority=authority,
            name=f"xã Thành Viên Số {index + 1}",
            head_name="Nguyễn Văn Đức",
            head_title="Chủ tịch UBND xã",
        )
        Membership.objects.create(
            cluster_year=cluster_year,
            unit=unit,
            role="leader" if index == 0 else "deputy" if index == 1 else "member",
            position=index + 1,
        )
    pledge = create_pledge(cluster_year)
    pledge.legal_bases = "Căn cứ Luật Thi đua, khen thưởng;\nCăn cứ Nghị định số 98/2023/NĐ-CP;"
    pledge.save()
    return cluster_year.pk


def timed(function, repeat: int) -> tuple[float, float]:
    function()  # warm-up: fonts, templates, CSS parsing caches
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000, min(samples) * 1000


def libreoffice(pk: int, repeat: int) -> tuple[float, float, int]:
    """The covenant as .docx (made once by LibreOffice from our HTML and stylesheet), then timed
    converting that .docx to PDF, as a user's LibreOffice or a conversion script would."""
    work = ROOT / "var" / "bench-libreoffice"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    html = render_document_html(
        DOCUMENTS["giao-uoc"].template, document_context(load_for_print(pk)), for_pdf=True
    )
    css = (ROOT / "static" / "css" / "print.css").read_text()
    html = html.replace("</head>", f"<style>{css}</style></head>")
    (work / "covenant.html").write_text(html)
    soffice = ["soffice", f"-env:UserInstallation=file://{work / 'profile'}", "--headless"]

    def run(*args: str) -> None:
        subprocess.run([*soffice, *args, "--outdir", str(work)], check=True, capture_output=True)

    run("--infilter=HTML (StarWriter)", "--convert-to", "docx:MS Word 2007 XML",
        str(work / "covenant.html"))  # fmt: skip
    median, best = timed(lambda: run("--convert-to", "pdf", str(work / "covenant.docx")), repeat)
    pages = len(PdfReader(work / "covenant.pdf").pages)
    return median, best, pages


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    (ROOT / "var").mkdir(exist_ok=True)
    (ROOT / "var" / "bench.sqlite3").unlink(missing_ok=True)
    call_command("migrate", verbosity=0)
    template = DOCUMENTS["giao-uoc"].template

    rows = []
    floor_median, floor_min = timed(lambda: html_to_pdf(FLOOR_HTML), args.repeat)
    rows.append(("floor: one-paragraph A4 page", floor_median, floor_min, "", ""))
    for members in (11, 15):
        pk = covenant(members)

        def render(pk=pk):
            return render_pdf(template, document_context(load_for_print(pk)))

        with CaptureQueriesContext(connection) as queries:
            pdf = render()
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        median, best = timed(render, args.repeat)
        rows.append((f"covenant, {members} members", median, best, pages, len(queries)))
        if members == 11 and shutil.which("soffice"):
            median, best, pages = libreoffice(pk, args.repeat)
            rows.append(("LibreOffice: .docx of it to PDF", median, best, pages, ""))

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    columns = ("median ms", "min ms", "× floor", "pages", "queries")
    print(f"{'document':34} " + " ".join(f"{c:>{max(8, len(c))}}" for c in columns))
    for name, median, best, pages, queries in rows:
        print(
            f"{name:34} {median:10.1f} {best:8.1f} {median / floor_median:8.1f} "
            f"{pages!s:>6} {queries!s:>8}"
        )


if __name__ == "__main__":
    main()
