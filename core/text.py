"""Text helpers: a diacritics-free form of Vietnamese for search, and refusing what a
database cannot store."""

import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _


def fold(text: str) -> str:
    """Lower-case ``text`` without diacritics: "xã Đồng Liên" -> "xa dong lien".

    Works for any Unicode normalisation of the input (NFC or NFD); "đ" has no combining form,
    so it is mapped by hand.
    """
    decomposed = unicodedata.normalize("NFD", text or "")
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("đ", "d").replace("Đ", "D")
    return " ".join(stripped.lower().split())


def refuse_nul(text: str) -> None:
    """Refuse the NUL control character, which PostgreSQL cannot store (pasted or forged text);
    Django's own message for it has no Vietnamese."""
    if "\x00" in (text or ""):
        raise forms.ValidationError(
            _("The text holds an invisible control character (NUL); remove it and try again."),
            code="null_characters_not_allowed",
        )
