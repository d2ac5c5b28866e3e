"""Checks that span fields, made on an engagement file as written, beside the checks of each field.

Pydantic checks one field at a time, and runs a model's own validators only
once every field of the model is valid. A coach who mistyped a date and also
wrote an end before the start would hear about the end only after fixing the
date: one kind of problem per run. So the rules that relate two fields (an
end before a start, a target equal to its baseline, a stage marked done with
no date), the rules that point into the program (stage ids) or at other items
(goal ids), and the warnings, all read the data as the YAML reader returned
it, and take from it only the values that are valid on their own. Whatever
else is wrong with the file, every rule whose values can be read runs in the
same pass, and its finding points at the field that needs the change.

Every function here is pure: data in, findings out. The loader turns findings
into problems with a file, a line and a column (`coachbook.core.loader`).
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from coachbook.core.fields import parse_date
from coachbook.core.model import EngagementState, Program
from coachbook.core.yaml_reader import Loc

__all__ = [
    "SITE_PAGES",
    "Finding",
    "did_you_mean",
    "engagement_findings",
    "md_link_target",
    "program_findings",
    "reference_findings",
]

#: The pages every client site has besides its stage guides (`coachbook.render.client_pages.CLIENT_PAGES`): a note
#: may link to them, as to a guide, by their file name.
SITE_PAGES = (
    "index.md",
    "goals.md",
    "actions.md",
    "sessions.md",
    "reviews.md",
    "assessment.md",
    "agreement.md",
    "closure.md",
    "program.md",
)
#: Where Markdown names a link's target: `[words](target)`, `[name]: target` and `href="target"`.
_LINK_TARGETS = re.compile(
    r"\]\(\s*<?([^)\s>]+)|^[ ]{0,3}\[[^\]^][^\]]*\]:\s*<?([^\s>]+)|\bhref\s*=\s*[\"']([^\"']+)", re.MULTILINE
)


@dataclass(frozen=True)
class Finding:
    """One thing wrong (or worth a word) in a file, by where it is in the data."""

    loc: Loc
    """Where in the data: `("goals", 0, "target")`."""
    message: str
    hint: str = ""
    warning: bool = False
    """A warning: the file is valid, but a coach would want to hear about this (`--strict` makes it an error)."""
    at_key: bool = False
    """Point at the key rather than its value (a whole list or mapping)."""


def did_you_mean(word: str, choices: Sequence[str] | Mapping[str, Any] | set[str] | frozenset[str]) -> str:
    """A hint naming the closest valid spelling, or listing the choices.

    A spelling that differs only by case, spaces or underscores (`Team`, `Goal setting`) is matched first,
    since that is what people type most often when they type an id.
    """
    import difflib

    options = sorted(set(choices))
    folded = _folded(word)
    same = [option for option in options if _folded(option) == folded]
    if same:
        return f"did you mean {same[0]!r}?"
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    if len(options) <= 12:
        return "expected one of: " + ", ".join(options)
    # Too many to list in a message, and none close: say so rather than end the message on nothing.
    return f"it is none of the {len(options)} known ones, such as " + ", ".join(options[:4])


#: Spaces and underscores between the words of a name, folded to one hyphen (compiled at import, as every pattern
#: here: the build's fork server imports this module, so no site's process compiles it again).
_WORD_BREAKS = re.compile(r"[\s_]+")


def _folded(word: str) -> str:
    return _WORD_BREAKS.sub("-", word.strip().casefold())


# --------------------------------------------------------------------------- reading the data as written


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _items(data: Mapping[str, Any], key: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """The entries of the list under `key` that are mappings, with their index."""
    value = data.get(key)
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, Mapping):
                yield index, item


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _day(value: dt.date) -> str:
    return value.isoformat()


def _state(data: Mapping[str, Any]) -> EngagementState | None:
    """The engagement's `status.state` as written, if it is one of the states."""
    state = _mapping(data.get("status")).get("state")
    try:
        return EngagementState(state) if isinstance(state, str) else None
    except ValueError:
        return None


def _cancelled(item: Mapping[str, Any]) -> bool:
    return item.get("cancelled") is True


# --------------------------------------------------------------------------- the rules


def engagement_findings(data: Any) -> list[Finding]:
    """Every rule of one engagement that needs nothing but the file: dates in order, statuses that agree, warnings.

    Arguments:
        data: The file's data as the YAML reader returned it (not yet validated).
    """
    if not isinstance(data, Mapping):
        return []
    findings: list[Finding] = []
    start, end = parse_date(data.get("start")), parse_date(data.get("end"))
    if start and end and end < start:
        findings.append(
            Finding(
                ("end",),
                f"{_day(end)} is before `start` ({_day(start)})",
                "the planned end comes after the first day; check the year and the order of month and day",
            )
        )
    findings += _stage_findings(data)
    for index, goal in _items(data, "goals"):
        baseline, target = _number(goal.get("baseline")), _number(goal.get("target"))
        if baseline is not None and target is not None and baseline == target:
            findings.append(
                Finding(
                    ("goals", index, "target"),
                    f"equals `baseline` ({goal['baseline']}), so progress cannot be measured",
                    "set `target` to the value the client wants to reach, above or below the baseline",
                )
            )
    for index, action in _items(data, "actions"):
        if "done_on" in action and action.get("done_on") is not None and action.get("status", "open") != "done":
            findings.append(
                Finding(
                    ("actions", index, "done_on"),
                    f"is set, but `status` is {action.get('status', 'open')!r}, not 'done'",
                    "set `status: done`, or remove `done_on` if the action is not finished",
                )
            )
    findings += _status_findings(data, start)
    findings += _session_findings(data, start)
    return findings


def _stage_findings(data: Mapping[str, Any]) -> list[Finding]:
    findings = []
    for stage_id, record in _mapping(data.get("stages")).items():
        if not isinstance(record, Mapping):
            continue
        loc = ("stages", stage_id)
        status = record.get("status")
        started, completed = parse_date(record.get("started")), parse_date(record.get("completed"))
        if status == "done" and record.get("completed") is None:
            findings.append(
                Finding(
                    (*loc, "status"),
                    "a stage marked done needs its `completed` date",
                    "add `completed: YYYY-MM-DD` under it: the day the stage ended",
                )
            )
        if status == "not-started":
            for name in ("started", "completed"):
                if record.get(name) is not None:
                    findings.append(
                        Finding(
                            (*loc, name),
                            f"a stage that has not started has no `{name}` date",
                            "set `status: in-progress` (or `done`) if it has started, or remove the date",
                        )
                    )
        if started and completed and completed < started:
            findings.append(
                Finding(
                    (*loc, "completed"),
                    f"{_day(completed)} is before `started` ({_day(started)})",
                    "check both dates: a stage is completed on or after the day it started",
                )
            )
    return findings


def _status_findings(data: Mapping[str, Any], start: dt.date | None) -> list[Finding]:
    status = _mapping(data.get("status"))
    state = _state(data)
    closure = data.get("closure")
    findings: list[Finding] = []
    if state is None:
        if closure is not None:
            findings += _closure_warnings(data)
        return findings
    date = parse_date(status.get("date"))
    until = parse_date(status.get("until"))
    if state in (EngagementState.PAUSED, EngagementState.ENDED_EARLY) and status.get("date") is None:
        what = "the first day of the pause" if state is EngagementState.PAUSED else "the day the engagement ended"
        findings.append(
            Finding(
                ("status", "state"),
                f"{state.value!r} needs a `date`: {what}",
                "add `date: YYYY-MM-DD` under `status:`",
            )
        )
    if state not in (EngagementState.PAUSED, EngagementState.ENDED_EARLY) and status.get("date") is not None:
        findings.append(
            Finding(
                ("status", "date"),
                f"is only for a paused engagement or one that ended early, and the state is {state.value!r}",
                "remove it: a completed engagement's date is its `closure.date`",
            )
        )
    if status.get("until") is not None and state is not EngagementState.PAUSED:
        findings.append(
            Finding(
                ("status", "until"),
                f"is only for a paused engagement, and the state is {state.value!r}",
                "remove it, or set `state: paused`",
            )
        )
    if date and until and until <= date:
        findings.append(
            Finding(
                ("status", "until"),
                f"{_day(until)} is not after the pause began ({_day(date)})",
                "`until` is the day sessions start again, after `date`",
            )
        )
    if date and start and date < start:
        findings.append(
            Finding(
                ("status", "date"),
                f"{_day(date)} is before the engagement's `start` ({_day(start)})",
                "check the date: a pause or an early end comes after the engagement began",
            )
        )
    if status.get("reason") is not None and state not in (EngagementState.PAUSED, EngagementState.ENDED_EARLY):
        findings.append(
            Finding(
                ("status", "reason"),
                f"is shown only for a paused engagement or one that ended early, and the state is {state.value!r}",
                "remove it; for a completed engagement, write to the client in `closure.reflection`",
            )
        )
    if state is EngagementState.COMPLETED and closure is None:
        findings.append(
            Finding(
                ("status", "state"),
                "a completed engagement needs a `closure:`",
                "add `closure:` with `date`, `reflection` and `growth_plan` (a closure alone marks the engagement "
                "completed), or set `state: ended-early` if it stopped before its end",
            )
        )
    if state in (EngagementState.ACTIVE, EngagementState.PAUSED) and closure is not None:
        findings.append(
            Finding(
                ("status", "state"),
                f"is {state.value!r}, but the engagement has a `closure:`",
                "remove `status:` (a closure marks the engagement completed), or set `state: ended-early`",
            )
        )
    if state is EngagementState.COMPLETED:
        findings += _closure_warnings(data)
    if state is EngagementState.ENDED_EARLY and date:
        for index, session in _items(data, "sessions"):
            day = parse_date(session.get("date"))
            if day and day > date and not _cancelled(session):
                findings.append(
                    Finding(
                        ("sessions", index, "date"),
                        f"{_day(day)} is after the engagement ended early ({_day(date)})",
                        "mark the session `cancelled: true`, or remove it",
                        warning=True,
                    )
                )
    if state is EngagementState.PAUSED and date:
        for index, session in _items(data, "sessions"):
            day = parse_date(session.get("date"))
            if day and day >= date and (until is None or day < until) and not _cancelled(session):
                findings.append(
                    Finding(
                        ("sessions", index, "date"),
                        f"{_day(day)} falls in the pause that began on {_day(date)}",
                        "move the session after the pause, or mark it `cancelled: true`",
                        warning=True,
                    )
                )
    return findings


def _closure_warnings(data: Mapping[str, Any]) -> list[Finding]:
    """A closed engagement whose stages are still in progress: the site would say it is complete."""
    open_stages = [
        str(stage_id)
        for stage_id, record in _mapping(data.get("stages")).items()
        if isinstance(record, Mapping) and record.get("status") == "in-progress"
    ]
    if not open_stages:
        return []
    names = ", ".join(repr(s) for s in open_stages)
    return [
        Finding(
            ("closure",),
            f"the engagement is closed, but {'stage' if len(open_stages) == 1 else 'stages'} {names} "
            f"{'is' if len(open_stages) == 1 else 'are'} still in progress",
            "mark them `status: done` with a `completed` date; if the engagement stopped before its last stage, "
            "set `status:` with `state: ended-early` instead",
            warning=True,
            at_key=True,
        )
    ]


def _session_findings(data: Mapping[str, Any], start: dt.date | None) -> list[Finding]:
    findings: list[Finding] = []
    sessions = list(_items(data, "sessions"))
    if start is not None:
        for index, session in sessions:
            day = parse_date(session.get("date"))
            if day and day < start and not _cancelled(session):
                findings.append(
                    Finding(
                        ("sessions", index, "date"),
                        f"{_day(day)} is before the engagement's `start` ({_day(start)})",
                        "check the date; if the engagement began sooner, move `start` earlier",
                        warning=True,
                    )
                )
    agreed = _mapping(data.get("agreement")).get("sessions")
    held = sum(1 for _, session in sessions if not _cancelled(session))
    if isinstance(agreed, int) and not isinstance(agreed, bool) and 0 < agreed < held:
        findings.append(
            Finding(
                ("sessions",),
                f"{held} sessions are listed (not counting cancelled ones), but the agreement is for {agreed}",
                "if more sessions were agreed, raise `agreement.sessions`; otherwise mark the extra ones "
                "`cancelled: true` or remove them",
                warning=True,
                at_key=True,
            )
        )
    return findings


# --------------------------------------------------------------------------- what points at the program and at goals


def reference_findings(data: Any, program: Program, programs: Sequence[Program]) -> list[Finding]:
    """Stage ids that the engagement's program does not have, and goal ids that no goal has.

    Arguments:
        data: The file's data as written.
        program: The program the engagement follows.
        programs: Every program of the firm, to say when a stage belongs to another one.
    """
    if not isinstance(data, Mapping):
        return []
    findings: list[Finding] = []
    for stage_id in _mapping(data.get("stages")):
        finding = _stage_reference(("stages", stage_id), str(stage_id), program, programs, at_key=True)
        if finding:
            findings.append(finding)
    for index, session in _items(data, "sessions"):
        stage = session.get("stage")
        if isinstance(stage, str):
            finding = _stage_reference(("sessions", index, "stage"), stage, program, programs)
            if finding:
                findings.append(finding)
    pages = {*SITE_PAGES, *(stage.guide for stage in program.stages)}
    texts: list[tuple[Loc, str]] = []
    _published_texts(data, (), texts)
    for loc, text in texts:
        if "](" not in text and "]:" not in text and "href" not in text:
            continue  # nothing `_LINK_TARGETS` could match (most texts of a file)
        for match in _LINK_TARGETS.finditer(text):
            href = next(group for group in match.groups() if group is not None)
            target = md_link_target(href)
            if target is not None and target[0] not in pages:
                findings.append(
                    Finding(
                        loc,
                        f"links to {href!r}, which is not a page of the client's site",
                        "link to a stage guide by its path in content/program.yml (such as "
                        f"{program.stages[0].guide}), or to a page of the site such as goals.md or sessions.md; "
                        "the link is left out of the site until then",
                        warning=True,
                    )
                )
    goal_ids = [str(goal["id"]) for _, goal in _items(data, "goals") if isinstance(goal.get("id"), str)]
    # A goal whose id is miswritten (`Ready A Successor`) is reported on the goal; what points at it is right.
    written = {_folded(g) for g in goal_ids}
    for kind in ("actions", "wins"):
        for index, item in _items(data, kind):
            goal = item.get("goal")
            if isinstance(goal, str) and goal not in goal_ids and goal not in written:
                hint = did_you_mean(goal, goal_ids) if goal_ids else "add the goal under `goals:` first"
                findings.append(Finding((kind, index, "goal"), f"no goal has the id {goal!r}", hint))
    return findings


def md_link_target(href: str) -> tuple[str, str] | None:
    """(path from the content folder, fragment) of a relative link to a `.md` file; None for any other link.

    Links in notes are written from the content folder, as `program.yml` names guides
    (`stages/03-assessment.md`), or name a page of the client's site (`goals.md`).
    """
    split = urlsplit(href)
    if split.scheme or split.netloc or not split.path or href.startswith("/"):
        return None
    path = posixpath.normpath(unquote(split.path))
    if not path.endswith(".md"):
        return None
    return path, split.fragment


def _published_texts(value: Any, loc: Loc, out: list[tuple[Loc, str]]) -> None:
    """Add to `out` every text of the file that may reach the client's site: not under `private`, not held back."""
    if isinstance(value, str):
        out.append((loc, value))
    elif isinstance(value, Mapping):
        if value.get("coach_only") is True or value.get("draft") is True:
            return
        for key, item in value.items():
            if key == "private":
                continue
            if isinstance(item, str):
                out.append(((*loc, key), item))  # most values: taken here rather than in a call each
            elif isinstance(item, (Mapping, list)):
                _published_texts(item, (*loc, key), out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, str):
                out.append(((*loc, index), item))
            elif isinstance(item, (Mapping, list)):
                _published_texts(item, (*loc, index), out)


def _stage_reference(
    loc: Loc, stage_id: str, program: Program, programs: Sequence[Program], *, at_key: bool = False
) -> Finding | None:
    ids = [s.id for s in program.stages]
    if stage_id in ids:
        return None
    other = next((p for p in programs if p.id != program.id and stage_id in {s.id for s in p.stages}), None)
    if other is not None:
        return Finding(
            loc,
            f"stage {stage_id!r} belongs to the program {other.id!r} ({other.title}), "
            f"but this engagement follows {program.id!r} ({program.title})",
            f"use a stage of {program.id!r} ({did_you_mean(stage_id, ids)}), or set `program: {other.id}` "
            "if the client is in that program",
            at_key=at_key,
        )
    return Finding(loc, f"unknown stage {stage_id!r}", did_you_mean(stage_id, ids), at_key=at_key)


def program_findings(data: Any, program_ids: Sequence[str]) -> list[Finding]:
    """The engagement's `program:` when no program of the firm has that id."""
    if not isinstance(data, Mapping):
        return []
    value = data.get("program")
    if not isinstance(value, str) or value in program_ids:
        return []
    return [Finding(("program",), f"unknown program {value!r}", did_you_mean(value, program_ids))]
