"""What the apps above clusters add to its pages, found without importing them.

An app may have a ``cards`` module (discovered like the demo and dataset modules, in app order)
with any of:

- ``CARD_TEMPLATE``: a template included as a card on the cluster-year page, and
  ``card_context(cluster_year) -> dict`` for it (the card gets ``cluster_year`` and ``card``);
- ``progress_steps(cluster_year) -> list[tuple[str, bool]]``: the app's steps of the year,
  each with whether it is done (the progress bar of the year pages and lists);
- ``with_year_summary(queryset) -> queryset``: what list pages of years need from the app
  (``select_related``, annotations), so that a list costs a fixed number of queries;
- ``YEAR_RELATED``: the app's one-to-one relations of a year that its card reads (joined when
  one year is read, so that the cards cost no query);
- ``DASHBOARD_TEMPLATE``: a template included in each year's box on the dashboard (gets
  ``cluster_year``, read through ``with_year_summary``);
- ``carry_forward(previous, new_year) -> list[str]``: what the app copies into a year started
  from a previous one (the covenant's text, the scoring table), with notes for staff;
- ``frozen_reason(cluster_year) -> str``: why nothing of the year may change now, "" when it
  may (the scoring app: the results are final). Members, settings and every app's records of
  the year refuse changes while any app gives a reason.
- ``todo_items(user, cluster_years) -> list[TodoItem]``: what this person has to do in those
  years (a clerk's sheet and what it lacks, the sheets to review, a covenant to sign), for the
  "to do" list of the dashboard; a fixed number of queries whatever the number of years.

This keeps the dependency one way: the covenant, the scores and the results know clusters;
clusters knows none of them, not even the names of their relations."""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.discovery import app_modules
from core.types import AnyUser

from .deadlines import Deadline

if TYPE_CHECKING:
    from collections.abc import Sequence

    from django.db.models import QuerySet

    from .models import ClusterYear


@dataclass(frozen=True)
class YearCard:
    template: str
    context: dict[str, Any]


@dataclass(frozen=True)
class TodoItem:
    """One line of a person's "to do" on the dashboard."""

    title: str
    url: str
    cluster_name: str
    status: str = ""
    deadline: Deadline | None = None
    note: str = ""  # what the person must read first (why a sheet was returned)
    problems: tuple[tuple[str, str], ...] = ()  # (what is missing, the link to its row)
    done: bool = False  # nothing to do now (a sheet waiting for its review): shown last
    urgent: bool = False  # shown first (a returned sheet)
    testid: str = "todo"

    def order(self) -> tuple[bool, bool, datetime.date]:
        return (
            self.done,
            not self.urgent,
            self.deadline.day if self.deadline else datetime.date.max,
        )


@functools.cache
def _modules(attribute: str) -> list[Any]:
    """Found once per process: the installed apps do not change while it runs (a page asks
    several times per year it lists)."""
    return [module for module in app_modules("cards") if hasattr(module, attribute)]


def year_cards(cluster_year: ClusterYear) -> list[YearCard]:
    return [
        YearCard(module.CARD_TEMPLATE, module.card_context(cluster_year))
        for module in _modules("CARD_TEMPLATE")
    ]


def progress_steps(cluster_year: ClusterYear) -> list[tuple[str, bool]]:
    return [
        step
        for module in _modules("progress_steps")
        for step in module.progress_steps(cluster_year)
    ]


def with_year_summary(queryset: QuerySet[ClusterYear]) -> QuerySet[ClusterYear]:
    for module in _modules("with_year_summary"):
        queryset = module.with_year_summary(queryset)
    return queryset


def with_year_related(queryset: QuerySet[ClusterYear]) -> QuerySet[ClusterYear]:
    related = [name for module in _modules("YEAR_RELATED") for name in module.YEAR_RELATED]
    return queryset.select_related(*related) if related else queryset


def frozen_reason(cluster_year: ClusterYear) -> str:
    for module in _modules("frozen_reason"):
        reason = module.frozen_reason(cluster_year)
        if reason:
            return reason
    return ""


def dashboard_templates() -> list[str]:
    return [module.DASHBOARD_TEMPLATE for module in _modules("DASHBOARD_TEMPLATE")]


def carry_forward(previous: ClusterYear, new_year: ClusterYear) -> list[str]:
    return [
        note
        for module in _modules("carry_forward")
        for note in module.carry_forward(previous, new_year)
    ]


def todo_items(user: AnyUser, cluster_years: Sequence[ClusterYear]) -> list[TodoItem]:
    """Every app's to-do items for ``user`` in ``cluster_years``: the urgent first, then by
    deadline, what needs nothing now last."""
    items = [
        item for module in _modules("todo_items") for item in module.todo_items(user, cluster_years)
    ]
    return sorted(items, key=TodoItem.order)
