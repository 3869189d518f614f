"""The year's bundle: every document of the year its reader may read, as one PDF, made by a
background job (documents/jobs.py) rather than in the request. The page shows where the job is
(refreshing itself while it runs) and asks for it; the file is served until the data change."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_htmx.middleware import HtmxDetails

from clusters.access import get_cluster_year_for_user
from clusters.links import year_crumbs
from clusters.models import ClusterYear
from core.ids import parse_id
from documents import jobs
from scoring.access import reading_of

from ..bundle import YEAR_BUNDLE, bundle_filename, bundle_params, year_parts

# How often the page asks again while the file is being made (seconds).
POLL_SECONDS = 2


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails  # set by django-htmx's middleware


def _still_making(request: HttpRequest, pk: int) -> tuple[ClusterYear, jobs.GeneratedFile] | None:
    """A poll of the page while its file is being made (?cong-viec=<job>): the job's state, read
    without building the year's documents; None when the job is no longer being made."""
    job_id = parse_id(request.GET.get("cong-viec"))
    if job_id is None:
        return None
    cluster_year, _can_manage = get_cluster_year_for_user(request.user, pk)
    params = bundle_params(cluster_year, reading_of(request.user, cluster_year))
    job = jobs.still_making(YEAR_BUNDLE, params, job_id)
    return None if job is None else (cluster_year, job)


def _wanted(request: HttpRequest, pk: int) -> tuple[ClusterYear, jobs.Wanted]:
    cluster_year, _can_manage = get_cluster_year_for_user(request.user, pk)
    reading = reading_of(request.user, cluster_year)
    bundle = year_parts(cluster_year, reading)
    if not bundle.parts:
        raise Http404
    params = bundle_params(cluster_year, reading)
    filename = bundle_filename(cluster_year)
    return cluster_year, jobs.wanted(YEAR_BUNDLE, params, bundle, filename=filename)


@login_required
@require_http_methods(["GET", "POST"])
def year_bundle(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """GET shows the state of the current data's file and changes nothing; POST asks for it
    (queued once however often it is asked; again after a failure or a lost worker)."""
    polled = _still_making(request, pk) if request.method == "GET" and request.htmx else None
    if polled is not None:
        context = {"cluster_year": polled[0], "job": polled[1], "making": True,
                   "poll_seconds": POLL_SECONDS}  # fmt: skip
        return render(request, "results/year_bundle.html#bundle-state", context)
    cluster_year, wanted = _wanted(request, pk)
    if request.method == "POST":
        jobs.request_file(wanted, by=request.user)
        if not request.htmx:
            return redirect("results:year_bundle", pk=cluster_year.pk)
    job = jobs.find(wanted)
    lost = job is not None and jobs.is_lost(job)
    making = job is not None and job.status in (job.Status.QUEUED, job.Status.RUNNING)
    missing = job is not None and jobs.is_missing(job)
    context = {
        "cluster_year": cluster_year,
        "job": job,
        "documents": len(wanted.bundle.parts),
        "ready": job is not None and job.status == job.Status.DONE and not missing,
        "making": making and not lost,
        "lost": lost or missing,
        "previous": jobs.previous(wanted) if job is None else None,
        "poll_seconds": POLL_SECONDS,
        "crumbs": year_crumbs(cluster_year, (_("The whole year as one PDF"), None)),
    }
    template = "results/year_bundle.html"
    if request.htmx:
        template += "#bundle-state"
    return render(request, template, context)


@login_required
def year_bundle_pdf(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The file made from the current data; until there is one, the page that asks for it."""
    cluster_year, wanted = _wanted(request, pk)
    job = jobs.find(wanted)
    if job is None or job.status != job.Status.DONE or jobs.is_missing(job):
        return redirect("results:year_bundle", pk=cluster_year.pk)
    return jobs.file_response(job)
