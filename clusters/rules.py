"""Object permissions (django-rules). Objects are judged by the authority they belong to."""

import rules

from .roles import roles_for


def authority_id_of(obj) -> int | None:
    """The authority an Authority, Cluster, ClusterYear, Unit or Membership belongs to."""
    from .models import Authority, ClusterYear

    if isinstance(obj, Authority):
        return obj.pk
    if isinstance(obj, ClusterYear):
        return obj.cluster.authority_id
    return getattr(obj, "authority_id", None)


@rules.predicate
def is_staff_of(user, obj) -> bool:
    roles = roles_for(user)
    return roles.is_superuser or authority_id_of(obj) in roles.staff_of


@rules.predicate
def is_reader_of(user, obj) -> bool:
    roles = roles_for(user)
    return roles.is_superuser or authority_id_of(obj) in roles.authority_ids


# Change anything of an authority: its clusters, units, years and memberships.
rules.add_perm("clusters.manage", is_staff_of)
# Read everything of an authority.
rules.add_perm("clusters.read_all", is_reader_of)
