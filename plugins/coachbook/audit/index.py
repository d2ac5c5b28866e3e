"""The leak audit at firm scale: every other client's strings, searched in one pass over a site.

`coachbook.audit.needles.needles_for` lists, for one site, the strings of
every other engagement, and searching each of them in every file is O(N) per
site, so a firm of N clients costs O(N²). This module gives the same answers
in time that grows with the size of the site, not the firm. It works from
each engagement's `Fragments` (`coachbook.audit.needles`), small plain data
that a build keeps while the engagement file is unchanged.

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
* `LeakIndex` turns found needles into `Leak`s with the same owner, field
  and order that `needles_for` and the plain search would give.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from coachbook.audit.files import SiteFile, file_digest
from coachbook.audit.leaks import Leak
from coachbook.audit.needles import Fragments, Needle, fragments_of
from coachbook.audit.normalise import file_text
from coachbook.audit.words import GRAM, KEY, Words, grams_of, pair_keys, words_of

if TYPE_CHECKING:
    from coachbook.audit.site_audit import AuditPolicy
    from coachbook.core.loader import Firm

__all__ = ["LeakIndex", "NeedleFinder", "SearchKeys"]

#: Up to this many one-word needles' keys, a text is searched for each key rather than cut into runs of three.
_FIND_SINGLES_UP_TO = 32
#: From this many needles on, a site's audit first narrows them to those its words could hold.
NARROW_FROM = 300


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
    def of(cls, texts: Iterable[str | Words]) -> SearchKeys:
        words: set[str] = set()
        pairs: set[str] = set()
        for text in texts:
            cut = words_of(text)
            words.update(cut.vocabulary)
            pairs.update(cut.pairs)
        return cls(frozenset(words), frozenset(pairs), grams_of(words))


class NeedleFinder:
    """Finds which of a fixed set of needles occur in a text, in one pass over the text."""

    def __init__(self, needles: Iterable[str]) -> None:
        # Needles of three or more words, for `candidates`, by their longest inner word: (needle, inner words,
        # the pair keys of its word boundaries).
        self._inner: dict[str, list[tuple[str, frozenset[str], frozenset[str]]]] = defaultdict(list)
        # The same needles as `found` looks for them: by the pair key of their two longest neighbouring words
        # (needle, offset of that key, inner words). An inner word can be "and", found at every "and" of a
        # page, "stand" and "hand" included; a key such as "ure and" spans a space, and is rare.
        # Needles without a pair key (short words) are looked for by their inner word.
        self._anchored: dict[str, list[tuple[str, int, frozenset[str]]]] = defaultdict(list)
        self._unanchored: dict[str, list[tuple[str, int, frozenset[str]]]] = defaultdict(list)
        # Two-word needles, by the last letters of the first word, a space, and the first letters of the second.
        self._pairs: dict[str, list[tuple[str, int]]] = defaultdict(list)
        # One-word needles, by their first letters, each with every run of three of its letters: the service
        # narrows them for every site it audits, against that site's runs (some thousand needles a site).
        self._singles: dict[str, list[tuple[str, frozenset[str]]]] = defaultdict(list)
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
            inner_words = frozenset(words[1:-1])
            self._inner[inner].append((needle, inner_words, pair_keys(words)))
            boundaries = [i for i in range(len(words) - 1) if len(words[i]) >= KEY and len(words[i + 1]) >= KEY]
            if boundaries:
                i = max(boundaries, key=lambda i: len(words[i]) + len(words[i + 1]))
                start = sum(len(w) + 1 for w in words[: i + 1]) - 1 - KEY
                self._anchored[words[i][-KEY:] + " " + words[i + 1][:KEY]].append((needle, start, inner_words))
            else:
                offset = sum(len(w) + 1 for w in words[: words.index(inner, 1)])
                self._unanchored[inner].append((needle, offset, inner_words))
        elif len(words) == 2:
            first, second = words
            if len(first) < KEY or len(second) < KEY:
                self._plain.append(needle)
            else:
                self._pairs[first[-KEY:] + " " + second[:KEY]].append((needle, len(first) - KEY))
        elif len(needle) >= KEY:
            self._singles[needle[:KEY]].append((needle, frozenset(GRAM.findall(needle))))
        else:
            self._plain.append(needle)

    def candidates(self, keys: SearchKeys) -> list[str]:
        """The needles that may occur in the texts `keys` are of: every one that does, and a few that do not.

        A finder made of just these finds in those texts exactly what this one would.
        """
        result = list(self._plain)
        for word in _common(self._inner, keys.words):
            # Its inner words are whole words there, and each pair of its words meets as a pair there.
            result += [n for n, inner, pairs in self._inner[word] if inner <= keys.words and pairs <= keys.pairs]
        for key in _common(self._pairs, keys.pairs):
            result += [needle for needle, _ in self._pairs[key]]
        for key in _common(self._singles, keys.grams):
            # Inside one word there, so every run of three of its letters is one there.
            result += [needle for needle, grams in self._singles[key] if grams <= keys.grams]
        return result

    def found(self, words: str | Words) -> set[str]:
        """The needles that occur in a text (normalised text: words separated by single spaces)."""
        cut = words_of(words)
        text = cut.text
        found = {n for n in self._plain if n in text}
        if not text:
            return found
        if self._inner:
            # Every inner word of a needle is a whole word of any text that contains it, and each pair key of
            # its words is one of the text's: so the text's pairs and words narrow the needles to look for.
            vocabulary = cut.vocabulary
            for key in _common(self._anchored, cut.pairs):
                candidates = [(n, offset) for n, offset, inner in self._anchored[key] if inner <= vocabulary]
                if candidates:
                    for start in _occurrences(text, key):
                        found.update(n for n, offset in candidates if _at(text, n, start - offset))
            for word in _common(self._unanchored, vocabulary):
                candidates = [(n, offset) for n, offset, inner in self._unanchored[word] if inner <= vocabulary]
                if candidates:
                    for start in _word_starts(text, word):
                        found.update(n for n, offset in candidates if _at(text, n, start - offset))
        if self._pairs:
            # A two-word needle's first word ends a word of the text, and its second word starts the next one.
            # So its key is one of the text's own pairs, and the needles whose key is not cannot be there.
            # The text's pair keys are taken with its words (`Words`), so only the needles' keys there are gone through.
            for key in _common(self._pairs, cut.pairs):
                for start in _occurrences(text, key):
                    found.update(n for n, offset in self._pairs[key] if _at(text, n, start - offset))
        if self._singles:
            # A key is three letters without a space, so it is one of the text's runs of three (`Words.grams`)
            # exactly when it occurs in the text: a few keys are looked for as they are, rather than taking
            # every run of the text (a site's pages hold some 50,000 characters of distinct words).
            keys = (
                self._singles.keys() if len(self._singles) <= _FIND_SINGLES_UP_TO else _common(self._singles, cut.grams)
            )
            for key in keys:
                for start in _occurrences(text, key):
                    found.update(n for n, _ in self._singles[key] if text.startswith(n, start))
        return found


def _common(keys: Mapping[str, object], present: frozenset[str]) -> list[str]:
    """The keys that are `present`, going through the smaller of the two.

    `frozenset & dict.keys()` goes through the whole set (only a `set` is swapped for the smaller side): a
    page's thousands of pairs, for the two keys of a site's finder.
    """
    if len(keys) <= len(present):
        return [key for key in keys if key in present]
    return [key for key in present if key in keys]


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
    """Every engagement's fragments, searchable for any site at once (a `NeedleSearch`).

    `audit_site(site, policy, index)` gives what the plain search of
    `needles_for(firm, owner)` gives, with the firm's fragments searched
    together instead of one by one.
    """

    fragments: Mapping[str, Fragments]
    known: dict[tuple[str, str], frozenset[str]] | None = None
    """Needles already found in files, by (path in the site, digest) (theme assets, the same in every site):
    such a file is searched once, not once per site. A file's text depends on its name as well as its bytes
    (`file_text` reads a `.json` file's strings, a `.gz` file inflated), so both must match."""
    learn: bool = False
    """Add what each searched file holds to `known`, for the next site's audit (`coachbook audit`)."""
    finder: NeedleFinder = field(init=False, repr=False)
    _sources: dict[str, list[_Source]] = field(init=False, repr=False)
    _restricted: dict[frozenset[str], NeedleFinder] = field(init=False, repr=False, default_factory=dict)

    @classmethod
    def of(cls, firm: Firm, *, learn: bool = False) -> LeakIndex:
        """The index of every engagement of `firm`."""
        fragments = {slug: fragments_of(loaded.engagement) for slug, loaded in firm.engagements.items()}
        return cls(fragments, known={} if learn else None, learn=learn)

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
        self, found: Iterable[str], relative: str, owner: str | None, *, owner_held_back: bool = True
    ) -> list[Leak]:
        """The leaks that the needles `found` in one file make for `owner`'s site, in `needles_for` order.

        Text the site shows for its own reasons (`AuditPolicy.allowed`) is left to the caller to rule out.
        """
        ranked = []
        for text in found:
            hit = self.needle(text, owner, owner_held_back=owner_held_back)
            if hit is not None:
                ranked.append(hit)
        return [Leak(relative, needle) for _, needle in sorted(ranked, key=lambda hit: hit[0])]

    def finder_for(self, only: frozenset[str] | None) -> NeedleFinder:
        """The finder of every needle, or of just `only` (kept, since many sites ask for the same few)."""
        if only is None:
            return self.finder
        if only not in self._restricted:
            self._restricted[only] = NeedleFinder(only & self._sources.keys())
        return self._restricted[only]

    def search(self, files: Sequence[SiteFile], policy: AuditPolicy) -> list[Leak]:
        """The needles of every engagement found in `files`, as leaks of `policy.owner`'s site, file by file.

        With many needles, the site's own words first narrow them to the few that could occur there
        (`NeedleFinder.candidates`, as the audit service does), which finds the same needles faster.
        """
        finder = self.finder_for(policy.only)
        if policy.only is None and len(self._sources) >= NARROW_FROM:
            unknown = [
                file.words for file in files if self.known is None or (file.relative, file.digest) not in self.known
            ]
            finder = NeedleFinder(finder.candidates(SearchKeys.of(unknown)))
        leaks: list[Leak] = []
        for file in files:
            found = self.known.get((file.relative, file.digest)) if self.known is not None else None
            if found is not None and policy.only is not None:
                found = found & policy.only
            if found is None:
                found = frozenset(finder.found(file.words))
                if self.learn and self.known is not None and policy.only is None:
                    self.known[file.relative, file.digest] = found
            leaks += self.leaks_in(found, file.relative, policy.owner, owner_held_back=policy.owner_held_back)
        return leaks

    @property
    def texts(self) -> frozenset[str]:
        """Every needle of the firm."""
        return frozenset(self._sources)

    def found_in_files(
        self, paths: Sequence[Path], *, earlier: tuple[frozenset[str], Mapping[str, Iterable[str]]] | None = None
    ) -> dict[str, frozenset[str]]:
        """The needles in each of `paths`, by digest: what `known` holds.

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
                result[digest] = frozenset(self.finder.found(file_text(path.name, raw)))
            else:
                new = added.found(file_text(path.name, raw)) if added.needles else set()
                result[digest] = frozenset(texts.intersection(kept)) | new
        return result
