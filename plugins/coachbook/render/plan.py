"""What a site is made of, decided before any engine runs: its pages, guides, files and nav.

A `SitePlan` is the boundary between the core and whatever builds the site:
the render package fills it, the MkDocs adapter turns it into files and nav.
Every page arrives as Markdown holding value tokens (`coachbook.render.tokens`),
never raw engagement values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from coachbook.core.i18n import Language, english
from coachbook.core.model import Program, Stage
from coachbook.core.progress import StageState
from coachbook.render.tokens import Slots

__all__ = ["Embedded", "FileSource", "GuidePage", "NavItem", "PageSource", "SitePlan", "embed_token"]


def embed_token(index: int) -> str:
    """The placeholder an embedded section stands at in its page's Markdown: a paragraph of its own."""
    return f"CBE{index:04d}Z"


@dataclass(frozen=True)
class Embedded:
    """A section of a page converted on its own, with values of its own: a stage guide on the print page.

    Its Markdown holds no client value (its tokens are its own `slots`), so it is the same for every client
    whose standing on the stage is the same, and an engine can convert it once for all of them.
    """

    token: str
    """Where it goes: the page's Markdown holds this placeholder, alone on a line (`embed_token`)."""
    markdown: str
    slots: Slots = field(repr=False)
    anchor: str
    """The id of the section's heading."""
    id_prefix: str = ""
    """What every other id in the section starts with, so none meets an id of another section."""


@dataclass(frozen=True)
class PageSource:
    """A generated page: where it goes and its Markdown with tokens."""

    uri: str
    title: str
    markdown: str
    slots: Slots = field(repr=False)
    embedded: tuple[Embedded, ...] = ()
    """Sections converted apart and put in at their placeholders after the page is converted."""


@dataclass(frozen=True)
class FileSource:
    """A generated file that is not a page (the calendar): where it goes and its bytes."""

    uri: str
    content: bytes = field(repr=False)


@dataclass(frozen=True)
class GuidePage:
    """A stage guide in this site, with what personalises it."""

    uri: str
    stage: Stage
    program: Program
    values: dict[str, str]
    """Placeholder values: a client's, or the neutral wording of the public handbook."""
    state: StageState | None = None
    """The client's standing on this stage; None in the public handbook."""
    language: Language = field(default_factory=english, repr=False)
    """The site's language, which the guide's frame is written in."""
    source: str | None = None
    """The guide's translation into the site's language, read in place of the file at `uri`; None: the file itself."""
    ended: bool = False
    """The client's engagement has ended (early, or completed), so a stage they did not finish is framed that way."""


@dataclass(frozen=True)
class NavItem:
    """One nav entry: a page, or a titled section of entries."""

    title: str
    uri: str | None = None
    children: tuple[NavItem, ...] = ()


@dataclass(frozen=True)
class SitePlan:
    """Everything that makes one site, decided before any engine runs."""

    site_name: str
    """Plain text; adapters escape it for the theme."""
    pages: tuple[PageSource, ...]
    guides: tuple[GuidePage, ...]
    nav: tuple[NavItem, ...]
    client_slug: str | None
    keep_docs: frozenset[str] = frozenset()
    """Source pages of the content folder that belong in this site (besides guides)."""
    coach_view: bool = False
    """A preview for the coach, showing what the coach-only rule holds back; never written to disk."""
    files: tuple[FileSource, ...] = ()
    """Generated files besides pages, such as the client's calendar."""
    scripts: tuple[str, ...] = ()
    """Scripts of ours that every page loads, by their path among `files` (the console's sortable table)."""
    language: Language = field(default_factory=english)
    """The site's language: every word Coachbook writes, and the theme's interface, are in it."""
    fallbacks: tuple[str, ...] = ()
    """The firm's words this language has no translation of (guides, program text), shown in the default language."""

    def guide(self, uri: str) -> GuidePage | None:
        return next((g for g in self.guides if g.uri == uri), None)

    def page(self, uri: str) -> PageSource | None:
        return next((p for p in self.pages if p.uri == uri), None)
