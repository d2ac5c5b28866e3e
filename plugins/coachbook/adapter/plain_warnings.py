"""MkDocs' warnings, said in the words of a coach who edits guides, not of a developer who reads logs.

MkDocs names files by their path inside the docs folder and speaks of "doc
files", "targets" and "nav configuration". A coach knows the guide they wrote
and the folder it lives in. Each rule below matches one of MkDocs 1.6's
messages and says what is wrong, in which file, and what to do; a message no
rule knows is passed on as it is, so nothing is ever hidden.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["plain_warning"]

_DID_YOU_MEAN = r"(?: Did you mean '(?P<suggest>[^']*)'\?)?"

_Rule = tuple[re.Pattern[str], Callable[[re.Match[str], str], str]]


def _page(match: re.Match[str], docs: str) -> str:
    src = match["src"]
    if src.startswith(_GENERATED):
        # The marker `plain_warning` puts before a page that is not a file of the guides' folder.
        return f"The page {src.removeprefix(_GENERATED)}, which Coachbook makes from your guides,"
    return f"{docs}/{src}"


#: Put before the name of a page that is not in the guides' folder.
_GENERATED = "\0generated:"


def _suggestion(match: re.Match[str]) -> str:
    suggest = match.group("suggest")
    return f' Did you mean "{suggest}"?' if suggest else ""


_RULES: tuple[_Rule, ...] = (
    (
        re.compile(
            r"Doc file '(?P<src>[^']+)' contains a link '(?P<url>[^']*)', but the target(?: '[^']*')? "
            r"is not found among documentation files\." + _DID_YOU_MEAN
        ),
        lambda m, docs: (
            f'{_page(m, docs)} links to "{m["url"]}", but there is no such page or file. '
            f"Correct the link or add the missing file." + _suggestion(m)
        ),
    ),
    (
        re.compile(
            r"Doc file '(?P<src>[^']+)' contains a link '(?P<url>[^']*)', but there is no such anchor on this page\."
        ),
        lambda m, docs: (
            f'{_page(m, docs)} links to "{m["url"]}", but no heading on that page has this anchor. '
            "Headings' anchors follow their wording: check the link against the heading."
        ),
    ),
    (
        re.compile(
            r"Doc file '(?P<src>[^']+)' contains a link '(?P<url>[^']*)', "
            r"but the doc '(?P<doc>[^']+)' does not contain an anchor '#(?P<anchor>[^']*)'\."
        ),
        lambda m, docs: (
            f'{_page(m, docs)} links to "{m["url"]}", but {docs}/{m["doc"]} has no heading with the anchor '
            f'"#{m["anchor"]}". Check the link against that page\'s headings.'
        ),
    ),
    (
        re.compile(
            r"Doc file '(?P<src>[^']+)' contains an unrecognized relative link '(?P<url>[^']*)', "
            r"it was left as is\." + _DID_YOU_MEAN
        ),
        lambda m, docs: (
            f'{_page(m, docs)} links to "{m["url"]}", which is not a page or file of the site; '
            'the link was kept as written. Link to the Markdown file itself, such as "other-guide.md".' + _suggestion(m)
        ),
    ),
    (
        re.compile(r"Doc file '(?P<src>[^']+)' contains an absolute link '(?P<url>[^']*)', it was left as is\."),
        lambda m, docs: (
            f'{_page(m, docs)} links to "{m["url"]}", which starts with "/". Such a link breaks once a site '
            "is published in a folder of its own; write it relative to the page instead."
        ),
    ),
    (
        re.compile(
            r"Doc file '(?P<src>[^']+)' contains a link to '(?P<doc>[^']+)' which is excluded from the built site\."
        ),
        lambda m, docs: (
            f"{_page(m, docs)} links to {docs}/{m['doc']}, which this site leaves out, so the link leads nowhere."
        ),
    ),
    (
        re.compile(r"Excluding '(?P<a>[^']+)' from the site because it conflicts with '(?P<b>[^']+)'\."),
        lambda m, docs: (
            f"{docs}/{m['a']} was left out: it would be published at the same address as {docs}/{m['b']}. "
            "Rename or remove one of them."
        ),
    ),
    (
        re.compile(
            r"A reference to '(?P<url>[^']+)' is included in the 'nav' configuration, "
            r"which is not found in the documentation files\."
        ),
        lambda m, docs: (
            f'The nav in mkdocs.yml lists "{m["url"]}", but there is no such file in {docs}/. '
            "Correct the nav entry or add the file."
        ),
    ),
)


def plain_warning(message: str, docs: str = "content", in_docs: Callable[[str], bool] | None = None) -> str:
    """`message` (one of MkDocs' warnings) in plain words.

    Arguments:
        message: The warning, as MkDocs logged it.
        docs: How to show the guides' folder to the coach (`content`).
        in_docs: Whether a page is a file of that folder; the others are pages Coachbook
            writes (`program.md`, which repeats the guides' links), and are named as such.
    """
    marked = message.strip()
    source = re.match(r"Doc file '([^']+)'", marked)
    if source and in_docs is not None and not in_docs(source.group(1)):
        marked = marked.replace(source.group(0), f"Doc file '{_GENERATED}{source.group(1)}'", 1)
    for pattern, say in _RULES:
        match = pattern.fullmatch(marked)
        if match:
            return say(match, docs)
    return message
