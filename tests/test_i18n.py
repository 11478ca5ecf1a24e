"""The Persian catalog is complete and its compiled form is in step with it."""

import ast
import gettext
import re
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
        if entry.msgctxt:
            assert compiled.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr
        elif entry.msgid_plural:
            assert compiled.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr_plural[0]
        else:
            assert compiled.gettext(entry.msgid) == entry.msgstr, (
                f"{entry.msgid!r}: run `make messages` to recompile django.mo"
            )


def test_placeholders_survive_translation() -> None:
    pattern = re.compile(r"%\(\w+\)s")
    for entry in polib.pofile(str(PO)):
        translated = entry.msgstr or entry.msgstr_plural.get(0, "")
        assert sorted(pattern.findall(entry.msgid)) == sorted(pattern.findall(translated)), (
            entry.msgid
        )


SRC = LOCALE.parent
_TRANSLATE = re.compile(r"""\{%\s*translate\s+(["'])(.+?)\1(?:\s+context\s+(["'])(.+?)\3)?""")
_TEMPLATE_UNDERSCORE = re.compile(r"""_\((["'])(.+?)\1\)""")
_BLOCK = re.compile(r"\{%\s*blocktranslate(.*?)%\}(.*?)\{%\s*endblocktranslate\s*%\}", re.S)
_VARIABLE = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def message_ids_in_code() -> set[tuple[str, str]]:
    """(context, message id) marked for translation in templates and Python code."""
    found: set[tuple[str, str]] = set()
    for template in SRC.rglob("templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        found.update((match[3], match[1]) for match in _TRANSLATE.findall(text))
        found.update(("", match[1]) for match in _TEMPLATE_UNDERSCORE.findall(text))
        for _options, body in _BLOCK.findall(text):
            singular = body.split("{% plural %}")[0]
            found.add(("", _VARIABLE.sub(r"%(\1)s", singular)))
    for module in SRC.rglob("*.py"):
        if "tests" in module.parts or "migrations" in module.parts:
            continue
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "_"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(("", node.args[0].value))
    return found


def test_every_marked_message_has_a_persian_translation() -> None:
    from django.utils import translation

    with translation.override("fa"):
        missing = {
            (context, msgid)
            for context, msgid in message_ids_in_code()
            if (translation.pgettext(context, msgid) if context else translation.gettext(msgid))
            == msgid
        }
    assert not missing, f"run `make messages` and translate: {sorted(missing)}"
