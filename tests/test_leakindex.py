"""The firm-scale leak audit gives exactly the answers of the one-needle-at-a-time audit."""

from __future__ import annotations

import html
import random
import re
import unicodedata
from pathlib import Path

import pytest

from coachbook.audit.index import LeakIndex, NeedleFinder, SearchKeys
from coachbook.audit.needles import allowed_text, fragments_of, needles_for
from coachbook.audit.normalise import normalise
from coachbook.audit.site_audit import AllowedText, Audience, AuditPolicy, audit_site, search_needles
from coachbook.core.loader import Project, load_firm

CLIENTS = ("dana-whitfield", "kwame-asante", "sofia-marquez")


def _random_case(rng: random.Random, count: int = 20) -> tuple[str, list[str]]:
    def word() -> str:
        return "".join(rng.choice("abcde") for _ in range(rng.randint(1, 5)))

    text = " ".join(word() for _ in range(rng.randint(0, 30)))
    needles = []
    for _ in range(count):
        if text and rng.random() < 0.6:
            # A piece of the text, cut anywhere: mid-word starts and ends are the hard cases.
            start = rng.randrange(len(text))
            piece = text[start : rng.randint(start, min(len(text), start + 15))].strip()
            if piece and "  " not in piece:
                needles.append(piece)
        else:
            needles.append(" ".join(word() for _ in range(rng.randint(1, 4))))
    return text, needles


@pytest.mark.parametrize("count", [20, 300])
def test_finder_finds_exactly_the_needles_that_occur(count: int) -> None:
    """With few needles the finder goes through their keys; with many, through the text's words: both are exact."""
    rng = random.Random(5)
    for _ in range(2000 if count == 20 else 300):
        text, needles = _random_case(rng, count)
        assert NeedleFinder(needles).found(text) == {n for n in needles if n in text}, (text, needles)


def test_the_candidates_for_some_texts_find_there_what_all_the_needles_find() -> None:
    """A site's process searches with only the candidates the index gives for its keys; nothing may be missed."""
    rng = random.Random(11)
    fewer = 0
    for _ in range(500):
        texts, needles = [], []
        for _ in range(3):
            text, some = _random_case(rng, 40)
            texts.append(text)
            needles += some
        # Needles from elsewhere too, most of which cannot occur in these texts.
        needles += _random_case(rng, 40)[1]
        finder = NeedleFinder(needles)
        candidates = finder.candidates(SearchKeys.of(texts))
        fewer += len(set(candidates)) < len(finder.needles)
        narrowed = NeedleFinder(candidates)
        for text in texts:
            assert narrowed.found(text) == finder.found(text), (text, needles)
    assert fewer > 250  # most of the time the candidates are a real narrowing, not everything


@pytest.mark.parametrize(
    ("text", "needle", "found"),
    [
        ("dana whitfield", "dana whitfield", True),
        ("xdana whitfieldy", "dana whitfield", True),  # inside longer words, as `in` finds it
        ("dana  whitfield", "dana whitfield", False),
        ("write to ana.lima@acme.example today", "ana.lima@acme.example", True),
        ("at acmecorp", "acme", True),
        ("she said the board was unhappy", "the board was unhappy", True),
        ("the board was", "the board was unhappy", False),
        ("al b", "al b", True),  # too short to file: searched for directly
    ],
)
def test_finder_table(text: str, needle: str, found: bool) -> None:
    assert (needle in NeedleFinder([needle]).found(text)) is found


@pytest.mark.slow
def test_index_gives_the_same_leaks_as_the_plain_audit(built_firm: Path) -> None:
    """Every site audited as if it were every other owner's: real cross-client hits, same leaks, same order."""
    firm = load_firm(Project(built_firm, built_firm / "content", built_firm / "engagements"))
    index = LeakIndex({slug: fragments_of(loaded.engagement) for slug, loaded in firm.engagements.items()})
    sites = [built_firm / "site" / "handbook", *(built_firm / "site" / "clients" / slug for slug in CLIENTS)]
    total = 0
    for owner in (None, *CLIENTS):
        for owner_held_back in (True, False):
            needles = needles_for(firm, owner, owner_held_back=owner_held_back)
            allowed = AllowedText(allowed_text(firm, owner))
            policy = AuditPolicy(owner, allowed, Audience.CLIENT if owner_held_back else Audience.COACH_VIEW)
            for site in sites:
                expected = search_needles(site, needles)
                assert audit_site(site, policy, index) == expected
                total += len(expected)
    assert total > 0  # auditing a site as someone else's must find that someone's strings


def _reference_normalise(text: str) -> str:
    """The audit's normalisation as first written: one regex callback per tag, translate for folding."""
    attribute = re.compile(r"""=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")

    def tag_values(match: re.Match[str]) -> str:
        values = (next(v for v in groups if v) for groups in attribute.findall(match.group(0)) if any(groups))
        return " " + " ".join(values) + " "

    fold = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})
    text = re.sub(r"<!--(.*?)(?:-->|\Z)", lambda m: f" {m.group(1)} ", text, flags=re.DOTALL)
    text = html.unescape(re.sub(r"<[^>]*>", tag_values, text))
    text = unicodedata.normalize("NFKC", text).translate(fold)
    return re.sub(r"\s+", " ", text).strip().casefold()


def test_normalise_is_unchanged_by_its_speed_up(built_firm: Path) -> None:
    samples = [
        "a < b <p>x=1 <x=1 <p> dana",
        "<a href='x' title=\"Dana&amp;W\">D’ana—W</a>\u00a0z",
        "<!-- c -->x<!-- open",
        "‘x’ “y” – — \u00a0 ﬁ",
    ]
    for path in sorted((built_firm / "site" / "clients" / "dana-whitfield").rglob("*")):
        if path.suffix in (".html", ".json", ".css"):
            samples.append(path.read_text(encoding="utf-8", errors="ignore"))
    for sample in samples:
        assert normalise(sample) == _reference_normalise(sample)


def test_assets_searched_before_are_searched_again_only_for_added_needles(tmp_path: Path) -> None:
    from coachbook.audit.files import file_digest
    from coachbook.audit.needles import Fragments

    style = tmp_path / "style.css"
    style.write_text("/* brand colours chosen with Amara Okafor */ body { color: teal }", encoding="utf-8")
    script = tmp_path / "app.js"
    script.write_text("const greeting = 'welcome back';", encoding="utf-8")
    paths = [style, script]

    def index(*names: str) -> LeakIndex:
        return LeakIndex({f"c{i}": Fragments(((n, "client.name"),), ()) for i, n in enumerate(names)})

    first = index("amara okafor", "welcome back", "nobody here")
    found = first.found_in_files(paths)
    assert found == {
        file_digest(style.read_bytes()): {"amara okafor"},
        file_digest(script.read_bytes()): {"welcome back"},
    }
    # One needle gone, one added: the answer is the same as a full search.
    second = index("amara okafor", "colour", "welcome")
    earlier = (first.texts, found)
    assert second.found_in_files(paths, earlier=earlier) == second.found_in_files(paths)
    assert second.found_in_files(paths, earlier=earlier) == {
        file_digest(style.read_bytes()): {"amara okafor", "colour"},
        file_digest(script.read_bytes()): {"welcome"},
    }
    # Earlier findings are trusted for a file with the same digest (the saving); a new file is searched whole.
    assert second.found_in_files(paths, earlier=(second.texts, {file_digest(style.read_bytes()): ["colour"]})) == {
        file_digest(style.read_bytes()): {"colour"},
        file_digest(script.read_bytes()): {"welcome"},
    }
