"""Which sites a build makes, skips, searches again or removes: the planner's rules as a table."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from coachbook.build.planner import Candidate, Planned, Reason, plan_builds, stale_folders
from coachbook.build.state import SiteRecord

#: Audit strings now (key "now"), and as they were at two earlier audits.
NEEDLE_SETS = {
    "now": ["amara okafor", "board pressure", "leo brandt"],
    "same": ["amara okafor", "board pressure", "leo brandt"],
    "fewer": ["amara okafor", "leo brandt"],
    "more": ["amara okafor", "board pressure", "leo brandt", "an old name"],
}


@dataclass(frozen=True)
class Site:
    """One row: the site now, and what was recorded of it."""

    fingerprint: str = "f1"
    folder: str = "clients/ana"
    present: bool = True
    intact: bool = True
    recorded: bool = True
    recorded_fingerprint: str = "f1"
    recorded_folder: str = "clients/ana"
    recorded_needles: str = "now"
    warnings: tuple[str, ...] = ()


def _plan(site: Site, *, force: bool = False, strict: bool = False) -> str:
    saved = {}
    if site.recorded:
        saved["ana"] = SiteRecord(
            site.recorded_fingerprint, site.recorded_folder, site.recorded_needles, warned=bool(site.warnings)
        )
    plan = plan_builds(
        [Candidate("ana", site.folder, site.fingerprint, site.present, site.intact)],
        saved,
        "now",
        NEEDLE_SETS,
        force=force,
        strict=strict,
    )
    if plan.build:
        (planned,) = plan.build
        unsearched = "" if planned.unsearched is None else " unsearched=" + ",".join(sorted(planned.unsearched))
        return f"build:{planned.reason}{unsearched}"
    if plan.reaudit:
        ((_, added),) = plan.reaudit
        return "reaudit:" + ",".join(sorted(added))
    assert plan.skip == ("ana",)
    return "refresh" if plan.refresh else "skip"


@pytest.mark.parametrize(
    ("site", "flags", "expected"),
    [
        (Site(), {}, "skip"),
        (Site(recorded=False), {}, "build:new"),
        (Site(fingerprint="f2"), {}, "build:changed"),
        (Site(folder="clients/3k9x"), {}, "build:moved"),
        (Site(present=False), {}, "build:missing"),
        (Site(intact=False), {}, "build:edited"),
        (Site(intact=False, recorded_needles="fewer"), {}, "build:edited unsearched=board pressure"),
        (Site(), {"force": True}, "build:forced"),
        (Site(warnings=("a broken link",)), {}, "skip"),
        (Site(warnings=("a broken link",)), {"strict": True}, "build:warnings"),
        (Site(), {"strict": True}, "skip"),
        # Audited against the same strings under another key: nothing to search for, the record moves on.
        (Site(recorded_needles="same"), {}, "refresh"),
        # Audited when there were fewer strings: searched for the one added since.
        (Site(recorded_needles="fewer"), {}, "reaudit:board pressure"),
        # Audited when there were more: nothing new to search for.
        (Site(recorded_needles="more"), {}, "refresh"),
        # What it was audited against is forgotten: it cannot be searched for what was added, so it is built.
        (Site(recorded_needles="lost"), {}, "build:unknown-strings unsearched=amara okafor,board pressure,leo brandt"),
        # Rebuilt for another reason: its version in place was never searched for the new string.
        (Site(fingerprint="f2", recorded_needles="fewer"), {}, "build:changed unsearched=board pressure"),
        (Site(recorded_needles="fewer"), {"force": True}, "build:forced unsearched=board pressure"),
        (Site(present=False, recorded_needles="same"), {}, "build:missing unsearched="),
    ],
)
def test_plan_table(site: Site, flags: dict[str, bool], expected: str) -> None:
    assert _plan(site, **flags) == expected


def test_sites_keep_their_order_and_each_set_of_strings_is_compared_once() -> None:
    saved = {name: SiteRecord("f", f"clients/{name}", "fewer") for name in ("a", "b", "c")}
    candidates = [Candidate(name, f"clients/{name}", "f", True) for name in ("c", "a", "b")]
    plan = plan_builds([*candidates, Candidate("d", "clients/d", "f", False)], saved, "now", NEEDLE_SETS)
    assert [name for name, _ in plan.reaudit] == ["c", "a", "b"]
    assert plan.build == (Planned("d", Reason.NEW),)
    added = {id(strings) for _, strings in plan.reaudit}
    assert len(added) == 1


@pytest.mark.parametrize(
    ("existing", "wanted", "stale"),
    [
        (["ana", "bo"], ["ana", "bo"], []),
        (["ana", "bo", "gone"], ["ana", "bo"], ["gone"]),
        (["3k9x", "ana"], ["3k9x"], ["ana"]),
        ([], ["ana"], []),
    ],
)
def test_stale_folders_table(existing: list[str], wanted: list[str], stale: list[str]) -> None:
    assert stale_folders(existing, wanted) == stale
