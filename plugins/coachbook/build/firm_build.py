"""Build a whole firm fast: only the sites whose inputs changed, each in its own process, each swapped in whole.

How `build_firm` works, and why:

1. **Only what changed.** Each engagement file's bytes, and every input every
   site shares (content, theme, config and its environment, tool versions,
   the as-of date), are digested (`coachbook.build.fingerprints`). Which sites
   to build, skip or search again is decided by a pure function of those
   fingerprints and the recorded state (`coachbook.build.planner`); this
   module carries the plan out. Unchanged engagement files are not even
   parsed: their audit strings are kept in the build state.
2. **Parsed in parallel.** Changed engagement files are parsed and validated
   in forked processes. Any problem stops the build before anything is
   written.
3. **Fixed costs paid once, in a lean process.** A fork server
   (`coachbook.build.forkserver`) is forked before any engagement is read. It
   loads the config, compiles the theme's templates, lists its files and
   converts the guides (`coachbook.build.prewarm`); this process searches the
   theme's assets for every client's strings, which only it holds.
4. **One fresh process per site.** Each site is built in a process forked
   from that warmed server, which has built no site and holds nothing of any
   client, so the process's memory does not grow with the firm. A process
   that builds exactly one site and exits cannot carry anything from one
   client's build into another's. `jobs` processes run at once; one site's
   failure does not stop the others.
5. **Audited, then swapped in.** Each site is audited against every other
   client's strings before it replaces the previous version
   (`coachbook.build.staging`). The site's process searches its own files, for
   the strings an audit service in this process says could occur there
   (`coachbook.audit.service`). Theme assets are hardlinked to one stored copy
   where the filesystem allows.
6. **Unchanged sites stay audited.** When an edit adds new strings to audit
   for (a new coach-only note, a new client name), every unchanged site is
   searched for just those strings, and taken offline if one is found.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from coachbook.adapter.config import coachbook_plugin, firm_sites_from, load_project, named_file_problems
from coachbook.audit.files import SiteFile
from coachbook.audit.index import LeakIndex
from coachbook.audit.needles import Needle
from coachbook.audit.records import EngagementRecord, RecordCache
from coachbook.audit.service import AuditService
from coachbook.audit.site_audit import SharedFound, everyone_needles, shared_found
from coachbook.build import tasks
from coachbook.build.fingerprints import (
    config_inputs,
    config_references,
    digest,
    digest_bytes,
    folder_digest,
    output_stamp,
    site_fingerprints,
    tool_versions,
)
from coachbook.build.firm_sites import FirmSitePlan, firm_site_files, firm_site_fingerprints, firm_site_plan
from coachbook.build.forkserver import ForkServer, Outcome, Task
from coachbook.build.mkdocs_patches import CONVERSIONS, RENDERS, ConversionStore
from coachbook.build.planner import BuildPlan, Candidate, plan_builds, stale_folders
from coachbook.build.staging import clean_leftovers, remove_site
from coachbook.build.state import BuildState, SiteRecord, read_mark, site_listing, state_path, write_mark
from coachbook.build.targets import SiteResult, SiteTarget, client_target, handbook_target, sponsor_target
from coachbook.core.files import describe_os_error
from coachbook.core.firm_sites import COHORTS_FOLDER, CONSOLE_FOLDER
from coachbook.core.loader import content_problems, engagement_files, load_firm, load_programs
from coachbook.core.lock import Holder, RunLock
from coachbook.errors import CoachbookError, Problem, ProblemList
from coachbook.refs.git import resolve_commit
from coachbook.refs.handbooks import GitHandbooks

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

    from coachbook.build.shards import Shard
    from coachbook.core.model import Program
    from coachbook.core.project import Project

__all__ = ["Events", "FirmBuild", "FirmReport", "build_firm"]

#: Engagement files parsed per forked process in the first phase.
PARSE_CHUNK = 25
#: Page conversions kept per site after a build of only some sites (a site converts about a dozen pages).
_CONVERSIONS_PER_SITE = 40


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
    wait: bool = True
    """Wait for another run that holds the project's lock; if False, stop at once (`--no-wait`)."""
    private_memory: bool = False
    """Have each build process measure its private memory (`FirmReport.private_worker_kb`), at a cost."""


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
    """The largest private memory of any process that built a site: what one more such process costs.

    Measured only when the build was asked to (`FirmBuild.private_memory`); 0 otherwise."""
    server_kb: int = 0
    """Peak resident memory of the process the build processes were forked from (`coachbook.build.forkserver`)."""
    notes: list[str] = field(default_factory=list)
    """Things the coach should know that did not fail a site (a build record that could not be read or saved)."""
    cleaned: list[str] = field(default_factory=list)
    """What runs that died had left in the staging area, removed before this run began."""
    input_warnings: list[Problem] = field(default_factory=list)
    """Warnings about the engagement files of the sites asked for (`coachbook check` says the same)."""

    @property
    def failed(self) -> list[SiteResult]:
        return [r for r in self.results if not r.ok]

    @property
    def built(self) -> list[SiteResult]:
        return [r for r in self.results if r.ok and not r.audited_only]


class Events:
    """What `build_firm` tells its caller while it runs; the CLI draws progress from it."""

    def waiting(self, holder: Holder | None) -> None:
        """Another run holds the project's lock; this one waits for it."""

    def planned(self, to_build: int, skipped: int, reaudit: int) -> None:
        """The work is known: sites to build, sites unchanged, unchanged sites to search for new strings."""

    def finished(self, result: SiteResult) -> None:
        """One site is done (built, re-audited or failed)."""

    def removed(self, address: str) -> None:
        """The site at `clients/<address>/` was removed: no engagement has that address any more."""


def build_firm(request: FirmBuild, events: Events | None = None) -> FirmReport:
    """Build what changed of the firm into `request.site_root`: the handbook and the clients' sites.

    The whole run holds the project's lock (`coachbook.core.lock`): a second
    run waits for it, or with `request.wait` false stops at once.

    Raises:
        CoachbookError: The config cannot be used, an unknown client was asked for, or (`LockBusy`)
            another run holds the lock and `request.wait` is false.
        ProblemList: A program, guide or engagement file has problems; nothing was built.
    """
    events = events or Events()
    started = time.perf_counter()
    report = FirmReport()
    # --strict turns strict mode on; without it, `strict: true` in mkdocs.yml still holds.
    cfg, project = load_project(request.config_file, **({"strict": True} if request.strict else {}))
    report.content_dir = project.content_dir
    with RunLock(project.work_dir, "coachbook build", wait=request.wait, waiting=events.waiting):
        # Whatever a run that died left staging is garbage now: this run is the only writer.
        report.cleaned = [str(path) for path in clean_leftovers(request.site_root)]
        try:
            programs = load_programs(project)
        except ProblemList as exc:
            # Everything wrong with content/ in one run: the pages beside the guides too (index.md...).
            extra = [problem for problem in content_problems(project) if problem not in exc.problems]
            raise ProblemList(exc.problems + extra) from None
        context = tasks.BuildContext(
            request.config_file, request.site_root, request.as_of, request.link_assets, cfg, project, programs
        )
        try:
            # Forked now, before anything of any client is read, so that no build process holds any of it.
            with ForkServer(context, before_fork=tasks.before_fork) as server:
                _build_firm(request, events, report, server, cfg, project, programs)
        finally:
            # Interrupted or not, nothing of this run stays in staging.
            clean_leftovers(request.site_root)
    report.seconds = time.perf_counter() - started
    return report


def _build_firm(
    request: FirmBuild,
    events: Events,
    report: FirmReport,
    server: ForkServer[tasks.BuildContext],
    cfg: MkDocsConfig,
    project: Project,
    programs: tuple[Program, ...],
) -> None:
    started = time.time()
    files = _engagement_files(request, project)
    site_root = request.site_root
    # The console and the cohort reports are checked first: a console with no protection chosen is refused.
    sites = firm_sites_from(cfg, coachbook_plugin(cfg).config)
    state_file = state_path(project.root, site_root)
    state = BuildState.load(state_file)
    if state.problem:
        report.notes.append(
            f"The build record {project.shown(state_file)} was not used: {state.problem}. "
            "Every engagement file is read again; each site is checked against its own folder as always."
        )
    records = _records(request, project, server, files, RecordCache(project, programs))
    # The firm's own sites are built with the handbook: on a build of the whole firm, by the shard that builds it.
    firm_wide = not request.clients and (request.shard is None or request.shard.builds_handbook)
    firm_plan = firm_site_plan(site_root, sites, records) if firm_wide else FirmSitePlan((), (), frozenset())
    report.notes.extend(firm_plan.notes)
    wanted = set(request.clients) or set(records)
    report.input_warnings = [w for slug in sorted(wanted & set(records)) for w in records[slug].warnings]
    report.input_warnings += named_file_problems(cfg, project)
    if report.input_warnings and (request.strict or bool(cfg["strict"])):
        # Strict mode treats warnings as errors, the engagement files' as well as MkDocs'.
        raise ProblemList(report.input_warnings)
    index = LeakIndex({slug: record.fragments for slug, record in records.items()})
    needles_key = state.remember_needles(t for record in records.values() for t in record.fragments.texts)
    # The tools' versions include a digest of Coachbook's own files: read them once per build.
    tools = digest(tool_versions())
    fingerprints = _fingerprints(request, cfg, project, records, tools, firm_plan)
    targets = {target.name: target for target in _targets(request, site_root, files, records)}
    targets.update((target.name, target) for target in firm_plan.targets)
    # What each site in place was built from is in its own mark, swapped in with it: never a record apart.
    marks = {name: mark for name, target in targets.items() if (mark := read_mark(target.dest)) is not None}
    plan = plan_builds(
        [
            Candidate(
                name,
                target.dest.relative_to(site_root).as_posix(),
                fingerprints[name],
                (target.dest / "index.html").is_file(),
                _intact(target.dest, marks.get(name), fingerprints[name]),
            )
            for name, target in targets.items()
        ],
        marks,
        needles_key,
        state.needle_sets,
        force=request.force,
        strict=request.strict or bool(cfg["strict"]),
    )
    # Saved before any site is built, so that the strings the new marks will name are known to the next run.
    _save(state, state_file, {needles_key, *(m.needles for m in marks.values())}, report, project)
    for name in plan.refresh:
        with contextlib.suppress(OSError):  # The mark keeps its old strings: the next run searches again.
            write_mark(targets[name].dest, replace(marks[name], needles=needles_key))
    report.skipped.extend(plan.skip)
    events.planned(len(plan.build), len(plan.skip), len(plan.reaudit))
    if not plan.empty:
        as_of = (request.as_of or dt.date.today()).isoformat()
        new_marks = {
            p.name: SiteRecord(
                fingerprints[p.name],
                targets[p.name].dest.relative_to(site_root).as_posix(),
                needles_key,
                as_of=None if targets[p.name].name == "handbook" else as_of,
            )
            for p in plan.build
        }
        _carry_out(
            request,
            events,
            report,
            server,
            plan,
            targets,
            files,
            records,
            index,
            state,
            needles_key,
            tools,
            new_marks,
            everyone_needles(project),
        )
        whole = not (plan.skip or report.failed or request.clients or request.shard)
        _prune_conversions(project, started, whole=whole, sites=len(targets))

    if not request.clients:
        report.removed = _remove_stale(site_root, "clients", {record.address for record in records.values()})
        report.removed += _remove_stale(site_root, "sponsors", {r.address for r in records.values() if r.sponsor})
        if firm_wide:
            report.removed += _remove_stale(site_root, COHORTS_FOLDER, set(firm_plan.cohort_addresses))
            if sites.console is None and (site_root / CONSOLE_FOLDER).is_dir():
                # A console the firm turned off must not stay online.
                remove_site(site_root / CONSOLE_FOLDER, site_root)
                report.removed.append(CONSOLE_FOLDER)
        for address in report.removed:
            events.removed(address)
    in_use = {mark.needles for target in targets.values() if (mark := read_mark(target.dest)) is not None}
    _save(state, state_file, in_use, report, project)


def _prune_conversions(project: Project, started: float, *, whole: bool, sites: int) -> None:
    """Keep the page conversions (`mkdocs_patches.ConversionStore`) this build used, and not many more.

    After a build of every site, what no site used is stale (a page changed, a tool was upgraded); after a
    smaller build, the sites not built may still use theirs, so only the oldest beyond a bound go.
    """
    folder = project.work_dir / CONVERSIONS
    # The pages the theme rendered once per shape (`theme_renders`) are kept the same way, in a folder of theirs.
    for store in (ConversionStore(folder, None), ConversionStore(folder / RENDERS, None)):
        if whole:
            store.prune(older_than=started)
        else:
            store.prune(older_than=0, keep_at_most=_CONVERSIONS_PER_SITE * max(1, sites))


def _save(state: BuildState, path: Path, in_use: set[str], report: FirmReport, project: Project) -> None:
    """Save the build state; if it cannot be saved, say so and go on (the sites' marks are what counts)."""
    try:
        state.save(path, in_use=in_use)
    except OSError as exc:
        note = (
            f"The build record {project.shown(path)} could not be saved: {describe_os_error(exc)}. "
            "The sites are right; the next build reads every engagement file again."
        )
        if note not in report.notes:
            report.notes.append(note)


def _engagement_files(request: FirmBuild, project: Project) -> dict[str, Path]:
    """The engagement files by slug.

    Raises:
        ProblemList: The folder holds links, misnamed or colliding files, or the content folder holds links.
        CoachbookError: An unknown client was asked for.
    """
    from coachbook.core.validation import did_you_mean

    paths, problems = engagement_files(project)
    problems += content_problems(project)
    if problems:
        raise ProblemList(problems)
    files = {path.stem: path for path in paths}
    unknown = [slug for slug in request.clients if slug not in files]
    if unknown:
        hints = [f"{slug!r} ({did_you_mean(slug, files)})" for slug in unknown]
        raise CoachbookError("no engagement named " + ", ".join(hints))
    return files


def _targets(
    request: FirmBuild, site_root: Path, files: Mapping[str, Path], records: Mapping[str, EngagementRecord]
) -> list[SiteTarget]:
    """The sites this run may build, in the order they are built: the handbook, then each client's."""
    targets: list[SiteTarget] = []
    if not request.clients and (request.shard is None or request.shard.builds_handbook):
        targets.append(handbook_target(site_root))
    for slug in request.clients or sorted(files):
        if request.shard is None or request.shard.holds(slug):
            targets.append(client_target(site_root, slug, records[slug].address))
            if records[slug].sponsor:
                targets.append(sponsor_target(site_root, slug, records[slug].address))
    return targets


def _carry_out(
    request: FirmBuild,
    events: Events,
    report: FirmReport,
    server: ForkServer[tasks.BuildContext],
    plan: BuildPlan,
    targets: Mapping[str, SiteTarget],
    files: Mapping[str, Path],
    records: Mapping[str, EngagementRecord],
    index: LeakIndex,
    state: BuildState,
    needles_key: str,
    tools: str,
    marks: Mapping[str, SiteRecord],
    everyone: Sequence[Needle],
) -> None:
    """Build and search again what `plan` says, each site in a process forked from the server.

    `everyone` is what every site is searched for besides the index's strings (`everyone_needles`).
    """
    to_build = [targets[planned.name] for planned in plan.build]
    known, plain = _prepare(request, server, index, records, to_build, state, needles_key, tools, everyone)
    with AuditService(index, known) as service:
        server.call(tasks.audit_through, service.remote, plain)
        jobs = [
            Task(
                targets[p.name],
                tasks.build_site,
                (targets[p.name], _file(files, targets[p.name]), marks[p.name], p.unsearched),
            )
            if targets[p.name].audience not in ("console", "cohort")
            else Task(
                targets[p.name],
                tasks.build_firm_site,
                (targets[p.name], firm_site_files(targets[p.name], files, records), marks[p.name]),
            )
            for p in plan.build
        ]
        jobs += [
            Task(targets[name], tasks.reaudit_site, (targets[name], _file(files, targets[name]), added, needles_key))
            for name, added in plan.reaudit
        ]
        for outcome in server.run(jobs, jobs=request.jobs, private_memory=request.private_memory):
            result = _site_result(outcome)
            report.results.append(result)
            report.peak_worker_kb = max(report.peak_worker_kb, result.peak_kb)
            report.private_worker_kb = max(report.private_worker_kb, result.private_kb)
            events.finished(result)
    report.server_kb = server.call(tasks.peak_kb)


def _file(files: Mapping[str, Path], target: SiteTarget) -> Path | None:
    return files.get(target.client or "")


def _site_result(outcome: Outcome) -> SiteResult:
    if not outcome.ok:
        return SiteResult(outcome.tag, False, outcome.seconds, error=outcome.error, peak_kb=outcome.peak_kb)
    result: SiteResult = outcome.value
    return replace(result, peak_kb=outcome.peak_kb, private_kb=outcome.private_kb)


# ---------------------------------------------------------------------- what changed


def _records(
    request: FirmBuild,
    project: Project,
    server: ForkServer[tasks.BuildContext],
    files: Mapping[str, Path],
    cache: RecordCache,
) -> dict[str, EngagementRecord]:
    """Every engagement's record: kept from the cache while its file is unchanged, else parsed now.

    Raises:
        ProblemList: A changed engagement file has problems, or two sites would share an address.
    """
    records: dict[str, EngagementRecord] = {}
    changed = []
    for slug in sorted(files):
        kept = None if request.force else cache.get(slug, digest_bytes(files[slug].read_bytes()))
        if kept is not None:
            records[slug] = kept
        else:
            changed.append(slug)
    problems: list[Problem] = []
    chunks = [changed[i : i + PARSE_CHUNK] for i in range(0, len(changed), PARSE_CHUNK)]
    jobs = [Task(None, tasks.parse_chunk, ([(slug, files[slug]) for slug in chunk],)) for chunk in chunks]
    for outcome in server.run(jobs, jobs=request.jobs):
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
            load_firm(project, handbooks=GitHandbooks(project))
            raise CoachbookError(f"{slug!r} and {other!r} would share the address clients/{record.address}/")
        addresses[record.address] = slug
    for slug, record in records.items():
        cache.put(slug, record)
    cache.keep_only(records)
    cache.save()
    return records


def _fingerprints(
    request: FirmBuild,
    cfg: MkDocsConfig,
    project: Project,
    records: Mapping[str, EngagementRecord],
    tools: str,
    firm_plan: FirmSitePlan,
) -> dict[str, str]:
    """Each site's fingerprint (`coachbook.build.fingerprints.site_fingerprints`); `tools` digests the tools.

    The firm's own sites' fingerprints are `coachbook.build.firm_sites.firm_site_fingerprints`.
    """
    custom_dir = getattr(cfg.theme, "custom_dir", None)
    shared = digest(
        tools,
        # The config's files: mkdocs.yml, its whole INHERIT chain, its hooks and `watch` paths.
        config_inputs(
            request.config_file,
            references=config_references(
                cfg,
                digested=[project.content_dir, project.engagements_dir, project.locales]
                + ([Path(custom_dir)] if custom_dir else []),
            ),
        ),
        folder_digest(project.content_dir),
        folder_digest(Path(custom_dir) if custom_dir else None),
        # The firm's own message catalogs: a changed word changes every site in that language.
        folder_digest(project.locales),
    )
    passphrases = project.secrets / "passphrases"
    found = site_fingerprints(
        shared,
        request.as_of or dt.date.today(),
        records,
        lambda ref: _commit(project, ref),
        lambda key: output_stamp(passphrases / f"{key}.txt"),
    )
    found.update(
        firm_site_fingerprints(
            shared,
            request.as_of or dt.date.today(),
            records,
            firm_plan,
            project.published,
            lambda key: output_stamp(passphrases / f"{key}.txt"),
        )
    )
    return found


def _commit(project: Project, ref: str) -> str:
    """The commit a pinned handbook ref names now: a moved branch rebuilds the sites that pin it."""
    try:
        return resolve_commit(project.git, ref)
    except CoachbookError:
        # Unresolvable: the site's own build reports why, and fails.
        return f"unresolved:{ref}:{time.time_ns()}"


def _intact(folder: Path, mark: SiteRecord | None, fingerprint: str) -> bool:
    """Whether a site's folder holds what its mark lists; only looked at when nothing else makes it rebuilt."""
    if mark is None or mark.fingerprint != fingerprint:
        return True  # Built again whatever it holds: no need to list it.
    return mark.files is not None and site_listing(folder) == mark.files


def _remove_stale(site_root: Path, kind: str, addresses: set[str]) -> list[str]:
    """A client whose engagement file was deleted (or a sponsor site turned off) must not stay online."""
    folder = site_root / kind
    if not folder.is_dir():
        return []
    removed = []
    for name in stale_folders([p.name for p in folder.iterdir() if p.is_dir()], addresses):
        remove_site(folder / name, site_root)
        removed.append(name if kind == "clients" else f"{kind}/{name}")
    return removed


# ---------------------------------------------------------------------- the sites' processes

#: From this many sites on, the theme's assets are searched for the needles every site is searched for
#: (`site_audit.shared_found`) once, here, rather than by each site.
SHARED_SEARCH_FROM = 12


def _prepare(
    request: FirmBuild,
    server: ForkServer[tasks.BuildContext],
    index: LeakIndex,
    records: Mapping[str, EngagementRecord],
    to_build: Sequence[SiteTarget],
    state: BuildState,
    needles_key: str,
    tools: str,
    everyone: Sequence[Needle],
) -> tuple[dict[tuple[str, str], frozenset[str]], SharedFound]:
    """Have the fork server prepare what every site shares, and search the theme's assets for the audit strings.

    The assets are searched here, where the index is, and the result is kept
    in `state`: the next build searches them only for strings added since.
    They are searched for `everyone` too, here rather than in the fork server,
    whose memory each site's process starts from (what it is left holding, each site pays for).

    Returns:
        The audit strings found in each theme asset, by (path in a site, digest); and `everyone`'s found in
        each (`coachbook.audit.site_audit.shared_found`).
    """
    refs = sorted({records[t.client].handbook or "" for t in to_build if t.client} - {""})
    clients = sum(1 for t in to_build if t.client)
    # `--force` converts every page again (a firm's own Markdown extension may have changed), and keeps the result.
    theme = server.call(tasks.warm_server, bool(to_build), clients, refs, not request.force)
    if not to_build:
        return {}, {}
    shared = [SiteFile(uri, Path(path)) for uri, path in theme]
    assets = [file.path for file in shared]
    # Searching every theme asset (a megabyte of source maps, a segmenter for Thai) costs about what a dozen sites
    # spend searching the few each holds: a small build leaves it to them.
    plain = shared_found(shared, everyone) if len(to_build) >= SHARED_SEARCH_FROM else {}
    searched = state.needle_sets.get(state.asset_needles or "") if state.asset_tools == tools else None
    earlier = (frozenset(searched), state.asset_found) if searched is not None else None
    known = index.found_in_files(assets, earlier=earlier)
    state.asset_needles, state.asset_tools = needles_key, tools
    state.asset_found = {asset: sorted(found) for asset, found in known.items()}
    # Found by digest, with each file's name (`found_in_files`): a site's file is that file if both match.
    return {(file.relative, file.digest): known[file.digest] for file in shared if file.digest in known}, plain
