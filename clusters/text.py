"""Text helpers for Vietnamese names: a diacritics-free form for search."""

import unicodedata


def fold(text: str) -> str:
    """Lower-case ``text`` without diacritics: "xã Đồng Liên" -> "xa dong lien".

    Works for any Unicode normalisation of the input (NFC or NFD); "đ" has no combining form,
    so it is mapped by hand.
    """
    decomposed = unicodedata.normalize("NFD", text or "")
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("đ", "d").replace("Đ", "D")
    return " ".join(stripped.lower().split())
