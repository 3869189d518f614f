from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Attendee, Ceremony, Clause, Pledge, Signatory


class ClauseInline(admin.TabularInline):
    model = Clause
    extra = 0


class SignatoryInline(admin.TabularInline):
    model = Signatory
    extra = 0
    raw_id_fields = ["unit"]


@admin.register(Pledge)
class PledgeAdmin(SimpleHistoryAdmin):
    list_display = ["title", "cluster_year", "status", "date"]
    list_filter = ["status", "cluster_year__year"]
    raw_id_fields = ["cluster_year"]
    inlines = [ClauseInline, SignatoryInline]


@admin.register(Clause)
class ClauseAdmin(SimpleHistoryAdmin):
    list_display = ["text", "kind", "pledge", "position"]
    raw_id_fields = ["pledge"]


@admin.register(Signatory)
class SignatoryAdmin(SimpleHistoryAdmin):
    list_display = ["unit_line", "signer_name", "pledge", "signed"]
    raw_id_fields = ["pledge", "unit"]


class AttendeeInline(admin.TabularInline):
    model = Attendee
    extra = 0
    raw_id_fields = ["unit"]


@admin.register(Ceremony)
class CeremonyAdmin(SimpleHistoryAdmin):
    list_display = ["pledge", "starts_at", "venue"]
    raw_id_fields = ["pledge", "host_unit"]
    inlines = [AttendeeInline]


@admin.register(Attendee)
class AttendeeAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "ceremony"]
    raw_id_fields = ["ceremony", "unit"]
