"""The leak audit: read every byte a site would publish and look for what must not be there.

It runs after every build, before a site is put in place, and on demand as
`coachbook audit`. For each site it searches for:

* every *other* client's identifying strings (name, organisation, emails, phone,
  sponsor), which must never reach this site;
* every text held back by the coach-only rule (`private`, `coach_only`,
  `draft`, HTML comments), the site owner's included;
* in the public handbook, every client's identifying strings.

Output is compared as normalised text: tags dropped, entities and JSON escapes
decoded, quotes and dashes folded, case and spacing ignored. A coach-only
sentence therefore matches even after Markdown turned it into HTML.
"""

from __future__ import annotations

import contextlib
import gzip
import html
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coachbook.core.loader import Firm
from coachbook.core.visibility import Secret, client_view, held_back, identifying

__all__ = ["Leak", "Needle", "audit_site", "external_requests", "needles_for", "site_files"]

#: Held-back text is searched by its sentences; shorter fragments are too common to be evidence.
MIN_FRAGMENT_WORDS = 3
MIN_FRAGMENT_CHARS = 15
#: Identifying strings shorter than this (initials, "Li") would match ordinary words.
MIN_IDENTITY_CHARS = 4
#: A compressed file is read up to this size, so a crafted archive cannot exhaust memory.
MAX_INFLATED_BYTES = 50_000_000

_COMMENT = re.compile(r"<!--(.*?)(?:-->|\Z)", re.DOTALL)
#: A tag, captured so that `split` keeps it: split and substitute find the same tags.
_TAG_SPLIT = re.compile(r"(<[^>]*>)")
#: Attribute values inside a tag: a name in `title="..."` or `content='...'` is as readable as body text.
_ATTRIBUTE_VALUE = re.compile(r"""=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_SPACE = re.compile(r"\s+")
#: Calendar and contact files (RFC 5545, RFC 6350) fold long lines and escape text; see `_unfold_calendar`.
_CALENDAR_SUFFIXES = frozenset({".ics", ".ical", ".ifb", ".vcf"})
_CALENDAR_FOLD = re.compile(r"\r?\n[ \t]")
_CALENDAR_ESCAPE = re.compile(r"\\([\\;,nN])")
_MARKDOWN = re.compile(r"[*_`#>\[\]|~]+|\]\([^)]*\)|^\s*(?:[-+]|\d+\.)\s+", re.MULTILINE)
_SENTENCE = re.compile(r"(?<=[.!?;:])\s+|\n+|\s[-–—]\s")
_FOLD = (("‘", "'"), ("’", "'"), ("“", '"'), ("”", '"'), ("–", "-"), ("—", "-"), ("\u00a0", " "))


@dataclass(frozen=True)
class Needle:
    """A normalised string to search for, and where it came from."""

    text: str
    owner: str
    """Slug of the engagement the string belongs to."""
    field: str
    reason: str


@dataclass(frozen=True)
class Leak:
    """A needle found in an output file."""

    file: str
    """Path relative to the audited site."""
    needle: Needle

    def __str__(self) -> str:
        n = self.needle
        kind = "identifies another client" if n.reason == "identity" else f"is {n.reason.replace('_', '-')} text"
        return f"{self.file}: contains {n.text!r}, which {kind} (engagements/{n.owner}.yml, field {n.field})"


def _tag_values(tag: str) -> str:
    values = (next(v for v in groups if v) for groups in _ATTRIBUTE_VALUE.findall(tag) if any(groups))
    return " " + " ".join(values) + " "


def normalise(text: str) -> str:
    """Text as the audit compares it."""
    # Comments and attribute values are kept as text: anyone can read them in the page source.
    text = _COMMENT.sub(lambda m: f" {m.group(1)} ", text)
    # Splitting on tags finds the same tags as substituting them would, but lets
    # the (many) tags without attributes skip the per-tag regex: a page has
    # thousands of tags, and a callback for each was most of the audit's time.
    parts = _TAG_SPLIT.split(text)
    for i in range(1, len(parts), 2):
        parts[i] = _tag_values(parts[i]) if "=" in parts[i] else "  "
    text = unicodedata.normalize("NFKC", html.unescape("".join(parts)))
    # str.translate with a mapping costs a dictionary lookup per character;
    # a few replacements of the (non-ASCII) folded characters are far cheaper.
    if not text.isascii():
        for old, new in _FOLD:
            if old in text:
                text = text.replace(old, new)
    return _SPACE.sub(" ", text).strip().casefold()


def _fragments(secret: Secret) -> Iterator[str]:
    if secret.reason == "identity":
        text = normalise(secret.text)
        if len(text) >= MIN_IDENTITY_CHARS:
            yield text
        return
    plain = _MARKDOWN.sub(" ", secret.text)
    for part in _SENTENCE.split(plain):
        text = normalise(part).strip(" .,;:!?\"'()")
        if len(text) >= MIN_FRAGMENT_CHARS and len(text.split()) >= MIN_FRAGMENT_WORDS:
            yield text


def _public_corpus(firm: Firm, owner: str | None) -> str:
    """Text this site may legitimately contain: the program and the owner's client view.

    Guides are deliberately not part of it: a guide that names a client is a
    leak to every other site, and the audit must catch it.
    """
    parts: list[str] = [_strings(program.model_dump(mode="json")) for program in firm.programs]
    if owner is not None:
        parts.append(_strings(client_view(firm.engagements[owner].engagement).model_dump(mode="json")))
    return normalise(" ".join(parts))


def needles_for(firm: Firm, owner: str | None, *, owner_held_back: bool = True) -> list[Needle]:
    """What must not appear in the site of `owner` (None for the public handbook).

    `owner_held_back=False` is for the coach view, which shows the owner's
    coach-only text on purpose but must still hold nothing of anyone else.
    """
    allowed = _public_corpus(firm, owner)
    needles: dict[str, Needle] = {}
    for slug, loaded in sorted(firm.engagements.items()):
        secrets: Iterable[Secret] = held_back(loaded.engagement) if owner_held_back or slug != owner else []
        if slug != owner:
            secrets = [*identifying(loaded.engagement), *secrets]
        for secret in secrets:
            for fragment in _fragments(secret):
                # Text that the site may show for another reason (a shared
                # organisation, a sentence repeated in a shared note) is not
                # evidence of a leak.
                if fragment in allowed or fragment in needles:
                    continue
                needles[fragment] = Needle(fragment, slug, secret.field, secret.reason)
    return list(needles.values())


def _strings(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return " ".join(f"{k} {_strings(v)}" for k, v in value.items())
    if isinstance(value, list):
        return " ".join(_strings(v) for v in value)
    return ""


def _file_text(path: Path, raw: bytes | None = None) -> str:
    """A file's text as the audit searches it; `raw` is its bytes, when the caller has read them already."""
    if raw is None:
        raw = path.read_bytes()
    if path.suffix == ".gz":
        with gzip.open(path) as stream:
            raw = stream.read(MAX_INFLATED_BYTES)
        inner = path.with_suffix("")
    else:
        inner = path
    text = raw.decode("utf-8", errors="ignore")
    if inner.suffix == ".json":
        # Decode \u escapes and nested strings the way a browser would.
        with contextlib.suppress(ValueError):
            text = text + " " + _strings(json.loads(text))
    elif inner.suffix in _CALENDAR_SUFFIXES:
        # Read text as a calendar app would: a sentence folded over two lines, or with its commas escaped,
        # must still match.
        text = text + " " + _unfold_calendar(text)
    return normalise(text)


def _unfold_calendar(text: str) -> str:
    r"""Calendar or contact text with folded lines joined and the `\,` `\;` `\n` `\\` escapes decoded."""
    unfolded = _CALENDAR_FOLD.sub("", text)
    return _CALENDAR_ESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), unfolded)


def site_files(site_dir: Path, leaks: list[Leak]) -> Iterator[tuple[str, Path]]:
    """Every file of a site to search, with its path relative to the site, in a stable order.

    A symbolic link is a leak in itself (it could publish any file the server
    can read): it is added to `leaks` and not followed.
    """
    for path in sorted(p for p in site_dir.rglob("*") if p.is_file() or p.is_symlink()):
        relative = path.relative_to(site_dir).as_posix()
        if path.is_symlink():
            leaks.append(Leak(relative, Needle("(symbolic link)", "-", "-", "symlink")))
        else:
            yield relative, path


def audit_site(site_dir: Path, needles: list[Needle]) -> list[Leak]:
    """Search every file under `site_dir` for `needles`."""
    leaks: list[Leak] = []
    for relative, path in site_files(site_dir, leaks):
        text = _file_text(path)
        leaks.extend(Leak(relative, n) for n in needles if n.text in text)
    return leaks


#: Elements that make a browser fetch what their URL attribute names, as soon as the page loads.
_FETCHING = re.compile(
    r"<(?:script|img|iframe|source|video|audio|embed|object|track)\b[^>]*?\s(?:src|data|poster)\s*=\s*[\"']?"
    r"(?P<url>(?:https?:)?//[^\"'\s>]+)"
    r"|<link\b(?=[^>]*\srel\s*=\s*[\"']?(?:stylesheet|preload|modulepreload|prefetch|preconnect|dns-prefetch|icon"
    r"|manifest))[^>]*?\shref\s*=\s*[\"']?(?P<link>(?:https?:)?//[^\"'\s>]+)"
    r"|@import\s+(?:url\()?[\"']?(?P<import>(?:https?:)?//[^\"'\s)]+)"
    r"|url\(\s*[\"']?(?P<css>(?:https?:)?//[^\"'\s)]+)",
    re.IGNORECASE,
)


def external_requests(site_dir: Path) -> list[str]:
    """Every place where a page or stylesheet of the site would load something from another origin.

    A client's browser must not tell any third party (a font service, an
    analytics script, a CDN) that it opened a coaching site.
    """
    found: list[str] = []
    for path in sorted(site_dir.rglob("*")):
        if path.suffix not in (".html", ".css") or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        for match in _FETCHING.finditer(text):
            url = next(v for v in match.groupdict().values() if v)
            # An SVG namespace in CSS is an identifier, not a request.
            if url.startswith(("http://www.w3.org/", "//www.w3.org/")):
                continue
            found.append(f"{path.relative_to(site_dir).as_posix()}: loads {url} from another origin")
    return found
