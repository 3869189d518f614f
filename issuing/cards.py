"""The register's card on the cluster-year page (see clusters/registry.py): a link, no query."""

from __future__ import annotations

from clusters.models import ClusterYear

CARD_TEMPLATE = "issuing/_year_card.html"


def card_context(cluster_year: ClusterYear) -> dict:
    return {}
