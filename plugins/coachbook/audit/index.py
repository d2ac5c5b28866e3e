"""The leak audit at firm scale: every other client's strings, searched in one pass over a site.

`coachbook.audit.needles.needles_for` lists, for one site, the strings of
every other engagement, and searching each of them in every file is O(N) per
site, so a firm of N clients costs O(N²). This module gives the same answers
in time that grows with the size of the site, not the firm. It works from
each engagement's `Fragments` (`coachbook.audit.needles`), small plain data
that a build keeps while the engagement file is unchanged.

* `NeedleFinder` finds which of many needles occur in a text, in one pass
  over the text: an Aho-Corasick automaton of the needles (ahocorasick-rs,
  in Rust), so the time it takes grows with the text, not with the number of
  needles. The answer is exactly `{n for n in needles if n in text}`.
* `LeakIndex` turns found needles into `Leak`s with the same owner, field
  and order that `needles_for` and the plain search would give.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import ahocorasick_rs

from coachbook.audit.files import SiteFile, file_digest
from coachbook.audit.leaks import Leak
from coachbook.audit.needles import SPELLED, Fragments, Needle, fragments_of
from coachbook.audit.normalise import file_text, squashed

if TYPE_CHECKING:
    from coachbook.audit.site_audit import AuditPolicy
    from coachbook.core.loader import Firm

__all__ = ["LeakIndex", "NeedleFinder"]

#: Needles shorter than this are looked for with `in` (a scan in C), not by the automaton: a two-letter
#: needle (a surname such as "Li") occurs thousands of times in a site, and the automaton reports every one.
_SHORT = 3
#: Up to this many needles, each is looked for with `in`: a few scans of the text in C take less time than the
#: automaton's one pass, which stops at every character (a site's process searches for the console's notice).
_SCANNED_UP_TO = 16
#: Up to this many needles the automaton is a DFA (a table per state: about 4 MB per 1,000 needles, and the
#: fastest pass); beyond, a contiguous NFA, a few times slower and a tenth of the memory.
_DFA_UP_TO = 8_000
#: A lone surrogate, which JSON may hold: no character of a needle, and no text the automaton takes.
_SURROGATE = re.compile("[\ud800-\udfff]")


class NeedleFinder:
    """Finds which of a fixed set of needles occur in a text, in one pass over the text.

    The needles go into an Aho-Corasick automaton, which reports every needle
    that ends at each character of the text as it reads it once, overlapping
    needles and needles inside others included. Made once, it is searched for
    every site (`coachbook.audit.service`): a firm of a thousand clients has
    some 5,400 strings, an automaton of about 5 MB made in 16 ms. It replaced
    looking needles up by pieces of the text's words (pairs of word ends, runs
    of three letters), which took a site about six times as long as the
    automaton's pass over it (54 ms against 8, measured on one site of that firm).
    """

    def __init__(self, needles: Iterable[str]) -> None:
        self.needles = frozenset(needles)
        # Names spelled any way are looked for in a text's letters and digits run together (`occurs`).
        spelled = [n[len(SPELLED) :] for n in self.needles if n.startswith(SPELLED)]
        self._spelled = NeedleFinder(spelled) if spelled else None
        plain = self.needles.difference(SPELLED + n for n in spelled)
        few = len(plain) <= _SCANNED_UP_TO
        # A needle holding a lone surrogate (a YAML escape can make one) is no text the automaton takes.
        scanned = {n for n in plain if few or len(n) < _SHORT or _SURROGATE.search(n)}
        self._scanned = tuple(sorted(scanned))
        searched = sorted(plain - scanned)
        self._automaton = (
            ahocorasick_rs.AhoCorasick(
                searched,
                implementation=ahocorasick_rs.Implementation.DFA
                if len(searched) <= _DFA_UP_TO
                else ahocorasick_rs.Implementation.ContiguousNFA,
            )
            if searched
            else None
        )

    def found(self, text: str) -> set[str]:
        """The needles that occur in `text` (normalised text), each once, however often it occurs."""
        # An empty needle is in every text, as `in` has it.
        found = {n for n in self._scanned if n in text}
        automaton = self._automaton
        if automaton is not None and text:
            try:
                found.update(automaton.find_matches_as_strings(text, overlapping=True))
            except UnicodeEncodeError:
                # No needle the automaton holds has a lone surrogate in it: the text is searched around each.
                for piece in _SURROGATE.split(text):
                    found.update(automaton.find_matches_as_strings(piece, overlapping=True))
        if self._spelled is not None:
            found.update(SPELLED + n for n in self._spelled.found(squashed(text)))
        return found


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
        """The needles of every engagement found in `files`, as leaks of `policy.owner`'s site, file by file."""
        finder = self.finder_for(policy.only)
        leaks: list[Leak] = []
        for file in files:
            found = self.known.get((file.relative, file.digest)) if self.known is not None else None
            if found is not None and policy.only is not None:
                found = found & policy.only
            if found is None:
                found = frozenset(finder.found(file.text))
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
