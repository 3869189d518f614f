"""The freeze mechanics shared by the apps: a signed covenant and a published or closed table
refuse changes on every path, one object or many.

Each app says what is frozen and with which error (its own exception, answered as 403 with
the message); this module only makes sure that the bulk paths (admin "delete selected",
``.update()``, ``.delete()`` on a queryset) go through the same check as ``save()``."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction


def locked_read(queryset: models.QuerySet) -> models.QuerySet:
    """Lock the rows read inside a transaction (PostgreSQL), so that a status change cannot
    slip in between a check and a write; outside one, a plain read."""
    if transaction.get_connection().in_atomic_block:
        return queryset.select_for_update()
    return queryset


class FreezeGuardedQuerySet(models.QuerySet):
    """A queryset whose bulk writes ask the model's freeze first.

    Subclasses implement ``refuse_update(fields)`` and ``refuse_delete()``: each raises the
    app's own exception when the rows it holds are frozen, and returns otherwise."""

    def refuse_update(self, fields: set[str]) -> None:
        raise NotImplementedError

    def refuse_delete(self) -> None:
        raise NotImplementedError

    def update(self, **kwargs: Any) -> int:
        self.refuse_update(set(kwargs))
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self.refuse_delete()
        return super().delete()
