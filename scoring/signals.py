"""A unit that joins a year whose table is published gets its sheet there and then: sheets are
made by the acts that change the year (publishing the table, adding a member), never by a page
that reads it."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save

from clusters.models import Membership

from .models import ScoringTable


def open_sheet_of_new_member(
    sender: type, instance: Membership, created: bool, **kwargs: Any
) -> None:
    """A member added, or a membership moved to another unit (a successor): what is missing is
    opened (ensure_sheets adds only that)."""
    if kwargs.get("raw"):
        return  # a restore loads the sheets it holds
    table = ScoringTable.objects.filter(
        cluster_year_id=instance.cluster_year_id, status=ScoringTable.Status.PUBLISHED
    ).first()
    if table is not None:
        from .sheets import ensure_sheets

        ensure_sheets(table)


def connect() -> None:
    post_save.connect(open_sheet_of_new_member, sender=Membership, dispatch_uid="scoring.sheets")
