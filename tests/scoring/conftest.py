import pytest

from scoring.demo import build_table


@pytest.fixture
def demo_table(world):
    """The world's 2024 year with the realistic demo table (instead of its small one), still a
    draft."""
    world.table.delete()
    return build_table(world.cluster_year, publish=False)
