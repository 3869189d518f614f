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

    @property
    def authority_ids(self) -> frozenset[int]:
        """Authorities whose everything the user may read."""
        return self.staff_of | self.viewer_of

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


def roles_for(user) -> Roles:
    """The user's roles, cached on the user object (one query per request)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_ROLES
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    staff, viewer, clerk = set(), set(), set()
    for role, authority_id, unit_id in Assignment.objects.filter(user=user).values_list(
        "role", "authority_id", "unit_id"
    ):
        if role == Assignment.Role.STAFF:
            staff.add(authority_id)
        elif role == Assignment.Role.VIEWER:
            viewer.add(authority_id)
        elif role == Assignment.Role.CLERK:
            clerk.add(unit_id)
    roles = Roles(frozenset(staff), frozenset(viewer), frozenset(clerk), user.is_superuser)
    setattr(user, _CACHE_ATTR, roles)
    return roles


def forget_roles(user) -> None:
    """Drop the cached roles (after the user's assignments changed)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
