import datetime

import pytest

from scoring.demo import build_table


@pytest.fixture
def demo_table(world):
    """The world's 2024 year with the realistic demo table (instead of its small one), still a
    draft."""
    world.table.delete()
    return build_table(world.cluster_year, publish=False)


@pytest.fixture
def round_(world):
    """The world's year with the demo table published and its sheets opened; deadlines in the
    future."""
    world.table.delete()
    table = build_table(world.cluster_year)
    world.cluster_year.self_score_deadline = datetime.date.today() + datetime.timedelta(days=10)
    world.cluster_year.review_deadline = datetime.date.today() + datetime.timedelta(days=20)
    world.cluster_year.save()
    return table


def sheet_of(table, unit):
    from scoring.models import ScoreSheet

    return ScoreSheet.objects.get(table=table, unit=unit)


def score(sheet, code, kind="score", parent=None):
    from scoring.models import Score

    scores = Score.objects.filter(sheet=sheet, criterion__code=code, criterion__kind=kind)
    if parent:
        scores = scores.filter(criterion__parent__code=parent)
    return scores.select_related("criterion", "sheet__table").get()
