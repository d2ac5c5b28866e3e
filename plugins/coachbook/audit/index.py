"""The leak audit at firm scale: every other client's strings, searched in one pass over a site.

`audit.needles_for` lists, for one site, the strings of every other
engagement, and `audit.audit_site` searches each of them in every file. Both
are O(N) per site, so a firm of N clients costs O(N²). This module gives the
same answers in time that grows with the size of the site, not the firm:

* `Fragments` are what one engagement contributes to every other site's audit
  (its identifying strings and its held-back text, already normalised). They
  are small and plain data, so a build keeps them beside its output and reuses
  them while the engagement file is unchanged.
* `NeedleFinder` finds which of many needles occur in a text. Needles are
  normalised text: words separated by single spaces. Each needle is filed
  under a piece that must appear in any text containing it (a whole inner
  word, the pair of word ends around its first space, or its first three
  letters), the text is cut into words once, and only needles whose piece is
  present are compared, at the positions where the piece is. The answer is
  exactly `{n for n in needles if n in text}`.
* `SearchKeys` are those pieces, taken from a site's texts. With them, a
  process that holds the firm's needles picks the few that could occur in the
  site (`NeedleFinder.candidates`), and the site's own process searches for
  just those: it need not hold the firm's.
* `LeakIndex` turns found needles into `audit.Leak`s with the same owner,
  field and order that `needles_for` and `audit_site` would give.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coachbook.audit.site_audit import Leak, Needle, _file_text, _fragments, site_files
from coachbook.core.model import Engagement
from coachbook.core.visibility import held_back, identifying

__all__ = ["Fragments", "LeakIndex", "NeedleFinder", "SearchKeys", "file_digest", "fragments_of"]

#: Length of the letter keys for one-word needles and the word ends around a two-word needle's space.
_KEY = 3
#: Every run of three characters inside a word (overlapping matches).
_GRAM = re.compile(r"(?=(\S{3}))")


@dataclass(frozen=True)
class Fragments:
    """What one engagement contributes to the audit of every other site, normalised."""

    identity: tuple[tuple[str, str], ...]
    """(text, field) of each identifying string: never in another client's site or the handbook."""
    held_back: tuple[tuple[str, str, str], ...]
    """(text, field, reason) of each held-back sentence: never in any site, the owner's included."""

    def to_json(self) -> dict[str, Any]:
        return {"identity": [list(i) for i in self.identity], "held_back": [list(h) for h in self.held_back]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Fragments:
        return cls(
            identity=tuple((str(t), str(f)) for t, f in data["identity"]),
            held_back=tuple((str(t), str(f), str(r)) for t, f, r in data["held_back"]),
        )

    @property
    def texts(self) -> frozenset[str]:
        return frozenset([t for t, _ in self.identity] + [t for t, _, _ in self.held_back])


def fragments_of(engagement: Engagement) -> Fragments:
    """The audit fragments of one engagement, in the order `needles_for` visits them."""
    identity = tuple((text, s.field) for s in identifying(engagement) for text in _fragments(s))
    hidden = tuple((text, s.field, s.reason) for s in held_back(engagement) for text in _fragments(s))
    return Fragments(identity, hidden)


def file_digest(raw: bytes) -> str:
    """A digest of a file's bytes, to recognise files that are the same in every site."""
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


@dataclass(frozen=True)
class SearchKeys:
    """The pieces of some texts that `NeedleFinder` files needles under: a needle found there matches one.

    They let a process that holds the texts ask a process that holds the
    needles for just those that could occur (`NeedleFinder.candidates`),
    without either sending the other everything it holds.
    """

    words: frozenset[str]
    """Every whole word."""
    pairs: frozenset[str]
    """The last letters of each word, a space, and the first letters of the next (both words long enough)."""
    grams: frozenset[str]
    """Every run of three characters inside a word."""

    @classmethod
    def of(cls, texts: Iterable[str]) -> SearchKeys:
        words: set[str] = set()
        pairs: set[str] = set()
        for text in texts:
            tokens = text.split(" ")
            words.update(tokens)
            pairs.update(_pair_keys(tokens))
        return cls(frozenset(words), frozenset(pairs), frozenset(_GRAM.findall(" ".join(words))))


def _pair_keys(words: Sequence[str]) -> frozenset[str]:
    """The pair keys of each two neighbouring words long enough to have one (see `SearchKeys.pairs`)."""
    return frozenset(
        first[-_KEY:] + " " + second[:_KEY]
        for first, second in itertools.pairwise(words)
        if len(first) >= _KEY and len(second) >= _KEY
    )


class NeedleFinder:
    """Finds which of a fixed set of needles occur in a text, in one pass over the text."""

    def __init__(self, needles: Iterable[str]) -> None:
        # Needles of three or more words, by their longest inner word: (needle, offset of that word, inner words).
        # The pair keys of its word boundaries come along, to narrow `candidates`.
        self._inner: dict[str, list[tuple[str, int, frozenset[str], frozenset[str]]]] = defaultdict(list)
        # Two-word needles, by the last letters of the first word, a space, and the first letters of the second.
        self._pairs: dict[str, list[tuple[str, int]]] = defaultdict(list)
        # One-word needles, by their first letters.
        self._singles: dict[str, list[str]] = defaultdict(list)
        # Anything else (very short words, odd spacing) is simply searched for.
        self._plain: list[str] = []
        self.needles = frozenset(needles)
        for needle in self.needles:
            self._file(needle)

    def _file(self, needle: str) -> None:
        words = needle.split(" ")
        if not needle or any(not w for w in words) or needle != needle.strip():
            self._plain.append(needle)
        elif len(words) >= 3:
            inner = max(words[1:-1], key=len)
            index = words.index(inner, 1)
            offset = sum(len(w) + 1 for w in words[:index])
            self._inner[inner].append((needle, offset, frozenset(words[1:-1]), _pair_keys(words)))
        elif len(words) == 2:
            first, second = words
            if len(first) < _KEY or len(second) < _KEY:
                self._plain.append(needle)
            else:
                self._pairs[first[-_KEY:] + " " + second[:_KEY]].append((needle, len(first) - _KEY))
        elif len(needle) >= _KEY:
            self._singles[needle[:_KEY]].append(needle)
        else:
            self._plain.append(needle)

    def candidates(self, keys: SearchKeys) -> list[str]:
        """The needles that may occur in the texts `keys` are of: every one that does, and a few that do not.

        A finder made of just these finds in those texts exactly what this one would.
        """
        result = list(self._plain)
        for word in keys.words & self._inner.keys():
            # Its inner words are whole words there, and each pair of its words meets as a pair there.
            result += [n for n, _, inner, pairs in self._inner[word] if inner <= keys.words and pairs <= keys.pairs]
        for key in keys.pairs & self._pairs.keys():
            result += [needle for needle, _ in self._pairs[key]]
        for key in keys.grams & self._singles.keys():
            # Inside one word there, so every run of three of its letters is one there.
            result += [needle for needle in self._singles[key] if set(_GRAM.findall(needle)) <= keys.grams]
        return result

    def found(self, text: str) -> set[str]:
        """The needles that occur in `text` (normalised text: words separated by single spaces)."""
        found = {n for n in self._plain if n in text}
        if not text:
            return found
        tokens = text.split(" ")
        vocabulary = set(tokens)
        if self._inner:
            for word in vocabulary & self._inner.keys():
                # Every inner word of a needle is a whole word of any text that contains it.
                candidates = [(n, offset) for n, offset, inner, _ in self._inner[word] if inner <= vocabulary]
                if candidates:
                    for start in _word_starts(text, word):
                        found.update(n for n, offset in candidates if _at(text, n, start - offset))
        if self._pairs:
            # A two-word needle's first word ends a word of the text, and its second word starts the next one.
            # So its key is one of the text's own pairs, and the needles whose key is not cannot be there.
            # Whichever is fewer, the text's words or the needles' keys, is gone through.
            if len(tokens) < len(self._pairs):
                keys: Iterable[str] = _pair_keys(tokens) & self._pairs.keys()
            else:
                ends = {word[-_KEY:] for word in vocabulary}
                starts = {word[:_KEY] for word in vocabulary}
                keys = [key for key in self._pairs if key[:_KEY] in ends and key[-_KEY:] in starts]
            for key in keys:
                for start in _occurrences(text, key):
                    found.update(n for n, offset in self._pairs[key] if _at(text, n, start - offset))
        if self._singles:
            grams = set(_GRAM.findall(" ".join(vocabulary)))
            for key in grams & self._singles.keys():
                for start in _occurrences(text, key):
                    found.update(n for n in self._singles[key] if text.startswith(n, start))
        return found


def _at(text: str, needle: str, start: int) -> bool:
    # A negative start would make startswith count from the end of the text.
    return start >= 0 and text.startswith(needle, start)


def _occurrences(text: str, piece: str) -> Iterable[int]:
    start = text.find(piece)
    while start >= 0:
        yield start
        start = text.find(piece, start + 1)


def _word_starts(text: str, word: str) -> Iterable[int]:
    """Where `word` stands as a whole word in `text`."""
    end = len(text)
    for start in _occurrences(text, word):
        after = start + len(word)
        if (start == 0 or text[start - 1] == " ") and (after == end or text[after] == " "):
            yield start


@dataclass(frozen=True)
class _Source:
    order: int
    """Position in the order `needles_for` visits secrets: sorted slugs, identity before held-back."""
    owner: str
    field: str
    reason: str

    @property
    def identity(self) -> bool:
        return self.reason == "identity"


@dataclass
class LeakIndex:
    """Every engagement's fragments, searchable for any site at once.

    `leaks(...)` gives what `audit_site(site, needles_for(firm, owner))` gives,
    with the firm's fragments searched together instead of one by one.
    """

    fragments: Mapping[str, Fragments]
    finder: NeedleFinder = field(init=False, repr=False)
    _sources: dict[str, list[_Source]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        sources: dict[str, list[_Source]] = defaultdict(list)
        order = 0
        for slug in sorted(self.fragments):
            frags = self.fragments[slug]
            for text, field_name in frags.identity:
                sources[text].append(_Source(order, slug, field_name, "identity"))
                order += 1
            for text, field_name, reason in frags.held_back:
                sources[text].append(_Source(order, slug, field_name, reason))
                order += 1
        self._sources = dict(sources)
        self.finder = NeedleFinder(self._sources)

    def needle(self, text: str, owner: str | None, *, owner_held_back: bool = True) -> tuple[int, Needle] | None:
        """The needle `text` is for the site of `owner`, with its rank; None if it is not one there."""
        for source in self._sources.get(text, ()):
            if source.owner != owner or (owner_held_back and not source.identity):
                return source.order, Needle(text, source.owner, source.field, source.reason)
        return None

    def leaks_in(
        self, found: Iterable[str], relative: str, owner: str | None, allowed: str, *, owner_held_back: bool = True
    ) -> list[Leak]:
        """The leaks that the needles `found` in one file make, in `needles_for` order."""
        ranked = []
        for text in found:
            if text in allowed:
                # Text the site may show for another reason (a shared organisation) is not evidence of a leak.
                continue
            hit = self.needle(text, owner, owner_held_back=owner_held_back)
            if hit is not None:
                ranked.append(hit)
        return [Leak(relative, needle) for _, needle in sorted(ranked, key=lambda hit: hit[0])]

    def audit_site(
        self,
        site_dir: Path,
        owner: str | None,
        allowed: str,
        *,
        owner_held_back: bool = True,
        known: Mapping[str, frozenset[str]] | None = None,
        learn: bool = False,
    ) -> list[Leak]:
        """`audit.audit_site` for the site of `owner`, against every engagement's fragments at once.

        Arguments:
            site_dir: The built site.
            owner: The client whose site it is; None for the public handbook.
            allowed: The site's own text (`audit.public_corpus`): fragments found in it are not leaks.
            owner_held_back: False for the coach view, which shows the owner's held-back text on purpose.
            known: Needles already found in files by digest (theme assets, the same in every site),
                so a file every site shares is read and searched once, not once per site.
            learn: Add what this site's files hold to `known` (a dict), for the next site's audit.
        """
        leaks: list[Leak] = []
        for relative, path in site_files(site_dir, leaks):
            raw = path.read_bytes()
            digest = file_digest(raw)
            found = known.get(digest) if known is not None else None
            if found is None:
                found = frozenset(self.finder.found(_file_text(path, raw)))
                if learn and isinstance(known, dict):
                    known[digest] = found
            leaks.extend(self.leaks_in(found, relative, owner, allowed, owner_held_back=owner_held_back))
        return leaks

    @property
    def texts(self) -> frozenset[str]:
        """Every needle of the firm."""
        return frozenset(self._sources)

    def found_in_files(
        self, paths: Sequence[Path], *, earlier: tuple[frozenset[str], Mapping[str, Iterable[str]]] | None = None
    ) -> dict[str, frozenset[str]]:
        """The needles in each of `paths`, by digest: what `audit_site(known=...)` takes.

        Arguments:
            paths: The files to search (the theme's assets, the same in every site).
            earlier: (needles, found by digest) of an earlier search. A file
                with the same digest is then searched only for the needles added
                since, so editing one engagement does not search the theme's
                assets for every client's strings again.
        """
        texts = self.texts
        added: NeedleFinder | None = None
        if earlier is not None:
            added = NeedleFinder(texts - earlier[0])
        result = {}
        for path in paths:
            raw = path.read_bytes()
            digest = file_digest(raw)
            kept = earlier[1].get(digest) if earlier is not None else None
            if kept is None or added is None:
                result[digest] = frozenset(self.finder.found(_file_text(path, raw)))
            else:
                new = added.found(_file_text(path, raw)) if added.needles else set()
                result[digest] = frozenset(texts.intersection(kept)) | new
        return result
