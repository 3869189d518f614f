"""Existing successors become lineage links: one link per unit that names a successor, dated the
day after the unit ended (or the successor's start), kind by how many units share the successor."""

import datetime

from django.db import migrations


def links_from_successors(apps, schema_editor):
    Unit = apps.get_model("clusters", "Unit")
    UnitLink = apps.get_model("clusters", "UnitLink")
    merged = {}
    for unit in Unit.objects.filter(successor__isnull=False):
        merged.setdefault(unit.successor_id, []).append(unit)
    for successor_id, units in merged.items():
        for unit in units:
            successor = Unit.objects.get(pk=successor_id)
            if unit.valid_to is not None:
                effective = unit.valid_to + datetime.timedelta(days=1)
            else:
                effective = successor.valid_from or datetime.date(2025, 7, 1)
            UnitLink.objects.get_or_create(
                predecessor=unit,
                successor_id=successor_id,
                defaults={
                    "kind": "merge" if len(units) > 1 else "rename",
                    "effective_date": effective,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("clusters", "0003_reform")]

    operations = [migrations.RunPython(links_from_successors, migrations.RunPython.noop)]
