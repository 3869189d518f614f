"""Form pieces of no domain: the crispy base form, the date widget clerks type into, decimals
with a comma, and lists edited as lines."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from crispy_forms.helper import FormHelper
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .numbers import format_decimal, parse_decimal
from .text import refuse_nul

# Text, not type="date": the browser's picker shows dates in the browser's locale (11/15/2024 in
# an English browser), while clerks type and read "15/11/2024" whatever their browser.
DATE_WIDGET = forms.DateInput(
    # No inputmode="numeric": on iPhones its keypad has no "/" (the dates are typed d/m/yyyy).
    attrs={"placeholder": "dd/mm/yyyy", "autocomplete": "off"},
    format="%d/%m/%Y",
)


class BaseForm(forms.ModelForm):
    """Crispy rendering without its own <form> tag: templates own the form element."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class PlainForm(forms.Form):
    """BaseForm for a form without a model."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class VietDecimalField(forms.DecimalField):
    """A DecimalField that accepts "2,5" and "2.5" in any language and shows "2,5" in Vietnamese."""

    default_error_messages = {
        "invalid": _('Enter a number, e.g. "95,5".'),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        try:
            return parse_decimal(str(value))
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            return format_decimal(value)
        return value

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        # A text input (so "95,5" can be typed); the numeric limits stay server-side.
        for key in ("step", "min", "max"):
            attrs.pop(key, None)
        return attrs


class LinesField(forms.CharField):
    """A list edited as lines "Name: number" in a textarea (works without JavaScript)."""

    widget = forms.Textarea(attrs={"rows": 4})
    # Award names become a ballot's award (255 characters); tier names are shown and printed.
    NAME_MAX = 200

    def __init__(self, *, key: str, number_key: str, integer: bool, **kwargs: Any) -> None:
        self.key, self.number_key, self.integer = key, number_key, integer
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(
                f"{item[self.key]}: {self._format(item[self.number_key])}" for item in value
            )
        return value

    def _format(self, number: object) -> str:
        return str(number) if self.integer else format_decimal(Decimal(str(number)))

    def to_python(self, value: Any) -> list[dict[str, Any]]:  # type: ignore[override]
        text = super().to_python(value) or ""
        refuse_nul(text)  # checked here: the list hides the raw text
        items: list[dict[str, Any]] = []
        errors: list[str] = []
        for number, line in enumerate(text.splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            name, sep, amount = line.rpartition(":")
            name = name.strip()
            if len(name) > self.NAME_MAX:
                errors.append(
                    _("Line %(line)d: a name may have at most %(max)d characters.")
                    % {"line": number, "max": self.NAME_MAX}
                )
                continue
            if not sep or not name:
                errors.append(
                    _('Line %(line)d: write "name: number", e.g. "%(example)s".')
                    % {"line": number, "example": self.example}
                )
                continue
            try:
                parsed = parse_decimal(amount)
            except ValueError:
                errors.append(
                    _('Line %(line)d: "%(value)s" is not a number.')
                    % {"line": number, "value": amount.strip()}
                )
                continue
            error = self.check_number(parsed)
            if error:
                errors.append(_("Line %(line)d: %(error)s") % {"line": number, "error": error})
                continue
            stored = int(parsed) if self.integer else format(parsed.normalize(), "f")
            items.append({self.key: name, self.number_key: stored})
        if errors:
            raise forms.ValidationError(errors)
        names = [str(item[self.key]).casefold() for item in items]
        if len(set(names)) != len(names):
            raise forms.ValidationError(_("Each name may appear only once."))
        return items

    example = ""

    def check_number(self, number: Decimal) -> str | None:
        return None


def decimal_field_for(model: type[models.Model], name: str, **kwargs: Any) -> VietDecimalField:
    """A VietDecimalField with the limits of a model's DecimalField (digits, places and its
    MinValueValidator / MaxValueValidator): the limits live once, on the model."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.DecimalField), name
    options: dict = {"max_digits": field.max_digits, "decimal_places": field.decimal_places}
    for validator in field.validators:
        if isinstance(validator, MinValueValidator):
            options["min_value"] = validator.limit_value
        elif isinstance(validator, MaxValueValidator):
            options["max_value"] = validator.limit_value
    options.update(kwargs)
    return VietDecimalField(**options)


def largest_decimal(model: type[models.Model], name: str) -> Decimal:
    """The largest value a model's DecimalField stores (99999.99 for 7 digits, 2 places)."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.DecimalField), name
    places = field.decimal_places
    return Decimal(10) ** (field.max_digits - places) - Decimal(1).scaleb(-places)
