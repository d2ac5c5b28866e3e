"""What each site's build process holds: its own client's data, and nothing else of the firm.

The build's own process reads every engagement (to fingerprint and audit),
but the processes that build sites are forked from a server started before
it did, and audit through a service that gives each only the few strings
that could occur in its own site. So a site's process holds nothing that
identifies another client of the sample firm, and its memory does not grow
with the firm. These tests look inside real build processes for that, and
check that a build process that dies, or cannot reach the audit, fails only
its own site and publishes nothing unaudited.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from coachbook.audit.service import RemoteIndex
from coachbook.build import tasks
from coachbook.build.firm_build import FirmBuild, FirmReport, build_firm
from coachbook.build.targets import SiteResult, SiteTarget

from .conftest import AS_OF, SAMPLE_CLIENTS

# Each test builds the sample firm and looks inside its processes.
pytestmark = pytest.mark.slow

#: Run in a fresh interpreter, so that nothing this test process holds is inherited.
DRIVER = r"""
import datetime as dt, gc, json, sys
from pathlib import Path
from coachbook.build import firm_build as builder
from coachbook.build import tasks

root, out = Path(sys.argv[1]), Path(sys.argv[2])
# Reversed, so that this process does not hold the strings it looks for until it looks.
reversed_secrets = json.loads(sys.argv[3])
FIRM_TYPES = {"LeakIndex", "NeedleFinder", "Fragments", "EngagementRecord", "BuildState"}


def held():
    # Frozen objects are not listed by the collector until unfrozen; this process ends soon anyway.
    gc.unfreeze()
    objects = gc.get_objects()
    # Compared as the audit compares them: its strings are case-folded.
    secrets = {secret[::-1].casefold(): secret[::-1] for secret in reversed_secrets}
    found, types = set(), set()
    for obj in objects:
        if type(obj).__name__ in FIRM_TYPES:
            types.add(type(obj).__name__)
        if isinstance(obj, dict):
            values = [*obj.keys(), *obj.values()]
        elif isinstance(obj, (list, tuple, set, frozenset)):
            values = obj
        else:
            continue
        for value in values:
            if isinstance(value, str):
                folded = value.casefold()
                found.update(secret for key, secret in secrets.items() if key in folded)
    return sorted(found), sorted(types)


original = tasks.build_new_site
original_firm_site = tasks.build_firm_site


def record(target, before, after, ok):
    name = target.name.replace(" ", "_")
    (out / f"{name}.json").write_text(json.dumps({"before": before, "after": after, "ok": ok}))


def inspected(context, target, path, *rest):
    before = held()
    result = original(context, target, path, *rest)
    record(target, before, held(), result.ok)
    return result


def inspected_firm_site(context, target, paths, *rest):
    before = held()
    result = original_firm_site(context, target, paths, *rest)
    record(target, before, held(), result.ok)
    return result


original_prepare = builder._prepare
parent = []


def prepare(*args, **kwargs):
    # The build's own process, once it has read the firm: the check finds what it looks for where it is.
    parent.append(held())
    return original_prepare(*args, **kwargs)


tasks.build_new_site = inspected
tasks.build_firm_site = inspected_firm_site
builder._prepare = prepare
report = builder.build_firm(
    builder.FirmBuild(root / "mkdocs.yml", root / "site", as_of=dt.date.fromisoformat(sys.argv[4]), jobs=2)
)
assert not report.failed, [r.error for r in report.failed]
print(json.dumps(parent[0]))
"""


def test_a_site_process_holds_only_its_own_clients_data(firm: Path, tmp_path: Path) -> None:
    secrets: dict[str, list[str]] = {}
    for path in sorted((firm / "engagements").glob("*.yml")):
        client = yaml.safe_load(path.read_text(encoding="utf-8"))["client"]
        secrets[path.stem] = [client["name"], client["email"]]
    everything = [text for texts in secrets.values() for text in texts]
    out = tmp_path / "held"
    out.mkdir()

    done = subprocess.run(
        [sys.executable, "-c", DRIVER, str(firm), str(out), json.dumps([text[::-1] for text in everything]), AS_OF],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr

    # The check can fail: the build's own process holds every client's strings and the index.
    parent_found, parent_types = json.loads(done.stdout.strip().splitlines()[-1])
    assert parent_found == sorted(everything)
    assert {"LeakIndex", "Fragments", "EngagementRecord", "BuildState"} <= set(parent_types)

    reports = {path.stem: json.loads(path.read_text()) for path in out.glob("*.json")}
    console, cohort = "coaches'_console", "Halden_Logistics_(cohort_report)"
    assert set(reports) == {"handbook", *secrets, "dana-whitfield_(sponsor)", console, cohort}
    # The firm's own sites are made of several engagements: the console of every one (that is what it is for),
    # a cohort report of its organisation's, and nothing of anyone else's.
    for site, members in ((console, sorted(secrets)), (cohort, sorted(halden(firm)))):
        held = reports.pop(site)
        assert held["ok"] and held["before"] == [[], []], site
        assert set(held["after"][0]) <= {text for slug in members for text in secrets[slug]}, site
    # The check finds what the console's process holds: its pages name every client.
    names = {texts[0] for texts in secrets.values()}
    assert names <= set(json.loads((out / f"{console}.json").read_text())["after"][0])
    for site, held in reports.items():
        slug = site.removesuffix("_(sponsor)")
        own = secrets.get(slug, [])
        assert held["ok"], site
        # Forked from a server that has read no engagement: nothing of any client, and no index.
        assert held["before"] == [[], []], site
        # Built and audited: its own client's data, and still nothing of anyone else's.
        assert set(held["after"][0]) <= set(own), site
        assert held["after"][1] == [], site
        if own:
            # The check finds what the process does hold.
            assert secrets[slug][0] in held["after"][0], site


def halden(firm: Path) -> list[str]:
    """The slugs of the sample's leaders at Halden Logistics, whose cohort report the build makes."""
    return [
        path.stem
        for path in sorted((firm / "engagements").glob("*.yml"))
        if yaml.safe_load(path.read_text(encoding="utf-8"))["client"]["organisation"] == "Halden Logistics"
    ]


def _build(firm: Path) -> FirmReport:
    return build_firm(FirmBuild(firm / "mkdocs.yml", firm / "site", as_of=dt.date.fromisoformat(AS_OF), jobs=2))


def test_a_site_process_that_dies_fails_its_site_alone(firm: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = tasks.build_new_site

    def dies_for_kwame(context: Any, target: SiteTarget, path: Path | None, *rest: Any) -> SiteResult:
        if target.client == "kwame-asante":
            os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer would
        result: SiteResult = original(context, target, path, *rest)
        return result

    monkeypatch.setattr(tasks, "build_new_site", dies_for_kwame)
    report = _build(firm)
    assert [(r.target.name, r.error) for r in report.failed] == [
        ("kwame-asante", f"the build process exited with code {-signal.SIGKILL} before reporting")
    ]
    assert {r.target.name for r in report.built} == {
        "handbook",
        *(slug for slug in SAMPLE_CLIENTS if slug != "kwame-asante"),
        "dana-whitfield (sponsor)",
        "coaches' console",
        "Halden Logistics (cohort report)",
    }
    assert not (firm / "site" / "clients" / "kwame-asante").exists()
    assert (firm / "site" / "clients" / "sofia-marquez" / "index.html").is_file()


def nobody_answers(context: Any, remote: RemoteIndex, plain: Any) -> None:
    """In the fork server, instead of `tasks.audit_through`: an address where no service listens."""
    context.index = RemoteIndex(remote.address + ".gone", remote.key, remote.shared)


def test_a_site_whose_audit_cannot_run_is_not_published(firm: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The audit runs in another process; if it cannot be reached, the site fails rather than go out unaudited."""
    monkeypatch.setattr(tasks, "audit_through", nobody_answers)
    report = _build(firm)
    # The console may hold every client's strings, so its audit needs none of them (it looks for links and
    # other origins): it runs, and passes. Every other site needs the service, and fails without it.
    assert [r.target.name for r in report.built] == ["coaches' console"]
    assert {r.target.name for r in report.failed} == {
        "handbook",
        *SAMPLE_CLIENTS,
        "dana-whitfield (sponsor)",
        "Halden Logistics (cohort report)",
    }
    for result in report.failed:
        assert "the leak audit could not run: the audit service did not answer" in result.error, result.error
    assert not any(p for p in (firm / "site").rglob("index.html") if "firm" not in p.relative_to(firm / "site").parts)
