"""What the fork server and the build processes forked from it do, each function in a process of its own.

Every function here takes the server's `BuildContext` first: what the server
holds, and so what every process forked from it starts with. It holds nothing
that grows with the firm; the build's own process keeps every engagement's
record and audit strings (`coachbook.build.firm_build`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import resource
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from coachbook.adapter.config import coachbook_plugin
from coachbook.adapter.preload import Preload
from coachbook.audit.files import SiteFile
from coachbook.audit.needles import allowed_identity_text, allowed_text, program_strings
from coachbook.audit.records import EngagementRecord, parse_records
from coachbook.audit.service import RemoteIndex
from coachbook.audit.site_audit import (
    AllowedText,
    Audience,
    AuditPolicy,
    SharedFound,
    audit_site,
    remember_found,
    remember_shared_files,
)
from coachbook.build.asset_store import link_assets
from coachbook.build.mkdocs_patches import CONVERSIONS
from coachbook.build.site_build import attempt
from coachbook.build.staging import remove_site
from coachbook.build.state import SiteRecord, read_mark, write_mark
from coachbook.build.targets import SiteResult, SiteTarget
from coachbook.core.i18n import catalog_languages, load_language
from coachbook.core.loader import Firm, LoadedEngagement, load_engagement
from coachbook.errors import CoachbookError, Problem
from coachbook.refs.handbooks import GitHandbooks

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

    from coachbook.build.prewarm import Warm
    from coachbook.core.model import Program
    from coachbook.core.project import Project

__all__ = [
    "BuildContext",
    "audit_through",
    "before_fork",
    "build_firm_site",
    "build_site",
    "parse_chunk",
    "peak_kb",
    "reaudit_site",
    "warm_server",
]


@dataclass
class BuildContext:
    """What the fork server holds, and so what every build process starts with: nothing that grows with the firm.

    The build's own process holds every engagement's record and audit
    strings; the server is forked from it before it has read any of them, and
    is then only given what every site shares.
    """

    config_file: Path
    site_root: Path
    as_of: dt.date | None
    link_assets: bool
    config: MkDocsConfig
    project: Project
    programs: tuple[Program, ...]
    warm: Warm | None = None
    handbooks: GitHandbooks | None = None
    index: RemoteIndex | None = None
    """Where the sites' processes send their audits: the build's own process holds the index."""


def peak_kb(context: BuildContext) -> int:
    """Peak resident memory of the process this runs in, in KiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def before_fork(context: BuildContext) -> None:
    """In the fork server, before each build process: read ahead what earlier sites stored (`prewarm.refresh`)."""
    if context.warm is not None:
        from coachbook.build import prewarm

        prewarm.refresh(context.warm)


def parse_chunk(
    context: BuildContext, chunk: list[tuple[str, Path]]
) -> tuple[dict[str, EngagementRecord], list[Problem]]:
    """In a process of its own: parse and validate a batch of changed engagement files, and keep their records."""
    return parse_records((context.project, context.programs, chunk, GitHandbooks(context.project)))


def warm_server(
    context: BuildContext, theme: bool, client_sites: int, refs: Sequence[str], reuse_conversions: bool = True
) -> list[tuple[str, str]]:
    """In the fork server: pay the fixed costs once (`coachbook.build.prewarm`), for every build process.

    `reuse_conversions=False` has the sites convert every page again rather than take it from the store.

    Returns:
        (path in a site, path on disk) of each theme asset, which every site shares, for the caller to audit.
    """
    from coachbook.build import prewarm

    project = context.project
    context.handbooks = GitHandbooks(project)
    # Export each pinned handbook once here, rather than once in every process that needs it.
    for ref in refs:
        with contextlib.suppress(CoachbookError):  # The site's own build reports it.
            context.handbooks.at(ref)
    if not theme:
        return []
    store = project.work_dir / "assets" if context.link_assets else None
    cache = project.work_dir / "templates"
    # The firm's default language frames the guides ahead; a firm whose theme.language is unusable fails each site.
    language = None
    with contextlib.suppress(ValueError):
        language = load_language(project.language, project.locales)
    # Every language with a catalog is read once here, so a site's process starts with its language compiled.
    for tag in catalog_languages(project.locales):
        load_language(tag, project.locales)
    context.warm = prewarm.warm(
        context.config,
        context.programs,
        client_sites=client_sites,
        store=store,
        bytecode=cache,
        language=language,
        conversions=project.work_dir / CONVERSIONS,
        reuse_conversions=reuse_conversions,
    )
    # Every site holds these files: their image metadata and addresses are checked here, once.
    remember_shared_files([SiteFile(uri, Path(folder) / uri) for uri, folder in context.warm.theme_files])
    return [(uri, str(Path(folder) / uri)) for uri, folder in context.warm.theme_files]


def audit_through(context: BuildContext, remote: RemoteIndex, plain: SharedFound) -> None:
    """In the fork server: the build processes audit through `remote`, never holding the firm's strings.

    `plain` is what the theme's assets hold of the needles every site is searched for (`shared_found`).
    """
    context.index = remote
    remember_found(plain)
    for program in context.programs:
        program_strings(program)


def build_site(
    context: BuildContext,
    target: SiteTarget,
    path: Path | None,
    mark: SiteRecord,
    unsearched: frozenset[str] | None = None,
) -> SiteResult:
    """In a site's own process: build the site from the warmed config and that client's engagement, and audit it.

    `mark` is what the site's mark will say (its `warned` is filled in from the build). A failed build
    leaves the version in place, unless that version contains one of the `unsearched` strings (added to
    the audit since it was last searched): then it is taken offline, as an unchanged site would be.
    """
    result = build_new_site(context, target, path, mark)
    if result.ok or not unsearched or not (target.dest / "index.html").is_file():
        return result
    previous = reaudit_site(context, target, path, unsearched, None)
    if previous.ok:
        return result
    return replace(
        result, error=f"{result.error}; the version in place holds newly audited text too, so it was removed"
    )


def _engagements(context: BuildContext, target: SiteTarget, path: Path | None) -> dict[str, LoadedEngagement]:
    """The one engagement a site is built from (none for the handbook)."""
    if target.client is None or path is None:
        return {}
    return {target.client: load_engagement(context.project, path, context.programs, context.handbooks)}


def _configured(
    context: BuildContext,
    target: SiteTarget,
    staged: Path,
    engagements: dict[str, LoadedEngagement],
    *,
    client: str | None,
    cohort: str | None = None,
) -> MkDocsConfig:
    """The fork server's config, building into `staged` the site of `target` from `engagements`, handed over."""
    warmed = context.warm
    assert warmed is not None and context.index is not None
    cfg = warmed.config
    cfg["site_dir"] = str(staged)
    plugin = coachbook_plugin(cfg)
    plugin.config["client"] = client
    plugin.config["audience"] = target.audience
    plugin.config["cohort"] = cohort
    if context.as_of is not None:
        plugin.config["as_of"] = context.as_of.isoformat()
    plugin.preloaded = Preload(
        firm=Firm(project=context.project, programs=context.programs, engagements=engagements),
        index=context.index,
    )
    return cfg


def build_new_site(context: BuildContext, target: SiteTarget, path: Path | None, mark: SiteRecord) -> SiteResult:
    """In a site's own process: build and audit the site, and swap it in, with its mark, if both succeed."""
    warmed = context.warm
    assert warmed is not None

    def configure(staged: Path) -> MkDocsConfig:
        return _configured(context, target, staged, _engagements(context, target, path), client=target.client)

    def finish(staged: Path) -> None:
        if context.link_assets and not warmed.linked:
            link_assets(staged, warmed.store, warmed.asset_digests)

    return attempt(target, context.site_root, configure, finish, lambda warned: replace(mark, warned=warned))


def build_firm_site(
    context: BuildContext, target: SiteTarget, paths: Sequence[tuple[str, Path]], mark: SiteRecord
) -> SiteResult:
    """In a site's own process: build the console or a cohort report from the engagements at `paths`, and audit it.

    The one kind of site built from more than one engagement (`coachbook.build.firm_sites`): the console from
    every one, a cohort report from its organisation's.
    """
    warmed = context.warm
    assert warmed is not None

    def configure(staged: Path) -> MkDocsConfig:
        engagements = {
            slug: load_engagement(context.project, path, context.programs, context.handbooks) for slug, path in paths
        }
        cohort = target.dest.name if target.audience == "cohort" else None
        return _configured(context, target, staged, engagements, client=None, cohort=cohort)

    def finish(staged: Path) -> None:
        if context.link_assets:
            link_assets(staged, warmed.store, warmed.asset_digests)

    return attempt(target, context.site_root, configure, finish, lambda warned: replace(mark, warned=warned))


def reaudit_site(
    context: BuildContext, target: SiteTarget, path: Path | None, added: frozenset[str], needles: str | None
) -> SiteResult:
    """In a process of its own: search an unchanged site for strings added since its last audit.

    On a leak the site is removed, as a failed build would have left it, and built again next time.
    When it is clean, its mark says it has been searched for today's strings (`needles`).
    """
    started = time.perf_counter()
    slug = target.client

    def firm() -> Firm:
        # Only needed when one of the new strings is found, which is rare: the engagement is read then.
        return Firm(project=context.project, programs=context.programs, engagements=_engagements(context, target, path))

    assert context.index is not None
    if target.audience in (Audience.CONSOLE, Audience.COHORT):
        audience = Audience(target.audience)
    else:
        audience = Audience.HANDBOOK if slug is None else Audience(target.audience)
    also = [target.organisation] if target.organisation else []
    allowed = AllowedText(
        lambda: allowed_text(firm(), slug, also=also),
        lambda: allowed_identity_text(firm(), slug, also=also),
        lambda: allowed_text(firm(), None, also=also),
    )
    policy = AuditPolicy(slug, allowed, audience, only=added)
    leaks = audit_site(target.dest, policy, context.index)
    seconds = time.perf_counter() - started
    if leaks:
        remove_site(target.dest, context.site_root)
        problems = [str(leak) for leak in leaks]
        error = f"leak audit failed: {len(problems)} problem(s) found; the site was removed: " + "; ".join(problems[:5])
        return SiteResult(target, False, seconds, error=error, audited_only=True)
    kept = read_mark(target.dest)
    if needles is not None and kept is not None:
        write_mark(target.dest, replace(kept, needles=needles))
    return SiteResult(target, True, seconds, audited_only=True)
