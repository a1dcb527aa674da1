"""Dutch is the default language: every string in the catalogue is translated, none is a
fuzzy guess, and the compiled catalogue the app loads says the same as the source."""

import ast
import gettext
import re
from pathlib import Path

LOCALE = Path(__file__).resolve().parent.parent / "locale"
PO = LOCALE / "nl" / "LC_MESSAGES" / "django.po"
MO = LOCALE / "nl" / "LC_MESSAGES" / "django.mo"


def _entries() -> list[dict]:
    """The .po file's entries as {flags, msgid, msgid_plural, msgstr, msgstr[n]...}."""
    entries, current, key = [], {}, None
    for line in PO.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if current:
                entries.append(current)
            current, key = {}, None
        elif line.startswith("#,"):
            current["flags"] = line[2:].strip()
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current[key] += ast.literal_eval(line)
        else:
            key, value = re.match(r"(\S+) (\".*\")$", line).groups()
            current[key] = ast.literal_eval(value)
    return [e for e in entries if e.get("msgid")]


def test_every_string_has_a_dutch_translation():
    untranslated = [
        e["msgid"] for e in _entries()
        if not (e.get("msgstr") or all(e.get(f"msgstr[{n}]") for n in (0, 1)))
    ]
    assert untranslated == []


def test_no_translation_is_a_fuzzy_guess():
    assert [e["msgid"] for e in _entries() if "fuzzy" in e.get("flags", "")] == []


def test_compiled_catalogue_matches_the_source():
    with MO.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    stale = [
        e["msgid"] for e in _entries()
        if "msgstr" in e and catalogue.gettext(e["msgid"]) != e["msgstr"]
    ]
    assert stale == [], "run: python manage.py compilemessages -l nl"
