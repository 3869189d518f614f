"""Compile every locale/*/LC_MESSAGES/django.po to the django.mo Django reads, without GNU gettext.

The .po files are the one home of the translations (makemessages keeps what they hold); the .mo
files are committed. Exits 1, after compiling, when the Vietnamese catalogue has an untranslated
or fuzzy entry. `make messages` runs it; tests/test_translations.py checks the same.
"""

import sys
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent
VI_PO = LOCALE / "vi" / "LC_MESSAGES" / "django.po"


def unfinished(po: polib.POFile) -> list[str]:
    """The msgids of the live entries that are untranslated (any empty msgstr) or fuzzy."""
    return [entry.msgid for entry in po if not entry.obsolete and not entry.translated()]


def main() -> int:
    for po_path in sorted(LOCALE.glob("*/LC_MESSAGES/django.po")):
        polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
        print(f"compiled {po_path.relative_to(LOCALE.parent)}")
    missing = unfinished(polib.pofile(str(VI_PO)))
    if missing:
        print(f"{VI_PO.relative_to(LOCALE.parent)}: untranslated or fuzzy:", file=sys.stderr)
        print(*(f"  {msgid!r}" for msgid in missing), sep="\n", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
