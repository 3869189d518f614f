"""Forms of the clusters app. They validate everything a person can get wrong, with messages
next to the field, so that a save never trips over a database constraint."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DATE_WIDGET, BaseForm, LinesField, PlainForm, VietDecimalField

from .models import Authority, Cluster, ClusterYear, Membership, Unit


def authority_field(authorities) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(queryset=authorities, label=_("Authority"), empty_label=None)


class AuthorityForm(BaseForm):
    class Meta:
        model = Authority
        fields = ["name", "short_name", "place_name", "parent_body"]


class ClusterForm(BaseForm):
    class Meta:
        model = Cluster
        fields = ["authority", "name", "kind", "description", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, authorities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["authority"] = authority_field(authorities)
        if self.instance.pk:
            # Moving a cluster to another authority would move its whole history.
            self.fields["authority"].disabled = True


class UnitForm(BaseForm):
    class Meta:
        model = Unit
        fields = [
            "authority",
            "name",
            "kind",
            "code",
            "head_name",
            "head_title",
            "phone",
            "email",
            "address",
            "valid_from",
            "valid_to",
            "successor",
        ]
        widgets = {"valid_from": DATE_WIDGET, "valid_to": DATE_WIDGET}
        help_texts = {
            "name": _(
                "Correct a typo here. After a merger or renaming, create the new unit and set it "
                "as this unit's successor instead, so that past years keep the old name."
            )
        }

    def __init__(self, *args, authorities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["authority"] = authority_field(authorities)
        if self.instance.pk:
            self.fields["authority"].disabled = True
            successors = Unit.objects.filter(authority_id=self.instance.authority_id).exclude(
                pk=self.instance.pk
            )
        else:
            successors = Unit.objects.filter(authority__in=authorities)
        self.fields["successor"].queryset = successors.order_by("name")

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            self._check_validity_covers_memberships(cleaned)
        successor, authority = cleaned.get("successor"), cleaned.get("authority")
        if successor and authority and successor.authority_id != authority.pk:
            self.add_error("successor", _("The successor must belong to the same authority."))
        if (
            successor
            and self.instance.pk
            and self.instance.pk in {u.pk for u in [successor, *successor.lineage()]}
        ):
            self.add_error(
                "successor", _("This would make a loop: the successor already follows this unit.")
            )
        return cleaned

    def _check_validity_covers_memberships(self, cleaned) -> None:
        """A unit cannot end before (or start after) a year it is already a member of."""
        valid_from, valid_to = cleaned.get("valid_from"), cleaned.get("valid_to")
        years = self.instance.memberships.values_list("year", flat=True)
        if valid_to and (late := years.filter(year__gt=valid_to.year).order_by("-year").first()):
            self.add_error(
                "valid_to",
                _("The unit is a member of a cluster in %(year)s; it must exist that year.")
                % {"year": late},
            )
        if valid_from and (
            early := years.filter(year__lt=valid_from.year).order_by("year").first()
        ):
            self.add_error(
                "valid_from",
                _("The unit is a member of a cluster in %(year)s; it must exist that year.")
                % {"year": early},
            )


# --- Settings of a cluster-year ----------------------------------------------------------------


class AwardsField(LinesField):
    """ "name: seats", or "name: seats / nominees" to set how many of the top-ranked units its
    ballot proposes by default (three per seat otherwise)."""

    example = "Cờ thi đua của Ủy ban nhân dân tỉnh: 1"
    NOMINEES = re.compile(r"^(?P<line>.*?:\s*[^:/]*?)\s*/\s*(?P<nominees>[^:/]*)$")

    def __init__(self, **kwargs):
        super().__init__(key="name", number_key="seats", integer=True, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(
                f"{item['name']}: {item['seats']}"
                + (f" / {item['nominees']}" if item.get("nominees") else "")
                for item in value
            )
        return value

    def to_python(self, value):
        # "/ N" taken off each line first; the awards come back in the order of the non-empty
        # lines, so each keeps its own count whatever becomes of its name.
        lines, nominees, errors = [], [], []
        for number, line in enumerate((value or "").splitlines(), start=1):
            if not line.strip():
                continue
            found = self.NOMINEES.match(line.strip())
            count = None
            if found:
                text = found.group("nominees").strip()
                if not text.isdigit() or not 1 <= int(text) <= 100:
                    errors.append(
                        _('Line %(line)d: "%(value)s" is not a number of nominees from 1 to 100.')
                        % {"line": number, "value": text}
                    )
                else:
                    count = int(text)
                line = found.group("line")
            lines.append(line)
            nominees.append(count)
        if errors:
            raise forms.ValidationError(errors)
        awards = super().to_python("\n".join(lines))
        for award, count in zip(awards, nominees, strict=True):
            if count is None:
                continue
            if count < award["seats"]:
                raise forms.ValidationError(
                    _("%(award)s: at least as many nominees as seats.") % {"award": award["name"]}
                )
            award["nominees"] = count
        return awards

    def check_number(self, number):
        if number != number.to_integral() or not 1 <= number <= 100:
            return _("the number of seats must be a whole number from 1 to 100.")
        return None


class TierBandsField(LinesField):
    example = "Hoàn thành xuất sắc nhiệm vụ: 90"

    def __init__(self, **kwargs):
        super().__init__(key="name", number_key="min_percent", integer=False, **kwargs)

    def check_number(self, number):
        if not Decimal(0) <= number <= Decimal(100):
            return _("the percentage must be between 0 and 100.")
        return None

    def to_python(self, value):
        bands = super().to_python(value)
        percents = [Decimal(band["min_percent"]) for band in bands]
        if len(set(percents)) != len(percents):
            raise forms.ValidationError(_("Two tiers cannot start at the same percentage."))
        return sorted(bands, key=lambda band: Decimal(band["min_percent"]), reverse=True)


class ClusterYearForm(BaseForm):
    vote_threshold_percent = VietDecimalField(
        label=_("Vote threshold (%)"), min_value=0, max_value=100, max_digits=5, decimal_places=2
    )
    awards = AwardsField(
        label=_("Awards"),
        required=False,
        help_text=_('One per line: "award: number of seats".'),
    )
    tier_bands = TierBandsField(
        label=_("Tier bands"),
        required=False,
        help_text=_(
            'One per line: "tier: minimum % of the nominal total", e.g. '
            '"Hoàn thành xuất sắc nhiệm vụ: 90".'
        ),
    )

    class Meta:
        model = ClusterYear
        fields = [
            "year",
            "self_score_deadline",
            "review_deadline",
            "vote_threshold_strict",
            "vote_threshold_percent",
            "vote_threshold_basis",
            "awards",
            "tier_bands",
            "members_read_after_final",
            "notes",
        ]
        widgets = {
            "self_score_deadline": DATE_WIDGET,
            "review_deadline": DATE_WIDGET,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, cluster: Cluster, **kwargs):
        super().__init__(*args, **kwargs)
        self.cluster = cluster
        self.instance.cluster = cluster
        if self.instance.pk:
            # The year is part of every membership and document; it is fixed once created.
            self.fields["year"].disabled = True
            # Deadlines change on their own page, with a recorded reason.
            for name in ("self_score_deadline", "review_deadline"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _(
                    "Change it under Scores → Deadlines, with the reason."
                )

    def clean_year(self):
        year = self.cleaned_data["year"]
        others = ClusterYear.objects.filter(cluster=self.cluster, year=year)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(
                _("This cluster already has the year %(year)s.") % {"year": year}
            )
        return year

    def clean(self):
        cleaned = super().clean()
        year = cleaned.get("year") or self.instance.year
        for name in ("self_score_deadline", "review_deadline"):
            deadline = cleaned.get(name)
            if self.fields[name].disabled:
                continue  # changed on the deadlines page (with a reason), not checked here
            if year and deadline and not year <= deadline.year <= year + 1:
                self.add_error(
                    name,
                    _("The deadline must fall in %(year)s or %(next)s.")
                    % {"year": year, "next": year + 1},
                )
        self_deadline, review = cleaned.get("self_score_deadline"), cleaned.get("review_deadline")
        if self_deadline and review and review < self_deadline:
            self.add_error(
                "review_deadline", _("The review deadline must not be before the self-scoring one.")
            )
        return cleaned


# --- Members -------------------------------------------------------------------------------


def units_free_in_year(cluster_year: ClusterYear, *, keep: Unit | None = None):
    """Units of the cluster's authority valid in the year and in no other cluster that year."""
    taken = Membership.objects.filter(
        authority_id=cluster_year.cluster.authority_id, year=cluster_year.year
    ).values("unit_id")
    units = (
        Unit.objects.filter(authority_id=cluster_year.cluster.authority_id)
        .valid_in_year(cluster_year.year)
        .exclude(pk__in=taken)
    )
    if keep is not None:
        units = units | Unit.objects.filter(pk=keep.pk)
    return units.order_by("name")


def role_conflict(cluster_year: ClusterYear, role: str, *, exclude_pk=None) -> Membership | None:
    """The member already holding ``role`` (leader or deputy), if any."""
    if role == Membership.Role.MEMBER:
        return None
    holders = cluster_year.memberships.filter(role=role).select_related("unit")
    if exclude_pk:
        holders = holders.exclude(pk=exclude_pk)
    return holders.first()


class MembershipForm(BaseForm):
    class Meta:
        model = Membership
        fields = ["unit", "role", "position", "representative_name", "representative_title"]

    def __init__(self, *args, cluster_year: ClusterYear, **kwargs):
        super().__init__(*args, **kwargs)
        self.cluster_year = cluster_year
        self.instance.cluster_year = cluster_year
        current = self.instance.unit if self.instance.pk else None
        # Validate against every unit of the authority, so that a unit taken or merged since
        # the page was opened gets a message saying so; offer only the free ones.
        unit_field = self.fields["unit"]
        unit_field.queryset = Unit.objects.filter(authority_id=cluster_year.cluster.authority_id)
        unit_field.choices = [("", unit_field.empty_label)] + [
            (unit.pk, str(unit)) for unit in units_free_in_year(cluster_year, keep=current)
        ]
        self.fields["unit"].help_text = _(
            "Units of the authority that exist in %(year)s and are in no other cluster that year."
        ) % {"year": cluster_year.year}
        if not self.instance.pk:
            last = cluster_year.memberships.order_by("-position").first()
            self.initial.setdefault("position", (last.position if last else 0) + 1)

    def clean_unit(self):
        unit = self.cleaned_data["unit"]
        year = self.cluster_year.year
        if not unit.is_valid_in_year(year):
            raise forms.ValidationError(
                _("%(unit)s does not exist in %(year)s.") % {"unit": unit, "year": year}
            )
        elsewhere = (
            Membership.objects.filter(unit=unit, year=year, authority_id=unit.authority_id)
            .exclude(cluster_year=self.cluster_year)
            .select_related("cluster_year__cluster")
            .first()
        )
        if elsewhere:
            raise forms.ValidationError(
                _("%(unit)s is already in %(cluster)s in %(year)s.")
                % {"unit": unit, "cluster": elsewhere.cluster_year.cluster, "year": year}
            )
        return unit

    def clean_role(self):
        role = self.cleaned_data["role"]
        holder = role_conflict(self.cluster_year, role, exclude_pk=self.instance.pk)
        if holder:
            message = (
                _("%(unit)s is already the leader unit this year; make it a member first.")
                if role == Membership.Role.LEADER
                else _("%(unit)s is already the deputy unit this year; make it a member first.")
            )
            raise forms.ValidationError(message % {"unit": holder.unit})
        return role


class NextYearForm(PlainForm):
    """Start the next year of a cluster from this one: same members, new leader and deputy."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    leader = forms.ModelChoiceField(queryset=Unit.objects.none(), label=_("Leader unit"))
    deputy = forms.ModelChoiceField(
        queryset=Unit.objects.none(), label=_("Deputy unit"), required=False
    )

    def __init__(self, *args, previous: ClusterYear, **kwargs):
        super().__init__(*args, **kwargs)
        self.previous = previous
        self.fields["year"].initial = previous.year + 1
        # Last year's members, and the units they merged into (a successor may lead next year).
        members = [m.unit for m in previous.memberships.select_related("unit").order_by("position")]
        candidates = {unit.pk for member in members for unit in [member, *member.lineage()]}
        units = Unit.objects.filter(pk__in=candidates).order_by("name")
        self.fields["leader"].queryset = units
        self.fields["deputy"].queryset = units
        self.fields["leader"].help_text = _(
            "Leader and deputy usually rotate; last year's leader stays a member."
        )

    def clean_year(self):
        year = self.cleaned_data["year"]
        if ClusterYear.objects.filter(cluster_id=self.previous.cluster_id, year=year).exists():
            raise forms.ValidationError(
                _("This cluster already has the year %(year)s.") % {"year": year}
            )
        if year <= self.previous.year:
            raise forms.ValidationError(
                _("The new year must come after %(year)s.") % {"year": self.previous.year}
            )
        return year

    def clean(self):
        cleaned = super().clean()
        leader, deputy = cleaned.get("leader"), cleaned.get("deputy")
        if leader and deputy and leader == deputy:
            self.add_error("deputy", _("The deputy must be another unit than the leader."))
        return cleaned
