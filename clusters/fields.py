"""Form fields for Vietnamese input: decimals typed with a comma ("95,5")."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

_GROUPED_COMMA_DECIMAL = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")  # 1.234,5
_GROUPED_POINT_DECIMAL = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")  # 1,234.5


def parse_decimal(text: str) -> Decimal:
    """Parse a number as people type it here, whatever the UI language.

    "95,5" and "95.5" are both 95.5: one separator is always the decimal separator (scores and
    percentages are small numbers, so "2,5" must never become 25). Grouped thousands are
    accepted only when unambiguous ("1.234,5" or "1,234.5"). Raises ValueError otherwise.
    """
    value = (text or "").strip().replace("\u00a0", "").replace(" ", "")
    if not value:
        raise ValueError("empty")
    if "," in value and "." in value:
        if _GROUPED_COMMA_DECIMAL.match(value):
            value = value.replace(".", "").replace(",", ".")
        elif _GROUPED_POINT_DECIMAL.match(value):
            value = value.replace(",", "")
        else:
            raise ValueError(value)
    elif value.count(",") == 1:
        value = value.replace(",", ".")
    elif value.count(",") > 1 or value.count(".") > 1:
        raise ValueError(value)
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", value):
        raise ValueError(value)
    try:
        return Decimal(value)
    except InvalidOperation as exc:  # pragma: no cover - the pattern above guards
        raise ValueError(value) from exc


def format_decimal(value: Decimal | None) -> str:
    """A decimal without trailing zeros, with the active language's decimal separator."""
    if value is None:
        return ""
    normalized = value.normalize()
    if normalized == normalized.to_integral():
        normalized = normalized.quantize(Decimal(1))
    text = format(normalized, "f")
    return text.replace(".", formats.get_format("DECIMAL_SEPARATOR"))


class VietDecimalField(forms.DecimalField):
    """A DecimalField that accepts "2,5" and "2.5" in any language and shows "2,5" in Vietnamese."""

    default_error_messages = {
        "invalid": _('Enter a number, e.g. "95,5".'),
    }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        try:
            return parse_decimal(str(value))
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return format_decimal(value)
        return value

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        # A text input (so "95,5" can be typed); the numeric limits stay server-side.
        for key in ("step", "min", "max"):
            attrs.pop(key, None)
        return attrs


def refuse_nul(text: str) -> None:
    """Refuse the NUL control character, which PostgreSQL cannot store (pasted or forged text);
    Django's own message for it has no Vietnamese."""
    if "\x00" in (text or ""):
        raise forms.ValidationError(
            _("The text holds an invisible control character (NUL); remove it and try again."),
            code="null_characters_not_allowed",
        )


def parse_id(value) -> int | None:
    """A database id from a request (query string, hidden field), or None when it is not one.
    Not str.isdigit(), which accepts "²" and thousands of digits that int() then refuses."""
    text = str(value)
    return int(text) if re.fullmatch(r"[0-9]{1,18}", text) else None
