"""Every firm, every language: the catalogs, and real sites built in each shipped language.

The sample firm is built once per shipped language (its `theme.language` changed), and each site is read
for what must have changed: no English message of Coachbook's left on any page, dates and numbers written
the language's way, and the page's `lang` and `dir`. The sample's German client (Jonas Brandt, `language:
de` in an English firm) shows a client in another language than the firm's; temporary firms show a
guide without a translation, a firm's own catalog, a language nobody supports, and a program with other
stages.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from coachbook.access.encryption import decrypt_page, encrypt_site
from coachbook.core.console import CONSOLE_NOTICE
from coachbook.core.i18n import catalog_languages, load_language, source_messages
from coachbook.core.model import Engagement, Program
from coachbook.core.progress import compute_progress
from coachbook.render.charts import goal_chart
from coachbook.render.client_pages import client_plan
from coachbook.render.notes import render_note
from coachbook.render.tokens import Slots

from .conftest import AS_OF, REPO, copy_firm, minimal_engagement, run_coachbook

#: The languages Coachbook ships a catalog for, besides English.
SHIPPED = ("de", "fr", "es", "nl", "pt", "ar")
#: Dana's next session, 1 December 2026, as each language writes a date in running text (CLDR).
NEXT_SESSION = {
    "en-GB": "1 December 2026",
    "de": "1. Dezember 2026",
    "fr": "1 décembre 2026",
    "es": "1 de diciembre de 2026",
    "nl": "1 december 2026",
    "pt": "1 de dezembro de 2026",
    "ar": "1 ديسمبر 2026",
}
#: Dana's August reading of 11.5 hours a week, with the language's decimal sign.
ELEVEN_AND_A_HALF = {
    "en-GB": "11.5",
    "de": "11,5",
    "fr": "11,5",
    "es": "11,5",
    "nl": "11,5",
    "pt": "11,5",
    "ar": "11.5",
}
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")
_MARKUP = re.compile(r"\*\*|\*|`|<[^>]+>|\]\([^)]*\)|\[|\{[^}]*\}|→")


# --------------------------------------------------------------------------- the catalogs


def test_the_catalogs_are_current_and_every_shipped_language_translates_every_message() -> None:
    """`tools/catalogs.py --check`: a message added to the code or a template without a translation fails here."""
    result = subprocess.run(
        [sys.executable, str(REPO / "tools" / "catalogs.py"), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_coachbook_ships_the_seven_languages_and_each_loads_whole() -> None:
    assert set(catalog_languages()) == {"en", *SHIPPED}
    assert len(source_messages()) > 300
    for tag in ("en", *SHIPPED):
        language = load_language(tag)
        assert language.missing == () and language.problems == (), tag
    assert load_language("ar").direction == "rtl" and load_language("de").direction == "ltr"


def test_arabic_has_six_plural_forms_and_each_is_used() -> None:
    arabic = load_language("ar")
    forms = [arabic.ntr("%(num)s rater", "%(num)s raters", n) for n in (0, 1, 2, 3, 11, 100)]
    assert forms == ["لا أحد", "شخص واحد", "شخصان", "3 أشخاص", "11 شخصًا", "100 شخص"]


def test_a_region_uses_its_languages_catalog_and_its_own_dates() -> None:
    brazil = load_language("pt-BR")
    assert brazil.gettext("Goals") == "Objetivos"
    swiss = load_language("de-CH")
    assert swiss.gettext("Goals") == "Ziele"
    assert swiss.number(12500) == "12'500" and load_language("de").number(12500) == "12.500"
    assert load_language("en").date(dt.date(2026, 12, 1)) == "December 1, 2026"
    assert load_language("en-GB").date(dt.date(2026, 12, 1)) == "1 December 2026"


def test_a_firm_catalog_wins_over_coachbooks_and_a_broken_translation_is_not_used(tmp_path: Path) -> None:
    write_catalog(
        tmp_path / "de",
        {
            "Goals": "Zielbild",
            # The placeholder is misspelt: shown, it would fail; it is left out and named instead.
            "Welcome, %(name)s": "Willkommen, %(nmae)s",
        },
    )
    german = load_language("de", tmp_path)
    assert german.gettext("Goals") == "Zielbild"
    assert german.gettext("Action plan") == "Maßnahmenplan"  # the rest comes from Coachbook's catalog
    assert german.gettext("Welcome, %(name)s") == "Willkommen, %(name)s"
    assert [p.message for p in german.problems] == ["Welcome, %(name)s"]
    assert "%(nmae)s" in german.problems[0].reason


def test_a_language_without_a_catalog_lists_every_message_it_leaves_in_english(tmp_path: Path) -> None:
    write_catalog(tmp_path / "sw", {"Goals": "Malengo"})
    swahili = load_language("sw", tmp_path)
    assert swahili.gettext("Goals") == "Malengo"
    assert swahili.gettext("Action plan") == "Action plan"
    assert "Action plan" in swahili.missing and "Goals" not in swahili.missing
    assert len(swahili.missing) == len(source_messages()) - 1


# --------------------------------------------------------------------------- the sample firm in every language


def _language_param(tag: str) -> object:
    # German and Arabic (left to right and right to left) run with every test; the others in the slow tier.
    return pytest.param(tag, marks=() if tag in ("de", "ar") else pytest.mark.slow, id=tag)


@pytest.fixture(scope="module", params=[_language_param(tag) for tag in SHIPPED])
def firm_in(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The sample firm with `theme.language` set to a shipped language, built with --strict."""
    tag: str = request.param
    root = copy_firm(tmp_path_factory.mktemp(f"firm-{tag}") / "firm")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("language: en-GB", f"language: {tag}"), "utf-8")
    run_coachbook(root, "build", "--as-of", AS_OF, "--strict", check=True)
    yield tag, root


def firm_text(root: Path) -> str:
    """Everything the firm wrote: its program, guides, engagements and config."""
    files = [root / "mkdocs.yml", *(root / "content").rglob("*"), *(root / "engagements").rglob("*.yml")]
    return "\n".join(p.read_text(encoding="utf-8") for p in files if p.is_file())


def page_text(path: Path) -> str:
    """What a reader of the page sees or hears: its text, and the labels a screen reader reads."""
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    for hidden in soup(["script", "style"]):
        hidden.decompose()
    labels = [str(tag["aria-label"]) for tag in soup.find_all(attrs={"aria-label": True})]
    return " ".join(" ".join([soup.get_text(" "), *labels]).split())


def calendar_text(path: Path) -> str:
    """A calendar's words as a calendar application shows them: folded lines joined, escapes undone."""
    text = path.read_text(encoding="utf-8").replace("\r\n ", "").replace("\n ", "")
    text = text.replace("\\n", " ").replace("\\,", ",").replace("\\;", ";").replace("\\\\", "\\")
    return " ".join(text.split())


def english_fragments(tag: str) -> list[str]:
    """The English words of every message whose translation into `tag` differs, cut at its values and markup."""
    language = load_language(tag)
    found = set()
    for message in source_messages():
        english = message if isinstance(message, tuple) else (message,)
        if isinstance(message, tuple):
            translated = {language.ngettext(*message, n) for n in (1, 2, 5, 11, 100)}
        else:
            translated = {language.gettext(message)}
        if translated == set(english):
            continue
        # Words a translation keeps as they are ("in Outlook") are not English left over.
        kept = " ".join(translated)
        for text in english:
            for part in _MARKUP.sub("\n", text).split("\n"):
                for piece in _PLACEHOLDER.split(part):
                    piece = piece.strip(" .,;:!?()·—–-\"'\u00a0")
                    if len(piece) >= 5 and any(ch.isalpha() for ch in piece) and piece not in kept:
                        found.add(piece)
    return sorted(found)


def test_no_english_message_is_left_on_any_page(firm_in: tuple[str, Path]) -> None:
    tag, root = firm_in
    written_by_the_firm = firm_text(root)
    fragments = [f for f in english_fragments(tag) if f not in written_by_the_firm]
    assert len(fragments) > 200, "the check must have something to look for"
    pages = sorted((root / "site").rglob("*.html"))
    # Jonas's site is German whatever the firm's language; every other site is in the firm's.
    pages = [p for p in pages if "jonas-brandt" not in p.parts]
    found = {}
    calendars = [p for p in sorted((root / "site").rglob("*.ics")) if "jonas-brandt" not in p.parts]
    assert calendars, "the clients' calendars are read too"
    for page in [*pages, *calendars]:
        text = page_text(page) if page.suffix == ".html" else calendar_text(page)
        left = [f for f in fragments if re.search(r"(?<!\w)" + re.escape(f) + r"(?!\w)", text)]
        if left:
            found[str(page.relative_to(root))] = left[:5]
    assert found == {}


def test_dates_and_numbers_are_written_the_languages_way(firm_in: tuple[str, Path]) -> None:
    tag, root = firm_in
    dana = root / "site" / "clients" / "dana-whitfield"
    assert NEXT_SESSION[tag] in page_text(dana / "index.html")
    assert ELEVEN_AND_A_HALF[tag] in page_text(dana / "goals" / "index.html")
    if tag != "en-GB":
        assert "1 December 2026" not in page_text(dana / "index.html")
        assert "December" not in page_text(dana / "goals" / "index.html")


def test_pages_say_their_language_and_direction(firm_in: tuple[str, Path]) -> None:
    tag, root = firm_in
    direction = "rtl" if tag == "ar" else "ltr"
    for folder in ("clients/dana-whitfield", "clients/kwame-asante", "sponsors/dana-whitfield", "handbook"):
        for name in ("index.html", "404.html"):
            soup = BeautifulSoup((root / "site" / folder / name).read_text(encoding="utf-8"), "html.parser")
            assert (soup.html["lang"], soup.html["dir"], soup.body["dir"]) == (tag, direction, direction), folder
    # The German client's site stays German, left to right, in a firm of any language.
    jonas = BeautifulSoup((root / "site/clients/jonas-brandt/index.html").read_text(encoding="utf-8"), "html.parser")
    assert (jonas.html["lang"], jonas.html["dir"]) == ("de", "ltr")


def test_on_a_right_to_left_page_every_value_is_isolated(firm_in: tuple[str, Path]) -> None:
    tag, root = firm_in
    dashboard = (root / "site/clients/dana-whitfield/index.html").read_text(encoding="utf-8")
    if tag == "ar":
        assert "<bdi>Dana</bdi>" in dashboard
        assert '<p dir="auto">' in (root / "site/clients/dana-whitfield/sessions/index.html").read_text("utf-8")
    else:
        # Left-to-right values among left-to-right words change nothing when isolated, and are not.
        assert "<bdi>" not in dashboard


def test_the_firms_console_and_cohort_report_are_in_the_firms_language(firm_in: tuple[str, Path]) -> None:
    tag, root = firm_in
    console = root / "site" / "firm"
    report = root / "site" / "cohorts" / "halden-logistics" / "index.html"
    direction = "rtl" if tag == "ar" else "ltr"
    for page in (
        console / "index.html",
        console / "404.html",
        console / "engagements/dana-whitfield/index.html",
        report,
    ):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        assert (soup.html["lang"], soup.html["dir"]) == (tag, direction), page
    # Dana's next session, written the language's way on her page in the console.
    assert NEXT_SESSION[tag] in page_text(console / "engagements" / "dana-whitfield" / "index.html")
    # The notice every console page opens with is in the firm's language, and is no longer English.
    notice = load_language(tag).gettext(CONSOLE_NOTICE)
    assert notice != CONSOLE_NOTICE and " ".join(notice.split()) in page_text(console / "index.html")


def test_a_german_firms_console_and_cohort_report_read_german(firm_in: tuple[str, Path]) -> None:
    tag, root = firm_in
    if tag != "de":
        pytest.skip("the German firm's own words")
    console = root / "site" / "firm"
    index = page_text(console / "index.html")
    assert "Stand 24. November 2026: 11 Coachings, davon 9 laufend. 3 Coaches betreuen sie." in index
    assert "Grace Whitcombe bei Priya Raman: keine Sitzung seit dem 12. Oktober 2026 (43 Tage; " in index
    # The table's short dates are German (CLDR's medium date), and its script's count line is German with a total.
    assert "01.12.2026 08:00" in index and "1 Dec 2026" not in index
    soup = BeautifulSoup((console / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert soup.find(id="cb-console-count")["data-template"] == "{shown} von 11 Coachings angezeigt"
    assert [b.get_text() for b in soup.select("th button")][:2] == ["Coachee", "Coach"]
    dana = page_text(console / "engagements" / "dana-whitfield" / "index.html")
    assert "Nächste Sitzung 1. Dezember 2026 um 08:00" in dana
    assert "12 von 16 vereinbarten gehalten, die letzte am 17. November 2026" in dana
    coach = page_text(console / "coaches" / "katrin-albers" / "index.html")
    assert "1. Dezember 2026 um 07:30 · 75 Minuten" in coach
    calendar = calendar_text(console / "coaches" / "katrin-albers.ics")
    assert "SUMMARY:Coaching mit Jonas Brandt" in calendar and "CATEGORIES:Coaching-Sitzung" in calendar
    assert "404 – Seite nicht gefunden" in page_text(console / "404.html")
    report = page_text(root / "site" / "cohorts" / "halden-logistics" / "index.html")
    assert "Coaching-Kohorte: Halden Logistics" in report
    assert "Stand 24. November 2026" in report and "51 von 70 vereinbarten gehalten (73 %)" in report
    assert "Coaching-Zeitraum von April 2026 bis April 2027 (geplant)" in report
    assert "10 Ziele, gesetzt von 5 Führungskräften." in report
    # No English month, long or short ("November" is the same word in both).
    for text in (index, dana, coach, report):
        assert not re.search(r"\b(?:December|January|October|Dec|Jan|Oct)\b", text)


def test_the_audit_finds_the_console_in_another_site_in_the_firms_language(firm_in: tuple[str, Path]) -> None:
    tag, root = firm_in
    page = root / "site" / "clients" / "sofia-marquez" / "index.html"
    original = page.read_text(encoding="utf-8")
    notice = load_language(tag).gettext(CONSOLE_NOTICE)
    try:
        page.write_text(original + f"<p>{notice}</p>", encoding="utf-8")
        done = run_coachbook(root, "audit")
    finally:
        page.write_text(original, encoding="utf-8")
    assert done.returncode == 1
    assert "the coaches' console's own text, which no other site may hold" in done.stderr


# --------------------------------------------------------------------------- a client in another language


def test_a_german_client_in_an_english_firm_reads_german(built_firm: Path) -> None:
    site = built_firm / "site" / "clients" / "jonas-brandt"
    dashboard = page_text(site / "index.html")
    assert "Willkommen, Jonas" in dashboard
    assert "Wie es weitergeht" in dashboard and "What's next" not in dashboard
    assert "1. Dezember 2026 um 07:30 Uhr · 75 Minuten" in dashboard
    # What slipped is told calmly, in German too: a way back, not an alarm.
    assert "Zurück in die Spur" in dashboard and "Überfällig" not in dashboard
    # Material's own interface is German too.
    soup = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert soup.find("input", class_="md-search__input")["placeholder"] == "Suche"
    # The German guides and stage names, at the guides' usual addresses.
    guide = page_text(site / "stages" / "03-assessment" / "index.html")
    assert "Standortbestimmung" in guide and "Psychometrische Instrumente" in guide
    assert "Psychometric instruments" not in guide
    nav = [" ".join(a.get_text(" ").split()) for a in soup.select(".md-nav--primary .md-nav__link")]
    assert "3. Standortbestimmung" in nav and "Maßnahmenplan" in nav
    # The empty reviews page names the stage of his own program where reviews begin, in German.
    reviews = page_text(site / "reviews" / "index.html")
    assert "Ihre erste Zwischenbilanz ziehen Sie einige Wochen nach Beginn von Phase 6" in reviews
    assert "Umsetzung" in reviews
    # His calendar speaks German.
    calendar = (site / "calendar.ics").read_text(encoding="utf-8")
    assert "SUMMARY:Coaching-Sitzung: Erste Erfahrungen mit der Eskalationsmatrix" in calendar
    assert "Maßnahme fällig:" in calendar
    # Charts write numbers and months the German way.
    goals = (site / "goals" / "index.html").read_text(encoding="utf-8")
    assert "Ausgangswert 2,6" in goals and "Zielwert 3,8" in goals


def test_a_german_clients_published_versions_and_what_changed_are_german(firm: Path) -> None:
    run_coachbook(firm, "publish", "jonas-brandt", "--as-of", "2026-11-24", check=True)
    run_coachbook(firm, "publish", "jonas-brandt", "--as-of", "2026-12-10", check=True)
    root = firm / "published" / "clients" / "jonas-brandt"
    versions = json.loads((root / "versions.json").read_text(encoding="utf-8"))
    titles = ["10. Dezember 2026 · Maßnahmenplanung", "24. November 2026 · Maßnahmenplanung"]
    assert [v["title"] for v in versions] == titles
    changed = page_text(root / versions[0]["version"] / "changes" / "index.html")
    assert "Was sich geändert hat" in changed
    assert "Seit 24. November 2026 · Maßnahmenplanung hat sich in Ihrem Coaching Folgendes bewegt." in changed
    assert "Sitzung am 1. Dezember 2026 : Erste Erfahrungen mit der Eskalationsmatrix" in changed  # "**date**: focus"


def test_the_english_clients_of_the_same_firm_stay_english(built_firm: Path) -> None:
    dana = page_text(built_firm / "site" / "clients" / "dana-whitfield" / "index.html")
    assert "What's next" in dana and "1 December 2026" in dana and "Wie es weitergeht" not in dana
    soup = BeautifulSoup((built_firm / "site/clients/dana-whitfield/index.html").read_text("utf-8"), "html.parser")
    assert soup.html["lang"] == "en-GB"


def test_the_public_handbook_has_no_page_for_a_translation(built_firm: Path) -> None:
    handbook = built_firm / "site" / "handbook"
    assert (handbook / "stages" / "03-assessment" / "index.html").is_file()
    assert not [page for page in handbook.rglob("index.html") if ".de" in page.parent.name]
    assert "Standortbestimmung" not in page_text(handbook / "stages" / "03-assessment" / "index.html")


def test_search_is_set_up_for_each_sites_language(built_firm: Path) -> None:
    def config(site: str) -> dict[str, object]:
        data = json.loads((built_firm / "site" / site / "search" / "search_index.json").read_text("utf-8"))
        config: dict[str, object] = data["config"]
        return config

    german, english = config("clients/jonas-brandt"), config("clients/dana-whitfield")
    assert german["lang"] == ["de"] and english["lang"] == ["en"]
    # Both split Chinese characters one from another, so a word in a Chinese sentence can be found.
    for site_config in (german, english):
        assert "(?=[\\u3400-\\u4dbf" in str(site_config["separator"])


def test_a_guide_without_a_translation_falls_back_with_one_warning(firm: Path) -> None:
    for name in ("06-implementation.de.md", "07-evaluation-and-closure.de.md"):
        (firm / "content" / "stages" / name).unlink()
    result = run_coachbook(firm, "build", "--client", "jonas-brandt", "--as-of", AS_OF)
    assert result.returncode == 0, result.stderr
    warning = (
        "no German (de) translation of: guides stages/06-implementation.md, stages/07-evaluation-and-closure.md; "
        "the firm's default language (en-GB) is shown instead"
    )
    assert result.stderr.count(warning) == 1
    site = firm / "site" / "clients" / "jonas-brandt"
    assert "Psychometrische Instrumente" in page_text(site / "stages" / "03-assessment" / "index.html")
    implementation = page_text(site / "stages" / "06-implementation" / "index.html")
    # The firm's English guide, framed in German.
    assert "Implementation is the longest stage" in implementation
    assert "Diese Phase im Überblick" in implementation
    strict = run_coachbook(firm, "build", "--client", "jonas-brandt", "--as-of", AS_OF, "--strict", "--force")
    assert strict.returncode == 1
    check = run_coachbook(firm, "check")
    assert check.returncode == 0
    assert (
        "warning: German (de), for jonas-brandt: no translation of guides stages/06-implementation.md, "
        "stages/07-evaluation-and-closure.md; the firm's default language (en-GB) is shown instead"
    ) in check.stderr


def test_check_refuses_a_language_nothing_supports(firm: Path) -> None:
    path = firm / "engagements" / "jonas-brandt.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("language: de", "language: sw"), encoding="utf-8")
    result = run_coachbook(firm, "check")
    assert result.returncode == 1
    assert (
        "engagements/jonas-brandt.yml:7:11: language: no catalog of Coachbook's messages and no guides are in 'sw'"
        in (result.stderr)
    )
    assert "hint: add locales/sw/LC_MESSAGES/coachbook.po (see docs/languages.md)" in result.stderr
    path.write_text(path.read_text(encoding="utf-8").replace("language: sw", "language: xx"), encoding="utf-8")
    assert "'xx' is not a language Coachbook knows" in run_coachbook(firm, "check").stderr


def test_a_firm_adds_a_language_with_its_own_catalog(firm: Path) -> None:
    write_catalog(firm / "locales" / "sw", {"Welcome, %(name)s": "Karibu, %(name)s", "Goals": "Malengo"})
    path = firm / "engagements" / "jonas-brandt.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("language: de", "language: sw"), encoding="utf-8")
    check = run_coachbook(firm, "check")
    assert check.returncode == 0
    # The check lists every message left in English, for the translator, and the menus Material cannot give.
    missing = len(source_messages()) - 2
    assert f"warning: Swahili (sw), for jonas-brandt: {missing} message(s) show in English:" in check.stderr
    assert "    'Action plan'\n" in check.stderr and "    'Goals'\n" not in check.stderr
    assert "Material has no interface in this language" in check.stderr
    result = run_coachbook(firm, "build", "--client", "jonas-brandt", "--as-of", AS_OF)
    assert result.returncode == 0, result.stderr
    site = firm / "site" / "clients" / "jonas-brandt"
    soup = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert soup.html["lang"] == "sw"
    assert "Karibu, Jonas" in page_text(site / "index.html")
    # Said once each, however many pages: what shows in English, and the menus Material has no Swahili for.
    assert result.stderr.count(f"{missing} message(s) have no Swahili translation and show in English") == 1
    assert result.stderr.count("Material has no interface in Swahili (sw)") == 1


def test_a_changed_word_in_the_firms_catalog_rebuilds_the_sites(firm: Path) -> None:
    run_coachbook(firm, "build", "--client", "jonas-brandt", "--as-of", AS_OF, check=True)
    goals = firm / "site" / "clients" / "jonas-brandt" / "goals" / "index.html"
    assert "Ihre Ziele" in page_text(goals)
    write_catalog(firm / "locales" / "de", {"Your goals": "Was Sie erreichen wollen"})
    # No --force: the firm's catalogs are among what every site is built from.
    run_coachbook(firm, "build", "--client", "jonas-brandt", "--as-of", AS_OF, check=True)
    assert "Was Sie erreichen wollen" in page_text(goals)


def test_the_sponsor_site_can_have_a_language_of_its_own(firm: Path) -> None:
    path = firm / "engagements" / "dana-whitfield.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  site: true\n", "  site: true\n  language: de\n", 1), encoding="utf-8")
    run_coachbook(firm, "build", "--client", "dana-whitfield", "--as-of", AS_OF, "--strict", check=True)
    sponsor = page_text(firm / "site" / "sponsors" / "dana-whitfield" / "index.html")
    assert "Coaching-Fortschritt: Dana Whitfield" in sponsor and "Auf einen Blick" in sponsor
    assert "Ziel 3 (vertraulich)" in sponsor  # her confidential goal, named the German way
    dana = page_text(firm / "site" / "clients" / "dana-whitfield" / "index.html")
    assert "What's next" in dana


# --------------------------------------------------------------------------- program-agnostic wording


def two_stage_program() -> Program:
    """A program with other stages than the sample's: discovery, then practice (which has the reviews)."""
    stage = {
        "guide": "x.md",
        "steps": ["s"],
        "duration": "a",
        "client_does": ["a"],
        "coach_does": ["b"],
        "exit_criteria": ["c"],
    }
    return Program.model_validate(
        {
            "id": "short",
            "title": "Short Programme",
            "summary": "Two stages.",
            "process_steps": [{"id": "s", "title": "S", "summary": "S."}],
            "stages": [
                {
                    "id": "discovery",
                    "number": 1,
                    "title": "Discovery",
                    "summary": "Look.",
                    **stage,
                },
                {
                    "id": "practice",
                    "number": 2,
                    "title": "Trying it out",
                    "summary": "Do.",
                    "role": "implementation",
                    **{**stage, "guide": "y.md"},
                },
            ],
        }
    )


def test_empty_pages_name_the_clients_own_stages_never_the_sample_programs() -> None:
    program = two_stage_program()
    view = Engagement.model_validate(minimal_engagement())
    plan = client_plan("ana", view, program, compute_progress(view, program, dt.date(2026, 2, 1)))
    pages = {page.uri: page.markdown for page in plan.pages}
    everything = "\n".join(pages.values()).lower()
    for sample_wording in ("goal setting", "action planning", "the assessment stage", "evaluation and closure"):
        assert sample_wording not in everything
    assert (
        "once you and CBV" in pages["goals.md"]
    )  # "Your goals will appear here ... once you and Tom have agreed them"
    assert "stage CBV" in pages["reviews.md"] and "](y.md)" in pages["reviews.md"]  # stage 2, its own title, linked


# --------------------------------------------------------------------------- direction, and the lock page


def test_values_are_isolated_where_their_direction_matters() -> None:
    slots = Slots()
    arabic, english, number = slots.text("رفع مؤشر ولاء الموظفين (eNPS)"), slots.text("Dana"), slots.text("3.5")
    html = f'<h2>{arabic}</h2><p>{english} {number}</p><a title="{arabic}">x</a>'
    ltr = slots.fill(html)
    assert "<h2><bdi>رفع مؤشر ولاء الموظفين (eNPS)</bdi></h2>" in ltr
    assert "<p>Dana 3.5</p>" in ltr
    assert 'title="رفع مؤشر ولاء الموظفين (eNPS)"' in ltr  # inside a tag: escaped, never an element
    rtl = slots.fill(html, rtl_page=True)
    assert "<p><bdi>Dana</bdi> 3.5</p>" in rtl


def test_notes_are_laid_out_in_their_own_direction_where_it_matters() -> None:
    assert render_note("Plain English.") == "<p>Plain English.</p>"
    assert (
        render_note("ملاحظة قصيرة\n\n- أولًا") == '<p dir="auto">ملاحظة قصيرة</p>\n<ul>\n<li dir="auto">أولًا</li>\n</ul>'
    )
    assert render_note("Plain English.", rtl_page=True) == '<p dir="auto">Plain English.</p>'


def test_charts_stay_left_to_right_with_labels_in_their_own_direction() -> None:
    view = Engagement.model_validate(
        minimal_engagement(
            goals=[
                {
                    "id": "enps",
                    "title": "رفع مؤشر ولاء الموظفين (eNPS)",
                    **dict.fromkeys(("specific", "measurable", "achievable", "relevant"), "نص"),
                    "deadline": "2026-12-01",
                    "baseline": 12.5,
                    "target": 30,
                    "unit": "نقطة",
                    "measurements": [{"date": "2026-10-01", "value": 20.25}],
                }
            ]
        )
    )
    program = two_stage_program()
    svg = goal_chart(
        compute_progress(view, program, dt.date(2026, 11, 1)).goals[0], chart_id="g", language=load_language("ar")
    )
    assert 'direction="ltr"' in svg.split(">", 1)[0]
    assert 'unicode-bidi="plaintext"' in svg
    assert "البداية 12.5" in svg and "أكتوبر" in svg


@pytest.mark.parametrize("tag", ["de", "ar"])
def test_the_lock_page_speaks_the_sites_language(tmp_path: Path, tag: str) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<html><body>Willkommen</body></html>", encoding="utf-8")
    language = load_language(tag)
    encrypt_site(
        site, passphrase="abcd-efgh-ijkl-mnop-qrst", binding="0123456789abcdef0123", remember=True, language=language
    )
    shell = (site / "index.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(shell, "html.parser")
    assert (soup.html["lang"], soup.html["dir"]) == (tag, language.direction)
    assert soup.title.get_text() == language.gettext("Private site")
    assert soup.find("button").get_text() == language.gettext("Unlock")
    form = soup.find("form")
    assert form["data-wrong"] == language.gettext("That passphrase did not unlock this site. Check it and try again.")
    text = page_text(site / "index.html") + " ".join(str(v) for v in form.attrs.values())
    # ("Passphrase" is German for passphrase too.)
    for english in ("Private site", "Unlock", "Remember on this device", "passphrase did not unlock"):
        assert english not in text
    # Every word the English lock page holds, in its text or in what unlock.js may show (a page altered or
    # damaged, a site opened over http), is another in this language.
    for words in lock_page_words(english_lock_page(tmp_path)):
        if words != "Passphrase":
            assert words not in shell, words
    assert decrypt_page(shell, "abcd-efgh-ijkl-mnop-qrst", "index.html").endswith("Willkommen</body></html>")


def english_lock_page(tmp_path: Path) -> str:
    site = tmp_path / "english"
    site.mkdir()
    (site / "index.html").write_text("<html><body>Welcome</body></html>", encoding="utf-8")
    english = load_language("en")
    encrypt_site(
        site, passphrase="abcd-efgh-ijkl-mnop-qrst", binding="0123456789abcdef0123", remember=True, language=english
    )
    return (site / "index.html").read_text(encoding="utf-8")


def lock_page_words(shell: str) -> list[str]:
    """The words a lock page shows or may show: its text, and the messages its elements carry for unlock.js."""
    soup = BeautifulSoup(shell, "html.parser")
    for hidden in soup(["script", "style"]):
        hidden.decompose()
    texts = [" ".join(s.split()) for s in soup.stripped_strings]
    for element in soup.find_all(True):
        texts += [str(v) for k, v in element.attrs.items() if k.startswith("data-") or k in ("aria-label", "title")]
    words = [text for text in texts if re.search(r"[A-Za-z]{3}", text)]
    assert len(words) >= 8, words  # the title, heading, explanation, label, button, remember, and four messages
    return words


# --------------------------------------------------------------------------- helpers


def write_catalog(folder: Path, messages: dict[str, str]) -> Path:
    """A firm's catalog `folder/LC_MESSAGES/coachbook.po` with these translations, as a person would write it."""
    path = folder / "LC_MESSAGES" / "coachbook.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    entries = "".join(
        f"\nmsgid {json.dumps(k, ensure_ascii=False)}\nmsgstr {json.dumps(v, ensure_ascii=False)}\n"
        for k, v in messages.items()
    )
    header = '"Content-Type: text/plain; charset=utf-8\\n"\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n'
    path.write_text('msgid ""\nmsgstr ""\n' + header + entries, encoding="utf-8")
    return path
