"""Indexes for reading a sheet's audit trail by window (scoring.trail): a score's records in
time order (its previous record, its newest ones) and a sheet's records newest first.

The historical models are made by django-simple-history, whose options take no indexes; the
indexes are therefore plain SQL, the same on PostgreSQL and SQLite, outside the model state."""

from django.db import migrations

INDEXES = (
    ("scoring_hscore_trail", "scoring_historicalscore", "id, history_date, history_id"),
    ("scoring_hscore_sheet_trail", "scoring_historicalscore",
     "sheet_id, history_date, history_id"),
    ("scoring_hevidence_trail", "scoring_historicalevidence",
     "score_id, history_date, history_id"),
)  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("scoring", "0002_unsubmitted")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX {name} ON {table} ({columns})", f"DROP INDEX {name}"
        )
        for name, table, columns in INDEXES
    ]
