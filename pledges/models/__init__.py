"""Models of the pledges app: the covenant and its signing conference."""

from .ceremony import Attendee, AttendeeQuerySet, Ceremony
from .covenant import (
    Clause,
    ClauseQuerySet,
    FrozenWhenSignedQuerySet,
    Pledge,
    PledgeLocked,
    PledgeQuerySet,
    Signatory,
    private_storage,
    scan_path,
)

__all__ = [
    "Attendee", "AttendeeQuerySet", "Ceremony", "Clause", "ClauseQuerySet",
    "FrozenWhenSignedQuerySet", "Pledge", "PledgeLocked", "PledgeQuerySet", "Signatory",
    "private_storage", "scan_path",
]  # fmt: skip
