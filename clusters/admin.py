from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Assignment, Authority, Cluster, ClusterYear, Membership, Unit


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "place_name"]
    search_fields = ["name", "short_name"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "code", "authority", "valid_from", "valid_to", "successor"]
    list_filter = ["authority", "kind"]
    search_fields = ["name", "code", "search_text"]
    raw_id_fields = ["successor"]


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "authority", "is_active"]
    list_filter = ["authority", "kind", "is_active"]
    search_fields = ["name"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["unit"]


@admin.register(ClusterYear)
class ClusterYearAdmin(SimpleHistoryAdmin):
    list_display = ["cluster", "year", "self_score_deadline", "review_deadline"]
    list_filter = ["year", "cluster__authority"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["unit", "cluster_year", "role", "position"]
    list_filter = ["role", "year"]
    raw_id_fields = ["unit", "cluster_year"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "authority", "unit"]
    list_filter = ["role"]
    raw_id_fields = ["user", "unit"]
