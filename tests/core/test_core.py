"""The pieces of no domain: ids, the rounding rule, limits read from model fields, discovery,
and the freeze guard of bulk writes."""

from decimal import Decimal

import pytest

from core.discovery import app_modules
from core.forms import decimal_field_for, largest_decimal
from core.freeze import FreezeGuardedQuerySet
from core.ids import parse_id
from core.numbers import round_half_up
from scoring.models import Criterion, Score, ScoringTable

D = Decimal


@pytest.mark.parametrize(
    ("value", "expected"),
    [("7", 7), ("000123", 123), ("²", None), ("1" * 19, None), ("-1", None), ("", None),
     ("1.0", None), (" 7", None), (None, None)],
)  # fmt: skip
def test_parse_id_takes_only_plain_database_ids(value, expected):
    assert parse_id(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0.625", "0.63"), ("92.345", "92.35"), ("92.355", "92.36"), ("-0.625", "-0.63"),
     ("99.994", "99.99"), ("100", "100.00")],
)  # fmt: skip
def test_the_one_rounding_rule_rounds_half_away_from_zero_as_excel_does(value, expected):
    # Python's default quantize (half to even) gives 0.62 and 92.34 for the first two: the page
    # and the spreadsheet's =ROUND() would then disagree on the same total.
    assert round_half_up(D(value)) == D(expected)


def test_limits_come_from_the_model_fields():
    assert largest_decimal(Criterion, "max_points") == D("99999.99")
    assert largest_decimal(Criterion, "step") == D("99.99")
    assert largest_decimal(ScoringTable, "bonus_cap") == D("9999.99")
    field = decimal_field_for(ScoringTable, "nominal_total")
    assert (field.max_digits, field.decimal_places, field.min_value) == (7, 2, D("1"))
    assert field.clean("95,5") == D("95.5")
    with pytest.raises(Exception, match="1"):
        field.clean("0,5")  # below the model's MinValueValidator(1)
    score_field = decimal_field_for(Score, "self_value", required=False)
    assert score_field.clean("") is None


def test_discovery_finds_each_apps_module_lowest_layer_first():
    names = [module.__name__ for module in app_modules("dataset")]
    assert names == ["clusters.dataset", "pledges.dataset", "scoring.dataset", "results.dataset"]
    assert [m.__name__ for m in app_modules("cards")] == [
        "pledges.cards",
        "scoring.cards",
        "results.cards",
        "issuing.cards",
    ]


def test_a_freeze_guarded_queryset_must_say_what_is_frozen():
    class Unfinished(FreezeGuardedQuerySet):
        pass

    with pytest.raises(NotImplementedError):
        Unfinished(model=ScoringTable).refuse_update({"title"})
