"""Multi-model workflows of the clusters app."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.types import AnyUser

from . import registry
from .access import can_manage
from .models import Authority, Cluster, ClusterYear, Membership, Unit, UnitLink


def _shift_year(day: datetime.date | None, years: int) -> datetime.date | None:
    if day is None:
        return None
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)


def successor_chains(units: list[Unit]) -> dict[int, list[Unit]]:
    """Each unit's successors in order (Unit.lineage for many units), read a step at a time:
    one query per step of the longest chain, whatever the number of units; cycles guarded."""
    known = {unit.pk: unit for unit in units}
    frontier = {unit.successor_id for unit in units if unit.successor_id} - known.keys()
    while frontier:
        fetched = list(Unit.objects.filter(pk__in=frontier).select_related("authority"))
        known.update({unit.pk: unit for unit in fetched})
        frontier = {unit.successor_id for unit in fetched if unit.successor_id} - known.keys()
    chains: dict[int, list[Unit]] = {}
    for unit in units:
        chain, seen = [], {unit.pk}
        current = known.get(unit.successor_id) if unit.successor_id else None
        while current is not None and current.pk not in seen:
            chain.append(current)
            seen.add(current.pk)
            current = known.get(current.successor_id) if current.successor_id else None
        chains[unit.pk] = chain
    return chains


def _unit_for_year(unit: Unit, chain: list[Unit], year: int) -> Unit | None:
    """The unit itself if it exists in ``year``, else its first successor that does."""
    for candidate in [unit, *chain]:
        if candidate.is_valid_in_year(year):
            return candidate
    return None


@dataclass
class NextYearPlan:
    """What starting ``year`` from a previous year would give: the authority and cluster it
    goes to (the successor's after a reform), the members with the previous membership each
    comes from, the proposed leader and deputy, notes, and the members that left the area."""

    authority: Authority
    moves: bool  # the year goes to a cluster of the successor authority
    members: list[tuple[Unit, Membership]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    left_area: list[str] = field(default_factory=list)
    leader: Unit | None = None
    deputy: Unit | None = None
    taken_elsewhere: dict[int, str] = field(default_factory=dict)


def target_authority(previous: ClusterYear, year: int) -> Authority:
    """The authority that organises the cluster in ``year``: its own, or the successor that
    took over its records when it ended (the province after 1/7/2025)."""
    # Read afresh: a reorganisation may have ended the authority since the year was loaded.
    authority = Authority.objects.get(pk=previous.cluster.authority_id)
    successor = authority.successor_on(datetime.date(year, 1, 1))
    if successor is None:
        raise ValidationError(
            _("%(authority)s no longer exists in %(year)s and has no successor.")
            % {"authority": authority, "year": year}
        )
    return successor


def plan_next_year(previous: ClusterYear, *, year: int) -> NextYearPlan:
    """Members of ``year`` from ``previous``: merged units replaced by their successor (two
    members merging into one appear once), units outside the new authority listed for staff
    to decide, and a leader and deputy proposed by rotation (last year's deputy leads)."""
    authority = target_authority(previous, year)
    plan = NextYearPlan(authority=authority, moves=authority.pk != previous.cluster.authority_id)
    taken_elsewhere = dict(
        Membership.objects.filter(authority_id=authority.pk, year=year)
        .exclude(cluster_year__cluster_id=previous.cluster_id)
        .exclude(cluster_year__cluster__predecessors=previous.cluster_id)
        .values_list("unit_id", "cluster_year__cluster__name")
    )
    plan.taken_elsewhere = taken_elsewhere
    previous_members = list(
        previous.memberships.select_related("unit__authority").order_by("position", "pk")
    )
    chains = successor_chains([old.unit for old in previous_members])
    # The other parts of a member that was split (its successor field names the first).
    split_parts: dict[int, list[Unit]] = {}
    for link in UnitLink.objects.filter(
        predecessor_id__in=[old.unit_id for old in previous_members], kind=UnitLink.Kind.SPLIT
    ).select_related("successor"):
        split_parts.setdefault(link.predecessor_id, []).append(link.successor)

    def fits(unit: Unit) -> bool:
        return unit.authority_id == authority.pk and unit.pk not in taken_elsewhere

    # A unit that is itself a member keeps its own row (and representative), even when another
    # member merged into it.
    planned: dict[int, tuple[Unit, Membership]] = {
        old.unit_id: (old.unit, old)
        for old in previous_members
        if old.unit.is_valid_in_year(year) and fits(old.unit)
    }
    for old in previous_members:
        if old.unit_id in planned:
            continue
        unit = _unit_for_year(old.unit, chains[old.unit_id], year)
        if unit is None:
            plan.notes.append(
                _("%(unit)s no longer exists in %(year)s and was left out.")
                % {"unit": old.unit, "year": year}
            )
            continue
        if unit.authority_id != authority.pk:
            plan.left_area.append(
                _("%(old)s: %(new)s belongs to %(authority)s, outside this cluster's area.")
                % {"old": old.unit, "new": unit, "authority": unit.authority}
            )
            continue
        if unit.pk in taken_elsewhere:
            plan.notes.append(
                _("%(unit)s is already in %(cluster)s in %(year)s and was left out.")
                % {"unit": unit, "cluster": taken_elsewhere[unit.pk], "year": year}
            )
            continue
        if unit.pk in planned:
            plan.notes.append(
                _("%(old)s merged into %(new)s, which is already a member.")
                % {"old": old.unit, "new": unit}
            )
            continue
        plan.notes.append(
            _("%(old)s was replaced by its successor %(new)s.") % {"old": old.unit, "new": unit}
        )
        planned[unit.pk] = (unit, old)
        for part in split_parts.get(old.unit_id, []):
            if part.pk not in planned and part.is_valid_in_year(year) and fits(part):
                plan.notes.append(
                    _("%(old)s was split: its part %(new)s is a member too.")
                    % {"old": old.unit, "new": part}
                )
                planned[part.pk] = (part, old)
    plan.members = sorted(planned.values(), key=lambda item: item[1].position)
    units = [unit for unit, _old in plan.members]
    by_old: dict[int, Unit] = {}
    for unit, old in plan.members:
        by_old.setdefault(old.unit_id, unit)  # a split member: its first part
    previous_deputy = next((m for m in previous_members if m.role == Membership.Role.DEPUTY), None)
    previous_leader = next((m for m in previous_members if m.role == Membership.Role.LEADER), None)
    leader = by_old.get(previous_deputy.unit_id) if previous_deputy else None
    if leader is None:
        leader = next(
            (u for u in units if not previous_leader or by_old.get(previous_leader.unit_id) != u),
            units[0] if units else None,
        )
    plan.leader = leader
    if leader is not None and len(units) > 1:
        start = units.index(leader)
        rotation = units[start + 1 :] + units[:start]
        plan.deputy = next(
            (
                u
                for u in rotation
                if not previous_leader or by_old.get(previous_leader.unit_id) != u
            ),
            rotation[0],
        )
    return plan


@transaction.atomic
def start_next_year(
    previous: ClusterYear,
    *,
    year: int,
    leader: Unit,
    deputy: Unit | None,
    cluster_name: str = "",
    carry: bool = False,
    by: AnyUser | None = None,
) -> tuple[ClusterYear, list[str]]:
    """Create ``year`` of the cluster from ``previous``: its members (merged units replaced by
    their successor), settings and deadlines moved by the years between, with a new leader and
    deputy; with ``carry`` the apps above copy the covenant's text and the table as drafts
    (clusters.registry). When
    the cluster's authority has ended, the year goes to a cluster of its successor (named
    ``cluster_name``, by default the same name) that continues this one. Returns the new year
    and notes on members that were replaced, left out or left the area.

    With ``by``, refused unless that user is staff of the authority the year goes to: staff of
    a successor read a predecessor's years by custody but never add one to its clusters, and
    staff of an ended authority do not create in its successor."""
    for role_unit, label in ((leader, _("leader")), (deputy, _("deputy"))):
        if role_unit is not None and not role_unit.is_valid_in_year(year):
            raise ValidationError(
                _("The %(role)s unit %(unit)s does not exist in %(year)s.")
                % {"role": label, "unit": role_unit, "year": year}
            )
    plan = plan_next_year(previous, year=year)
    if by is not None and not can_manage(by, plan.authority):
        raise ValidationError(
            _("Only staff of %(authority)s may start the year %(year)s of this cluster.")
            % {"authority": plan.authority, "year": year}
        )
    for role_unit in (leader, deputy):
        if role_unit is not None and role_unit.pk in plan.taken_elsewhere:
            raise ValidationError(
                _("%(unit)s is already in %(cluster)s in %(year)s.")
                % {"unit": role_unit, "cluster": plan.taken_elsewhere[role_unit.pk], "year": year}
            )
    planned = {unit.pk for unit, _old in plan.members}
    for role_unit in (leader, deputy):
        if role_unit is not None and role_unit.pk not in planned:
            raise ValidationError(
                _("%(unit)s will not be a member in %(year)s, so it cannot be leader or deputy.")
                % {"unit": role_unit, "year": year}
            )
    cluster = previous.cluster
    if plan.moves:
        cluster = _continuing_cluster(previous.cluster, plan.authority, cluster_name)
    if ClusterYear.objects.filter(cluster=cluster, year=year).exists():
        raise ValidationError(
            _("%(cluster)s already has the year %(year)s.") % {"cluster": cluster, "year": year}
        )

    def order(item: tuple[Unit, Membership]) -> tuple[int, int]:
        unit, old = item
        rank = 0 if unit == leader else 1 if unit == deputy else 2
        return rank, old.position

    ordered = sorted(plan.members, key=order)

    years = year - previous.year
    new_year = ClusterYear(
        cluster=cluster,
        year=year,
        self_score_deadline=_shift_year(previous.self_score_deadline, years),
        review_deadline=_shift_year(previous.review_deadline, years),
        vote_threshold_strict=previous.vote_threshold_strict,
        vote_threshold_percent=previous.vote_threshold_percent,
        vote_threshold_basis=previous.vote_threshold_basis,
        awards=previous.awards,
        tier_bands=previous.tier_bands,
        members_read_after_final=previous.members_read_after_final,
        reminder_days=previous.reminder_days,
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
    # What the apps above copied (the covenant, the table): said to staff apart from the notes
    # on members.
    carried = registry.carry_forward(previous, new_year) if carry else []
    new_year.carried = carried  # type: ignore[attr-defined]
    return new_year, [*plan.notes, *plan.left_area]


def _continuing_cluster(old: Cluster, authority: Authority, name: str) -> Cluster:
    """The successor authority's cluster that continues ``old``: the one of that name (two
    former clusters may become one), else a new one; linked to ``old`` either way."""
    name = (name or old.name).strip()
    cluster = Cluster.objects.filter(authority=authority, name=name).first()
    if cluster is None:
        cluster = Cluster(
            authority=authority, name=name, kind=old.kind, description=old.description
        )
        cluster.full_clean()
        cluster.save()
    cluster.predecessors.add(old)
    return cluster
