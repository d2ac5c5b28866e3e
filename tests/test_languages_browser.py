"""Right to left, Chinese search, long words and a German lock page, in a real headless Chromium.

A copy of the sample firm gains three clients: Layla Haddad, whose site is in Arabic; Wei Zhang, whose site
is in Chinese (the firm adds a small Chinese catalog of its own) and whose session notes hold 利益相关者
("stakeholders") in the middle of a sentence; and Omar Saleh, whose site is in English but whose goal is
titled in Arabic. The German pages of the sample firm are measured by `tests/test_site_browser.py`.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import expect

from coachbook.access.encryption import generate_passphrase
from coachbook.access.passphrases import env_name
from coachbook.core.i18n import load_language

from .browser import TIMEOUT_MS, chromium, record_problems, serve
from .conftest import AS_OF, copy_firm, minimal_engagement, run_coachbook

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
#: An Arabic goal title with a Latin abbreviation in it: the case that came out with its halves swapped.
ARABIC_GOAL = "رفع مؤشر ولاء الموظفين (eNPS)"
STAKEHOLDERS = "利益相关者"

GOAL = {
    "id": "enps",
    "title": ARABIC_GOAL,
    "specific": "رفع مؤشر ولاء الموظفين في الإدارة من خلال اجتماعات فردية منتظمة.",
    "measurable": "نتيجة استبيان eNPS الفصلي.",
    "achievable": "الفريق صغير، وقد ارتفع المؤشر في إدارات مماثلة خلال ستة أشهر.",
    "relevant": "الاحتفاظ بالمواهب أولوية الإدارة لهذا العام.",
    "deadline": "2027-03-31",
    "baseline": 12,
    "target": 30,
    "unit": "نقطة",
    "measurements": [{"date": "2026-09-30", "value": 15}, {"date": "2026-10-31", "value": 19.5}],
}


def arabic_client() -> dict[str, Any]:
    return minimal_engagement(
        language="ar",
        client={"name": "ليلى حداد", "role": "مديرة الموارد البشرية", "organisation": "مجموعة الواحة القابضة"},
        coach={"name": "Priya Raman"},
        start="2026-09-01",
        end="2027-04-30",
        cadence={"every_weeks": 2, "minutes": 60, "format": "مكالمة فيديو"},
        stages={
            "contracting": {"status": "done", "started": "2026-08-25", "completed": "2026-09-05"},
            "building-rapport": {"status": "in-progress", "started": "2026-09-01"},
        },
        goals=[GOAL],
        actions=[
            {
                "title": "عقد اجتماع فردي شهري مع كل قائد فريق",
                "goal": "enps",
                "due": "2026-12-15",
                "support": ["قالب الأسئلة الذي أعددناه معًا", "دعم من مدير التدريب"],
            }
        ],
        sessions=[
            {
                "date": "2026-11-10",
                "time": "10:00",
                "stage": "building-rapport",
                "focus": "كيف نناقش الميزانية مع الفريق",
                "notes": "تحدثنا عن طريقة عرض الميزانية الجديدة على قادة الفرق قبل نهاية الربع.\n\n"
                "- حضّري ثلاثة أمثلة واضحة.\n- The HR Business Partner will join in December.",
            },
            {"date": "2026-12-01", "time": "10:00", "stage": "building-rapport", "focus": "المراجعة الأولى للخطة"},
        ],
    )


def chinese_client() -> dict[str, Any]:
    return minimal_engagement(
        language="zh",
        client={"name": "张伟", "role": "财务总监", "organisation": "远山科技"},
        start="2026-09-01",
        end="2027-04-30",
        stages={"contracting": {"status": "in-progress", "started": "2026-09-01"}},
        sessions=[
            {
                "date": "2026-11-12",
                "time": "09:00",
                "stage": "contracting",
                "focus": "预算调整",
                "notes": f"我们讨论了如何在季度评审之前与关键{STAKEHOLDERS}沟通预算调整，"
                "并约定下次会谈前先准备一页摘要。",
            }
        ],
    )


#: The firm's own Chinese catalog: a few words, enough for `coachbook check` to accept the language.
CHINESE = {"Welcome, %(name)s": "欢迎，%(name)s", "Sessions": "会谈", "Goals": "目标", "Dashboard": "概览"}


@pytest.fixture(scope="module")
def firm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_firm(tmp_path_factory.mktemp("languages") / "firm")
    english = minimal_engagement(client={"name": "Omar Saleh", "role": "COO", "organisation": "Saleh Freight"})
    english.update(goals=[GOAL], start="2026-09-01", end="2027-04-30")
    for slug, data in (("layla-haddad", arabic_client()), ("wei-zhang", chinese_client()), ("omar-saleh", english)):
        (root / "engagements" / f"{slug}.yml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    catalog = root / "locales" / "zh" / "LC_MESSAGES" / "coachbook.po"
    catalog.parent.mkdir(parents=True)
    quoted = {json.dumps(k): json.dumps(v, ensure_ascii=False) for k, v in CHINESE.items()}
    entries = "".join(f"\nmsgid {k}\nmsgstr {v}\n" for k, v in quoted.items())
    catalog.write_text('msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=1; plural=0;\\n"\n' + entries, encoding="utf-8")
    assert run_coachbook(root, "check").returncode == 0
    # Not --strict: the Arabic and Chinese sites show the firm's English guides, and say so.
    clients = ("layla-haddad", "wei-zhang", "omar-saleh")
    args = [arg for slug in clients for arg in ("--client", slug)]
    result = run_coachbook(root, "build", *args, "--as-of", AS_OF, check=True)
    assert "no Arabic (ar) translation of" in result.stderr
    return root


@pytest.fixture(scope="module")
def servers(firm: Path) -> Iterator[dict[str, str]]:
    with contextlib.ExitStack() as stack:
        yield {
            slug: stack.enter_context(contextlib.contextmanager(serve)(firm / "site" / "clients" / slug))
            for slug in ("layla-haddad", "wei-zhang", "omar-saleh")
        }


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def new_page(browser: Any, viewport: dict[str, int]) -> Any:
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


#: Where the Arabic words and "(eNPS)" are drawn, for the first element matching a selector that holds them.
_HALVES = """(selector) => {
    const element = [...document.querySelectorAll(selector)].find(node => node.textContent.includes("(eNPS)"));
    if (!element) return null;
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    let text = walker.nextNode();
    while (text && !text.data.includes("(eNPS)")) text = walker.nextNode();
    const at = text.data.indexOf("(eNPS)");
    const box = (start, end) => {
        const range = document.createRange();
        range.setStart(text, start);
        range.setEnd(text, end);
        const rect = range.getBoundingClientRect();
        return [rect.left, rect.right];
    };
    return {arabic: box(0, at - 1), latin: box(at, at + 6), dir: getComputedStyle(document.body).direction};
}"""


@pytest.mark.parametrize(
    ("slug", "direction"), [("layla-haddad", "rtl"), ("omar-saleh", "ltr")], ids=["arabic-site", "english-site"]
)
def test_an_arabic_goal_title_reads_in_order(slug: str, direction: str, servers: dict[str, str], browser: Any) -> None:
    """Arabic reads right to left, so "(eNPS)", at the end of the title, is drawn to the left of the Arabic words.

    On a page declared English with nothing isolating the title, the two halves came out the other way round.
    """
    places = {
        "goals/": ("article h2", ".md-sidebar--secondary .md-nav__link"),
        "": ("article h4",),
    }
    for path, selectors in places.items():
        page = new_page(browser, DESKTOP)
        problems = record_problems(page)
        page.goto(servers[slug] + path)
        for selector in selectors:
            halves = page.evaluate(_HALVES, selector)
            assert halves is not None, (path, selector)
            assert halves["dir"] == direction
            (arabic_left, _), (_, latin_right) = halves["arabic"], halves["latin"]
            assert latin_right <= arabic_left + 1, (path, selector, halves)
        page.close()
        assert problems == [], path


def search(page: Any, query: str) -> list[str]:
    """Search with Material's box, in any language: the links of the results, once the answer has come."""
    field = page.locator(".md-search__input")
    field.click()
    field.fill(query)
    field.press("End")
    result = page.locator(".md-search-result__list > li a[href]").first
    expect(result).to_be_attached(timeout=TIMEOUT_MS)
    return page.eval_on_selector_all(".md-search-result__list a[href]", "nodes => nodes.map(n => n.href)")


def test_a_chinese_word_inside_a_sentence_is_found(servers: dict[str, str], browser: Any) -> None:
    page = new_page(browser, DESKTOP)
    problems = record_problems(page)
    page.goto(servers["wei-zhang"])
    assert page.locator("html").get_attribute("lang") == "zh"
    found = search(page, STAKEHOLDERS)
    assert any("/sessions/" in link for link in found), found
    # The page found is highlighted at the word, and the word was never in a heading or title: only in the note.
    page.close()
    assert problems == []


def test_an_arabic_word_is_found_in_an_arabic_site(servers: dict[str, str], browser: Any) -> None:
    page = new_page(browser, DESKTOP)
    problems = record_problems(page)
    page.goto(servers["layla-haddad"])
    found = search(page, "الميزانية")
    assert any("/sessions/" in link for link in found), found
    page.close()
    assert problems == []


#: How far the page can be scrolled sideways (on a right-to-left page, what overflows goes left, and scrolls too),
#: and, to say why, the elements past either side; Material's closed drawer waits off screen on purpose.
_OVERFLOW = """() => {
    const root = document.documentElement;
    const wide = [...document.body.querySelectorAll("*")]
        .map(node => [node, node.getBoundingClientRect()])
        .filter(([, box]) => box.width > 0 && (box.right > root.clientWidth + 1 || box.left < -1))
        .slice(0, 5)
        .map(([node, box]) => `${node.tagName}.${node.className} ${Math.round(box.left)}..${Math.round(box.right)}`);
    return {scroll: root.scrollWidth, client: root.clientWidth, wide};
}"""


PAGES = ("", "goals/", "actions/", "sessions/", "agreement/", "program/", "stages/03-assessment/")


@pytest.mark.parametrize("path", PAGES)
def test_the_arabic_site_fits_a_phone(path: str, servers: dict[str, str], browser: Any) -> None:
    page = new_page(browser, PHONE)
    problems = record_problems(page)
    page.goto(servers["layla-haddad"] + path)
    assert page.locator("body").get_attribute("dir") == "rtl"
    extent = page.evaluate(_OVERFLOW)
    page.close()
    assert extent["scroll"] <= extent["client"], extent
    assert problems == []


def test_the_arabic_chart_keeps_its_numbers_in_order(servers: dict[str, str], browser: Any) -> None:
    """On a right-to-left page the chart is still drawn left to right: time runs rightwards, 19.5 reads 19.5."""
    page = new_page(browser, DESKTOP)
    page.goto(servers["layla-haddad"] + "goals/")
    ticks = page.eval_on_selector_all(
        "svg.cb-chart .cb-chart__tick--x", "nodes => nodes.map(n => [n.textContent, n.getBoundingClientRect().left])"
    )
    value = page.locator("svg.cb-chart .cb-chart__value").first.text_content()
    page.close()
    assert [label for label, _ in sorted(ticks, key=lambda t: t[1])] == [label for label, _ in ticks]
    assert re.fullmatch(r"19\.5", value or ""), value


def test_a_german_clients_lock_page_speaks_german_to_the_end(tmp_path: Path, browser: Any) -> None:
    """The encrypted site's lock page, and what unlock.js says when the passphrase is wrong, are in German."""
    root = copy_firm(tmp_path / "firm")
    engagement = root / "engagements" / "jonas-brandt.yml"
    engagement.write_text(engagement.read_text(encoding="utf-8") + "\nsite:\n  encrypt: true\n", encoding="utf-8")
    passphrase = generate_passphrase()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(env_name("jonas-brandt"), passphrase)
        run_coachbook(root, "build", "--as-of", AS_OF, "--strict", "--client", "jonas-brandt", check=True)
    german = load_language("de")
    with contextlib.contextmanager(serve)(root / "site" / "clients" / "jonas-brandt") as url:
        page = new_page(browser, PHONE)
        problems = record_problems(page)
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == "de"
        expect(page.locator("h1")).to_have_text(german.gettext("Private site"))
        page.locator("#coachbook-passphrase").fill("falsch-falsch-falsch")
        page.get_by_role("button", name=german.gettext("Unlock")).click()
        wrong = german.gettext("That passphrase did not unlock this site. Check it and try again.")
        expect(page.locator("#coachbook-error")).to_have_text(wrong, timeout=TIMEOUT_MS)
        page.locator("#coachbook-passphrase").fill(passphrase)
        page.get_by_role("button", name=german.gettext("Unlock")).click()
        expect(page.locator("article h1").first).to_have_text(re.compile("^Willkommen, Jonas"), timeout=TIMEOUT_MS)
        page.close()
    assert problems == []
