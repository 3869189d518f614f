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


# The Vietnamese alphabet (a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y), with the
# Latin letters it lacks (f j w z) at their Latin places for foreign names; each letter keeps
# its own vowel marks (ă â ê ô ơ ư are letters), while tones only break ties after the letters.
_LETTERS = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_RANK = {letter: index for index, letter in enumerate(_LETTERS)}
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: part of the letter
# Dictionary order of the tones: none, huyền, hỏi, ngã, sắc, nặng (a à ả ã á ạ).
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def vn_sort_key(text: str) -> tuple:
    """A key that sorts Vietnamese names as a Vietnamese reader expects: letter by letter in
    the Vietnamese alphabet ("Tân Cương" before "Thịnh Đức", "Đồng Liên" after "Dương"), tones
    compared only when the letters are equal, then case. Spaces come before any letter, digits
    before letters, other characters after them. The database sorts by bytes: sort bounded
    lists in Python with this key."""
    decomposed = unicodedata.normalize("NFD", text or "")
    letters: list[tuple[int, int]] = []
    tones: list[int] = []
    cases: list[int] = []
    for char in decomposed:
        if unicodedata.combining(char):
            if char in _TONES and tones:
                tones[-1] = _TONES[char]
            elif char in _LETTER_MARKS and letters and letters[-1][0] == 2:
                base = _LETTERS[letters[-1][1]]
                composed = unicodedata.normalize("NFC", base + char)
                if composed in _RANK:
                    letters[-1] = (2, _RANK[composed])
            continue
        lower = char.lower()
        if lower.isspace():
            letters.append((0, 0))
        elif lower.isdigit():
            letters.append((1, int(lower) if lower.isascii() else ord(lower)))
        elif lower in _RANK:
            letters.append((2, _RANK[lower]))
        else:
            letters.append((3, ord(lower)))
        tones.append(0)
        cases.append(0 if char == lower else 1)
    return (tuple(letters), tuple(tones), tuple(cases), text or "")
