"""What a user may act as: computed once per request from their assignments."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from .models import Assignment

_CACHE_ATTR = "_giaouoc_roles"


@dataclass(frozen=True)
class Roles:
    staff_of: frozenset[int]  # authority ids
    viewer_of: frozenset[int]  # authority ids
    clerk_of: frozenset[int]  # unit ids
    is_superuser: bool = False
    # Authorities that ended and whose records passed to one the user is staff or viewer of
    # (the districts to the province on 1/7/2025): read, never changed, through this role.
    custody_of: frozenset[int] = frozenset()
    # Of those, the ones that passed to an authority the user is staff of: the user starts
    # their clusters' next years in that authority (clusters.services.start_next_year).
    successor_staff_of: frozenset[int] = frozenset()

    @property
    def authority_ids(self) -> frozenset[int]:
        """Authorities whose everything the user may read."""
        return self.staff_of | self.viewer_of | self.custody_of

    @property
    def is_staff_anywhere(self) -> bool:
        return self.is_superuser or bool(self.staff_of)

    @property
    def has_any(self) -> bool:
        return self.is_superuser or bool(self.staff_of or self.viewer_of or self.clerk_of)

    def label(self) -> str:
        """The user's role(s) as shown in the top bar."""
        names = []
        if self.is_superuser:
            names.append(_("administrator"))
        if self.staff_of:
            names.append(_("staff"))
        if self.viewer_of:
            names.append(_("viewer"))
        if self.clerk_of:
            names.append(_("clerk"))
        return ", ".join(names) or _("no role yet")


NO_ROLES = Roles(frozenset(), frozenset(), frozenset())

# How many steps back custody reaches (a commune's district, merged into a province that merged
# into another: two steps in 2025); read in the same query as the assignments.
_PREDECESSOR_COLUMNS = tuple(
    "authority" + "__predecessors" * depth + "__id" for depth in range(1, 5)
)


def roles_for(user) -> Roles:
    """The user's roles, cached on the user object (one query per request)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_ROLES
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    staff, viewer, clerk, custody, staff_custody = set(), set(), set(), set(), set()
    for role, authority_id, unit_id, *predecessors in Assignment.objects.filter(
        user=user
    ).values_list("role", "authority_id", "unit_id", *_PREDECESSOR_COLUMNS):
        if role == Assignment.Role.STAFF:
            staff.add(authority_id)
        elif role == Assignment.Role.VIEWER:
            viewer.add(authority_id)
        elif role == Assignment.Role.CLERK:
            clerk.add(unit_id)
        if role in (Assignment.Role.STAFF, Assignment.Role.VIEWER):
            custody.update(pk for pk in predecessors if pk is not None)
        if role == Assignment.Role.STAFF:
            staff_custody.update(pk for pk in predecessors if pk is not None)
    roles = Roles(
        frozenset(staff),
        frozenset(viewer),
        frozenset(clerk),
        user.is_superuser,
        custody_of=frozenset(custody - staff - viewer),
        successor_staff_of=frozenset(staff_custody - staff),
    )
    setattr(user, _CACHE_ATTR, roles)
    return roles


def forget_roles(user) -> None:
    """Drop the cached roles (after the user's assignments changed)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
