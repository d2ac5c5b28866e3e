"""Build a whole firm fast: only the sites whose inputs changed, each in its own process, each swapped in whole.

How `build_firm` works, and why:

1. **Only what changed.** Each engagement file's bytes, and every input every
   site shares (content, theme, config and its environment, tool versions,
   the as-of date), are digested (`coachbook.build.fingerprints`). A site whose
   fingerprint and output folder are as recorded is skipped. Unchanged
   engagement files are not even parsed: their audit strings are kept in the
   build state.
2. **Parsed in parallel.** Changed engagement files are parsed and validated
   in forked processes. Any problem stops the build before anything is
   written, as before.
3. **Fixed costs paid once, in a lean process.** A fork server
   (`coachbook.build.forkserver`) is forked before any engagement is read. It loads
   the config, compiles the theme's templates, lists its files and converts
   the guides (`coachbook.build.prewarm`); this process searches the theme's assets
   for every client's strings, which only it holds.
4. **One fresh process per site.** Each site is built in a process forked
   from that warmed server, which has built no site and holds nothing of any
   client, so the process's memory does not grow with the firm. MkDocs and
   Material keep state in plugin objects and caches between builds in one
   process; a process that builds exactly one site and exits cannot carry
   anything from one client's build into another's. Forking is cheap: the
   server's memory is shared copy-on-write. `jobs` processes run at once; one
   site's failure does not stop the others.
5. **Audited, then swapped in.** Each site is audited against every other
   client's strings before it replaces the previous version
   (`coachbook.build.staging`). The site's process searches its own files, for the
   strings an audit service in this process says could occur there
   (`coachbook.audit.service`). Theme assets are hardlinked to one stored copy
   where the filesystem allows.
6. **Unchanged sites stay audited.** When an edit adds new strings to audit
   for (a new coach-only note, a new client name), every unchanged site is
   searched for just those strings, and taken offline if one is found.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import resource
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort, ConfigurationError, PluginError

from coachbook.audit.site_audit import Leak, _file_text, _public_corpus, site_files
from coachbook.audit.service import AuditService, RemoteIndex
from coachbook.errors import CoachbookError, Problem, ProblemList
from coachbook.build.fingerprints import (
    BuildState,
    EngagementRecord,
    SiteRecord,
    config_inputs,
    digest,
    digest_bytes,
    folder_digest,
    output_stamp,
    state_path,
    tool_versions,
)
from coachbook.build.forkserver import ForkServer, Outcome, Task
from coachbook.refs.git import resolve_commit
from coachbook.audit.index import LeakIndex, NeedleFinder, fragments_of
from coachbook.core.loader import (
    Firm,
    Handbooks,
    LoadedEngagement,
    Project,
    content_links,
    engagement_files,
    load_engagement,
    load_programs,
)
from coachbook.build.staging import discard, remove_site, staging_dir, swap_in
from coachbook.adapter.preload import Preload
from coachbook.core.sponsor import sponsor_key, wants_sponsor_site
from coachbook.core.validation import did_you_mean

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

    from coachbook.core.model import Program
    from coachbook.build.shards import Shard
    from coachbook.build.prewarm import Warm

__all__ = [
    "FirmBuild",
    "FirmReport",
    "SiteResult",
    "SiteTarget",
    "build_firm",
    "build_one",
    "client_target",
    "handbook_target",
    "sponsor_target",
]

PLUGIN_NAME = "coachbook"
#: Engagement files parsed per forked process in the first phase.
PARSE_CHUNK = 25


@dataclass(frozen=True)
class SiteTarget:
    """One site to build and where it goes."""

    name: str
    """What people call it in messages: `handbook`, the client's slug, or `<slug> (sponsor)`."""
    client: str | None
    dest: Path
    audience: str = "client"
    """`client`, or `sponsor` for the progress-only site of the client's sponsor."""


@dataclass(frozen=True)
class SiteResult:
    """How building (or re-auditing) one site went."""

    target: SiteTarget
    ok: bool
    seconds: float
    error: str = ""
    warnings: tuple[str, ...] = field(default=())
    stamp: list[int] | None = None
    """The output folder's stamp once swapped in (`fingerprints.output_stamp`)."""
    peak_kb: int = 0
    """Peak resident memory of the process that built it, in KiB."""
    private_kb: int = 0
    """Memory of that process not shared with the fork server it was forked from, in KiB, when it finished."""
    audited_only: bool = False
    """True when an unchanged site was only searched for new audit strings, not rebuilt."""


def handbook_target(site_root: Path) -> SiteTarget:
    return SiteTarget("handbook", None, site_root / "handbook")


def client_target(site_root: Path, slug: str, address: str | None = None) -> SiteTarget:
    """Where a client's site goes: `clients/<address>/`, the address being an unguessable id or the slug."""
    return SiteTarget(slug, slug, site_root / "clients" / (address or slug))


def sponsor_target(site_root: Path, slug: str, address: str | None = None) -> SiteTarget:
    """Where a client's sponsor site goes: `sponsors/<address>/`, beside the client's own."""
    return SiteTarget(f"{slug} (sponsor)", slug, site_root / "sponsors" / (address or slug), "sponsor")


class _Collector(logging.Handler):
    """Keeps MkDocs' warnings and errors so the summary can report them per site."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        (self.errors if record.levelno >= logging.ERROR else self.messages).append(record.getMessage())


def _attempt(
    target: SiteTarget,
    site_root: Path,
    configure: Callable[[Path], MkDocsConfig],
    finish: Callable[[Path], object] | None = None,
) -> SiteResult:
    """Build one site into a staging folder and swap it in if, and only if, it fully succeeds.

    `configure(staged)` returns the config to build with, its `site_dir` the
    staging folder; `finish(staged)` runs after a successful build and audit.
    """
    started = time.perf_counter()
    collector = _Collector()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(collector)
    staged = staging_dir(site_root, target.name)
    try:
        cfg = configure(staged)
        cfg.plugins.on_startup(command="build", dirty=False)
        try:
            build(cfg)
        finally:
            cfg.plugins.on_shutdown()
        if finish is not None:
            finish(staged)
        swap_in(staged, target.dest)
    except (PluginError, ConfigurationError, CoachbookError, Abort, OSError) as exc:
        discard(staged)
        # MkDocs logs the real reason and raises a bare "Aborted with a BuildError!".
        reason = "; ".join(collector.errors) if isinstance(exc, Abort) and collector.errors else str(exc)
        return _failed(target, started, reason or type(exc).__name__, collector)
    except Exception as exc:
        discard(staged)
        # MkDocs names the page it was building when an extension raised; prefer that.
        detail = "; ".join(collector.errors) or "".join(traceback.format_exception_only(exc)).strip()
        return _failed(target, started, f"unexpected error: {detail}", collector)
    finally:
        logger.removeHandler(collector)
    return SiteResult(
        target,
        True,
        time.perf_counter() - started,
        warnings=tuple(collector.messages),
        stamp=output_stamp(target.dest),
    )


def _failed(target: SiteTarget, started: float, error: str, collector: _Collector) -> SiteResult:
    return SiteResult(target, False, time.perf_counter() - started, error=error, warnings=tuple(collector.messages))


def build_one(
    config_file: Path,
    target: SiteTarget,
    site_root: Path,
    *,
    as_of: dt.date | None = None,
    strict: bool = False,
    options: Mapping[str, Any] | None = None,
    site_url: str | None = None,
) -> SiteResult:
    """Build one site in this process, the way `mkdocs build` would, into a staging folder first.

    `options` are set on the coachbook plugin (publishing passes the version
    there), and `site_url` replaces the config's, so a published version knows
    its own address.
    """

    def configure(staged: Path) -> MkDocsConfig:
        overrides: dict[str, Any] = {"site_dir": str(staged), "strict": strict}
        if site_url is not None:
            overrides["site_url"] = site_url
        cfg = load_config(config_file=str(config_file), **overrides)
        plugin = _plugin_of(cfg, config_file)
        plugin.config["client"] = target.client
        plugin.config["audience"] = target.audience
        if as_of is not None:
            plugin.config["as_of"] = as_of.isoformat()
        plugin.config.update(options or {})
        return cfg

    return _attempt(target, site_root, configure)


def _plugin_of(cfg: MkDocsConfig, config_file: Path) -> Any:
    plugin = cfg.plugins.get(PLUGIN_NAME)
    if plugin is None:
        raise CoachbookError(f"{config_file} does not enable the `coachbook` plugin; add it under `plugins:`")
    return plugin


# ====================================================================== the whole firm


@dataclass(frozen=True)
class FirmBuild:
    """What `coachbook build` was asked to do."""

    config_file: Path
    site_root: Path
    clients: tuple[str, ...] = ()
    """Only these clients (and not the handbook); empty for the whole firm."""
    as_of: dt.date | None = None
    strict: bool = False
    force: bool = False
    """Rebuild every selected site, whatever the fingerprints say."""
    jobs: int = 1
    shard: Shard | None = None
    link_assets: bool = True
    """Hardlink identical theme assets across sites to one stored copy."""


@dataclass
class FirmReport:
    """How a firm build went."""

    results: list[SiteResult] = field(default_factory=list)
    """Sites built (or re-audited), in the order they finished."""
    skipped: list[str] = field(default_factory=list)
    """Sites left as they were: nothing they are made of changed."""
    removed: list[str] = field(default_factory=list)
    """Addresses of sites removed because their engagement is gone."""
    seconds: float = 0.0
    peak_worker_kb: int = 0
    """The largest peak resident memory of any process that built a site, shared pages included."""
    content_dir: Path | None = None
    """The guides' folder, which MkDocs' warnings name files relative to."""
    private_worker_kb: int = 0
    """The largest private memory of any process that built a site: what one more such process costs."""
    server_kb: int = 0
    """Peak resident memory of the process the build processes were forked from (`coachbook.build.forkserver`)."""

    @property
    def failed(self) -> list[SiteResult]:
        return [r for r in self.results if not r.ok]

    @property
    def built(self) -> list[SiteResult]:
        return [r for r in self.results if r.ok and not r.audited_only]


class Events:
    """What `build_firm` tells its caller while it runs; the CLI draws progress from it."""

    def planned(self, to_build: int, skipped: int, reaudit: int) -> None:
        """The work is known: sites to build, sites unchanged, unchanged sites to search for new strings."""

    def finished(self, result: SiteResult) -> None:
        """One site is done (built, re-audited or failed)."""

    def removed(self, address: str) -> None:
        """The site at `clients/<address>/` was removed: no engagement has that address any more."""


@dataclass
class _Context:
    """What the fork server holds, and so what every build process starts with: nothing that grows with the firm.

    The build's own process holds every engagement's record and audit
    strings; the server is forked from it before it has read any of them, and
    is then only given what every site shares.
    """

    request: FirmBuild
    config: MkDocsConfig
    project: Project
    programs: tuple[Program, ...]
    warm: Warm | None = None
    handbooks: Handbooks | None = None
    index: RemoteIndex | None = None
    """Where the sites' processes send their audits: the build's own process holds the index."""


def build_firm(request: FirmBuild, events: Events | None = None) -> FirmReport:
    """Build what changed of the firm into `request.site_root`: the handbook and the clients' sites.

    Raises:
        CoachbookError: The config cannot be used, or an unknown client was asked for.
        ProblemList: A program, guide or engagement file has problems; nothing was built.
    """
    events = events or Events()
    started = time.perf_counter()
    report = FirmReport()
    config_file = request.config_file
    try:
        cfg = load_config(config_file=str(config_file), strict=request.strict)
    except ConfigurationError as exc:
        raise CoachbookError(f"{config_file}: {exc}") from None
    plugin = _plugin_of(cfg, config_file)
    root = config_file.resolve().parent
    project = Project(
        root=root,
        content_dir=Path(cfg.docs_dir),
        engagements_dir=root / plugin.config["engagements_dir"],
        secrets_dir=root / plugin.config["secrets_dir"],
        published_dir=root / plugin.config["published_dir"],
    )
    report.content_dir = project.content_dir
    programs = load_programs(project)
    # Forked now, before anything of any client is read, so that no build process holds any of it.
    with ForkServer(_Context(request, cfg, project, programs)) as server:
        _build_firm(request, events, report, server, cfg, project)
    report.seconds = time.perf_counter() - started
    return report


def _build_firm(
    request: FirmBuild,
    events: Events,
    report: FirmReport,
    server: ForkServer[_Context],
    cfg: MkDocsConfig,
    project: Project,
) -> None:
    paths, problems = engagement_files(project)
    problems += content_links(project)
    if problems:
        raise ProblemList(problems)
    files = {path.stem: path for path in paths}
    unknown = [slug for slug in request.clients if slug not in files]
    if unknown:
        hints = [f"{slug!r} ({did_you_mean(slug, files)})" for slug in unknown]
        raise CoachbookError("no engagement named " + ", ".join(hints))

    site_root = request.site_root
    state_file = state_path(project.root, site_root)
    state = BuildState.load(state_file)
    records = _records(request, project, server, files, state)
    index = LeakIndex({slug: record.fragments for slug, record in records.items()})
    needles_key = state.remember_needles(t for record in records.values() for t in record.fragments.texts)
    # The tools' versions include a digest of Coachbook's own files: read them once per build.
    tools = digest(tool_versions())
    fingerprints = _fingerprints(request, cfg, project, records, tools)

    targets: list[SiteTarget] = []
    if not request.clients and (request.shard is None or request.shard.builds_handbook):
        targets.append(handbook_target(site_root))
    for slug in request.clients or sorted(files):
        if request.shard is None or request.shard.holds(slug):
            targets.append(client_target(site_root, slug, records[slug].address))
            if records[slug].sponsor:
                targets.append(sponsor_target(site_root, slug, records[slug].address))

    to_build: list[SiteTarget] = []
    reaudit: list[tuple[SiteTarget, frozenset[str]]] = []
    # Strings the version in place has not been searched for: if its rebuild fails, it stays only without them.
    unsearched: dict[str, frozenset[str]] = {}
    current_needles = frozenset(state.needle_sets[needles_key])
    added_since: dict[str, frozenset[str]] = {}
    for target in targets:
        kept = state.sites.get(target.name)
        if kept is not None and kept.needles != needles_key and kept.needles not in added_since:
            # Most sites were last audited against the same set: work out what was added once per set.
            added_since[kept.needles] = current_needles - frozenset(state.needle_sets.get(kept.needles, ()))
        folder = target.dest.relative_to(site_root).as_posix()
        if (
            request.force
            or kept is None
            or kept.fingerprint != fingerprints[target.name]
            or kept.folder != folder
            # Existence, not inode or time: a CI cache restores the output as new files, and that is fine.
            or not (target.dest / "index.html").is_file()
            or (request.strict and kept.warnings)
        ):
            to_build.append(target)
            if kept is not None and kept.needles != needles_key:
                unsearched[target.name] = added_since[kept.needles]
        elif kept.needles != needles_key:
            if kept.needles not in state.needle_sets:
                to_build.append(target)
                unsearched[target.name] = added_since[kept.needles]
                continue
            added = added_since[kept.needles]
            if added:
                reaudit.append((target, added))
            else:
                kept.needles = needles_key
                report.skipped.append(target.name)
        else:
            report.skipped.append(target.name)
    events.planned(len(to_build), len(report.skipped), len(reaudit))

    if to_build or reaudit:
        known = _prepare(request, server, index, records, to_build, state, needles_key, tools)
        with AuditService(index, known) as service:
            server.call(_audit_through, service.remote)
            tasks = [
                Task(target, _build_site, (target, files.get(target.client or ""), unsearched.get(target.name)))
                for target in to_build
            ]
            tasks += [
                Task(target, _reaudit_site, (target, files.get(target.client or ""), added))
                for target, added in reaudit
            ]
            for outcome in server.run(tasks, jobs=request.jobs):
                result = _site_result(outcome)
                report.results.append(result)
                report.peak_worker_kb = max(report.peak_worker_kb, result.peak_kb)
                report.private_worker_kb = max(report.private_worker_kb, result.private_kb)
                name = result.target.name
                if result.ok and result.audited_only:
                    state.sites[name].needles = needles_key
                elif result.ok:
                    state.sites[name] = SiteRecord(
                        fingerprint=fingerprints[name],
                        folder=result.target.dest.relative_to(site_root).as_posix(),
                        stamp=result.stamp,
                        needles=needles_key,
                        warnings=list(result.warnings),
                    )
                else:
                    # A failed site is built again next time, whatever its fingerprint.
                    state.sites.pop(name, None)
                events.finished(result)
        report.server_kb = server.call(_peak_kb)

    if not request.clients:
        report.removed = _remove_stale(site_root, "clients", {record.address for record in records.values()})
        report.removed += _remove_stale(site_root, "sponsors", {r.address for r in records.values() if r.sponsor})
        for address in report.removed:
            events.removed(address)
    state.engagements = records
    current = {"handbook", *records, *(sponsor_target(site_root, s).name for s, r in records.items() if r.sponsor)}
    for name in list(state.sites):
        if name not in current:
            del state.sites[name]
    state.save(state_file)


def _site_result(outcome: Outcome) -> SiteResult:
    if not outcome.ok:
        return SiteResult(outcome.tag, False, outcome.seconds, error=outcome.error, peak_kb=outcome.peak_kb)
    result: SiteResult = outcome.value
    return replace(result, peak_kb=outcome.peak_kb, private_kb=outcome.private_kb)


def _peak_kb(context: _Context) -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


# ---------------------------------------------------------------------- what changed


def _records(
    request: FirmBuild,
    project: Project,
    server: ForkServer[_Context],
    files: Mapping[str, Path],
    state: BuildState,
) -> dict[str, EngagementRecord]:
    """Every engagement's record: kept from the state while its file is unchanged, else parsed now.

    Raises:
        ProblemList: A changed engagement file has problems, or two sites would share an address.
    """
    digests = {slug: digest_bytes(path.read_bytes()) for slug, path in files.items()}
    records: dict[str, EngagementRecord] = {}
    changed = []
    for slug in sorted(files):
        kept = state.engagements.get(slug)
        if kept is not None and kept.digest == digests[slug] and not request.force:
            records[slug] = kept
        else:
            changed.append(slug)
    problems: list[Problem] = []
    chunks = [changed[i : i + PARSE_CHUNK] for i in range(0, len(changed), PARSE_CHUNK)]
    tasks = [Task(None, _parse_chunk, ([(slug, files[slug]) for slug in chunk],)) for chunk in chunks]
    for outcome in server.run(tasks, jobs=request.jobs):
        if not outcome.ok:
            raise CoachbookError(outcome.error)
        parsed, found = outcome.value
        records.update(parsed)
        problems += found
    if problems:
        raise ProblemList(sorted(problems, key=lambda p: (str(p.path), p.line, p.column)))
    addresses: dict[str, str] = {}
    for slug, record in sorted(records.items()):
        other = addresses.get(record.address) or (
            record.address if record.address != slug and record.address in records else None
        )
        if other is not None:
            # Rare, and the loader words it best: load everything and let it report.
            from coachbook.core.loader import load_firm

            load_firm(project)
            raise CoachbookError(f"{slug!r} and {other!r} would share the address clients/{record.address}/")
        addresses[record.address] = slug
    return records


def _parse_chunk(
    context: _Context, chunk: Sequence[tuple[str, Path]]
) -> tuple[dict[str, EngagementRecord], list[Problem]]:
    """In a process of its own: parse and validate a batch of changed engagement files, and keep their records."""
    records = {}
    problems: list[Problem] = []
    for slug, path in chunk:
        raw = path.read_bytes()
        try:
            loaded = _load(context.project, context.programs, path)
        except ProblemList as exc:
            problems += exc.problems
            continue
        records[slug] = EngagementRecord(
            digest=digest_bytes(raw),
            address=loaded.address,
            fragments=fragments_of(loaded.engagement),
            handbook=_pinned_ref(loaded),
            sponsor=wants_sponsor_site(loaded.engagement),
        )
    return records, problems


def _load(
    project: Project, programs: tuple[Program, ...], path: Path, handbooks: Handbooks | None = None
) -> LoadedEngagement:
    return load_engagement(project, path, programs, handbooks)


def _pinned_ref(loaded: LoadedEngagement) -> str | None:
    ref = getattr(loaded.engagement, "handbook", None)
    return str(ref) if ref is not None else None


def _fingerprints(
    request: FirmBuild, cfg: MkDocsConfig, project: Project, records: Mapping[str, EngagementRecord], tools: str
) -> dict[str, str]:
    """Each site's fingerprint: what it is built from, digested; `tools` is the digest of the tools' versions."""
    custom_dir = getattr(cfg.theme, "custom_dir", None)
    shared = digest(
        tools,
        config_inputs(request.config_file),
        folder_digest(project.content_dir),
        folder_digest(Path(custom_dir) if custom_dir else None),
    )
    as_of = (request.as_of or dt.date.today()).isoformat()
    commits = {ref: _commit(project, ref) for ref in {r.handbook for r in records.values() if r.handbook}}
    result = {"handbook": digest(shared, "handbook")}
    for slug, record in records.items():
        passphrase = project.secrets / "passphrases" / f"{slug}.txt"
        result[slug] = digest(
            shared,
            as_of,
            record.digest,
            commits.get(record.handbook) if record.handbook else None,
            output_stamp(passphrase),
        )
        if record.sponsor:
            key = project.secrets / "passphrases" / f"{sponsor_key(slug)}.txt"
            result[f"{slug} (sponsor)"] = digest(shared, as_of, record.digest, "sponsor", output_stamp(key))
    return result


def _commit(project: Project, ref: str) -> str:
    """The commit a pinned handbook ref names now: a moved branch rebuilds the sites that pin it."""
    try:
        return resolve_commit(project.git, ref)
    except CoachbookError:
        # Unresolvable: the site's own build reports why, and fails.
        return f"unresolved:{ref}:{time.time_ns()}"


def _remove_stale(site_root: Path, kind: str, addresses: set[str]) -> list[str]:
    """A client whose engagement file was deleted (or a sponsor site turned off) must not stay online."""
    folder = site_root / kind
    if not folder.is_dir():
        return []
    removed = []
    for stale in sorted(p for p in folder.iterdir() if p.is_dir() and p.name not in addresses):
        remove_site(stale)
        removed.append(stale.name if kind == "clients" else f"{kind}/{stale.name}")
    return removed


# ---------------------------------------------------------------------- the sites' processes


def _prepare(
    request: FirmBuild,
    server: ForkServer[_Context],
    index: LeakIndex,
    records: Mapping[str, EngagementRecord],
    to_build: Sequence[SiteTarget],
    state: BuildState,
    needles_key: str,
    tools: str,
) -> dict[str, frozenset[str]]:
    """Have the fork server prepare what every site shares, and search the theme's assets for the audit strings.

    The assets are searched here, where the index is, and the result is kept
    in `state`: the next build searches them only for strings added since.

    Returns:
        The audit strings found in each theme asset, by digest.
    """
    refs = sorted({records[t.client].handbook or "" for t in to_build if t.client} - {""})
    clients = sum(1 for t in to_build if t.client)
    assets = server.call(_warm_server, bool(to_build), clients, refs)
    if not to_build:
        return {}
    searched = state.needle_sets.get(state.asset_needles or "") if state.asset_tools == tools else None
    earlier = (frozenset(searched), state.asset_found) if searched is not None else None
    known = index.found_in_files([Path(asset) for asset in assets], earlier=earlier)
    state.asset_needles, state.asset_tools = needles_key, tools
    state.asset_found = {asset: sorted(found) for asset, found in known.items()}
    return known


def _warm_server(context: _Context, theme: bool, client_sites: int, refs: Sequence[str]) -> list[str]:
    """In the fork server: pay the fixed costs once (`coachbook.build.prewarm`), for every build process to start with.

    Returns:
        The paths of the theme's assets, which every site shares, for the caller to audit.
    """
    from coachbook.build import prewarm as warm

    request, project = context.request, context.project
    context.handbooks = Handbooks(project)
    # Export each pinned handbook once here, rather than once in every process that needs it.
    for ref in refs:
        with contextlib.suppress(CoachbookError):  # The site's own build reports it.
            context.handbooks.at(ref)
    if not theme:
        return []
    store = project.root / ".coachbook" / "assets" if request.link_assets else None
    cache = project.root / ".coachbook" / "templates"
    context.warm = warm.warm(context.config, context.programs, client_sites=client_sites, store=store, bytecode=cache)
    return [str(Path(folder) / uri) for uri, folder in context.warm.theme_files]


def _audit_through(context: _Context, remote: RemoteIndex) -> None:
    """In the fork server: the build processes audit through `remote`, never holding the firm's strings."""
    context.index = remote


def _build_site(
    context: _Context,
    target: SiteTarget,
    path: Path | None,
    unsearched: frozenset[str] | None = None,
) -> SiteResult:
    """In a site's own process: build the site from the warmed config and that client's engagement, and audit it.

    A failed build leaves the version in place, unless that version contains
    one of the `unsearched` strings (added to the audit since it was last
    searched): then it is taken offline, as an unchanged site would be.
    """
    result = _build_new_site(context, target, path)
    if result.ok or not unsearched or not (target.dest / "index.html").is_file():
        return result
    previous = _reaudit_site(context, target, path, unsearched)
    if previous.ok:
        return result
    return replace(
        result, error=f"{result.error}; the version in place holds newly audited text too, so it was removed"
    )


def _build_new_site(context: _Context, target: SiteTarget, path: Path | None) -> SiteResult:
    from coachbook.build.prewarm import link_assets

    request = context.request
    warmed = context.warm
    assert warmed is not None

    def configure(staged: Path) -> MkDocsConfig:
        engagements: dict[str, LoadedEngagement] = {}
        if target.client is not None and path is not None:
            engagements[target.client] = _load(context.project, context.programs, path, context.handbooks)
        cfg = warmed.config
        cfg["site_dir"] = str(staged)
        plugin = _plugin_of(cfg, request.config_file)
        plugin.config["client"] = target.client
        plugin.config["audience"] = target.audience
        if request.as_of is not None:
            plugin.config["as_of"] = request.as_of.isoformat()
        assert context.index is not None
        plugin.preloaded = Preload(
            firm=Firm(project=context.project, programs=context.programs, engagements=engagements),
            index=context.index,
        )
        return cfg

    def finish(staged: Path) -> None:
        if request.link_assets:
            link_assets(staged, warmed)

    return _attempt(target, request.site_root, configure, finish)


def _reaudit_site(context: _Context, target: SiteTarget, path: Path | None, added: frozenset[str]) -> SiteResult:
    """In a process of its own: search an unchanged site for strings added since its last audit.

    On a leak the site is removed, as a failed build would have left it, and built again next time.
    """
    started = time.perf_counter()
    finder = NeedleFinder(added)
    slug = target.client
    allowed: str | None = None
    # The same walk as every audit: a symbolic link is a leak in itself, and is not followed.
    leaks: list[Leak] = []
    for relative, file in site_files(target.dest, leaks):
        found = finder.found(_file_text(file))
        if not found:
            continue
        if allowed is None:
            engagements = {}
            if slug is not None and path is not None:
                engagements[slug] = _load(context.project, context.programs, path, context.handbooks)
            firm = Firm(project=context.project, programs=context.programs, engagements=engagements)
            allowed = _public_corpus(firm, slug)
        assert context.index is not None
        leaks += context.index.leaks_in(found, relative, slug, allowed)
    problems = [str(leak) for leak in leaks]
    seconds = time.perf_counter() - started
    if problems:
        remove_site(target.dest)
        error = f"leak audit failed: {len(problems)} problem(s) found; the site was removed: " + "; ".join(problems[:5])
        return SiteResult(target, False, seconds, error=error, audited_only=True)
    return SiteResult(target, True, seconds, audited_only=True)
