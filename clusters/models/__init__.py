"""Who and when: authorities, their member units, clusters, the clusters' years and members,
and which user acts for which authority or unit."""

from .assignments import Assignment
from .reform import Reorganisation
from .units import Authority, AuthorityQuerySet, Unit, UnitLink, UnitQuerySet
from .years import (
    Cluster,
    ClusterYear,
    ClusterYearQuerySet,
    Membership,
    MembershipQuerySet,
    YearFrozen,
    default_awards,
    default_tier_bands,
    nominees_of,
    validate_awards,
    validate_tier_bands,
)

__all__ = [
    "Assignment", "Authority", "AuthorityQuerySet", "Cluster", "ClusterYear",
    "ClusterYearQuerySet", "Membership", "MembershipQuerySet", "Reorganisation", "Unit",
    "UnitLink", "UnitQuerySet", "YearFrozen", "default_awards", "default_tier_bands",
    "nominees_of", "validate_awards", "validate_tier_bands",
]  # fmt: skip
