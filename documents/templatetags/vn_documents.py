from django import template

from documents import formatting

register = template.Library()


@register.filter
def vn_date(value, year=None):
    """{{ pledge.date|vn_date }} -> "ngày 20 tháng 3 năm 2024"."""
    return formatting.vn_date(value, year=year)


@register.simple_tag
def date_line(place, value, year=None):
    """{% date_line "Thái Nguyên" pledge.date %} -> "Thái Nguyên, ngày 20 tháng 3 năm 2024"."""
    return formatting.date_line(place, value, year=year)


@register.filter
def vn_number(value, decimals=None):
    """{{ 1234.5|vn_number }} -> "1.234,5"."""
    return formatting.vn_number(value, None if decimals in (None, "") else int(decimals))


@register.filter
def vn_negated(value, decimals=None):
    """{{ totals.deduction|vn_negated }} -> "-2,5" (and "0", never "-0")."""
    return formatting.vn_negated(value, None if decimals in (None, "") else int(decimals))


@register.filter
def keep_names(value):
    """{{ header.issuer|keep_names }}: a place's name never broken across two lines."""
    return formatting.keep_names(value)


@register.filter
def number_line(value):
    """{{ header.number|number_line }} -> "Số: 05/BB-CTĐ" or a dotted blank."""
    return formatting.number_line(value)


@register.filter
def roman(value):
    return formatting.roman(int(value))


@register.filter
def doc_number(value):
    return formatting.doc_number(value)


@register.filter
def pairs(items):
    """[a, b, c] -> [[a, b], [c, None]]: two signature blocks per row."""
    items = list(items)
    if len(items) % 2:
        items.append(None)
    return [items[index : index + 2] for index in range(0, len(items), 2)]


@register.filter
def vn_clock(value):
    """{{ ceremony.starts_at|vn_clock }} -> "08 giờ 30 phút, ngày 20 tháng 3 năm 2024"."""
    return formatting.vn_clock(value)
