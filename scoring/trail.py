"""Windows of a sheet's audit trail, read in SQL: only the records a page shows.

A sheet's trail grows with every save, and the busiest sheets are saved most often in the last
hours before a deadline. So the sheet page never reads the whole trail: the database works out
which score records changed something (each compared with the score's previous record) and
hands back only the newest few entries of the sheet, or of one criterion for its panel; the
sheet's history page reads one page at a time. Python then formats only those.

On PostgreSQL the newest entries are read backwards through the trail indexes, each record
with the one before it (LATERAL), so their cost does not depend on the trail's length. On
SQLite (the development default) and for the history page, a ``LAG`` window compares every
record of the sheet with its predecessor inside the database.

An entry is a score record that changed one of the four shown fields (a value, a basis, a
reviewed value, a reason) or an evidence file attached or removed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .models import Evidence, Score

FIELDS = ("self_value", "self_note", "reviewed_value", "review_reason")
NUMERIC = ("self_value", "reviewed_value")
# Newest first; a score record before an evidence record of the same instant (stable pages).
ORDER = "history_date DESC, kind DESC, history_id DESC"
COLUMNS = (
    "kind", "history_id", "score_id", "criterion_id", "history_date", "reason", "user_id",
    *FIELDS, *(f"p_{field}" for field in FIELDS), "original_name", "history_type",
)  # fmt: skip


def _changed(old: str = "h.p_{}") -> str:
    """SQL: the record ``h`` differs from the one before it (``old``, a pattern for the previous
    record's fields) in a shown field. A score's first record is compared with the empty row it
    was opened as ("" and no value read the same)."""
    tests = []
    for field in FIELDS:
        before = old.format(field)
        if field in NUMERIC:
            tests.append(f"((h.{field} IS NULL) <> ({before} IS NULL) OR h.{field} <> {before})")
        else:
            tests.append(f"COALESCE(h.{field}, '') <> COALESCE({before}, '')")
    return " OR ".join(tests)


def _tables() -> tuple[str, str, str]:
    return (
        Score.history.model._meta.db_table,
        Evidence.history.model._meta.db_table,
        Score._meta.db_table,
    )


def _entries_sql(sheet_pk: int, criterion_pk: int | None) -> tuple[str, list[Any]]:
    """The CTEs ``scores`` (with the previous record's fields) and ``entries`` (score records
    that changed something, and evidence attached or removed) of one sheet."""
    score_table, evidence_table, live_scores = _tables()
    lag = ", ".join(f"LAG(h.{field}) OVER w AS p_{field}" for field in FIELDS)
    fields = ", ".join(f"h.{field}" for field in FIELDS)
    prior = ", ".join(f"h.p_{field}" for field in FIELDS)
    blanks = ", ".join("NULL" for _field in FIELDS)
    only_score = " AND h.criterion_id = %s" if criterion_pk is not None else ""
    only_evidence = " AND s.criterion_id = %s" if criterion_pk is not None else ""
    sql = f"""
        WITH scores AS (
            SELECT h.history_id, h.id, h.criterion_id, h.history_date,
                   h.history_change_reason, h.history_user_id, {fields}, {lag}
            FROM {score_table} h
            WHERE h.sheet_id = %s{only_score}
            WINDOW w AS (PARTITION BY h.id ORDER BY h.history_date, h.history_id)
        ), entries AS (
            SELECT 1 AS kind, h.history_id, h.id AS score_id, h.criterion_id, h.history_date,
                   h.history_change_reason AS reason, h.history_user_id AS user_id,
                   {fields}, {prior}, NULL AS original_name, NULL AS history_type
            FROM scores h
            WHERE {_changed()}
            UNION ALL
            SELECT 0, h.history_id, h.score_id, s.criterion_id, h.history_date, NULL,
                   h.history_user_id, {blanks}, {blanks}, h.original_name, h.history_type
            FROM {evidence_table} h JOIN {live_scores} s ON s.id = h.score_id
            WHERE s.sheet_id = %s AND h.history_type IN ('+', '-'){only_evidence}
        )"""  # noqa: S608 (table names from the models, values as parameters)
    only: list[Any] = [criterion_pk] if criterion_pk is not None else []
    return sql, [sheet_pk, *only, sheet_pk, *only]


def _run(sql: str, params: list[Any]) -> list[dict]:
    """The ``picked`` entries with who made them, newest first."""
    user_table = get_user_model()._meta.db_table
    sql += f"""
        SELECT {", ".join(f"e.{column}" for column in COLUMNS)},
               u.first_name, u.last_name, u.username
        FROM picked e LEFT JOIN {user_table} u ON u.id = e.user_id
        ORDER BY {", ".join(f"e.{part}" for part in ORDER.split(", "))}"""  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [_typed(dict(zip(names, row, strict=True))) for row in cursor.fetchall()]


def _typed(row: dict) -> dict:
    """Raw values as the ORM would give them (SQLite hands back text dates and float numbers)."""
    moment = row["history_date"]
    if isinstance(moment, str):
        parsed = parse_datetime(moment)
        assert parsed is not None
        moment = parsed
    if isinstance(moment, datetime.datetime) and timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    row["history_date"] = moment
    for field in NUMERIC:
        for key in (field, f"p_{field}"):
            value = row[key]
            if value is not None and not isinstance(value, Decimal):
                row[key] = Decimal(str(value)).quantize(Decimal("0.01"))
    return row


def newest(sheet_pk: int, limit: int, criterion_pk: int | None = None) -> list[dict]:
    """The newest ``limit`` entries of the sheet, or of one of its criteria (one query),
    newest first."""
    if connection.vendor == "postgresql":
        entries, params = _seek_sql(sheet_pk, limit, criterion_pk)
    else:
        entries, params = _entries_sql(sheet_pk, criterion_pk)
    sql = f"{entries}, picked AS (SELECT * FROM entries ORDER BY {ORDER} LIMIT %s)"
    return _run(sql, [*params, limit])


def _seek_sql(sheet_pk: int, limit: int, criterion_pk: int | None) -> tuple[str, list[Any]]:
    """PostgreSQL: ``entries`` holding no more than the newest ``limit`` score records that
    changed something (each with the record before it) and the newest ``limit`` evidence
    records, read backwards through the trail indexes (migration 0003) without visiting the
    rest of the trail however long it is."""
    score_table, evidence_table, live_scores = _tables()
    fields = ", ".join(f"h.{field}" for field in FIELDS)
    prior = ", ".join(f"p.{field} AS p_{field}" for field in FIELDS)
    blanks = ", ".join("NULL::numeric" if field in NUMERIC else "NULL::text" for field in FIELDS)
    newest_first = "ORDER BY h.history_date DESC, h.history_id DESC"
    if criterion_pk is None:
        score_rows, score_params = "h.sheet_id = %s", [sheet_pk]
        evidence_rows, evidence_params = "s.sheet_id = %s", [sheet_pk]
    else:  # one score: its own index range
        score_rows = (
            f"h.id = (SELECT id FROM {live_scores} WHERE sheet_id = %s AND criterion_id = %s)"  # noqa: S608
        )
        score_params = [sheet_pk, criterion_pk]
        evidence_rows = "s.sheet_id = %s AND s.criterion_id = %s"
        evidence_params = [sheet_pk, criterion_pk]
    sql = f"""
        WITH entries AS (
            (SELECT 1 AS kind, h.history_id, h.id AS score_id, h.criterion_id, h.history_date,
                    h.history_change_reason AS reason, h.history_user_id AS user_id,
                    {fields}, {prior}, NULL::varchar AS original_name,
                    NULL::varchar AS history_type
             FROM {score_table} h LEFT JOIN LATERAL (
                 SELECT {", ".join(FIELDS)} FROM {score_table} p
                 WHERE p.id = h.id
                   AND (p.history_date, p.history_id) < (h.history_date, h.history_id)
                 ORDER BY p.history_date DESC, p.history_id DESC LIMIT 1
             ) p ON TRUE
             WHERE {score_rows} AND ({_changed("p.{}")})
             {newest_first} LIMIT %s)
            UNION ALL
            (SELECT 0, h.history_id, h.score_id, s.criterion_id, h.history_date, NULL::text,
                    h.history_user_id, {blanks}, {blanks}, h.original_name, h.history_type
             FROM {evidence_table} h JOIN {live_scores} s ON s.id = h.score_id
             WHERE {evidence_rows} AND h.history_type IN ('+', '-')
             {newest_first} LIMIT %s)
        )"""  # noqa: S608 (table names from the models, values as parameters)
    return sql, [*score_params, limit, *evidence_params, limit]


@dataclass
class Page:
    """The trail of a sheet (or of one of its criteria) for django.core.paginator.Paginator:
    counted in SQL, read a slice at a time."""

    sheet_pk: int
    criterion_pk: int | None = None

    def count(self) -> int:
        entries, params = _entries_sql(self.sheet_pk, self.criterion_pk)
        with connection.cursor() as cursor:
            cursor.execute(entries + " SELECT COUNT(*) FROM entries", params)
            return int(cursor.fetchone()[0])

    def __getitem__(self, window: slice) -> list[dict]:
        entries, params = _entries_sql(self.sheet_pk, self.criterion_pk)
        start, stop = window.start or 0, window.stop
        assert stop is not None
        sql = f"{entries}, picked AS (SELECT * FROM entries ORDER BY {ORDER} LIMIT %s OFFSET %s)"
        return _run(sql, [*params, stop - start, start])
