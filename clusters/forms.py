"""Forms of the clusters app. They validate everything a person can get wrong, with messages
next to the field, so that a save never trips over a database constraint."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.forms import DATE_WIDGET, BaseForm, LinesField, PlainForm, VietDecimalField

from .models import Authority, Cluster, ClusterYear, Membership, Unit
from .models.units import area_of


def _successors_of(authority: Authority) -> list[Authority]:
    chain, seen, current = [], {authority.pk}, authority.successor
    while current is not None and current.pk not in seen:
        chain.append(current)
        seen.add(current.pk)
        current = current.successor
    return chain


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
        # A successor may belong to another authority (communes merged across the old
        # district lines in 2025): the user's authorities, or the one that took over this one.
        if self.instance.pk:
            self.fields["authority"].disabled = True
            taken_over_by = [a.pk for a in _successors_of(self.instance.authority)]
            successors = Unit.objects.filter(
                Q(authority_id=self.instance.authority_id)
                | Q(authority__in=authorities)
                | Q(authority_id__in=taken_over_by)
            ).exclude(pk=self.instance.pk)
        else:
            successors = Unit.objects.filter(authority__in=authorities)
        self.fields["successor"].queryset = successors.order_by("name")

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            self._check_validity_covers_memberships(cleaned)
        successor = cleaned.get("successor")
        if (
            successor
            and self.instance.pk
            and self.instance.pk in {u.pk for u in [successor, *successor.lineage()]}
        ):
            self.add_error(
                "successor", _("This would make a loop: the successor already follows this unit.")
            )
        valid_to = cleaned.get("valid_to")
        if (
            successor
            and successor.valid_to is not None
            and (valid_to is None or successor.valid_to <= valid_to)
        ):
            # A successor continues the unit after its end: one that ended first cannot.
            self.add_error(
                "successor",
                _(
                    "%(unit)s ended on %(date)s, before this unit; choose the unit that "
                    "continues it."
                )
                % {"unit": successor, "date": successor.valid_to.strftime("%d/%m/%Y")},
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
            "reminder_days",
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
    """Start the next year of a cluster from this one: the members (merged units replaced by
    their successors), a leader and deputy proposed among them; after a reform, the name of the
    successor authority's cluster that continues this one."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    leader = forms.ModelChoiceField(queryset=Unit.objects.none(), label=_("Leader unit"))
    deputy = forms.ModelChoiceField(
        queryset=Unit.objects.none(), label=_("Deputy unit"), required=False
    )
    carry = forms.BooleanField(
        label=_("Copy the covenant's text and the scoring table as drafts"),
        required=False,
        initial=True,
    )

    def __init__(self, *args, previous: ClusterYear, year: int | None = None, **kwargs):
        from django.core.exceptions import ValidationError

        from .services import plan_next_year, successor_chains

        super().__init__(*args, **kwargs)
        self.previous = previous
        if year is None or not previous.year < year <= 2100:
            year = previous.year + 1
        self.fields["year"].initial = year
        if self.is_bound:
            typed = _int_or_none(self.data.get("year"))
            if typed is not None and previous.year < typed <= 2100:
                year = typed
        self.plan_year = year
        self.plan = None
        try:
            self.plan = plan_next_year(previous, year=year)
        except ValidationError as exc:
            self.plan_error = " ".join(exc.messages)
        # Last year's members and the units they merged into, within the authority of the new
        # year (the service says why one of them cannot lead, e.g. taken by another cluster).
        members = [m.unit for m in previous.memberships.select_related("unit")]
        chains = successor_chains(members)
        candidates = {unit.pk for member in members for unit in [member, *chains[member.pk]]}
        if self.plan:  # the parts of a split member too
            candidates |= {unit.pk for unit, _old in self.plan.members}
        queryset = Unit.objects.filter(pk__in=candidates).order_by("name")
        if self.plan:
            queryset = queryset.filter(authority=self.plan.authority)
        self.fields["leader"].queryset = queryset
        self.fields["deputy"].queryset = queryset
        self.fields["leader"].help_text = _(
            "Proposed by rotation: last year's deputy leads; last year's leader stays a member."
        )
        if self.plan:
            self.fields["leader"].initial = self.plan.leader
            self.fields["deputy"].initial = self.plan.deputy
        if self.plan and self.plan.moves:
            self.fields["cluster_name"] = forms.CharField(
                label=_("Cluster of %(authority)s") % {"authority": self.plan.authority},
                max_length=Cluster._meta.get_field("name").max_length,
                initial=previous.cluster.name,
                help_text=_(
                    "%(old)s has ended; the year goes to this cluster of its successor, which "
                    "continues this one (an existing cluster of that name, or a new one)."
                )
                % {"old": previous.cluster.authority},
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


def _int_or_none(value) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


class ReorganisationForm(PlainForm):
    """A reorganisation as a file (.xlsx or .csv) or typed on the page, one row per former
    unit: former unit, new unit, the new unit's kind, effective date, resolution."""

    authority = forms.ModelChoiceField(
        queryset=Authority.objects.none(), label=_("Receiving authority"), empty_label=None
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=255,
        initial="Sắp xếp đơn vị hành chính cấp xã năm 2025",
    )
    ending_authorities = forms.ModelMultipleChoiceField(
        queryset=Authority.objects.none(),
        required=False,
        label=_("Authorities that end"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Their records pass to the receiving authority, whose staff and viewers then read "
            "them; their own users keep what they had."
        ),
    )
    file = forms.FileField(
        label=_("Table (.xlsx or .csv)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    text = forms.CharField(
        label=_("Or type the table here"),
        required=False,
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "A header line, then one line per former unit, separated by semicolons: "
            "Đơn vị cũ; Đơn vị mới; Loại đơn vị mới; Ngày hiệu lực; Nghị quyết; Ngày nghị quyết"
        ),
    )

    def __init__(self, *args, authorities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["authority"].queryset = authorities.current()
        # The areas of all the user's authorities at once (a superuser has them all); one of
        # the user's own ends only under another (a city under the province), never at the top.
        own = set(authorities.values_list("pk", flat=True))
        self.fields["ending_authorities"].queryset = (
            Authority.objects.filter(pk__in=area_of(own), valid_to__isnull=True)
            .exclude(pk__in=own, parent__isnull=True)
            .order_by("name")
        )
        self.reading = None

    def clean(self):
        from .reform import read_file, read_text

        cleaned = super().clean()
        upload, text = cleaned.get("file"), (cleaned.get("text") or "").strip()
        if upload is None and not text:
            raise forms.ValidationError(_("Choose a file or type the table."))
        if upload is not None:
            if upload.size > 2 * 1024 * 1024:
                raise forms.ValidationError(_("The file is too large; the limit is 2 MB."))
            reading = read_file(upload.read(), upload.name)
        else:
            reading = read_text(text)
        for error in reading.errors:
            self.add_error("file" if upload is not None else "text", error)
        self.reading = reading
        return cleaned
