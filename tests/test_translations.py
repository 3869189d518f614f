"""The translations live in the .po files; the committed .mo files are compiled from them.

Every Vietnamese entry is translated and not fuzzy, every .mo says what its .po says, and the
Vietnamese plural rule is Vietnamese's (one form). Each check is also run on a small broken
catalogue, to show it can fail. No database needed.
"""

import importlib.util
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
VI_PO = LOCALE / "vi" / "LC_MESSAGES" / "django.po"
CATALOGUES = sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))
VI_PLURAL_FORMS = "nplurals=1; plural=0;"

# locale/compile.py is a script (and `locale` would shadow the standard module): load it by path,
# so that `make messages` and this test share one definition of "unfinished".
_spec = importlib.util.spec_from_file_location("locale_compile", LOCALE / "compile.py")
locale_compile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(locale_compile)
unfinished = locale_compile.unfinished


def catalogue(entries) -> set[tuple]:
    """What a catalogue translates, comparable between a .po and a .mo (header aside)."""
    return {
        (e.msgctxt, e.msgid, e.msgid_plural, e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in entries
    }


def mo_differences(po_path: Path, tmp_path: Path) -> set[tuple]:
    """Entries in which the committed .mo next to po_path differs from a fresh compile of it."""
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists():
        return {("missing", str(mo_path))}
    fresh = tmp_path / "fresh.mo"
    polib.pofile(str(po_path)).save_as_mofile(str(fresh))
    expected, committed = polib.mofile(str(fresh)), polib.mofile(str(mo_path))
    differences = catalogue(expected) ^ catalogue(committed)
    if expected.metadata != committed.metadata:
        differences.add(("header", str(committed.metadata)))
    return differences


def plural_forms(po_path: Path) -> str | None:
    return polib.pofile(str(po_path)).metadata.get("Plural-Forms")


# --- The real catalogues --------------------------------------------------------------------


def test_vietnamese_catalogue_has_no_untranslated_or_fuzzy_entry():
    missing = unfinished(polib.pofile(str(VI_PO)))
    assert not missing, (
        f"{len(missing)} untranslated or fuzzy in locale/vi/LC_MESSAGES/django.po "
        "(translate them, drop '#, fuzzy', run `make messages`):\n"
        + "\n".join(f"  {msgid!r}" for msgid in missing)
    )


def test_vietnamese_catalogue_is_not_empty():
    assert len(polib.pofile(str(VI_PO))) > 100


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_compiled_mo_is_up_to_date_with_po(po_path, tmp_path):
    differences = mo_differences(po_path, tmp_path)
    assert not differences, (
        f"{po_path.with_suffix('.mo').relative_to(ROOT)} is stale: run `make messages` "
        f"(or `python locale/compile.py`); differing entries: {sorted(differences, key=str)[:10]}"
    )


def test_both_languages_have_a_catalogue():
    assert [p.parts[-3] for p in CATALOGUES] == ["en", "vi"]


def test_vietnamese_plural_forms_header():
    assert plural_forms(VI_PO) == VI_PLURAL_FORMS


# --- The checks fail on a broken catalogue --------------------------------------------------

HEADER = """msgid ""
msgstr ""
"Language: vi\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: {plural_forms}\\n"

msgid "Year"
msgstr "Năm"

#, python-format
msgid "%(counter)s seat"
msgid_plural "%(counter)s seats"
msgstr[0] "%(counter)s suất"

msgid "Gone"
msgstr "Đã bỏ"
"""

BROKEN_ENTRIES = {
    "empty": ('msgid "Authority"\nmsgstr ""\n', "Authority"),
    "fuzzy": ('#, fuzzy\nmsgid "Authorities"\nmsgstr "Cơ quan tổ chức"\n', "Authorities"),
    "empty plural": (
        'msgid "%(counter)s member"\nmsgid_plural "%(counter)s members"\nmsgstr[0] ""\n',
        "%(counter)s member",
    ),
    "fuzzy plural": (
        '#, fuzzy\nmsgid "%(counter)s sheet"\nmsgid_plural "%(counter)s sheets"\n'
        'msgstr[0] "%(counter)s phiếu"\n',
        "%(counter)s sheet",
    ),
}


def write_po(tmp_path: Path, extra: str = "", plural_forms: str = VI_PLURAL_FORMS) -> Path:
    po_path = tmp_path / "django.po"
    po_path.write_text(HEADER.format(plural_forms=plural_forms) + "\n" + extra, encoding="utf-8")
    return po_path


def test_unfinished_passes_a_finished_catalogue_and_ignores_obsolete_entries(tmp_path):
    po_path = write_po(tmp_path, '#~ msgid "Old"\n#~ msgstr ""\n')
    assert unfinished(polib.pofile(str(po_path))) == []


@pytest.mark.parametrize("kind", BROKEN_ENTRIES)
def test_unfinished_reports_an_untranslated_or_fuzzy_entry(tmp_path, kind):
    text, msgid = BROKEN_ENTRIES[kind]
    po_path = write_po(tmp_path, text)
    assert unfinished(polib.pofile(str(po_path))) == [msgid]


def test_unfinished_reports_every_broken_entry_in_order(tmp_path):
    po_path = write_po(tmp_path, "\n".join(text for text, _ in BROKEN_ENTRIES.values()))
    assert unfinished(polib.pofile(str(po_path))) == [m for _, m in BROKEN_ENTRIES.values()]


def test_compile_script_fails_listing_unfinished_vietnamese(tmp_path, monkeypatch, capsys):
    """`python locale/compile.py` compiles, then exits 1 naming the unfinished msgids."""
    vi_dir = tmp_path / "vi" / "LC_MESSAGES"
    vi_dir.mkdir(parents=True)
    po_path = write_po(vi_dir, BROKEN_ENTRIES["fuzzy"][0])
    monkeypatch.setattr(locale_compile, "LOCALE", tmp_path)
    monkeypatch.setattr(locale_compile, "VI_PO", po_path)
    assert locale_compile.main() == 1
    assert "'Authorities'" in capsys.readouterr().err
    assert po_path.with_suffix(".mo").exists()
    assert not mo_differences(po_path, tmp_path)  # compiled all the same (fuzzy left out)

    po_path.write_text(HEADER.format(plural_forms=VI_PLURAL_FORMS), encoding="utf-8")
    assert locale_compile.main() == 0


@pytest.mark.parametrize(
    "edit",
    [
        ('msgstr "Năm"', 'msgstr "Năm học"'),  # a translation changed
        ('msgstr[0] "%(counter)s suất"', 'msgstr[0] "%(counter)s chỗ"'),  # a plural translation
        ('msgid "Gone"\nmsgstr "Đã bỏ"\n', ""),  # an entry removed
        ('msgstr "Năm"\n', 'msgstr "Năm"\n\nmsgid "New"\nmsgstr "Mới"\n'),  # an entry added
        ('msgid "Year"', '#, fuzzy\nmsgid "Year"'),  # an entry became fuzzy
        ("plural=0;", 'plural=0;\\n"\n"X-Note: changed'),  # the header changed
    ],
    ids=["changed", "changed plural", "removed", "added", "fuzzy", "header"],
)
def test_mo_differences_reports_a_stale_mo(tmp_path, edit):
    po_path = write_po(tmp_path)
    polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
    assert not mo_differences(po_path, tmp_path)
    old, new = edit
    text = po_path.read_text(encoding="utf-8")
    assert old in text
    po_path.write_text(text.replace(old, new, 1), encoding="utf-8")
    assert mo_differences(po_path, tmp_path)


def test_mo_differences_reports_a_missing_mo(tmp_path):
    assert mo_differences(write_po(tmp_path), tmp_path)


@pytest.mark.parametrize(
    ("header", "ok"),
    [
        (VI_PLURAL_FORMS, True),
        ("nplurals=2; plural=(n != 1);", False),
        ("nplurals=1; plural=n;", False),
    ],
)
def test_plural_forms_check_tells_a_wrong_rule(tmp_path, header, ok):
    assert (plural_forms(write_po(tmp_path, plural_forms=header)) == VI_PLURAL_FORMS) is ok
