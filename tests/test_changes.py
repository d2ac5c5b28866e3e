"""Tests for coachbook.render.changes: the "What changed" page of a published version."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import markdown
import pytest

from coachbook.core.loader import Project, load_firm, load_programs
from coachbook.core.model import Engagement, Program
from coachbook.core.visibility import client_view, held_back
from coachbook.render.changes import Changes, changes_page, compare, without_withheld
from coachbook.render.tokens import Slots

from .conftest import REPO, minimal_engagement

PROJECT = Project(root=REPO, content_dir=REPO / "content", engagements_dir=REPO / "engagements")
OLD = dt.date(2026, 3, 1)
NEW = dt.date(2026, 4, 1)
#: The extensions of the sample firm's mkdocs.yml that client pages rely on.
EXTENSIONS = [
    "abbr",
    "admonition",
    "attr_list",
    "def_list",
    "md_in_html",
    "tables",
    "toc",
    "pymdownx.details",
    "pymdownx.superfences",
    "pymdownx.tasklist",
]


@pytest.fixture(scope="module")
def program() -> Program:
    return load_programs(PROJECT)[0]


def engagement(**fields: Any) -> Engagement:
    return Engagement.model_validate(minimal_engagement(**fields))


def goal(gid: str = "g", readings: list[tuple[str, float]] | None = None, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": gid,
        "title": f"Goal {gid}",
        "specific": "Be specific.",
        "measurable": "Count it.",
        "achievable": "Yes.",
        "relevant": "Matters.",
        "deadline": "2026-12-01",
        "baseline": 0,
        "target": 10,
        "unit": "points",
        "measurements": [{"date": d, "value": v} for d, v in (readings or [])],
    }
    data.update(fields)
    return data


def action(title: str, due: str = "2026-03-20", **fields: Any) -> dict[str, Any]:
    return {"title": title, "due": due, **fields}


def diff(old: Engagement | None, new: Engagement, program: Program, **dates: dt.date) -> Changes:
    """Compare the client views, as publishing does: what is held back now is left out of the old one too."""
    view = client_view(new)
    return compare(
        without_withheld(client_view(old), new, view) if old else None,
        view,
        program,
        old_as_of=dates.get("old_as_of", OLD if old else None),
        new_as_of=dates.get("new_as_of", NEW),
    )


def render(changes: Changes, previous_title: str | None = "the version of 1 March 2026") -> str:
    """The page as a reader gets it: Markdown converted, then values filled in."""
    slots = Slots()
    text = changes_page(changes, previous_title=previous_title, slots=slots)
    front, body = re.fullmatch(r"---\n(.*?)\n---\n(.*)", text, re.DOTALL).groups()  # type: ignore[union-attr]
    assert front == 'title: "What changed"'
    html = slots.fill(markdown.markdown(body, extensions=EXTENSIONS))
    assert not re.search(r"CBV\d{4,}Z", html), "every token is filled"
    return html


# --------------------------------------------------------------------------- first version, nothing changed


def test_first_version_says_so(program: Program) -> None:
    changes = diff(None, engagement(goals=[goal()]), program)
    assert changes.first
    assert changes.empty
    assert changes.previous_as_of is None
    html = render(changes, previous_title=None)
    assert "first published version" in html
    assert "Since" not in html


def test_nothing_changed(program: Program) -> None:
    e = engagement(goals=[goal(readings=[("2026-02-01", 3)])], actions=[action("Write it down", due="2026-06-01")])
    changes = diff(e, e, program)
    assert not changes.first
    assert changes.empty
    html = render(changes)
    assert "nothing has changed" in html
    assert "Since the version of 1 March 2026" in html
    assert "<h2" not in html


def test_previous_version_needs_its_date(program: Program) -> None:
    e = engagement()
    with pytest.raises(ValueError, match="old_as_of"):
        compare(e, e, program, old_as_of=None, new_as_of=NEW)


def test_without_a_previous_title_the_page_still_reads(program: Program) -> None:
    old = engagement()
    new = engagement(sessions=[{"date": "2026-03-10", "stage": "contracting", "focus": "Agreement"}])
    assert "Since the previous version," in render(diff(old, new, program), previous_title=None)


# --------------------------------------------------------------------------- stages


def test_stage_advanced_lists_stages_completed_in_between(program: Program) -> None:
    old = engagement(stages={"contracting": {"status": "in-progress", "started": "2026-01-05"}})
    new = engagement(
        stages={
            "contracting": {"status": "done", "started": "2026-01-05", "completed": "2026-01-20"},
            "building-rapport": {"status": "done", "started": "2026-01-20", "completed": "2026-02-20"},
            "assessment": {"status": "in-progress", "started": "2026-02-20"},
        }
    )
    changes = diff(old, new, program)
    assert changes.stage is not None
    assert changes.stage.moved
    assert changes.stage.previous is not None and changes.stage.previous.id == "contracting"
    assert changes.stage.current is not None and changes.stage.current.id == "assessment"
    assert [s.id for s in changes.stage.completed] == ["contracting", "building-rapport"]
    html = render(changes)
    assert "You are now in stage 3" in html
    assert '<a href="stages/03-assessment.md">Assessment</a>' in html
    assert "after stage 1, Contracting" in html
    assert '<a href="stages/02-building-rapport.md">Building rapport</a>' in html


def test_finishing_an_overlapping_stage_is_reported_without_a_move(program: Program) -> None:
    old = engagement(
        stages={
            "contracting": {"status": "in-progress", "started": "2026-01-05"},
            "building-rapport": {"status": "in-progress", "started": "2026-01-10"},
        }
    )
    new = engagement(
        stages={
            "contracting": {"status": "done", "started": "2026-01-05", "completed": "2026-01-20"},
            "building-rapport": {"status": "in-progress", "started": "2026-01-10"},
        }
    )
    changes = diff(old, new, program)
    assert changes.stage is not None and not changes.stage.moved
    html = render(changes)
    assert "You are now in stage" not in html
    assert "Completed since then" in html


def test_completing_the_last_stage(program: Program) -> None:
    done = {"status": "done", "started": "2026-01-05", "completed": "2026-02-01"}
    old = engagement(
        stages={s.id: done for s in program.stages[:-1]}
        | {program.stages[-1].id: {"status": "in-progress", "started": "2026-02-01"}}
    )
    new = engagement(stages={s.id: done for s in program.stages})
    changes = diff(old, new, program)
    assert changes.stage is not None and changes.stage.current is None
    assert "completed every stage" in render(changes)


# --------------------------------------------------------------------------- goals


def test_goal_added(program: Program) -> None:
    changes = diff(engagement(goals=[goal("a")]), engagement(goals=[goal("a"), goal("b")]), program)
    assert [g.goal.id for g in changes.goals_added] == ["b"]
    assert not changes.goals_revised and not changes.goals_moved
    html = render(changes)
    assert "New goals" in html
    assert '<a href="goals.md#goal-b">Goal b</a>' in html


def test_goal_achieved(program: Program) -> None:
    old = engagement(goals=[goal(readings=[("2026-02-01", 6)])])
    new = engagement(goals=[goal(readings=[("2026-02-01", 6), ("2026-03-15", 10)])])
    changes = diff(old, new, program)
    assert [g.goal.id for g in changes.goals_achieved] == ["g"]
    html = render(changes)
    assert "Goal achieved" in html
    assert "you reached your target of 10 points" in html


def test_goal_revised_shows_old_and_new_wording(program: Program) -> None:
    old = engagement(goals=[goal(title="Delegate more", measurable="Pulse score.", deadline="2026-12-01")])
    new = engagement(goals=[goal(title="Hand over real decisions", measurable="Pulse score.", deadline="2027-01-15")])
    changes = diff(old, new, program)
    (revision,) = changes.goals_revised
    assert [(c.field, c.old, c.new) for c in revision.changes] == [
        ("title", "Delegate more", "Hand over real decisions"),
        ("deadline", "1 December 2026", "15 January 2027"),
    ]
    html = render(changes)
    assert "<td><del>Delegate more</del></td>" in html
    assert "<td><ins>Hand over real decisions</ins></td>" in html
    assert "<td><del>1 December 2026</del></td>" in html
    assert "<td><ins>15 January 2027</ins></td>" in html
    assert "Measurable" not in html


def test_goal_numbers_and_values_are_compared_as_read(program: Program) -> None:
    old = engagement(goals=[goal(target=4, values=["Trust"])])
    new = engagement(goals=[goal(target=4.0, values=["Trust", "Family"])])
    (revision,) = diff(old, new, program).goals_revised
    assert [(c.label, c.old, c.new) for c in revision.changes] == [("Values it serves", "Trust", "Trust, Family")]


def test_goal_deleted_keeps_its_old_title(program: Program) -> None:
    old = engagement(goals=[goal("a"), goal("b", title="Leave on time")])
    new = engagement(goals=[goal("a")])
    changes = diff(old, new, program)
    assert [g.title for g in changes.goals_removed] == ["Leave on time"]
    assert "No longer shown" in render(changes)


def test_goal_held_back_since_is_not_named_again(program: Program) -> None:
    # The coach made it coach-only: the page must not repeat it, not even as gone.
    old = engagement(goals=[goal("a"), goal("b", title="Leave on time")])
    new = engagement(goals=[goal("a"), goal("b", title="Leave on time", coach_only=True)])
    changes = diff(old, new, program)
    assert changes.goals_removed == ()
    assert "Leave on time" not in render(changes)
    # Without it, the comparison of the views alone would name it.
    assert [
        g.title
        for g in compare(client_view(old), client_view(new), program, old_as_of=OLD, new_as_of=NEW).goals_removed
    ] == ["Leave on time"]


def test_measurement_moved_shows_old_and_new_values(program: Program) -> None:
    old = engagement(goals=[goal(readings=[("2026-02-01", 2)])])
    new = engagement(goals=[goal(readings=[("2026-02-01", 2), ("2026-03-10", 4), ("2026-03-25", 5)])])
    changes = diff(old, new, program)
    (moved,) = changes.goals_moved
    assert [m.value for m in moved.readings] == [4, 5]
    assert (moved.old.current_value, moved.new.current_value) == (2, 5)
    assert (moved.old.percent, moved.new.percent) == (20, 50)
    html = render(changes)
    assert "2 → 5 points, 20% → <strong>50%</strong>" in html
    assert "<td>10 March 2026</td>" in html
    assert "<td>1 February 2026</td>" not in html


def test_readings_after_the_old_date_count_once_they_are_due(program: Program) -> None:
    # The same snapshot, published again later: the March reading was not shown on 1 March.
    e = engagement(goals=[goal(readings=[("2026-03-10", 3)])])
    (moved,) = diff(e, e, program).goals_moved
    assert moved.old.latest is None
    assert "0 (baseline) → 3 points" in render(diff(e, e, program))


def test_corrected_reading_counts_as_moved(program: Program) -> None:
    old = engagement(goals=[goal(readings=[("2026-02-01", 2)])])
    new = engagement(goals=[goal(readings=[("2026-02-01", 3)])])
    (moved,) = diff(old, new, program).goals_moved
    assert [m.value for m in moved.readings] == [3]


def test_unchanged_readings_do_not_count(program: Program) -> None:
    e = engagement(goals=[goal(readings=[("2026-02-01", 2)])])
    assert diff(e, e, program).goals_moved == ()


# --------------------------------------------------------------------------- actions


def test_action_completed(program: Program) -> None:
    old = engagement(actions=[action("Book the offsite", due="2026-03-20")])
    new = engagement(actions=[action("Book the offsite", due="2026-03-20", status="done", done_on="2026-03-18")])
    changes = diff(old, new, program)
    assert [a.action.title for a in changes.actions_completed] == ["Book the offsite"]
    assert not changes.actions_added and not changes.actions_removed
    html = render(changes)
    assert "Book the offsite" in html
    assert "done 18 March 2026" in html


def test_action_added(program: Program) -> None:
    old = engagement(actions=[action("One", due="2026-06-01")])
    new = engagement(actions=[action("One", due="2026-06-01"), action("Two", due="2026-06-10")])
    changes = diff(old, new, program)
    assert [a.action.title for a in changes.actions_added] == ["Two"]
    assert "New actions" in render(changes)


def test_action_newly_overdue(program: Program) -> None:
    # Nothing was edited; the due date passed between the two versions.
    e = engagement(
        actions=[
            action("Late already", due="2026-02-10"),
            action("Late now", due="2026-03-20"),
            action("Later", due="2026-06-01"),
        ]
    )
    changes = diff(e, e, program, new_as_of=dt.date(2026, 3, 25))
    assert [a.action.title for a in changes.actions_overdue] == ["Late now"]
    assert "Now overdue" in render(changes)


def test_action_dropped_rescheduled_and_removed(program: Program) -> None:
    old = engagement(
        actions=[action("Drop me", due="2026-06-01"), action("Move me", due="2026-06-01"), action("Hide me")]
    )
    new = engagement(
        actions=[
            action("Drop me", due="2026-06-01", status="dropped"),
            action("Move me", due="2026-07-01"),
            action("Hide me", draft=True),
        ]
    )
    changes = diff(old, new, program)
    assert [a.action.title for a in changes.actions_dropped] == ["Drop me"]
    assert [(r.action.action.title, r.old_due) for r in changes.actions_rescheduled] == [
        ("Move me", dt.date(2026, 6, 1))
    ]
    # Held back since (a draft again): not named; deleted outright: named as gone.
    assert changes.actions_removed == ()
    deleted = diff(old, engagement(actions=[action("Drop me", due="2026-06-01"), action("Move me")]), program)
    assert [a.title for a in deleted.actions_removed] == ["Hide me"]
    html = render(changes)
    assert "<del>Drop me</del>" in html
    assert "now due 1 July 2026, was 1 June 2026" in html


def test_retitled_action_is_one_removed_and_one_added(program: Program) -> None:
    old = engagement(actions=[action("Ask the team", due="2026-06-01")])
    new = engagement(actions=[action("Ask each direct report", due="2026-06-01")])
    changes = diff(old, new, program)
    assert [a.action.title for a in changes.actions_added] == ["Ask each direct report"]
    assert [a.title for a in changes.actions_removed] == ["Ask the team"]


def test_actions_with_one_title_pair_in_due_order(program: Program) -> None:
    old = engagement(actions=[action("Check in", due="2026-05-01"), action("Check in", due="2026-06-01")])
    new = engagement(
        actions=[
            action("Check in", due="2026-05-01", status="done", done_on="2026-03-15"),
            action("Check in", due="2026-06-01"),
            action("Check in", due="2026-07-01"),
        ]
    )
    changes = diff(old, new, program)
    assert [a.action.due for a in changes.actions_completed] == [dt.date(2026, 5, 1)]
    assert [a.action.due for a in changes.actions_added] == [dt.date(2026, 7, 1)]
    assert changes.actions_rescheduled == () and changes.actions_removed == ()


# --------------------------------------------------------------------------- sessions, reviews, wins


def test_sessions_held_since(program: Program) -> None:
    sessions = [
        {"date": "2026-02-10", "stage": "contracting", "focus": "Before"},
        {"date": "2026-03-10", "stage": "contracting", "focus": "Your agreement"},
        {"date": "2026-03-24", "stage": "contracting", "focus": "Called off", "cancelled": True},
        {"date": "2026-04-20", "stage": "building-rapport", "focus": "Still to come"},
    ]
    e = engagement(sessions=sessions)
    changes = diff(e, e, program)
    assert [s.focus for s in changes.sessions_held] == ["Your agreement"]
    html = render(changes)
    assert "Session on <strong>10 March 2026</strong>: Your agreement" in html
    assert "Still to come" not in html


def test_session_recorded_late_still_counts(program: Program) -> None:
    old = engagement()
    new = engagement(sessions=[{"date": "2026-02-10", "stage": "contracting", "focus": "Forgotten"}])
    assert [s.focus for s in diff(old, new, program).sessions_held] == ["Forgotten"]


def test_review_done_since(program: Program) -> None:
    old = engagement(reviews=[{"date": "2026-02-01", "working": ["A"]}])
    new = engagement(reviews=[{"date": "2026-02-01", "working": ["A"]}, {"date": "2026-03-20", "working": ["B"]}])
    changes = diff(old, new, program)
    assert [r.date for r in changes.reviews_done] == [dt.date(2026, 3, 20)]
    assert '<a href="reviews.md#review-2026-03-20">Review of 20 March 2026</a>' in render(changes)


def test_win_since(program: Program) -> None:
    new = engagement(wins=[{"date": "2026-03-05", "title": "First board paper signed off"}])
    changes = diff(engagement(), new, program)
    assert [w.title for w in changes.wins] == ["First board paper signed off"]
    assert "Something to celebrate" in render(changes)


def test_only_sections_that_changed_are_shown(program: Program) -> None:
    new = engagement(sessions=[{"date": "2026-03-10", "stage": "contracting", "focus": "F"}])
    html = render(diff(engagement(), new, program))
    assert "Sessions and reviews" in html
    for heading in ("Your journey", "Your goals", "Your action plan", "Something to celebrate"):
        assert heading not in html


# --------------------------------------------------------------------------- safety


def test_values_are_escaped(program: Program) -> None:
    old = engagement(goals=[goal(title="Plain")], actions=[action("<b>bold</b>", due="2026-06-01")])
    new = engagement(
        goals=[goal(title="<script>alert(1)</script>")],
        actions=[action("<b>bold</b>", due="2026-06-01", status="done", done_on="2026-03-02")],
    )
    html = render(diff(old, new, program), previous_title='the "<i>old</i>" one & more')
    assert "<script>" not in html and "<b>bold" not in html and "<i>old" not in html
    assert "<ins>&lt;script&gt;alert(1)&lt;/script&gt;</ins>" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "Since the &quot;&lt;i&gt;old&lt;/i&gt;&quot; one &amp; more" in html


def test_coach_only_items_never_appear(program: Program) -> None:
    marker = "SECRETMARKER"
    old = engagement(goals=[goal("g", readings=[("2026-02-01", 2)])])
    new = engagement(
        goals=[
            goal(
                "g",
                measurements=[
                    {"date": "2026-02-01", "value": 2},
                    {"date": "2026-03-05", "value": 9, "note": marker, "coach_only": True},
                ],
            ),
            goal("hidden", title=f"{marker} goal", coach_only=True),
        ],
        actions=[action(f"{marker} action", coach_only=True), action(f"{marker} draft", draft=True)],
        sessions=[{"date": "2026-03-10", "stage": "contracting", "focus": f"{marker} session", "draft": True}],
        reviews=[{"date": "2026-03-11", "working": [marker], "coach_only": True}],
        wins=[{"date": "2026-03-12", "title": f"{marker} win", "coach_only": True}],
    )
    changes = diff(old, new, program)
    assert changes.empty
    assert marker not in repr(changes)
    assert marker not in render(changes)
    # The same comparison on full engagements would have shown all of it.
    full = compare(old, new, program, old_as_of=OLD, new_as_of=NEW)
    assert marker in repr(full)


@pytest.fixture(scope="module")
def dana() -> Any:
    return load_firm(PROJECT, only=["dana-whitfield"]).engagements["dana-whitfield"]


def test_sample_held_back_text_stays_out_between_versions(dana: Any) -> None:
    e = dana.engagement
    # The draft review (23 November) and the coach-only action (due 1 December) fall between these dates.
    changes = compare(
        client_view(e),
        client_view(e),
        dana.program,
        old_as_of=dt.date(2026, 11, 1),
        new_as_of=dt.date(2026, 12, 5),
    )
    assert not changes.empty
    assert changes.reviews_done == ()
    html = render(changes)
    for secret in held_back(e):
        if len(secret.text) >= 25:
            assert secret.text not in html, secret.field
    assert "Tamworth night-shift" not in html


@pytest.mark.parametrize("slug", ["dana-whitfield", "jonas-brandt", "kwame-asante", "sofia-marquez"])
def test_sample_engagements_render_from_their_start(slug: str) -> None:
    loaded = load_firm(PROJECT, only=[slug]).engagements[slug]
    view = client_view(loaded.engagement)
    changes = compare(view, view, loaded.program, old_as_of=view.start, new_as_of=dt.date(2026, 11, 24))
    html = render(changes)
    assert changes.sessions_held
    assert "<h2" in html
    assert compare(view, view, loaded.program, old_as_of=view.start, new_as_of=view.start).empty


def test_page_has_front_matter_first(program: Program) -> None:
    text = changes_page(diff(None, engagement(), program), previous_title=None, slots=Slots())
    assert text.startswith('---\ntitle: "What changed"\n---\n')


def test_new_actions_are_task_list_items(program: Program) -> None:
    new = engagement(
        actions=[action("Open one", due="2026-06-01"), action("Done one", status="done", done_on="2026-03-02")]
    )
    html = render(diff(engagement(), new, program))
    assert html.count('<li class="task-list-item">') == 2
    assert "[ ]" not in html and "[x]" not in html
