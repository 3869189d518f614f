from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Count, ProtectedError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.ids import parse_page, parse_text, parse_year
from core.pages import conflict_message, form_page
from core.text import vn_sort_key

from . import access, registry
from .forms import (
    AuthorityForm,
    ClusterForm,
    ClusterYearForm,
    MembershipForm,
    NextYearForm,
    UnitForm,
)
from .links import year_crumbs
from .models import ClusterYear
from .roles import roles_for
from .services import start_next_year

# --- Dashboard -------------------------------------------------------------------------------


@login_required
def home(request):
    years = list(
        access.visible_cluster_years(request.user)
        .with_summary()
        .order_by("-year", "cluster__authority__name", "cluster__name")
    )
    roles = roles_for(request.user)
    return render(
        request,
        "clusters/home.html",
        {
            "cluster_years": years,
            "roles": roles,
            "can_create": roles.is_staff_anywhere,
            "dashboard_templates": registry.dashboard_templates(),
            "todo": registry.todo_items(request.user, years),
        },
    )


# --- Authorities -----------------------------------------------------------------------------


@login_required
def authority_edit(request, pk: int):
    authority, _can_edit = access.get_authority_for_user(request.user, pk, edit=True)
    form = AuthorityForm(request.POST or None, instance=authority)
    return form_page(
        request,
        form,
        success=_("Saved."),
        next_url="clusters:cluster_list",
        title=_("Edit authority"),
        crumbs=[(_("Clusters"), "clusters:cluster_list"), (authority.name, None)],
        cancel_url="clusters:cluster_list",
    )


# --- Clusters --------------------------------------------------------------------------------


@login_required
def cluster_list(request):
    clusters = (
        access.visible_clusters(request.user)
        .select_related("authority__successor")
        .annotate(year_count=Count("years", distinct=True))
        .order_by("authority__name", "-is_active", "name")
    )
    roles = roles_for(request.user)
    return render(
        request,
        "clusters/cluster_list.html",
        {
            "clusters": clusters,
            "can_create": roles.is_staff_anywhere,
            "editable_authorities": set(
                access.staff_authorities(request.user).values_list("pk", flat=True)
            ),
        },
    )


@login_required
def cluster_create(request):
    authorities = access.require_staff(request.user)
    form = ClusterForm(request.POST or None, authorities=authorities)
    return form_page(
        request,
        form,
        success=_("Cluster created. Now add its first year."),
        title=_("New cluster"),
        crumbs=[(_("Clusters"), "clusters:cluster_list"), (_("New cluster"), None)],
        cancel_url="clusters:cluster_list",
    )


@login_required
def cluster_detail(request, pk: int):
    cluster, can_edit = access.get_cluster_for_user(request.user, pk)
    years = (
        access.visible_cluster_years(request.user)
        .filter(cluster=cluster)
        .with_summary()
        .order_by("-year")
    )
    return render(
        request,
        "clusters/cluster_detail.html",
        {"cluster": cluster, "years": years, "can_edit": can_edit},
    )


@login_required
def cluster_edit(request, pk: int):
    cluster, _can_edit = access.get_cluster_for_user(request.user, pk, edit=True)
    form = ClusterForm(
        request.POST or None, instance=cluster, authorities=access.staff_authorities(request.user)
    )
    return form_page(
        request,
        form,
        success=_("Saved."),
        next_url=cluster,
        title=_("Edit cluster"),
        crumbs=[
            (_("Clusters"), "clusters:cluster_list"),
            (cluster.name, cluster.get_absolute_url()),
        ],
        cancel_url=cluster.get_absolute_url(),
    )


# --- Cluster-years ---------------------------------------------------------------------------


@login_required
def cluster_year_create(request, cluster_pk: int):
    cluster, _can_edit = access.get_cluster_for_user(request.user, cluster_pk, edit=True)
    last = cluster.years.order_by("-year").first()
    initial = {"year": last.year + 1} if last else {}
    form = ClusterYearForm(request.POST or None, cluster=cluster, initial=initial)
    return form_page(
        request,
        form,
        success=_("Year created. Now add its members."),
        title=_("New year"),
        crumbs=[
            (_("Clusters"), "clusters:cluster_list"),
            (cluster.name, cluster.get_absolute_url()),
            (_("New year"), None),
        ],
        cancel_url=cluster.get_absolute_url(),
    )


@login_required
def cluster_year_detail(request, pk: int):
    cluster_year, can_edit = access.get_cluster_year_for_user(request.user, pk)
    members = list(cluster_year.memberships.select_related("unit").order_by("position", "pk"))
    # The template's progress and leader come from the same list, without more queries.
    cluster_year._prefetched_objects_cache = {"memberships": members}
    roles = roles_for(request.user)
    frozen_reason = cluster_year.frozen_reason()
    return render(
        request,
        "clusters/cluster_year_detail.html",
        {
            "cluster_year": cluster_year,
            "cluster": cluster_year.cluster,
            "members": members,
            "frozen_reason": frozen_reason,
            "can_edit": can_edit and not frozen_reason,
            # Staff of the authority, or of the one that took its records over after a reform.
            "can_start_next": can_edit
            or access.manages_successor_of(request.user, cluster_year.cluster.authority),
            "my_unit_ids": roles.clerk_of,
            "other_years": cluster_year.cluster.years.exclude(pk=cluster_year.pk)
            .filter(pk__in=access.visible_cluster_years(request.user).values("pk"))
            .order_by("-year"),
        },
    )


@login_required
def cluster_year_settings(request, pk: int):
    cluster_year, _can_edit = access.get_cluster_year_for_user(request.user, pk, edit=True)
    cluster_year.ensure_changeable()  # 403 with the reason once the results are final
    form = ClusterYearForm(
        request.POST or None, instance=cluster_year, cluster=cluster_year.cluster
    )
    return form_page(
        request,
        form,
        success=_("Settings saved."),
        next_url=cluster_year,
        title=_("Settings of %(year)s") % {"year": cluster_year.year},
        crumbs=_year_crumbs(cluster_year, _("Settings")),
        cancel_url=cluster_year.get_absolute_url(),
    )


@login_required
def cluster_year_next(request, pk: int):
    previous = access.get_year_to_continue_for_user(request.user, pk)
    # The members depend on the year (a reform in between): ?nam= shows another year's list.
    form = NextYearForm(
        request.POST or None, previous=previous, year=parse_year(request.GET.get("nam"))
    )
    if request.method == "POST" and form.is_valid():
        try:
            new_year, notes = start_next_year(
                previous,
                year=form.cleaned_data["year"],
                leader=form.cleaned_data["leader"],
                deputy=form.cleaned_data["deputy"],
                cluster_name=form.cleaned_data.get("cluster_name", ""),
                carry=form.cleaned_data["carry"],
                by=request.user,
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        except IntegrityError:
            form.add_error(None, conflict_message())
        else:
            messages.success(
                request,
                _("Year %(year)s started with %(count)d members.")
                % {"year": new_year.year, "count": new_year.memberships.count()},
            )
            for note in notes:
                messages.warning(request, note)
            for note in getattr(new_year, "carried", []):
                messages.info(request, note)
            return redirect(new_year)
    return form_page(
        request,
        form,
        title=_("Start the next year from %(year)s") % {"year": previous.year},
        crumbs=_year_crumbs(previous, _("Next year")),
        cancel_url=previous.get_absolute_url(),
        submit=_("Start the year"),
        template="clusters/next_year_form.html",
        extra={"plan": form.plan, "plan_error": getattr(form, "plan_error", "")},
    )


def _year_crumbs(cluster_year: ClusterYear, last: str) -> list:
    return year_crumbs(cluster_year, (last, None))


# --- Members ---------------------------------------------------------------------------------


@login_required
def membership_add(request, pk: int):
    cluster_year, _can_edit = access.get_cluster_year_for_user(request.user, pk, edit=True)
    cluster_year.ensure_changeable()
    form = MembershipForm(request.POST or None, cluster_year=cluster_year)
    add_another = "add_another" in request.POST
    return form_page(
        request,
        form,
        success=lambda membership: _("%(unit)s added.") % {"unit": membership.unit},
        next_url=reverse("clusters:membership_add", args=[cluster_year.pk])
        if add_another
        else cluster_year,
        title=_("Add a member"),
        crumbs=_year_crumbs(cluster_year, _("Add a member")),
        cancel_url=cluster_year.get_absolute_url(),
        template="clusters/membership_form.html",
        extra={"cluster_year": cluster_year, "adding": True},
    )


@login_required
def membership_edit(request, pk: int):
    membership, _can_edit = access.get_membership_for_user(request.user, pk, edit=True)
    cluster_year = membership.cluster_year
    cluster_year.ensure_changeable()
    form = MembershipForm(request.POST or None, instance=membership, cluster_year=cluster_year)
    return form_page(
        request,
        form,
        success=_("Saved."),
        next_url=cluster_year,
        title=str(membership.unit),
        crumbs=_year_crumbs(cluster_year, str(membership.unit)),
        cancel_url=cluster_year.get_absolute_url(),
        template="clusters/membership_form.html",
        extra={"cluster_year": cluster_year, "membership": membership},
    )


@login_required
@require_POST
def membership_delete(request, pk: int):
    membership, _can_edit = access.get_membership_for_user(request.user, pk, edit=True)
    cluster_year = membership.cluster_year
    cluster_year.ensure_changeable()
    try:
        membership.delete()
    except ProtectedError:
        messages.error(
            request,
            _("%(unit)s cannot be removed: records of this year refer to it.")
            % {"unit": membership.unit},
        )
    else:
        messages.success(request, _("%(unit)s removed.") % {"unit": membership.unit})
    return redirect(cluster_year)


# --- Units -----------------------------------------------------------------------------------


@login_required
def unit_list(request):
    query = parse_text(request.GET.get("q"))
    show_former = request.GET.get("former") == "1"
    units = access.visible_units(request.user).select_related("authority", "successor")
    if query:
        # A unit found by a former name shows the names it took over from.
        units = units.search(query).prefetch_related("predecessor_links__predecessor")
    former_matches = 0
    if not show_former:
        everything, units = units, units.current()
        if query and not units.exists():  # after a reform a name may live on in former units
            former_matches = everything.count()
    # In the Vietnamese alphabet, sorted here: the database sorts by bytes ("Đồng Liên" after
    # "Xuân Phương"). The list is an authority's units (a few hundred at most), read in full.
    ordered = sorted(units, key=lambda unit: (vn_sort_key(unit.name), unit.pk))
    page = Paginator(ordered, 50).get_page(parse_page(request.GET.get("page")))
    return render(
        request,
        "clusters/unit_list.html",
        {
            "page": page,
            "query": query,
            "show_former": show_former,
            "former_matches": former_matches,
            "can_create": roles_for(request.user).is_staff_anywhere,
        },
    )


@login_required
def unit_create(request):
    authorities = access.require_staff(request.user)
    form = UnitForm(request.POST or None, authorities=authorities)
    return form_page(
        request,
        form,
        success=lambda unit: _("%(unit)s created.") % {"unit": unit},
        title=_("New unit"),
        crumbs=[(_("Units"), "clusters:unit_list"), (_("New unit"), None)],
        cancel_url="clusters:unit_list",
    )


@login_required
def unit_detail(request, pk: int):
    unit, can_edit = access.get_unit_for_user(request.user, pk)
    visible_years = access.visible_cluster_years(request.user).values("pk")
    memberships = (
        unit.memberships.filter(cluster_year__in=visible_years)
        .select_related("cluster_year__cluster")
        .order_by("-year")
    )
    visible_units = access.visible_units(request.user).values("pk")
    predecessors = unit.predecessors.filter(pk__in=visible_units).order_by("name")
    predecessor_links = (
        unit.predecessor_links.filter(predecessor__in=visible_units)
        .select_related("predecessor__authority")
        .order_by("predecessor__name")
    )
    successor_links = (
        unit.successor_links.filter(successor__in=visible_units)
        .select_related("successor__authority")
        .order_by("successor__name")
    )
    return render(
        request,
        "clusters/unit_detail.html",
        {
            "unit": unit,
            "can_edit": can_edit,
            "memberships": memberships,
            "predecessors": [
                p
                for p in predecessors
                if p.pk not in {link.predecessor_id for link in predecessor_links}
            ],
            "predecessor_links": predecessor_links,
            "successor_links": successor_links,
            "successors": [
                successor
                for successor in unit.lineage()
                if access.visible_units(request.user).filter(pk=successor.pk).exists()
            ],
        },
    )


@login_required
def unit_edit(request, pk: int):
    unit, _can_edit = access.get_unit_for_user(request.user, pk, edit=True)
    form = UnitForm(
        request.POST or None, instance=unit, authorities=access.staff_authorities(request.user)
    )
    return form_page(
        request,
        form,
        success=_("Saved."),
        next_url=unit,
        title=_("Edit unit"),
        crumbs=[
            (_("Units"), "clusters:unit_list"),
            (unit.name, unit.get_absolute_url()),
            (_("Edit"), None),
        ],
        cancel_url=unit.get_absolute_url(),
    )
