"""core.text: the Vietnamese sort key."""

from core.text import vn_sort_key

# --- Vietnamese order (issue 14, part 7) ------------------------------------------------------


def test_names_sort_in_the_vietnamese_alphabet_not_by_code_point():
    names = [
        "Thịnh Đức", "Đồng Liên", "Tân Cương", "Dương Quang", "Phúc Xuân", "Phúc Hà",
        "Huống Thượng", "Ân Thi", "An Khánh", "Ăn Mày", "Ông Ích Khiêm", "Ơn", "Ủa", "Ưng",
    ]  # fmt: skip
    assert sorted(names, key=vn_sort_key) == [
        "An Khánh", "Ăn Mày", "Ân Thi", "Dương Quang", "Đồng Liên", "Huống Thượng", "Ông Ích Khiêm",
        "Ơn", "Phúc Hà", "Phúc Xuân", "Tân Cương", "Thịnh Đức", "Ủa", "Ưng",
    ]  # fmt: skip
    assert sorted(names) != sorted(names, key=vn_sort_key)  # what the database would give


def test_tones_only_break_ties_after_the_letters():
    assert sorted(["bạ", "bá", "bã", "bả", "bà", "ba"], key=vn_sort_key) == [
        "ba", "bà", "bả", "bã", "bá", "bạ",
    ]  # fmt: skip
    # A tone never outweighs a later letter: "bà" < "bac" although "à" > "a".
    assert sorted(["bac", "bà"], key=vn_sort_key) == ["bà", "bac"]
    # Spaces before letters: "Phúc Hà" before "Phúcx".
    assert sorted(["Phúcx", "Phúc Hà"], key=vn_sort_key) == ["Phúc Hà", "Phúcx"]


def test_the_sort_key_ignores_the_normalisation_of_the_text():
    import unicodedata

    for name in ("Thịnh Đức", "Quyết Thắng", "Nguyễn Thị Minh Khai"):
        assert vn_sort_key(unicodedata.normalize("NFD", name))[:3] == vn_sort_key(name)[:3]
