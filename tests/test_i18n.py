"""The Persian catalog is complete and its compiled form is in step with it."""

import gettext
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "src" / "marja" / "locale"
PO = LOCALE / "fa" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def test_every_message_is_translated_and_not_fuzzy() -> None:
    catalog = polib.pofile(str(PO))
    assert catalog.percent_translated() == 100, [e.msgid for e in catalog.untranslated_entries()]
    assert not catalog.fuzzy_entries()


def test_compiled_catalog_matches_the_source() -> None:
    compiled = gettext.GNUTranslations(MO.open("rb"))
    for entry in polib.pofile(str(PO)):
        if entry.msgid_plural:
            assert compiled.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr_plural[0]
        else:
            assert compiled.gettext(entry.msgid) == entry.msgstr, (
                f"{entry.msgid!r}: run `make messages` to recompile django.mo"
            )


def test_placeholders_survive_translation() -> None:
    import re

    pattern = re.compile(r"%\(\w+\)s")
    for entry in polib.pofile(str(PO)):
        translated = entry.msgstr or entry.msgstr_plural.get(0, "")
        assert sorted(pattern.findall(entry.msgid)) == sorted(pattern.findall(translated)), (
            entry.msgid
        )
