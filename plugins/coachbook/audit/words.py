"""A normalised text cut into words, and the pieces of it the leak index files needles under.

`coachbook.audit.index` searches texts for many needles at once by looking
up pieces of each text: its words, the word ends around each space, and the
runs of three letters inside its words. A site's file is searched more than
once (for the audit service's strings, for the console's own) and its search
keys are taken too, so `SiteFile.words` cuts it once and each piece is taken
once, when first asked for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cached_property

__all__ = ["GRAM", "KEY", "Words", "grams_of", "pair_keys", "remember_words", "words_of"]

#: Length of the letter keys for one-word needles and the word ends around a two-word needle's space.
KEY = 3
#: Every run of three characters inside a word (overlapping matches).
GRAM = re.compile(r"(?=(\S{3}))")


#: The runs of three of words every site is likely to hold (the stage guides' words), worked out once by the
#: build's fork server (`remember_words`), so that each site's process looks them up rather than cutting them.
_KNOWN_GRAMS: dict[str, tuple[str, ...]] = {}
#: `remember_words` keeps at most this many words (some megabytes with their runs), whatever it is given; the
#: stage guides of a firm hold a few thousand.
_MAX_KNOWN = 20_000


def remember_words(texts: Iterable[str]) -> int:
    """Work out the runs of three of every word of `texts` (normalised text) ahead; the number of words known.

    Arguments:
        texts: Text most sites hold, such as the stage guides as converted: a site's own words are cut as
            before, so what is remembered changes how fast a site's keys are taken, never what they are.
    """
    known = _KNOWN_GRAMS
    # The texts share most of their words (a guide framed six ways): each word is cut once.
    for word in set().union(*(text.split(" ") for text in texts)) - known.keys():
        if len(known) >= _MAX_KNOWN:
            break
        known[word] = tuple(set(GRAM.findall(word)))
    return len(known)


def grams_of(words: Iterable[str]) -> frozenset[str]:
    """Every run of three characters inside `words` (that hold no space): `GRAM` over them, joined by spaces."""
    known = _KNOWN_GRAMS
    if not known:
        return frozenset(GRAM.findall(" ".join(words)))
    grams: set[str] = set()
    add = grams.update
    rest = []
    for word in words:
        found = known.get(word)
        if found is None:
            rest.append(word)
        else:
            add(found)
    grams.update(GRAM.findall(" ".join(rest)))
    return frozenset(grams)


def pair_keys(words: Sequence[str]) -> frozenset[str]:
    """The pair keys of each two neighbouring words long enough to have one (`coachbook.audit.index.SearchKeys`).

    That is `first[-KEY:] + " " + second[:KEY]` for each neighbouring `first, second` both at least `KEY`
    long, written as one loop that cuts each word once: a site's pages hold some 80,000 words.
    """
    keys: set[str] = set()
    add = keys.add
    end = None  # The last letters of the word before, and a space; None if it was too short.
    for word in words:
        if len(word) >= KEY:
            if end is not None:
                add(end + word[:KEY])
            end = word[-KEY:] + " "
        else:
            end = None
    return frozenset(keys)


class Words:
    """A normalised text cut into words once, with the pieces of it the leak index looks up, each taken once.

    A site's file is searched more than once (the audit service's strings, the console's own), and its
    search keys are taken too; each of those would otherwise cut the same text into words again. The words
    themselves are not kept, only their set and their pair keys, taken together from one cut: a site's
    80,000 words, each a string, took some 5 MB, a tenth of its process's own memory.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._vocabulary: frozenset[str] | None = None
        self._pairs: frozenset[str] = frozenset()

    def _cut(self) -> frozenset[str]:
        tokens = self.text.split(" ")
        self._pairs = pair_keys(tokens)
        self._vocabulary = frozenset(tokens)
        return self._vocabulary

    @property
    def vocabulary(self) -> frozenset[str]:
        """Every word, once."""
        return self._vocabulary if self._vocabulary is not None else self._cut()

    @property
    def pairs(self) -> frozenset[str]:
        """The pair keys of its neighbouring words."""
        if self._vocabulary is None:
            self._cut()
        return self._pairs

    @cached_property
    def grams(self) -> frozenset[str]:
        """Every run of three characters inside a word."""
        return grams_of(self.vocabulary)


def words_of(text: str | Words) -> Words:
    """`text` cut into words, unless it already is."""
    return text if isinstance(text, Words) else Words(text)
