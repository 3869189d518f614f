from django.db import migrations


def fill(apps, schema_editor):
    """Covenants drafted before the printed names were stored keep today's names."""
    Pledge = apps.get_model("pledges", "Pledge")
    Signatory = apps.get_model("pledges", "Signatory")
    Attendee = apps.get_model("pledges", "Attendee")
    for pledge in Pledge.objects.filter(cluster_name="").select_related("cluster_year__cluster"):
        pledge.cluster_name = pledge.cluster_year.cluster.name
        pledge.save(update_fields=["cluster_name"])
    for signatory in Signatory.objects.filter(unit_name="").select_related("unit"):
        signatory.unit_name = signatory.unit.name
        signatory.save(update_fields=["unit_name"])
    for attendee in Attendee.objects.filter(organisation="", unit__isnull=False).select_related(
        "unit"
    ):
        attendee.organisation = attendee.unit.name
        attendee.save(update_fields=["organisation"])


class Migration(migrations.Migration):
    dependencies = [("pledges", "0003_snapshots_history_freeze")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
