"""Write the Vietnamese table (vi_translations.py) into locale/vi/LC_MESSAGES/django.po and
report what is missing. Run after `make messages`; then compile (make messages does both)."""

import sys
from pathlib import Path

import polib

sys.path.insert(0, str(Path(__file__).parent))
from vi_translations import VI  # noqa: E402

po_path = Path(__file__).parent / "vi" / "LC_MESSAGES" / "django.po"
po = polib.pofile(str(po_path))
missing = []
for entry in po:
    value = VI.get(entry.msgid)
    if value is None:
        if not entry.translated():  # empty, or a fuzzy guess of makemessages
            missing.append(entry.msgid)
        continue
    if entry.msgid_plural:
        entry.msgstr_plural = {0: value[0]}
    else:
        entry.msgstr = value
    if "fuzzy" in entry.flags:
        entry.flags.remove("fuzzy")
po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
po.metadata["Language"] = "vi"
po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
po.save()
po.save_as_mofile(str(po_path.with_suffix(".mo")))
# English is the source language: its catalogue is empty and compiled as is.
en_path = Path(__file__).parent / "en" / "LC_MESSAGES" / "django.po"
polib.pofile(str(en_path)).save_as_mofile(str(en_path.with_suffix(".mo")))
if missing:
    print("Untranslated:", *missing, sep="\n  ")
    sys.exit(1)
print(f"{len(po)} messages translated.")
