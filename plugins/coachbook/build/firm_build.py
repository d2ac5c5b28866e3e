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

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from coachbook.adapter.config import load_project
from coachbook.audit.index import LeakIndex
from coachbook.audit.service import AuditService
from coachbook.build import tasks
from coachbook.build.fingerprints import (
    config_inputs,
    digest,
    digest_bytes,
    folder_digest,
    output_stamp,
    site_fingerprints,
    tool_versions,
)
from coachbook.build.forkserver import ForkServer, Outcome, Task
from coachbook.build.planner import BuildPlan, Candidate, plan_builds, stale_folders
from coachbook.build.staging import remove_site
from coachbook.build.state import BuildState, EngagementRecord, SiteRecord, state_path
from coachbook.build.targets import SiteResult, SiteTarget, client_target, handbook_target, sponsor_target
from coachbook.core.loader import content_links, engagement_files, load_firm, load_programs
from coachbook.errors import CoachbookError, Problem, ProblemList
from coachbook.refs.git import resolve_commit
from coachbook.refs.handbooks import GitHandbooks

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

    from coachbook.build.shards import Shard
    from coachbook.core.project import Project

__all__ = ["Events", "FirmBuild", "FirmReport", "build_firm"]

#: Engagement files parsed per forked process in the first phase.
PARSE_CHUNK = 25


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


def build_firm(request: FirmBuild, events: Events | None = None) -> FirmReport:
    """Build what changed of the firm into `request.site_root`: the handbook and the clients' sites.

    Raises:
        CoachbookError: The config cannot be used, or an unknown client was asked for.
        ProblemList: A program, guide or engagement file has problems; nothing was built.
    """
    events = events or Events()
    started = time.perf_counter()
    report = FirmReport()
    # --strict turns strict mode on; without it, `strict: true` in mkdocs.yml still holds.
    cfg, project = load_project(request.config_file, **({"strict": True} if request.strict else {}))
    report.content_dir = project.content_dir
    programs = load_programs(project)
    context = tasks.BuildContext(
        request.config_file, request.site_root, request.as_of, request.link_assets, cfg, project, programs
    )
    # Forked now, before anything of any client is read, so that no build process holds any of it.
    with ForkServer(context) as server:
        _build_firm(request, events, report, server, cfg, project)
    report.seconds = time.perf_counter() - started
    return report


def _build_firm(
    request: FirmBuild,
    events: Events,
    report: FirmReport,
    server: ForkServer[tasks.BuildContext],
    cfg: MkDocsConfig,
    project: Project,
) -> None:
    files = _engagement_files(request, project)
    site_root = request.site_root
    state_file = state_path(project.root, site_root)
    state = BuildState.load(state_file)
    records = _records(request, project, server, files, state)
    index = LeakIndex({slug: record.fragments for slug, record in records.items()})
    needles_key = state.remember_needles(t for record in records.values() for t in record.fragments.texts)
    # The tools' versions include a digest of Coachbook's own files: read them once per build.
    tools = digest(tool_versions())
    fingerprints = _fingerprints(request, cfg, project, records, tools)
    targets = {target.name: target for target in _targets(request, site_root, files, records)}
    plan = plan_builds(
        [
            Candidate(
                name,
                target.dest.relative_to(site_root).as_posix(),
                fingerprints[name],
                (target.dest / "index.html").is_file(),
            )
            for name, target in targets.items()
        ],
        state.sites,
        needles_key,
        state.needle_sets,
        force=request.force,
        strict=request.strict or bool(cfg["strict"]),
    )
    for name in plan.refresh:
        state.sites[name].needles = needles_key
    report.skipped.extend(plan.skip)
    events.planned(len(plan.build), len(plan.skip), len(plan.reaudit))
    if not plan.empty:
        _carry_out(request, events, report, server, plan, targets, files, records, index, state, needles_key, tools)
        _record_results(report, state, fingerprints, needles_key, site_root, request.as_of or dt.date.today())

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


def _engagement_files(request: FirmBuild, project: Project) -> dict[str, Path]:
    """The engagement files by slug.

    Raises:
        ProblemList: The folder holds links, misnamed or colliding files, or the content folder holds links.
        CoachbookError: An unknown client was asked for.
    """
    from coachbook.core.validation import did_you_mean

    paths, problems = engagement_files(project)
    problems += content_links(project)
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
) -> None:
    """Build and search again what `plan` says, each site in a process forked from the server."""
    to_build = [targets[planned.name] for planned in plan.build]
    known = _prepare(request, server, index, records, to_build, state, needles_key, tools)
    with AuditService(index, known) as service:
        server.call(tasks.audit_through, service.remote)
        jobs = [
            Task(targets[p.name], tasks.build_site, (targets[p.name], _file(files, targets[p.name]), p.unsearched))
            for p in plan.build
        ]
        jobs += [
            Task(targets[name], tasks.reaudit_site, (targets[name], _file(files, targets[name]), added))
            for name, added in plan.reaudit
        ]
        for outcome in server.run(jobs, jobs=request.jobs):
            result = _site_result(outcome)
            report.results.append(result)
            report.peak_worker_kb = max(report.peak_worker_kb, result.peak_kb)
            report.private_worker_kb = max(report.private_worker_kb, result.private_kb)
            events.finished(result)
    report.server_kb = server.call(tasks.peak_kb)


def _file(files: Mapping[str, Path], target: SiteTarget) -> Path | None:
    return files.get(target.client or "")


def _record_results(
    report: FirmReport,
    state: BuildState,
    fingerprints: Mapping[str, str],
    needles_key: str,
    site_root: Path,
    as_of: dt.date,
) -> None:
    """What each site built or searched again now is, in the state."""
    for result in report.results:
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
                as_of=None if result.target.client is None else as_of.isoformat(),
            )
        else:
            # A failed site is built again next time, whatever its fingerprint.
            state.sites.pop(name, None)


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
    return records


def _fingerprints(
    request: FirmBuild, cfg: MkDocsConfig, project: Project, records: Mapping[str, EngagementRecord], tools: str
) -> dict[str, str]:
    """Each site's fingerprint (`coachbook.build.fingerprints.site_fingerprints`); `tools` digests the tools."""
    custom_dir = getattr(cfg.theme, "custom_dir", None)
    shared = digest(
        tools,
        config_inputs(request.config_file),
        folder_digest(project.content_dir),
        folder_digest(Path(custom_dir) if custom_dir else None),
    )
    passphrases = project.secrets / "passphrases"
    return site_fingerprints(
        shared,
        request.as_of or dt.date.today(),
        records,
        lambda ref: _commit(project, ref),
        lambda key: output_stamp(passphrases / f"{key}.txt"),
    )


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
    for name in stale_folders([p.name for p in folder.iterdir() if p.is_dir()], addresses):
        remove_site(folder / name)
        removed.append(name if kind == "clients" else f"{kind}/{name}")
    return removed


# ---------------------------------------------------------------------- the sites' processes


def _prepare(
    request: FirmBuild,
    server: ForkServer[tasks.BuildContext],
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
    assets = server.call(tasks.warm_server, bool(to_build), clients, refs)
    if not to_build:
        return {}
    searched = state.needle_sets.get(state.asset_needles or "") if state.asset_tools == tools else None
    earlier = (frozenset(searched), state.asset_found) if searched is not None else None
    known = index.found_in_files([Path(asset) for asset in assets], earlier=earlier)
    state.asset_needles, state.asset_tools = needles_key, tools
    state.asset_found = {asset: sorted(found) for asset, found in known.items()}
    return known
