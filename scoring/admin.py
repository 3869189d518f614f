from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Criterion, ScoringTable


@admin.register(ScoringTable)
class ScoringTableAdmin(SimpleHistoryAdmin):
    list_display = ["title", "cluster_year", "status", "nominal_total"]
    list_filter = ["status", "cluster_year__year"]
    raw_id_fields = ["cluster_year"]


@admin.register(Criterion)
class CriterionAdmin(SimpleHistoryAdmin):
    list_display = ["code", "text", "kind", "max_points", "step", "table"]
    list_filter = ["kind", "table"]
    raw_id_fields = ["table", "parent"]
