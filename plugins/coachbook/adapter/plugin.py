"""The MkDocs adapter: hands MkDocs the pages the core planned, and audits what it wrote.

Every hook checks, delegates to the core and translates errors. Which site is
built is decided in `on_config`: the plugin option `client` (set by the
`coachbook` CLI), else the `COACHBOOK_CLIENT` environment variable (used by
`coachbook serve`, because `mkdocs serve` reloads the config on every change),
else none, which builds the public handbook.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup
from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel

from coachbook.access.encryption import DEFAULT_REMEMBER_DAYS, LockBrand, binding_for, encrypt_site
from coachbook.access.page_headers import head_tags, with_head_tags
from coachbook.access.passphrases import find_passphrase
from coachbook.access.preview import EXPOSE_ENV, check_preview_address
from coachbook.access.secret_owners import require_own_password
from coachbook.adapter.accessible_names import name_search_dialog, name_task_boxes
from coachbook.adapter.compact import compact_html
from coachbook.adapter.config import project_from_config
from coachbook.adapter.embedded import put_in_sections
from coachbook.adapter.languages import (
    coach_banner,
    language_warnings,
    localise_config,
    mark_language,
    not_found_heading,
    translate_not_found,
)
from coachbook.adapter.offline import POLYFILL_PATH, inline_search_index, polyfill_source
from coachbook.adapter.preload import Preload
from coachbook.adapter.site_inputs import load_site_inputs
from coachbook.adapter.theme_files import unneeded
from coachbook.audit.index import LeakIndex
from coachbook.audit.metadata import strip_site_images
from coachbook.audit.site_audit import Audience, AuditPolicy, NeedleSearch, policy_for, require_clean
from coachbook.core.firm_sites import Protection
from coachbook.core.loader import Firm, load_firm
from coachbook.core.model import Client
from coachbook.core.snapshots import read_snapshot
from coachbook.core.sponsor import sponsor_key
from coachbook.core.versions import LATEST
from coachbook.core.visibility import strip_comments
from coachbook.errors import CoachbookError, LeakError, ProblemList
from coachbook.refs.handbooks import GitHandbooks
from coachbook.render.plan import NavItem, SitePlan
from coachbook.render.tokens import DEFERRED_VALUES, Slots

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.livereload import LiveReloadServer
    from mkdocs.structure.pages import Page
    from mkdocs.structure.toc import AnchorLink

    from coachbook.render.sites import History

__all__ = ["AS_OF_ENV", "CLIENT_ENV", "COACH_VIEW_ENV", "CoachbookConfig", "CoachbookPlugin"]

log = get_plugin_logger(__name__)

#: The environment variable `coachbook serve` uses to name the client.
CLIENT_ENV = "COACHBOOK_CLIENT"
#: The environment variable that pins the as-of date when the option is unset.
AS_OF_ENV = "COACHBOOK_AS_OF"
#: Set to `sponsor` by `coachbook serve --client SLUG --sponsor`, to preview the sponsor's site.
AUDIENCE_ENV = "COACHBOOK_AUDIENCE"
#: Set to 1 by `coachbook serve --coach-view`; honoured only while serving.
COACH_VIEW_ENV = "COACHBOOK_COACH_VIEW"
#: Plugins that let page text run code; a client site must not be built with them.
_CODE_RUNNING_PLUGINS = ("macros", "mkdocs-simple-hooks")
#: Files in the content folder that are data for Coachbook (the program and its schema), not pages or assets.
_DATA_SUFFIXES = (".yml", ".yaml", ".schema.json")


class _ConsoleOptions(Config):  # type: ignore[no-untyped-call]
    """The `console` option: the coaches' console, and how it is protected."""

    enabled = c.Type(bool, default=False)
    protect = c.Optional(c.Choice(tuple(Protection)))
    """`password` (its own nginx location and password) or `encrypt` (its own passphrase); required."""


class _CohortOptions(Config):  # type: ignore[no-untyped-call]
    """One entry of the `cohorts` option: an organisation that gets a cohort report."""

    organisation = c.Type(str)
    address = c.Optional(c.Type(str))
    """Its folder under `cohorts/`; made from the organisation's name when unset."""
    encrypt = c.Optional(c.Type(bool))
    """Encrypt the report with its own passphrase; unset follows the firm's `encrypt`."""


class CoachbookConfig(Config):  # type: ignore[no-untyped-call]
    """Options of the `coachbook` plugin in `mkdocs.yml`."""

    client = c.Optional(c.Type(str))
    """Slug of the client whose site to build; leave unset to build the public handbook (the CLI sets it)."""
    engagements_dir = c.Type(str, default="engagements")
    """Folder of engagement files, relative to `mkdocs.yml`."""
    as_of = c.Optional(c.Type(str))
    """Date progress is computed for (YYYY-MM-DD); defaults to today, or `COACHBOOK_AS_OF`."""
    audit = c.Type(bool, default=True)
    """Run the leak audit after every build. Turning it off is for debugging only."""
    encrypt = c.Type(bool, default=False)
    """Encrypt every client's site with a passphrase (an engagement's `site.encrypt` overrides it)."""
    remember_device = c.Type(bool, default=False)
    """Offer "remember on this device" on encrypted sites; off, the key lasts only as long as the tab."""
    remember_days = c.Type(int, default=DEFAULT_REMEMBER_DAYS)
    """How many days "remember on this device" keeps the key before the browser forgets it (1 to 400)."""
    handbook_noindex = c.Type(bool, default=False)
    """Ask search engines not to index the public handbook; by default it is indexed, as public onboarding."""
    locales_dir = c.Type(str, default="locales")
    """Folder of the firm's own message catalogs (`<lang>/LC_MESSAGES/coachbook.po`), relative to `mkdocs.yml`."""
    secrets_dir = c.Type(str, default="secrets")
    """Git-ignored folder holding passphrases and password files, relative to `mkdocs.yml`."""
    published_dir = c.Type(str, default="published")
    """Where `coachbook publish` keeps the published versions, relative to `mkdocs.yml`. No build cleans it."""
    version = c.Optional(c.Type(str))
    """Set by `coachbook publish`: the name of the version being built."""
    changes_from = c.Optional(c.Type(str))
    """Set by `coachbook publish`: the snapshot of the previous version, for the "What changed" page."""
    changes_title = c.Optional(c.Type(str))
    """Set by `coachbook publish`: the title of the previous version."""
    repository = c.Optional(c.Type(str))
    """Set by `coachbook publish --ref`: the git working tree that pinned handbooks are read from."""
    console = c.SubConfig(_ConsoleOptions)
    """The coaches' console at `firm/`: `enabled: true` and `protect: password` or `encrypt` (both required)."""
    cohorts = c.ListOfItems(c.SubConfig(_CohortOptions), default=[])
    """Organisations that get a cohort report at `cohorts/<address>/`: each `organisation`, optional `address`
    and `encrypt`."""
    cohort_minimum = c.Type(int, default=5)
    """The fewest engagements an organisation needs for a cohort report (never below 3)."""
    cohort = c.Optional(c.Type(str))
    """Set by `coachbook build`: the address of the cohort report being built."""
    offline = c.Type(bool, default=False)
    audience = c.Choice(("client", "sponsor", "console", "cohort"), default="client")
    """Who the site is for: the client, their sponsor (progress only), the firm's coaches (the console), or an
    organisation's sponsor (its cohort report); set by `coachbook build`."""
    """Set by `coachbook bundle`: build a site that works opened from disk, search included, unencrypted."""


class CoachbookPlugin(BasePlugin[CoachbookConfig]):  # type: ignore[no-untyped-call]
    """Builds a client's private site, or the public handbook, from the firm's files."""

    def __init__(self) -> None:
        self._firm: Firm | None = None
        self._plan: SitePlan | None = None
        self._slots: dict[str, Slots] = {}
        self._command = "build"
        self._passphrase: str | None = None
        self._sponsor = False
        self._firm_site: str | None = None
        # For the console or a cohort report: its passphrase's name, and the report's organisation.
        self._firm_key: str | None = None
        self._organisation: str | None = None
        self._as_of: str | None = None
        self._index: NeedleSearch | None = None
        # Set by `coachbook build` (coachbook.build.firm_build) before the build: the
        # firm already loaded and every engagement's audit strings, so a site
        # of a large firm neither loads nor audits against every file again.
        self.preloaded: Preload | None = None

    #: Set in `coachbook build`'s fork server, whose MkDocs renders such pages once per shape
    #: (`coachbook.build.theme_renders`): a page whose values can be filled in after the theme
    #: (`Slots.deferrable_values`) keeps them as tokens through it.
    defer_fills = False

    # ------------------------------------------------------------------ configuration

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """`on_startup`: remember whether this is a preview, the only place the coach view may appear."""
        self._command = command

    @event_priority(100)
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        """`on_config`, before other plugins: load and validate the firm, then plan this site and shape the config.

        It runs first so that the theme's language, and the search plugin's language and word separator, are
        the site's before the search plugin (and any other) reads them.
        """
        self._slots = {}
        self._passphrase = None
        self._firm_key = self._organisation = None
        project = project_from_config(config, self.config)
        root = project.root
        slug = self.config.client or os.environ.get(CLIENT_ENV) or None
        self._sponsor = (self.config.audience == "sponsor" or os.environ.get(AUDIENCE_ENV) == "sponsor") and bool(slug)
        # The firm's own sites (the console, a cohort report) belong to no client.
        audience = os.environ.get(AUDIENCE_ENV) or self.config.audience
        self._firm_site = audience if audience in ("console", "cohort") and not slug else None
        if self.config.offline:
            # Opened from disk, links must name .html files; the pages are planned with that in mind.
            config.use_directory_urls = False
        coach_view = os.environ.get(COACH_VIEW_ENV) == "1"
        try:
            self._check_remember_days()
            if coach_view:
                _check_coach_view(slug, self._command, Path(config.site_dir), root)
            if slug and self._command == "serve":
                # A plain `mkdocs serve -a 0.0.0.0:8000` of a client's site is held to what `coachbook serve` is.
                check_preview_address(
                    str(config.dev_addr),
                    expose=os.environ.get(EXPOSE_ENV) == "1",
                    coach_view=coach_view,
                    what=f"{slug}'s private site",
                )
            if slug:
                _check_plugins(config)
            self._as_of = self.config.as_of or os.environ.get(AS_OF_ENV)
            as_of = _parse_as_of(self._as_of)
            if self.preloaded is not None:
                self._firm, self._index = self.preloaded.firm, self.preloaded.index
            elif self._firm_site is not None:
                # The console and a cohort report are made from many engagements: the whole firm is read.
                self._firm = load_firm(project, handbooks=GitHandbooks(project))
                self._index = LeakIndex.of(self._firm)
            else:
                # Only this site's engagement, and the others' audit strings from the record cache.
                inputs = load_site_inputs(project, slug)
                self._firm, self._index = inputs.firm, inputs.index
                if slug:
                    # A preview, or a plain `mkdocs build`: say what `coachbook check` would warn about (and
                    # let `--strict` refuse it); `coachbook build` reports the firm's warnings itself.
                    for problem in self._firm.engagements[slug].warnings:
                        log.warning(str(problem))
            # What writes pages is loaded only when a site is built: MkDocs imports this module to read
            # mkdocs.yml, which `coachbook check` does too.
            from coachbook.adapter.firm_sites import set_up_firm_site
            from coachbook.render.sites import plan_client_site, plan_handbook_site, plan_sponsor_site

            if self._firm_site is not None:
                if coach_view:
                    raise CoachbookError("the coach view is a client's preview; the console shows coach-only material")
                setup = set_up_firm_site(self._firm_site, config, self.config, self._firm, as_of)
                self._plan, self._passphrase = setup.plan, setup.passphrase
                self._firm_key, self._organisation = setup.key, setup.organisation
            elif slug and self._sponsor:
                self._plan = plan_sponsor_site(self._firm, slug, as_of)
                self._require_own_password(root, slug, sponsor=True)
                if not coach_view and not self.config.offline and self._encrypted(self._firm, slug):
                    self._passphrase = find_passphrase(
                        root / self.config.secrets_dir, sponsor_key(slug), owner=self._client(slug)
                    )
            elif slug:
                self._plan = plan_client_site(
                    self._firm,
                    slug,
                    as_of,
                    directory_urls=bool(config.use_directory_urls),
                    coach_view=coach_view,
                    history=self._history(),
                    # An encrypted site has no calendar: the .ics file would be readable by anyone.
                    calendar=coach_view or self.config.offline or not self._encrypted(self._firm, slug),
                )
                if not coach_view and not self.config.offline and self._encrypted(self._firm, slug):
                    self._passphrase = find_passphrase(root / self.config.secrets_dir, slug, owner=self._client(slug))
                if not coach_view:
                    self._require_own_password(root, slug, sponsor=False)
                pinned = self._firm.engagements[slug].content_dir
                if pinned is not None:
                    # The client reads the guides of the handbook they signed up to.
                    config.docs_dir = str(pinned)
            else:
                self._plan = plan_handbook_site(self._firm, site_name=config.site_name)
        except ProblemList as exc:
            for problem in exc.problems:
                log.error(str(problem))
            raise PluginError(f"{len(exc.problems)} problem(s) in the firm's files; nothing was built") from exc
        except CoachbookError as exc:
            raise PluginError(str(exc)) from exc

        if slug or self._firm_site:
            # Material prints site_name without escaping, so escape it here (`_escaped` says why as Markup).
            config.site_name = _escaped(self._plan.site_name)
            config.site_description = None
            # A client site links nowhere else: no repository, no edit links.
            config.repo_url = None
            config.repo_name = None
            config.edit_uri = None
            config.nav = _mkdocs_nav(self._plan.nav)
            _no_third_parties(config)
            if self._passphrase:
                _without_search(config)
        else:
            # The handbook's name and description are the firm's (`coachbook init` writes them from the name
            # it was given), printed by Material without escaping too: "A & B <Coaching>" must read as typed.
            config.site_name = _escaped(config.site_name)
            if config.site_description:
                config.site_description = _escaped(config.site_description)
            if config.nav is None:
                config.nav = _mkdocs_nav(self._plan.nav)
        _confine_snippets(config)
        # The site's language: the theme's interface, search, and what Coachbook writes (`adapter.languages`).
        for warning in localise_config(config, self._plan.language, firm_language=project.language):
            log.warning(warning)
        for warning in language_warnings(self._plan, project):
            log.warning(warning)
        config.extra["coachbook"] = {
            "client": bool(slug or self._firm_site),
            "coach_view": self._plan.coach_view,
            "banner": coach_banner(self._plan.language) if self._plan.coach_view else None,
        }
        # Scripts of ours the plan's pages need (the console's table), which on_files adds to the site.
        config.extra_javascript.extend(self._plan.scripts)
        if self.config.offline:
            # Search needs the web-worker shim when the site is opened from disk.
            config.extra["polyfills"] = [POLYFILL_PATH]
        if self.config.version:
            # Material's version selector reads ../versions.json, which `coachbook publish` writes.
            config.extra["version"] = {"provider": "mike", "default": LATEST}
        return config

    # ------------------------------------------------------------------ files and pages

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        """`on_files`: keep only what belongs in this site, and add the generated client pages and files."""
        plan = self._require_plan()
        wanted = {g.uri for g in plan.guides} | set(plan.keep_docs)
        languages = _search_languages(config)
        for file in list(files):
            if file.src_uri.endswith(_DATA_SUFFIXES) or (file.is_documentation_page() and file.src_uri not in wanted):
                files.remove(file)
            elif not file.is_documentation_page() and unneeded(file.src_uri, search_languages=languages):
                # Source maps and other languages' search scripts: a third of a site's bytes, never fetched.
                files.remove(file)
        for page in plan.pages:
            existing = files.get_file_from_path(page.uri)
            if existing is not None:
                files.remove(existing)
            files.append(File.generated(config, page.uri, content=page.markdown, inclusion=InclusionLevel.INCLUDED))
        for extra in plan.files:
            files.append(File.generated(config, extra.uri, content=extra.content))
        docs = Path(config.docs_dir)
        for guide in plan.guides:
            if guide.source is None:
                continue
            # A translated guide is read in place of the original, at the original's address, so every link to
            # it (and every relative link in it, written from the same folder) works unchanged.
            original = files.get_file_from_path(guide.uri)
            if original is not None:
                files.remove(original)
            files.append(
                File.generated(
                    config,
                    guide.uri,
                    abs_src_path=str(docs / guide.source),
                    inclusion=InclusionLevel.INCLUDED,
                )
            )
        if self.config.offline:
            files.append(File.generated(config, POLYFILL_PATH, content=polyfill_source()))
        return files

    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        """`on_page_markdown`: personalise stage guides; generated pages arrive already written."""
        plan = self._require_plan()
        uri = page.file.src_uri
        generated = plan.page(uri)
        if generated is not None:
            self._slots[uri] = generated.slots
            return markdown
        guide = plan.guide(uri)
        if guide is None:
            # The firm's other pages (the handbook's home): its comments are notes, not content.
            return strip_comments(markdown)
        from coachbook.render.client_pages import render_guide_page

        slots = Slots()
        self._slots[uri] = slots
        try:
            return render_guide_page(guide, markdown, slots)
        except Exception as exc:  # Jinja errors carry no file name; add it.
            raise PluginError(f"{page.file.src_uri}: cannot render placeholders: {exc}") from exc

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        """`on_page_content`: put the escaped values into the converted page, its title and its table of contents.

        A page with sections converted apart (the print page's guides, `coachbook.adapter.embedded`) gets them
        now, each with its own values. In `coachbook build`'s fork server (`defer_fills`), a page whose values
        can wait (`Slots.deferrable_values`) keeps them as tokens in its content, listed on the page, for
        `coachbook.build.theme_renders` to fill in after the theme.
        """
        slots = self._slots.get(page.file.src_uri)
        if slots is None:
            return name_task_boxes(html)
        if page.title:
            # Themes print the title inside <title> and attributes too, where an isolating element would show.
            page.title = slots.fill(page.title, isolate=False)
        rtl = self._require_plan().language.direction == "rtl"
        _fill_toc(page.toc, slots, rtl)
        generated = self._require_plan().page(page.file.src_uri)
        embedded = generated is not None and bool(generated.embedded)
        if self.defer_fills and not embedded:
            values = slots.deferrable_values(rtl_page=rtl)
            if values is not None:
                setattr(page, DEFERRED_VALUES, values)
                return name_task_boxes(html)
        html = slots.fill(html, rtl_page=rtl)
        if embedded:
            assert generated is not None
            try:
                html = put_in_sections(html, page, config, files, generated.embedded)
            except ValueError as exc:
                raise PluginError(str(exc)) from exc
        return name_task_boxes(html)

    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        """`on_post_page`: name the controls the theme leaves unnamed, mark the language, head the page with its policy.

        The names come from `coachbook.adapter.accessible_names`; the root element says the site's language
        and direction (`coachbook.adapter.languages.mark_language`); the policy is `coachbook.access.page_headers`.
        The theme's indentation is left out (`coachbook.adapter.compact`): the same page, smaller to upload.
        """
        marked = mark_language(name_search_dialog(output), self._require_plan().language)
        return compact_html(with_head_tags(marked, self._head_tags()))

    def on_post_template(self, output_content: str, *, template_name: str, config: MkDocsConfig) -> str:
        """`on_post_template`: the same for pages made from a template alone (the 404 page), in its language."""
        if not template_name.endswith(".html"):
            return output_content
        language = self._require_plan().language
        output = with_head_tags(mark_language(name_search_dialog(output_content), language), self._head_tags())
        return compact_html(translate_not_found(output, language) if template_name == "404.html" else output)

    def output_key(self) -> str:
        """What `on_post_page` and `on_post_template` make of a page besides the page itself, as text.

        The site's language (its tag, region included, and direction), the head's tags, and the 404 page's
        heading: `coachbook.build.theme_renders` keys a page rendered once per shape by it.
        """
        language = self._require_plan().language
        return json.dumps(
            [language.tag, language.direction, self._head_tags(), not_found_heading(language)], ensure_ascii=False
        )

    def _head_tags(self) -> str:
        private = self._plan is not None and self._plan.client_slug is not None
        return head_tags(private=private, offline=self.config.offline, noindex=self.config.handbook_noindex)

    # ------------------------------------------------------------------ after the build

    @event_priority(-100)
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """`on_post_build`, after every other plugin has written its files: finish the site and audit it.

        A client site loses its sitemap; the audit runs on the plaintext; an
        encrypted site is then encrypted and audited again as published. On a
        leak, or a request to another origin, the output is removed and the build fails.
        """
        plan = self._plan
        if self._firm is None or plan is None:
            return
        site_dir = Path(config.site_dir)
        if plan.client_slug or self._firm_site or self.config.version:
            _private_sitemap(site_dir, keep=bool(self.config.version))
        if self.config.offline:
            inline_search_index(site_dir)
        # Images are published without their metadata (a phone's GPS position, an author, comments).
        strip_site_images(site_dir)
        # One policy and one index serve both audits of an encrypted site.
        auditor = self._auditor(plan)
        self._audit(site_dir, auditor)
        if self._passphrase and (plan.client_slug or self._firm_site):
            owner = self._owner_key(plan)
            try:
                encrypt_site(
                    site_dir,
                    passphrase=self._passphrase,
                    binding=binding_for(owner),
                    remember=self.config.remember_device,
                    remember_days=self.config.remember_days,
                    language=plan.language,
                    brand=_lock_brand(config),
                )
            except CoachbookError as exc:
                shutil.rmtree(site_dir, ignore_errors=True)
                raise PluginError(f"cannot encrypt the site: {exc}") from exc
            self._audit(site_dir, auditor)

    def _owner_key(self, plan: SitePlan) -> str:
        """Whose passphrase an encrypted site's pages are bound to."""
        if self._firm_key is not None:
            return self._firm_key
        assert plan.client_slug is not None
        return sponsor_key(plan.client_slug) if self._sponsor else plan.client_slug

    def _auditor(self, plan: SitePlan) -> tuple[AuditPolicy, NeedleSearch] | None:
        """The audit this site is held to (`coachbook.audit.policy_for`), and the index it searches with."""
        if not self.config.audit:
            return None
        assert self._firm is not None
        if self._firm_site is not None:
            audience = Audience(self._firm_site)
        elif plan.client_slug is None:
            audience = Audience.HANDBOOK
        elif self._sponsor:
            audience = Audience.SPONSOR
        else:
            audience = Audience.COACH_VIEW if plan.coach_view else Audience.CLIENT
        policy = policy_for(
            self._firm,
            plan.client_slug,
            audience=audience,
            as_of=_parse_as_of(self._as_of),
            organisation=self._organisation,
        )
        assert self._index is not None
        return policy, self._index

    def _audit(self, site_dir: Path, auditor: tuple[AuditPolicy, NeedleSearch] | None) -> None:
        if auditor is None:
            return
        try:
            require_clean(site_dir, *auditor)
        except LeakError as exc:
            for leak in exc.leaks[:50]:
                log.error(str(leak))
            # Leave nothing that leaks in place: a half-removed site is safer than a leaking one.
            shutil.rmtree(site_dir, ignore_errors=True)
            raise PluginError(
                f"leak audit failed: {len(exc.leaks)} problem(s) found; the output in {site_dir} was removed"
            ) from exc

    def _check_remember_days(self) -> None:
        days = self.config.remember_days
        if not 1 <= days <= 400:
            raise CoachbookError(f"remember_days is {days}; give a whole number of days from 1 to 400 (default 30)")

    def _history(self) -> History | None:
        """For a published version, where it stands among the others; None for an ordinary build."""
        if not self.config.version:
            return None
        from coachbook.render.sites import History

        source = self.config.changes_from
        return History(read_snapshot(Path(source)) if source else None, self.config.changes_title)

    def _client(self, slug: str) -> Client:
        """The client of `slug`'s engagement: whose its site's secrets must be (`access.secret_owners`)."""
        assert self._firm is not None
        return self._firm.engagements[slug].engagement.client

    def _require_own_password(self, root: Path, slug: str, *, sponsor: bool) -> None:
        assert self._firm is not None
        address = self._firm.engagements[slug].address
        key = sponsor_key(address) if sponsor else address
        fix = f"coachbook passwd {slug}" + (" --sponsor" if sponsor else "") + " --rotate"
        require_own_password(root / self.config.secrets_dir, key, self._client(slug), fix=fix)

    def _encrypted(self, firm: Firm, slug: str) -> bool:
        choice = firm.engagements[slug].engagement.site.encrypt
        return self.config.encrypt if choice is None else choice

    def on_serve(self, server: LiveReloadServer, *, config: MkDocsConfig, builder: Any) -> LiveReloadServer:
        """`on_serve`: reload the preview when an engagement file changes."""
        if self._firm is not None:
            server.watch(str(self._firm.project.engagements_dir))
        return server

    def _require_plan(self) -> SitePlan:
        if self._plan is None:  # pragma: no cover - MkDocs always runs on_config first
            raise PluginError("coachbook: on_config did not run")
        return self._plan


def _check_coach_view(slug: str | None, command: str, site_dir: Path, root: Path) -> None:
    """The coach view is a live preview only: never a build, never a folder inside the project."""
    if command != "serve":
        raise CoachbookError(
            f"the coach view is only for previews; unset {COACH_VIEW_ENV} and build again "
            "(`coachbook serve --client SLUG --coach-view` shows it)"
        )
    if not slug:
        raise CoachbookError("the coach view needs a client: `coachbook serve --client SLUG --coach-view`")
    if site_dir.resolve().is_relative_to(root):
        raise CoachbookError(f"the coach view is never written inside the project, and site_dir is {site_dir}")


def _check_plugins(config: MkDocsConfig) -> None:
    """Refuse plugins that would let a guide run code inside a client's build."""
    found = [name for name in config.plugins if name in _CODE_RUNNING_PLUGINS]
    if found:
        raise CoachbookError(
            f"the plugin(s) {', '.join(found)} let page text run code, so client sites are not built with them; "
            "remove them from mkdocs.yml (Coachbook's placeholders personalise guides safely)"
        )


def _no_third_parties(config: MkDocsConfig) -> None:
    """A client's browser must not contact anyone else: no web fonts, analytics or cookie consent."""
    if config.theme.get("font") is not False:
        log.warning("theme.font loads Google Fonts; client sites use the system fonts instead (set `font: false`)")
        config.theme["font"] = False
    for key in ("analytics", "consent"):
        if config.extra.pop(key, None) is not None:
            log.warning(f"extra.{key} is left out of client sites: they make no requests to other origins")


def _private_sitemap(site_dir: Path, *, keep: bool) -> None:
    """A private site does not advertise its pages, except to Material's version selector.

    A published version (of a client site or the handbook) keeps `sitemap.xml` with page addresses only (no
    dates, so a rebuild is byte for byte the same): the selector reads it to
    stay on the same page when the reader switches versions.
    """
    (site_dir / "sitemap.xml.gz").unlink(missing_ok=True)
    sitemap = site_dir / "sitemap.xml"
    if not keep:
        sitemap.unlink(missing_ok=True)
    elif sitemap.is_file():
        locs = re.findall(r"<loc>([^<]*)</loc>", sitemap.read_text(encoding="utf-8"))
        entries = "".join(f"  <url><loc>{loc}</loc></url>\n" for loc in locs)
        sitemap.write_text(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}</urlset>\n',
            encoding="utf-8",
        )


def _without_search(config: MkDocsConfig) -> None:
    """An encrypted site has no search index (it would be plaintext), so it shows no search box either.

    Instant navigation is off too: it would fetch the locked shell of the next page, not the page.
    """
    for name in ("material/search", "search"):
        config.plugins.pop(name, None)
    features = config.theme.get("features") or []
    config.theme["features"] = [f for f in features if not f.startswith("navigation.instant")]


def _search_languages(config: MkDocsConfig) -> list[str] | None:
    """The languages the site's search works in; None when the site has no search (an encrypted one)."""
    search = config.plugins.get("material/search") or config.plugins.get("search")
    if search is None:
        return None
    languages = search.config.get("lang") if hasattr(search, "config") else None
    return list(languages or [config.theme.get("language") or "en"])


def _confine_snippets(config: MkDocsConfig) -> None:
    """Snippets may include files from the content folder only, never an engagement or anything else."""
    if "pymdownx.snippets" not in config.markdown_extensions:
        return
    options = config.mdx_configs.setdefault("pymdownx.snippets", {})
    options.update(
        base_path=[str(Path(config.docs_dir).resolve())],
        restrict_base_path=True,
        url_download=False,
        check_paths=True,
        auto_append=[],
    )


def _parse_as_of(value: str | None) -> dt.date:
    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CoachbookError(f"as-of date {value!r} is not a date; write it as YYYY-MM-DD") from None


def _mkdocs_nav(items: tuple[NavItem, ...]) -> list[Any]:
    nav: list[Any] = []
    for item in items:
        if item.children:
            nav.append({item.title: _mkdocs_nav(item.children)})
        elif item.title:
            nav.append({item.title: item.uri})
        else:
            nav.append(item.uri)
    return nav


def _fill_toc(items: list[AnchorLink] | Any, slots: Slots, rtl: bool) -> None:
    for item in items:
        item.title = slots.fill(item.title, rtl_page=rtl)
        _fill_toc(item.children, slots, rtl)


def _lock_brand(config: MkDocsConfig) -> LockBrand:
    """The firm's favicon and contact line for an encrypted site's locked pages (`theme.favicon`, `extra.firm`)."""
    firm = config.extra.get("firm")
    contact = firm.get("contact") if isinstance(firm, dict) else None
    favicon = config.theme.get("favicon")
    return LockBrand(
        favicon=favicon if isinstance(favicon, str) else "",
        contact=contact if isinstance(contact, str) else "",
    )


def _escaped(text: str) -> Markup:
    """`text` escaped for HTML once, and marked as such.

    Material prints the site's name as it is in most places, but escapes it again in the logo's `title`, where
    plain escaped text would read "A &amp;amp; B".
    """
    return Markup(html.escape(str(text), quote=True))
