"""The award vote (bình xét) at the year-end meeting: one ballot per award, with its counts.
Each ballot belongs to the year's scoring table and keeps the threshold rule it was held under."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clusters.models import ClusterYear, Unit
from core.freeze import FreezeGuardedQuerySet
from scoring.models import ScoringTable


class _FinalYearGuard(FreezeGuardedQuerySet):
    """Bulk paths refuse the votes of a final year, like save() and delete()."""

    table_path = "table"
    ballot_path = "status"

    def _refuse(self) -> None:
        if self.filter(**{self.ballot_path: "closed"}).exists():
            raise BallotClosed(_("The ballot is closed: its counts and outcome are final."))
        closed = self.filter(**{f"{self.table_path}__status": ScoringTable.Status.CLOSED})
        row = closed.select_related(f"{self.table_path}__cluster_year").first()
        if row is not None:
            table = row.table if self.table_path == "table" else row.ballot.table
            table.cluster_year.ensure_changeable()

    def refuse_update(self, fields: set[str]) -> None:
        self._refuse()

    def refuse_delete(self) -> None:
        self._refuse()


class BallotCountQuerySet(_FinalYearGuard):
    table_path = "ballot__table"
    ballot_path = "ballot__status"


class BallotClosed(PermissionDenied):
    """A change to a closed ballot (answered as 403 with the reason)."""


class Ballot(models.Model):
    """One vote for one award: opened with its nominees, counted, then closed (frozen). A tie
    at the last seat is settled by a revote among the tied units, a ballot of its own."""

    class Status(models.TextChoices):
        OPEN = "open", _("open: counts being entered")
        CLOSED = "closed", _("closed")

    class Form(models.TextChoices):
        APPROVAL = "approval", _("approval (agree/disagree for every candidate)")
        LIMITED = "limited", _("limited (at most as many names as seats)")

    table = models.ForeignKey(
        "scoring.ScoringTable", on_delete=models.PROTECT, related_name="ballots",
        verbose_name=_("table"),
    )  # fmt: skip
    award = models.CharField(_("award"), max_length=255)
    seats = models.PositiveSmallIntegerField(_("seats"), default=1)
    form = models.CharField(_("ballot form"), max_length=10, choices=Form.choices,
                            default=Form.APPROVAL)  # fmt: skip
    held_on = models.DateField(_("held on"), null=True, blank=True)
    voters_present = models.PositiveIntegerField(_("voters present"), default=0)
    ballots_issued = models.PositiveIntegerField(_("ballots issued"), default=0)
    valid_ballots = models.PositiveIntegerField(_("valid ballots"), default=0)
    # The threshold rule of the year, kept with the ballot as it was when the vote was held.
    threshold_strict = models.BooleanField(default=True)
    threshold_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(50))
    threshold_basis = models.CharField(
        max_length=10, choices=ClusterYear.ThresholdBasis.choices,
        default=ClusterYear.ThresholdBasis.VALID_BALLOTS,
    )  # fmt: skip
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    revote_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="revotes",
        verbose_name=_("revote of"),
    )  # fmt: skip

    history = HistoricalRecords()
    objects = _FinalYearGuard.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")

    def __str__(self) -> str:
        return self.award

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.table.cluster_year.ensure_changeable()  # a final year's votes are final too
        if self.pk is not None and not getattr(self, "_closing", False):
            self.ensure_open()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        self.table.cluster_year.ensure_changeable()
        self.ensure_open()
        return super().delete(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def ensure_open(self) -> None:
        stored = Ballot.objects.filter(pk=self.pk).values_list("status", flat=True).first()
        if stored == self.Status.CLOSED:
            raise BallotClosed(_("The ballot is closed: its counts and outcome are final."))

    @transaction.atomic
    def close(self, *, by: Any) -> None:
        """Freeze the ballot: its counts and outcome become final (in the history, with who)."""
        ballot = Ballot.objects.select_for_update().get(pk=self.pk)
        ballot.table.cluster_year.ensure_changeable()
        if ballot.status != self.Status.OPEN:
            raise ValidationError(_("The ballot is already closed."))
        problems = ballot.check_counts([count.votes for count in ballot.counts.all()])
        if problems:
            raise ValidationError(problems)
        ballot.status = self.Status.CLOSED
        ballot._history_user = by
        ballot._closing = True
        ballot.save(update_fields=["status"])
        self.status = ballot.status

    @transaction.atomic
    def open_revote(self, *, by: Any) -> Ballot:
        """A new ballot among the units tied at the last seat, for the seats still free."""
        Ballot.objects.select_for_update().get(pk=self.pk)  # two clicks make one revote
        if self.is_open:
            raise ValidationError(_("Close the ballot before a revote."))
        outcome = self.outcome(list(self.counts.select_related("unit")))
        if not outcome.needs_revote:
            raise ValidationError(_("There is no tie to settle by a revote."))
        if self.revotes.exists():
            raise ValidationError(_("The revote of this ballot is already open."))
        revote = Ballot(
            table=self.table, award=self.award, seats=self.seats - len(outcome.elected),
            form=self.form, held_on=self.held_on, revote_of=self,
            threshold_strict=self.threshold_strict, threshold_percent=self.threshold_percent,
            threshold_basis=self.threshold_basis,
            voters_present=self.voters_present, ballots_issued=self.voters_present,
            valid_ballots=self.voters_present,
        )  # fmt: skip
        revote._history_user = by  # type: ignore[attr-defined]  # read by simple_history
        revote.save()
        for position, count in enumerate(outcome.tied, start=1):
            BallotCount.objects.create(ballot=revote, unit=count.unit, position=position)
        return revote

    def clean(self) -> None:
        errors = {}
        if self.ballots_issued > self.voters_present:
            errors["ballots_issued"] = _("More ballots issued than voters present.")
        if self.valid_ballots > self.ballots_issued:
            errors["valid_ballots"] = _("More valid ballots than ballots issued.")
        if self.seats < 1:
            errors["seats"] = _("At least one seat.")
        if errors:
            raise ValidationError(errors)

    def threshold_text(self) -> str:
        from core.numbers import format_decimal

        basis = ClusterYear.ThresholdBasis(self.threshold_basis).label
        text = (
            _("more than %(percent)s%% %(basis)s")
            if self.threshold_strict
            else _("at least %(percent)s%% %(basis)s")
        )
        return text % {"percent": format_decimal(self.threshold_percent), "basis": basis}

    def check_counts(self, counts: list[int]) -> list[str]:
        """Why these counts are impossible for this ballot ([] when they are fine)."""
        problems = []
        if any(count > self.valid_ballots for count in counts):
            problems.append(str(_("No candidate can get more votes than there are valid ballots.")))
        if self.form == self.Form.LIMITED and sum(counts) > self.valid_ballots * self.seats:
            problems.append(
                str(
                    _("With limited ballots the votes add up to at most %(limit)d "
                      "(valid ballots × seats).") % {"limit": self.valid_ballots * self.seats}
                )
            )  # fmt: skip
        return problems

    def outcome(self, counts: list[BallotCount]) -> Outcome:
        """Elected: the candidates meeting the threshold, most votes first, up to the seats.
        A tie at the last seat is reported as needing a revote, never settled silently."""
        basis = (
            self.valid_ballots
            if self.threshold_basis == ClusterYear.ThresholdBasis.VALID_BALLOTS
            else self.voters_present
        )

        def meets(votes: int) -> bool:
            if basis == 0:
                return False
            share = Decimal(votes) * 100
            needed = self.threshold_percent * basis
            return share > needed if self.threshold_strict else share >= needed

        qualified = sorted((c for c in counts if meets(c.votes)), key=lambda c: -c.votes)
        if len(qualified) <= self.seats:
            return Outcome(elected=qualified, tied=[], qualified=qualified)
        boundary = qualified[self.seats - 1].votes
        above = [c for c in qualified if c.votes > boundary]
        at_boundary = [c for c in qualified if c.votes == boundary]
        if len(above) + len(at_boundary) == self.seats:
            return Outcome(elected=above + at_boundary, tied=[], qualified=qualified)
        return Outcome(elected=above, tied=at_boundary, qualified=qualified)


class BallotCount(models.Model):
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="counts",
                               verbose_name=_("ballot"))  # fmt: skip
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("candidate"))  # fmt: skip
    position = models.PositiveSmallIntegerField(default=0)
    votes = models.PositiveIntegerField(_("votes"), default=0)

    history = HistoricalRecords()
    objects = BallotCountQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("vote count")
        verbose_name_plural = _("vote counts")
        constraints = [
            models.UniqueConstraint(fields=["ballot", "unit"], name="ballot_candidate_once")
        ]

    def __str__(self) -> str:
        return f"{self.unit}: {self.votes}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.ballot.table.cluster_year.ensure_changeable()
        self.ballot.ensure_open()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        self.ballot.table.cluster_year.ensure_changeable()
        self.ballot.ensure_open()
        return super().delete(*args, **kwargs)


@dataclass
class Outcome:
    elected: list[BallotCount]
    tied: list[BallotCount]  # tied at the last seat: a revote is needed among them
    qualified: list[BallotCount]

    @property
    def needs_revote(self) -> bool:
        return bool(self.tied)
