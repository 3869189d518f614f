"""Multi-model workflows of the clusters app."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import ClusterYear, Membership, Unit


def _shift_year(day: datetime.date | None, years: int) -> datetime.date | None:
    if day is None:
        return None
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)


def _unit_for_year(unit: Unit, year: int) -> Unit | None:
    """The unit itself if it exists in ``year``, else its first successor that does."""
    for candidate in [unit, *unit.lineage()]:
        if candidate.is_valid_in_year(year):
            return candidate
    return None


@transaction.atomic
def start_next_year(
    previous: ClusterYear, *, year: int, leader: Unit, deputy: Unit | None
) -> tuple[ClusterYear, list[str]]:
    """Create ``year`` of the cluster from ``previous``: its members (merged units replaced by
    their successor), settings and deadlines moved by the years between, with a new leader and
    deputy. Returns the new year and notes on members that were replaced or left out."""
    for role_unit, label in ((leader, _("leader")), (deputy, _("deputy"))):
        if role_unit is not None and not role_unit.is_valid_in_year(year):
            raise ValidationError(
                _("The %(role)s unit %(unit)s does not exist in %(year)s.")
                % {"role": label, "unit": role_unit, "year": year}
            )
    authority_id = previous.cluster.authority_id
    taken_elsewhere = dict(
        Membership.objects.filter(authority_id=authority_id, year=year)
        .exclude(cluster_year__cluster_id=previous.cluster_id)
        .values_list("unit_id", "cluster_year__cluster__name")
    )
    for role_unit in (leader, deputy):
        if role_unit is not None and role_unit.pk in taken_elsewhere:
            raise ValidationError(
                _("%(unit)s is already in %(cluster)s in %(year)s.")
                % {"unit": role_unit, "cluster": taken_elsewhere[role_unit.pk], "year": year}
            )

    notes: list[str] = []
    previous_members = list(
        previous.memberships.select_related("unit__successor").order_by("position", "pk")
    )
    # A unit that is itself a member keeps its own row (and representative), even when another
    # member merged into it.
    planned: dict[int, tuple[Unit, Membership]] = {
        old.unit_id: (old.unit, old)
        for old in previous_members
        if old.unit.is_valid_in_year(year) and old.unit_id not in taken_elsewhere
    }
    for old in previous_members:
        if old.unit_id in planned:
            continue
        unit = _unit_for_year(old.unit, year)
        if unit is None:
            notes.append(
                _("%(unit)s no longer exists in %(year)s and was left out.")
                % {"unit": old.unit, "year": year}
            )
            continue
        if unit.pk in taken_elsewhere:
            notes.append(
                _("%(unit)s is already in %(cluster)s in %(year)s and was left out.")
                % {"unit": unit, "cluster": taken_elsewhere[unit.pk], "year": year}
            )
            continue
        if unit.pk in planned:
            notes.append(
                _("%(old)s merged into %(new)s, which is already a member.")
                % {"old": old.unit, "new": unit}
            )
            continue
        notes.append(
            _("%(old)s was replaced by its successor %(new)s.") % {"old": old.unit, "new": unit}
        )
        planned[unit.pk] = (unit, old)
    for role_unit in (leader, deputy):
        if role_unit is not None and role_unit.pk not in planned:
            raise ValidationError(
                _("%(unit)s will not be a member in %(year)s, so it cannot be leader or deputy.")
                % {"unit": role_unit, "year": year}
            )

    def order(item: tuple[Unit, Membership]) -> tuple[int, int]:
        unit, old = item
        rank = 0 if unit == leader else 1 if unit == deputy else 2
        return rank, old.position

    ordered = sorted(planned.values(), key=order)

    years = year - previous.year
    new_year = ClusterYear(
        cluster=previous.cluster,
        year=year,
        self_score_deadline=_shift_year(previous.self_score_deadline, years),
        review_deadline=_shift_year(previous.review_deadline, years),
        vote_threshold_strict=previous.vote_threshold_strict,
        vote_threshold_percent=previous.vote_threshold_percent,
        vote_threshold_basis=previous.vote_threshold_basis,
        awards=previous.awards,
        tier_bands=previous.tier_bands,
        members_read_after_final=previous.members_read_after_final,
    )
    new_year.full_clean()
    new_year.save()
    for position, (unit, old) in enumerate(ordered, start=1):
        role = (
            Membership.Role.LEADER
            if unit == leader
            else Membership.Role.DEPUTY
            if unit == deputy
            else Membership.Role.MEMBER
        )
        same_unit = unit.pk == old.unit_id
        membership = Membership(
            cluster_year=new_year,
            unit=unit,
            role=role,
            position=position,
            representative_name=old.representative_name if same_unit else "",
            representative_title=old.representative_title if same_unit else "",
        )
        membership.full_clean()
        membership.save()
    return new_year, notes
