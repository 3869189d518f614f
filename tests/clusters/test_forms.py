import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from clusters.forms import ClusterYearForm, MembershipForm, NextYearForm, UnitForm
from clusters.models import Authority, Cluster, ClusterYear, Membership, Unit
from core.forms import VietDecimalField
from core.numbers import format_decimal, parse_decimal


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("95,5", Decimal("95.5")),
        ("95.5", Decimal("95.5")),
        ("2,25", Decimal("2.25")),
        (" 0,5 ", Decimal("0.5")),
        ("100", Decimal("100")),
        ("1.234,5", Decimal("1234.5")),
        ("1,234.5", Decimal("1234.5")),
        ("-1,5", Decimal("-1.5")),
    ],
)
def test_decimals_are_read_as_people_type_them(typed, value):
    assert parse_decimal(typed) == value


@pytest.mark.parametrize("typed", ["", "abc", "2,5,3", "1.2.3", "9,5.1", "1e3", "5%", "--1"])
def test_garbage_is_not_a_decimal(typed):
    with pytest.raises(ValueError):
        parse_decimal(typed)


def test_decimal_field_accepts_comma_in_english_too():
    field = VietDecimalField(max_digits=5, decimal_places=2)
    with translation.override("en"):
        # "2,5" must never become 25, whatever the UI language.
        assert field.clean("2,5") == Decimal("2.5")


def test_decimal_field_says_what_is_wrong_in_vietnamese():
    field = VietDecimalField(max_digits=5, decimal_places=2)
    with pytest.raises(Exception) as error:
        field.clean("hai phẩy năm")
    assert 'Nhập một số, ví dụ "95,5".' in error.value.messages


def test_decimals_are_shown_with_the_languages_separator():
    assert format_decimal(Decimal("95.50")) == "95,5"
    assert format_decimal(Decimal("50.00")) == "50"
    with translation.override("en"):
        assert format_decimal(Decimal("95.50")) == "95.5"


def settings_data(**overrides):
    data = {
        "year": "2025",
        "self_score_deadline": "15/11/2025",
        "review_deadline": "2025-11-30",
        "vote_threshold_strict": "on",
        "vote_threshold_percent": "66,67",
        "vote_threshold_basis": "valid",
        "awards": "Cờ thi đua của UBND tỉnh: 1\nBằng khen của Chủ tịch UBND tỉnh: 2",
        "tier_bands": "Tốt: 70\nXuất sắc: 92,5\nHoàn thành: 50",
        "members_read_after_final": "summary",
        "notes": "",
    }
    data.update(overrides)
    return data


def test_year_settings_accept_vietnamese_numbers_and_dates(world):
    form = ClusterYearForm(settings_data(), cluster=world.cluster)
    assert form.is_valid(), form.errors
    cluster_year = form.save()
    cluster_year.refresh_from_db()
    assert cluster_year.self_score_deadline == datetime.date(2025, 11, 15)
    assert cluster_year.review_deadline == datetime.date(2025, 11, 30)
    assert cluster_year.vote_threshold_percent == Decimal("66.67")
    assert cluster_year.awards == [
        {"name": "Cờ thi đua của UBND tỉnh", "seats": 1},
        {"name": "Bằng khen của Chủ tịch UBND tỉnh", "seats": 2},
    ]
    assert cluster_year.members_read_after_final == "summary"
    # Stored highest first, whatever order they were typed in.
    assert cluster_year.tier_bands == [
        {"name": "Xuất sắc", "min_percent": "92.5"},
        {"name": "Tốt", "min_percent": "70"},
        {"name": "Hoàn thành", "min_percent": "50"},
    ]


def test_year_settings_show_current_values_in_vietnamese(world):
    world.cluster_year.vote_threshold_percent = Decimal("66.50")
    world.cluster_year.tier_bands = [{"name": "Xuất sắc", "min_percent": "92.5"}]
    form = ClusterYearForm(instance=world.cluster_year, cluster=world.cluster)
    html = "".join(
        str(form[name]) for name in ("vote_threshold_percent", "tier_bands", "self_score_deadline")
    )
    assert 'value="66,5"' in html
    assert 'value="15/11/2024"' in html
    assert "Xuất sắc: 92,5" in html


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("awards", "Cờ thi đua", 'Dòng 1: ghi theo mẫu "tên: số"'),
        ("awards", "Cờ thi đua: một", 'Dòng 1: "một" không phải là số.'),
        ("awards", "Cờ: 1\nCờ: 2", "Mỗi tên chỉ được ghi một lần."),
        ("awards", "Bằng khen: 1,5", "số suất phải là số nguyên từ 1 đến 100"),
        ("tier_bands", "Xuất sắc: 120", "tỷ lệ phần trăm phải từ 0 đến 100"),
        ("tier_bands", "Tốt: 70\nKhá: 70", "Hai mức xếp loại không được có cùng ngưỡng"),
        ("vote_threshold_percent", "năm mươi", 'Nhập một số, ví dụ "95,5".'),
        ("vote_threshold_percent", "150", "100"),
        ("year", "2024", "Cụm đã có năm 2024."),
        ("review_deadline", "01/11/2025", "Hạn thẩm định không được sớm hơn hạn tự chấm điểm."),
        ("self_score_deadline", "31/02/2025", "Nhập một ngày hợp lệ."),
        ("self_score_deadline", "15/11/2031", "Thời hạn phải thuộc năm 2025 hoặc năm 2026."),
    ],
)
def test_year_settings_explain_bad_input_next_to_the_field(world, field, value, message):
    form = ClusterYearForm(settings_data(**{field: value}), cluster=world.cluster)
    assert not form.is_valid()
    assert any(message in error for error in form.errors[field]), form.errors


def test_membership_form_refuses_a_second_leader_with_a_clear_message(world):
    form = MembershipForm(
        {"unit": world.free_unit.pk, "role": "leader", "position": 4},
        cluster_year=world.cluster_year,
    )
    assert not form.is_valid()
    assert form.errors["role"] == [
        "xã Đồng Liên đang là cụm trưởng năm nay; hãy chuyển đơn vị đó thành thành viên trước."
    ]


def test_membership_form_offers_only_free_units_of_the_authority_valid_that_year(world):
    gone = Unit.objects.create(
        authority=world.authority, name="xã Đã Sáp Nhập", valid_to=datetime.date(2023, 12, 31)
    )
    form = MembershipForm(cluster_year=world.cluster_year)
    offered = {value for value, _label in form.fields["unit"].choices if value}
    assert offered == {world.free_unit.pk}
    assert gone.pk not in offered and world.other_unit.pk not in offered
    assert form.initial["position"] == 4


def test_membership_form_explains_a_unit_taken_by_another_cluster(world):
    second = Cluster.objects.create(authority=world.authority, name="Cụm thứ hai")
    second_year = ClusterYear.objects.create(cluster=second, year=2024)
    form = MembershipForm(
        {"unit": world.member.pk, "role": "member", "position": 1}, cluster_year=second_year
    )
    assert world.member.pk not in [value for value, _label in form.fields["unit"].choices]
    assert not form.is_valid()
    assert form.errors["unit"] == [
        "phường Huống Thượng đã thuộc Cụm thi đua các xã thành phố A trong năm 2024."
    ]


def test_membership_form_explains_a_unit_that_no_longer_exists(world):
    world.free_unit.valid_to = datetime.date(2023, 6, 30)
    world.free_unit.save()
    form = MembershipForm(
        {"unit": world.free_unit.pk, "role": "member", "position": 4},
        cluster_year=world.cluster_year,
    )
    assert not form.is_valid()
    assert form.errors["unit"] == ["xã Cao Ngạn không còn hoạt động trong năm 2024."]


def test_membership_form_refuses_a_unit_of_another_authority(world):
    form = MembershipForm(
        {"unit": world.other_unit.pk, "role": "member", "position": 4},
        cluster_year=world.cluster_year,
    )
    assert not form.is_valid()
    assert "unit" in form.errors
    assert not world.cluster_year.memberships.filter(unit=world.other_unit).exists()


def test_model_validation_catches_what_the_database_would_refuse(world):
    """The admin relies on full_clean(): it must report these instead of a 500."""
    from django.core.exceptions import ValidationError

    second = Cluster.objects.create(authority=world.authority, name="Cụm thứ hai")
    second_year = ClusterYear.objects.create(cluster=second, year=2024)
    with pytest.raises(ValidationError) as error:
        Membership(cluster_year=second_year, unit=world.member).full_clean()
    assert "Đơn vị này đã thuộc một cụm khác của cơ quan tổ chức trong năm đó." in str(error.value)
    with pytest.raises(ValidationError) as error:
        Membership(cluster_year=second_year, unit=world.other_unit).full_clean()
    assert "Đơn vị phải thuộc cơ quan tổ chức của cụm." in str(error.value)
    world.cluster_year.awards = [{"name": "Cờ", "seats": "một"}]
    world.cluster_year.tier_bands = [{"name": "Tốt"}]
    with pytest.raises(ValidationError) as error:
        world.cluster_year.full_clean()
    assert set(error.value.message_dict) == {"awards", "tier_bands"}


def test_malformed_tier_bands_never_break_the_page(world):
    world.cluster_year.tier_bands = [{"name": "Tốt"}, {"name": "Khá", "min_percent": "60"}]
    assert [band["name"] for band in world.cluster_year.sorted_tier_bands()] == ["Khá"]


def test_membership_form_lets_the_leader_keep_its_role_when_edited(world):
    membership = world.leader_membership
    form = MembershipForm(
        {
            "unit": world.leader.pk,
            "role": "leader",
            "position": 1,
            "representative_name": "Nguyễn Văn An",
            "representative_title": "Chủ tịch UBND xã",
        },
        instance=membership,
        cluster_year=world.cluster_year,
    )
    assert form.is_valid(), form.errors
    form.save()
    membership.refresh_from_db()
    assert membership.signer_title == "Chủ tịch UBND xã"


def test_unit_form_refuses_a_successor_loop(world):
    world.free_unit.successor = world.member
    world.free_unit.save()
    form = UnitForm(
        {
            "authority": world.authority.pk,
            "name": world.member.name,
            "kind": "phuong",
            "successor": world.free_unit.pk,
        },
        instance=world.member,
        authorities=Authority.objects.filter(pk=world.authority.pk),
    )
    assert not form.is_valid()
    assert "successor" in form.errors


def test_unit_form_accepts_typed_vietnamese_dates(world):
    form = UnitForm(
        {
            "authority": world.authority.pk,
            "name": "phường Mới",
            "kind": "phuong",
            "valid_from": "01/07/2025",
        },
        authorities=Authority.objects.filter(pk=world.authority.pk),
    )
    assert form.is_valid(), form.errors
    assert form.save().valid_from == datetime.date(2025, 7, 1)


def test_next_year_form_needs_two_different_units_and_a_later_free_year(world):
    form = NextYearForm(
        {"year": "2024", "leader": world.deputy.pk, "deputy": world.deputy.pk},
        previous=world.cluster_year,
    )
    assert not form.is_valid()
    assert form.errors["year"] == ["Cụm đã có năm 2024."]
    assert form.errors["deputy"] == ["Cụm phó phải là đơn vị khác cụm trưởng."]


def test_unit_cannot_end_before_a_year_it_is_a_member_of(world):
    form = UnitForm(
        {"name": world.member.name, "kind": "phuong", "valid_to": "31/12/2023"},
        instance=world.member,
        authorities=Authority.objects.filter(pk=world.authority.pk),
    )
    assert not form.is_valid()
    assert form.errors["valid_to"] == [
        "Đơn vị là thành viên của một cụm trong năm 2024 nên phải còn hoạt động trong năm đó."
    ]


def test_awards_take_an_optional_number_of_nominees():
    from clusters.forms import AwardsField
    from clusters.models import nominees_of

    field = AwardsField()
    awards = field.clean("Cờ thi đua: 1 / 3\n\nBằng khen: 2")
    assert awards == [{"name": "Cờ thi đua", "seats": 1, "nominees": 3},
                      {"name": "Bằng khen", "seats": 2}]  # fmt: skip
    assert [nominees_of(award) for award in awards] == [3, 6]  # three per seat by default
    assert field.prepare_value(awards) == "Cờ thi đua: 1 / 3\nBằng khen: 2"
    for text, message in (("Cờ: 2 / 1", "không được ít hơn số suất"),
                          ("Cờ: 1 / x", "không phải là số đơn vị được đề cử")):  # fmt: skip
        with pytest.raises(Exception, match=message):
            field.clean(text)
