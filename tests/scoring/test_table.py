from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring import services
from scoring.models import Criterion, ScoringTable, TableLocked
from scoring.services import create_table


def test_demo_table_holds_every_rule(demo_table):
    tree = demo_table.tree()
    assert tree.problems == []
    assert tree.totals == {"score": 100, "bonus": 5, "deduction": 10}
    assert len(tree.rows) == 49
    assert [n.criterion.code for n in tree.roots] == ["I", "II", "III", "IV", "V", "VI", "VII"]
    depths = {n.criterion.code: n.depth for n in tree.rows if n.criterion.code in ("1.1", "a")}
    assert depths["1.1"] == 2


def messages(table) -> list[str]:
    return [str(p) for p in table.tree().problems]


def test_parent_must_equal_the_sum_of_its_parts(demo_table):
    Criterion.objects.filter(table=demo_table, code="1.1").update(max_points=Decimal("2.5"))
    # Only the direct parent is wrong: the section still adds up its criteria's max points.
    assert messages(demo_table) == ["1: tổng điểm tối đa 5 khác tổng các phần 4,5."]


def test_score_criteria_must_add_up_to_the_nominal_total(demo_table):
    demo_table.nominal_total = Decimal("120")
    assert "Các tiêu chí chấm điểm cộng lại được 100, không bằng tổng điểm chuẩn 120." in messages(
        demo_table
    )


def test_max_points_must_be_a_multiple_of_the_step(demo_table):
    Criterion.objects.filter(table=demo_table, code="3", kind="bonus").update(step=Decimal("2"))
    assert messages(demo_table) == ["3: điểm tối đa 1 không chia hết cho bước điểm 2."]
    # A parent is not scored itself: only its parts must fit their steps.
    Criterion.objects.filter(table=demo_table, code="3", kind="bonus").update(step=Decimal("0.5"))
    Criterion.objects.filter(table=demo_table, code="VI").update(step=Decimal("2"))
    assert messages(demo_table) == []


def test_bonus_over_the_cap_and_missing_caps_are_reported(demo_table):
    demo_table.bonus_cap = Decimal("4")
    assert "VI: điểm tối đa vượt mức điểm thưởng tối đa của bảng 4." in messages(demo_table)
    demo_table.deduction_cap = Decimal("0")
    assert "Bảng có tiêu chí điểm trừ nhưng mức điểm trừ tối đa bằng 0." in messages(demo_table)


def test_duplicate_codes_and_mixed_kinds_are_reported(demo_table):
    section = Criterion.objects.get(table=demo_table, code="IV")
    Criterion.objects.filter(table=demo_table, parent=section, code="2").update(code="1")
    mixed = Criterion.objects.get(table=demo_table, code="4.3")
    mixed.kind = "bonus"
    mixed.save()
    found = messages(demo_table)
    assert "1: một tiêu chí khác cùng cấp đã có mã này." in found
    assert "4.3: loại của tiêu chí khác loại của tiêu chí cha 4." in found


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=6))
def test_sum_rule_holds_exactly_when_the_parent_equals_its_parts(world, parts):
    """Property: for any split of a section into parts (steps of 0,25), the section is valid
    exactly when its max equals the sum of the parts."""
    with transaction.atomic():
        table = create_table(world.cluster.years.create(year=2030))
        quarter = Decimal("0.25")
        values = [quarter * p for p in parts]
        total = sum(values)
        table.nominal_total = total
        table.save()
        section = Criterion.objects.create(
            table=table, code="I", text="Phần", max_points=total, step=quarter
        )
        for index, value in enumerate(values, start=1):
            Criterion.objects.create(
                table=table, parent=section, code=str(index), text="Tiêu chí",
                max_points=value, step=quarter, position=index,
            )  # fmt: skip
        assert table.tree().problems == []
        section.max_points = total + quarter
        section.save()
        table.nominal_total = total + quarter
        assert [str(p) for p in table.tree().problems] == [
            f"I: tổng điểm tối đa {_vn(total + quarter)} khác tổng các phần {_vn(total)}."
        ]
        transaction.set_rollback(True)


def _vn(value: Decimal) -> str:
    from core.numbers import format_decimal

    return format_decimal(value)


def test_publishing_is_refused_until_the_rules_hold(demo_table):
    Criterion.objects.filter(table=demo_table, code="1.2").update(max_points=Decimal("1"))
    with pytest.raises(ValidationError) as error:
        demo_table.publish()
    assert any("khác tổng các phần" in m for m in error.value.messages)
    Criterion.objects.filter(table=demo_table, code="1.2").update(max_points=Decimal("2"))
    demo_table.publish()
    assert ScoringTable.objects.get(pk=demo_table.pk).status == "published"


def test_published_structure_is_frozen_on_every_path_but_wording_can_be_fixed(demo_table):
    demo_table.publish()
    criterion = Criterion.objects.get(table=demo_table, code="1.1")
    attempts = [
        lambda: Criterion.objects.create(table=demo_table, code="VIII", text="x", max_points=1),
        lambda: criterion.delete(),
        lambda: Criterion.objects.filter(pk=criterion.pk).delete(),
        lambda: Criterion.objects.filter(pk=criterion.pk).update(max_points=1),
        lambda: services.move(criterion, up=True),
        lambda: services.indent(Criterion.objects.get(table=demo_table, code="1.2")),
        lambda: services.outdent(criterion),
        lambda: services.delete(criterion),
        lambda: services.replace_criteria(demo_table, []),
    ]
    for attempt in attempts:
        with pytest.raises(TableLocked), transaction.atomic():
            attempt()
    for change in ("max_points", "step", "kind", "code", "evidence_required"):
        stale = Criterion.objects.get(pk=criterion.pk)
        setattr(stale, change, {"max_points": 1, "step": 1, "kind": "bonus", "code": "9",
                                "evidence_required": False}[change])  # fmt: skip
        with pytest.raises(TableLocked), transaction.atomic():
            stale.save()
    table = ScoringTable.objects.get(pk=demo_table.pk)
    table.nominal_total = Decimal("90")
    with pytest.raises(TableLocked):
        table.save()
    # Wording fixes are allowed, and recorded.
    criterion.text = "Đảng bộ được xếp loại hoàn thành tốt nhiệm vụ trở lên (sửa chính tả)"
    criterion.save()
    Criterion.objects.filter(pk=criterion.pk).update(guidance="Hướng dẫn đã sửa")
    assert criterion.history.count() == 2


def test_a_closed_table_changes_nothing(demo_table):
    demo_table.publish()
    demo_table.close(reason="Đã chốt kết quả")
    criterion = Criterion.objects.get(table=demo_table, code="1.1")
    criterion.text = "sửa"
    with pytest.raises(TableLocked):
        criterion.save()
    with pytest.raises(TableLocked):
        Criterion.objects.filter(pk=criterion.pk).update(text="x")
    table = ScoringTable.objects.get(pk=demo_table.pk)
    table.title = "Khác"
    with pytest.raises(TableLocked):
        table.save(update_fields=["title"])


def test_status_transitions_are_in_order(demo_table):
    with pytest.raises(ValidationError):
        demo_table.close()
    demo_table.publish()
    with pytest.raises(ValidationError):
        demo_table.publish()


# --- Editing the tree ------------------------------------------------------------------------


def codes(table, parent_code=None) -> list[str]:
    parent = Criterion.objects.get(table=table, code=parent_code) if parent_code else None
    return list(
        Criterion.objects.filter(table=table, parent=parent)
        .order_by("position")
        .values_list("code", flat=True)
    )


def test_indent_outdent_move_and_delete(demo_table):
    section = Criterion.objects.get(table=demo_table, code="IV")
    second = Criterion.objects.get(table=demo_table, parent=section, code="2")
    services.indent(second)  # under "1"
    first = Criterion.objects.get(table=demo_table, parent=section, code="1")
    assert list(first.children.values_list("code", flat=True)) == ["2"]
    second.refresh_from_db()
    services.outdent(second)
    assert codes(demo_table, "IV") == ["1", "2"]
    services.move(Criterion.objects.get(table=demo_table, parent=section, code="2"), up=True)
    assert codes(demo_table, "IV") == ["2", "1"]
    removed = services.delete(Criterion.objects.get(table=demo_table, parent=section, code="2"))
    assert removed == 3  # the criterion and its a, b
    with pytest.raises(ValidationError):
        services.outdent(section)
    with pytest.raises(ValidationError):
        services.indent(Criterion.objects.get(table=demo_table, code="I"))


def test_add_after_a_sibling(demo_table):
    section = Criterion.objects.get(table=demo_table, code="IV")
    first = Criterion.objects.get(table=demo_table, parent=section, code="1")
    services.add_criterion(
        Criterion(table=demo_table, parent=section, code="1b", text="Mới", max_points=1),
        after=first,
    )
    assert codes(demo_table, "IV") == ["1", "1b", "2"]


def test_copy_from_an_earlier_table_is_whole_and_all_or_nothing(demo_table, world, monkeypatch):
    demo_table.publish()
    later = world.cluster.years.create(year=2025)
    copy = services.copy_table(demo_table, to_cluster_year=later)
    assert copy.title == "Bảng chấm điểm thi đua năm 2025"
    assert copy.status == "draft" and copy.legal_bases == demo_table.legal_bases
    assert [services.Row.__eq__(a, b) for a, b in zip(
        services.rows_of(copy), services.rows_of(demo_table), strict=True
    )] == [True] * 49  # fmt: skip
    again = world.cluster.years.create(year=2026)

    def broken(*args, **kwargs):
        raise RuntimeError("injected")

    monkeypatch.setattr("scoring.services.replace_criteria", broken)
    with pytest.raises(RuntimeError):
        services.copy_table(demo_table, to_cluster_year=again)
    assert not ScoringTable.objects.filter(cluster_year=again).exists()


def test_previous_tables_put_the_clusters_own_last_year_first(demo_table, world):
    later = world.cluster.years.create(year=2025)
    assert services.previous_tables(later)[0] == demo_table


def test_criteria_cannot_be_moved_between_tables_or_slipped_in_by_bulk(demo_table, world):
    demo_table.publish()
    section = Criterion.objects.get(table=demo_table, code="VII")
    section.table = world.other_table  # a draft
    with pytest.raises(TableLocked), transaction.atomic():
        section.save()
    with pytest.raises(TableLocked), transaction.atomic():
        world.other_table.criteria.update(table=demo_table)
    with pytest.raises(TableLocked), transaction.atomic():
        Criterion.objects.bulk_create(
            [Criterion(table=demo_table, code="IX", text="x", max_points=1)]
        )
    assert demo_table.criteria.count() == 49


def test_a_published_tables_settings_and_existence_are_protected_on_bulk_paths(demo_table):
    demo_table.publish()
    for attempt in (
        lambda: ScoringTable.objects.filter(pk=demo_table.pk).update(nominal_total=50),
        lambda: ScoringTable.objects.filter(pk=demo_table.pk).update(status="draft"),
        lambda: ScoringTable.objects.filter(pk=demo_table.pk).delete(),
        lambda: ScoringTable.objects.get(pk=demo_table.pk).delete(),
    ):
        with pytest.raises(TableLocked), transaction.atomic():
            attempt()
    ScoringTable.objects.filter(pk=demo_table.pk).update(title="Bảng đã sửa tên")  # wording


def test_closing_writes_only_the_status_not_what_a_stale_copy_holds(demo_table):
    demo_table.publish()
    stale = ScoringTable.objects.get(pk=demo_table.pk)
    stale.nominal_total = Decimal("7")
    stale.bonus_cap = Decimal("0")
    stale.close(reason="Chốt")
    table = ScoringTable.objects.get(pk=demo_table.pk)
    assert table.status == "closed"
    assert (table.nominal_total, table.bonus_cap) == (Decimal("100"), Decimal("5"))
