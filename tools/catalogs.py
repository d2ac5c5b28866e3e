"""Keep Coachbook's message catalogs in step with the code: extract, update, check.

    python tools/catalogs.py           # rewrite coachbook.pot and update every shipped catalog
    python tools/catalogs.py --check   # exit 1 if coachbook.pot is stale or a shipped catalog is incomplete

Messages are extracted with Babel from the places `babel.cfg` names, into
`plugins/coachbook/locales/coachbook.pot`. Each shipped catalog
(`plugins/coachbook/locales/<lang>/LC_MESSAGES/coachbook.po`) is then updated
from it: new messages arrive untranslated, messages no longer used are
dropped. The English catalog is the source itself, so it is filled in here;
every other language is written by a person, and `--check` (run by the test
suite) fails until every message of every shipped language is translated.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "plugins" / "coachbook" / "locales"
TEMPLATE = LOCALES / "coachbook.pot"
#: Besides gettext's usual names: `Language.tr(message, **values)` and `Language.ntr(singular, plural, n, ...)`.
KEYWORDS = {**DEFAULT_KEYWORDS, "tr": None, "ntr": (1, 2)}
_WIDTH = 116
_HEADER = """\
# Every message Coachbook writes into a site, in English, as the code and the templates write them.
# Made by tools/catalogs.py (`make catalogs`); do not edit. Translate in <lang>/LC_MESSAGES/coachbook.po.
#"""


def extract() -> Catalog:
    """Every message in the code and templates, in the order they are first met."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, filename="babel.cfg")
    catalog = Catalog(
        project="Coachbook",
        domain="coachbook",
        charset="utf-8",
        copyright_holder="Coachbook contributors",
        msgid_bugs_address="",
        header_comment=_HEADER,
    )
    for filename, lineno, message, comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def _ids(catalog: Catalog) -> list[object]:
    return [message.id for message in catalog if message.id]


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def _write(catalog: Catalog, path: Path) -> bool:
    """Write a catalog if its text changed; whether it did."""
    buffer = io.BytesIO()
    # No line numbers: a message does not change when the code around it moves.
    write_po(buffer, catalog, width=_WIDTH, include_lineno=False, ignore_obsolete=True, sort_output=False)
    if path.is_file() and path.read_bytes() == buffer.getvalue():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return True


def _shipped() -> list[Path]:
    return sorted(LOCALES.glob("*/LC_MESSAGES/coachbook.po"))


def _complete(catalog: Catalog) -> list[str]:
    """The messages a catalog leaves untranslated or fuzzy."""
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message.id[0] if isinstance(message.id, tuple) else message.id)
    return missing


def update(template: Catalog) -> None:
    """Rewrite the template and bring every shipped catalog up to date with it."""
    if not TEMPLATE.is_file() or _ids(_read(TEMPLATE)) != _ids(template):
        _write(template, TEMPLATE)
        print(f"wrote {TEMPLATE.relative_to(ROOT)} ({len(_ids(template))} messages)")
    for path in _shipped():
        language = path.parent.parent.name
        catalog = _read(path, language)
        # The template as written, with its date: an unchanged template leaves every catalog as it was. Read afresh
        # for each catalog: `update` adds the template's own new messages to it, and filling in the English one
        # below would otherwise fill the same messages in every language updated after it.
        catalog.update(_read(TEMPLATE), no_fuzzy_matching=True, update_creation_date=True)
        if language == "en":
            # English is the source: each message is its own translation.
            for message in catalog:
                if message.id:
                    message.string = message.id
                    message.flags.discard("fuzzy")
        changed = _write(catalog, path)
        left = _complete(catalog)
        if changed or left:
            print(f"updated {path.relative_to(ROOT)}" + (f": {len(left)} to translate" if left else ""))


def check(template: Catalog) -> list[str]:
    """What is out of step: a stale template, or shipped catalogs missing translations."""
    problems = []
    if not TEMPLATE.is_file() or _ids(_read(TEMPLATE)) != _ids(template):
        problems.append(f"{TEMPLATE.relative_to(ROOT)} is out of date; run `make catalogs`")
    wanted = set(map(str, _ids(template)))
    for path in _shipped():
        catalog = _read(path, path.parent.parent.name)
        have = set(map(str, _ids(catalog)))
        for message in sorted(wanted - have):
            problems.append(f"{path.relative_to(ROOT)}: no entry for {message}")
        for message in _complete(catalog):
            problems.append(f"{path.relative_to(ROOT)}: untranslated or fuzzy: {message!r}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if anything is out of step")
    options = parser.parse_args()
    template = extract()
    if options.check:
        problems = check(template)
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    update(template)
    return 0


if __name__ == "__main__":
    sys.exit(main())
