from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Assignment, Authority, Cluster, ClusterYear, Membership, Unit


class FixedOnChangeMixin:
    """Fields that other rows copy or depend on: set on creation, never moved afterwards."""

    fixed_on_change: tuple[str, ...] = ()

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return (*fields, *self.fixed_on_change) if obj is not None else fields


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "place_name"]
    search_fields = ["name", "short_name"]


@admin.register(Unit)
class UnitAdmin(FixedOnChangeMixin, admin.ModelAdmin):
    fixed_on_change = ("authority",)
    list_display = ["name", "kind", "code", "authority", "valid_from", "valid_to", "successor"]
    list_filter = ["authority", "kind"]
    search_fields = ["name", "code", "search_text"]
    raw_id_fields = ["successor"]


@admin.register(Cluster)
class ClusterAdmin(FixedOnChangeMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "authority", "is_active"]
    list_filter = ["authority", "kind", "is_active"]
    search_fields = ["name"]
    fixed_on_change = ("authority",)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["unit"]


@admin.register(ClusterYear)
class ClusterYearAdmin(FixedOnChangeMixin, SimpleHistoryAdmin):
    fixed_on_change = ("cluster", "year")
    list_display = ["cluster", "year", "self_score_deadline", "review_deadline"]
    list_filter = ["year", "cluster__authority"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(FixedOnChangeMixin, SimpleHistoryAdmin):
    fixed_on_change = ("cluster_year",)
    list_display = ["unit", "cluster_year", "role", "position"]
    list_filter = ["role", "year"]
    raw_id_fields = ["unit", "cluster_year"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "authority", "unit"]
    list_filter = ["role"]
    raw_id_fields = ["user", "unit"]
