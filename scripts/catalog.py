"""Keep the English catalog in step with the code: extract every marked string and merge it
into translations/en/LC_MESSAGES/messages.po (new strings get an empty translation to fill).

    .venv/bin/python scripts/catalog.py          # extract + merge
    .venv/bin/python scripts/catalog.py --check  # exit 1 if a string has no English
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "_l": None, "N_": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2),
            "pgettext": ((1, "c"), 2)}


def methods() -> list[tuple[str, str]]:
    """The extraction methods from babel.cfg, the one config naming every source folder."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        found, _options = parse_mapping_cfg(cfg)
    return found


def extract() -> Catalog:
    template = Catalog(locale=None)
    for filename, lineno, message, comments, context in extract_from_dir(
            str(ROOT), methods(), keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def missing(catalog: Catalog, template: Catalog) -> list[str]:
    gaps = []
    for message in template:
        translated = catalog.get(message.id, context=message.context)
        if message.id and not (translated and translated.string):
            gaps.append(message.id)
    return gaps


def main(argv: list[str]) -> int:
    template = extract()
    with PO.open("rb") as f:
        catalog = read_po(f, locale="en")
    if "--check" in argv:
        gaps = missing(catalog, template)
        for message in gaps:
            print(f"no English for: {message}")
        return 1 if gaps else 0
    catalog.update(template, no_fuzzy_matching=True)
    with PO.open("wb") as f:
        write_po(f, catalog, width=100, omit_header=False, sort_output=False)
    print(f"{PO.relative_to(ROOT)}: {len(catalog)} messages, {len(missing(catalog, template))} untranslated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
