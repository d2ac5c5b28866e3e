"""Tests for coachbook.core.visibility: what a client may see."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from coachbook.core.loader import Project, load_firm
from coachbook.core.model import Engagement
from coachbook.core.visibility import Secret, client_view, held_back, identifying, strip_comments

from .conftest import minimal_engagement

ROOT = Path(__file__).resolve().parents[1]


def goal(gid: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": gid,
        "title": f"Goal {gid}",
        "specific": "s",
        "measurable": "m",
        "achievable": "a",
        "relevant": "r",
        "deadline": "2026-12-01",
        "baseline": 0,
        "target": 10,
        "unit": "points",
        **extra,
    }


def session(focus: str, **extra: Any) -> dict[str, Any]:
    return {"date": "2026-02-02", "stage": "contracting", "focus": focus, **extra}


base = minimal_engagement


#: Every way of holding something back, at every level. Every hidden text contains SECRET.
EVERYTHING = base(
    private="SECRET engagement note",
    agreement={
        "sessions": 8,
        "confidentiality": "Kept between us.",
        "logistics": "Video. <!-- SECRET fee detail -->",
        "private": "SECRET agreement note",
    },
    stages={
        "contracting": {
            "status": "done",
            "started": "2026-01-05",
            "completed": "2026-01-20",
            "private": "SECRET stage note",
        }
    },
    assessment={
        "instruments": [
            {"name": "Visible instrument"},
            {"name": "SECRET coach-only instrument", "coach_only": True, "summary": "SECRET instrument summary"},
            {"name": "Instrument with a note", "private": "SECRET instrument note"},
            {"name": "SECRET draft instrument", "draft": True},
        ],
        "feedback": {
            "groups": [
                {"group": "Peers", "raters": 4, "ratings": {"Vision": 3.5}},
                {
                    "group": "SECRET board group",
                    "raters": 2,
                    "coach_only": True,
                    "summary": "SECRET board summary",
                    "ratings": {"SECRET board competency": 5},
                },
                {"group": "SECRET draft group", "raters": 3, "draft": True},
                {"group": "Reports", "raters": 5, "private": "SECRET group note"},
            ]
        },
        "summary": "Shared summary. <!-- SECRET assessment comment -->",
        "private": "SECRET assessment note",
    },
    goals=[
        goal(
            "shared",
            private="SECRET goal note",
            measurements=[
                {"date": "2026-02-01", "value": 1},
                {"date": "2026-02-15", "value": 2, "coach_only": True, "note": "SECRET measurement note"},
                {"date": "2026-03-01", "value": 3, "private": "SECRET reading note"},
                {"date": "2026-03-15", "value": 4, "draft": True},
            ],
        ),
        goal("hidden-goal", coach_only=True, title="SECRET hidden goal"),
        goal("draft-goal", draft=True, title="SECRET draft goal"),
    ],
    actions=[
        {"title": "Visible action", "goal": "shared", "due": "2026-03-01"},
        {"title": "Points at the hidden goal", "goal": "hidden-goal", "due": "2026-03-02"},
        {"title": "SECRET coach-only action", "due": "2026-03-03", "coach_only": True},
        {"title": "SECRET draft action", "due": "2026-03-04", "draft": True},
        {
            "title": "Points at the draft goal",
            "goal": "draft-goal",
            "due": "2026-03-05",
            "private": "SECRET action note",
        },
    ],
    sessions=[
        session("Visible session", notes="Shared <!-- SECRET session comment --> text.", private="SECRET session note"),
        session("SECRET coach-only session", coach_only=True),
        session("SECRET draft session", draft=True, notes="SECRET draft notes"),
        session("Unterminated", notes="Keep this. <!-- SECRET unterminated comment"),
        session("Commitments", commitments=["Do it <!-- SECRET commitment comment -->"]),
    ],
    reviews=[
        {"date": "2026-03-01", "working": ["Visible working"], "private": "SECRET review note"},
        {"date": "2026-03-02", "draft": True, "adjust": ["SECRET draft adjustment"]},
        {"date": "2026-03-03", "coach_only": True, "notes": "SECRET coach-only review"},
    ],
    wins=[
        {"date": "2026-03-01", "title": "Visible win", "goal": "shared"},
        {"date": "2026-03-02", "title": "Win for the hidden goal", "goal": "hidden-goal"},
        {"date": "2026-03-03", "title": "SECRET coach-only win", "coach_only": True},
        {"date": "2026-03-04", "title": "SECRET draft win", "draft": True, "private": "SECRET draft win note"},
    ],
    closure={
        "date": "2026-12-18",
        "reflection": "A good year. <!-- SECRET closure comment -->",
        "growth_plan": ["Keep going"],
        "private": "SECRET closure note",
    },
)


@pytest.fixture(scope="module")
def everything() -> Engagement:
    return Engagement.model_validate(EVERYTHING)


@pytest.fixture(scope="module")
def view(everything: Engagement) -> Engagement:
    return client_view(everything)


# --------------------------------------------------------------------------- client_view


def test_nothing_marked_secret_survives(view: Engagement) -> None:
    dumped = view.model_dump_json()
    assert "SECRET" not in dumped
    assert "hidden-goal" not in dumped
    assert "draft-goal" not in dumped


def test_every_private_field_is_cleared(view: Engagement) -> None:
    assert view.private is None
    assert view.agreement.private is None
    assert view.stages["contracting"].private is None
    assert view.assessment is not None
    assert view.assessment.private is None
    assert view.goals[0].private is None
    assert view.closure is not None
    assert view.closure.private is None
    assert view.sessions[0].private is None
    assert view.reviews[0].private is None
    assert view.actions[2].private is None


def test_coach_only_and_draft_items_are_dropped_at_every_level(view: Engagement) -> None:
    assert view.assessment is not None
    assert [i.name for i in view.assessment.instruments] == ["Visible instrument", "Instrument with a note"]
    assert view.assessment.feedback is not None
    assert [g.group for g in view.assessment.feedback.groups] == ["Peers", "Reports"]
    assert [g.id for g in view.goals] == ["shared"]
    assert [m.value for m in view.goals[0].measurements] == [1, 3]
    assert [a.title for a in view.actions] == [
        "Visible action",
        "Points at the hidden goal",
        "Points at the draft goal",
    ]
    assert [s.focus for s in view.sessions] == ["Visible session", "Unterminated", "Commitments"]
    assert [str(r.date) for r in view.reviews] == ["2026-03-01"]
    assert [w.title for w in view.wins] == ["Visible win", "Win for the hidden goal"]


def test_goal_references_to_hidden_goals_are_cleared(view: Engagement) -> None:
    assert [a.goal for a in view.actions] == ["shared", None, None]
    assert [w.goal for w in view.wins] == ["shared", None]


def test_comments_are_stripped_from_markdown_and_text(view: Engagement) -> None:
    assert view.agreement.logistics == "Video. "
    assert view.assessment is not None
    assert view.assessment.summary == "Shared summary. "
    assert view.sessions[0].notes == "Shared  text."
    assert view.sessions[1].notes == "Keep this. "
    assert view.sessions[2].commitments == ["Do it "]
    assert view.closure is not None
    assert view.closure.reflection == "A good year. "


def test_visible_content_is_untouched(everything: Engagement, view: Engagement) -> None:
    assert view.client == everything.client
    assert view.agreement.confidentiality == "Kept between us."
    assert view.stages["contracting"].status == everything.stages["contracting"].status
    assert view.assessment is not None
    assert view.assessment.feedback is not None
    assert view.assessment.feedback.groups[0].ratings == {"Vision": 3.5}
    assert view.reviews[0].working == ["Visible working"]
    assert view.goals[0].title == "Goal shared"


def test_the_original_engagement_is_not_changed(everything: Engagement, view: Engagement) -> None:
    assert everything.private == "SECRET engagement note"
    assert len(everything.goals) == 3
    assert everything.actions[1].goal == "hidden-goal"
    assert "SECRET" in everything.model_dump_json()


def test_clean_engagement_view_equals_the_engagement() -> None:
    e = Engagement.model_validate(base(goals=[goal("g")], sessions=[session("S", notes="No comments here.")]))
    assert client_view(e) == e
    assert held_back(e) == []


# --------------------------------------------------------------------------- held_back


def test_held_back_lists_every_secret_with_its_field_and_reason(everything: Engagement) -> None:
    secrets = [(s.field, s.reason, s.text) for s in held_back(everything) if "SECRET" in s.text]
    assert secrets == [
        ("agreement.logistics", "comment", "SECRET fee detail"),
        ("agreement.private", "private", "SECRET agreement note"),
        ("stages.contracting.private", "private", "SECRET stage note"),
        ("assessment.instruments[1].name", "coach_only", "SECRET coach-only instrument"),
        ("assessment.instruments[1].summary", "coach_only", "SECRET instrument summary"),
        ("assessment.instruments[2].private", "private", "SECRET instrument note"),
        ("assessment.instruments[3].name", "draft", "SECRET draft instrument"),
        ("assessment.feedback.groups[1].group", "coach_only", "SECRET board group"),
        ("assessment.feedback.groups[1].summary", "coach_only", "SECRET board summary"),
        ("assessment.feedback.groups[1].ratings.SECRET board competency", "coach_only", "SECRET board competency"),
        ("assessment.feedback.groups[2].group", "draft", "SECRET draft group"),
        ("assessment.feedback.groups[3].private", "private", "SECRET group note"),
        ("assessment.summary", "comment", "SECRET assessment comment"),
        ("assessment.private", "private", "SECRET assessment note"),
        ("goals[0].private", "private", "SECRET goal note"),
        ("goals[0].measurements[1].note", "coach_only", "SECRET measurement note"),
        ("goals[0].measurements[2].private", "private", "SECRET reading note"),
        ("goals[1].title", "coach_only", "SECRET hidden goal"),
        ("goals[2].title", "draft", "SECRET draft goal"),
        ("actions[2].title", "coach_only", "SECRET coach-only action"),
        ("actions[3].title", "draft", "SECRET draft action"),
        ("actions[4].private", "private", "SECRET action note"),
        ("sessions[0].private", "private", "SECRET session note"),
        ("sessions[0].notes", "comment", "SECRET session comment"),
        ("sessions[1].focus", "coach_only", "SECRET coach-only session"),
        ("sessions[2].focus", "draft", "SECRET draft session"),
        ("sessions[2].notes", "draft", "SECRET draft notes"),
        ("sessions[3].notes", "comment", "SECRET unterminated comment"),
        ("sessions[4].commitments[0]", "comment", "SECRET commitment comment"),
        ("reviews[0].private", "private", "SECRET review note"),
        ("reviews[1].adjust[0]", "draft", "SECRET draft adjustment"),
        ("reviews[2].notes", "coach_only", "SECRET coach-only review"),
        ("wins[2].title", "coach_only", "SECRET coach-only win"),
        # Inherited fields (coach_only, draft, private) come before an item's own fields.
        ("wins[3].private", "draft", "SECRET draft win note"),
        ("wins[3].title", "draft", "SECRET draft win"),
        ("closure.reflection", "comment", "SECRET closure comment"),
        ("closure.private", "private", "SECRET closure note"),
        ("private", "private", "SECRET engagement note"),
    ]


def test_held_back_covers_every_secret_in_the_file(everything: Engagement) -> None:
    # Each SECRET phrase in the input is accounted for by some held-back text.
    found = " ".join(s.text for s in held_back(everything))
    phrases = {word for word in _strings(EVERYTHING) if "SECRET" in word}
    missing = [p for p in phrases if not any(part in found for part in _secret_phrases(p))]
    assert missing == []


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *_strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _secret_phrases(text: str) -> list[str]:
    start = text.index("SECRET")
    return [text[start:].split(" -->")[0]]


def test_held_back_items_include_their_ids_and_dates_as_text(everything: Engagement) -> None:
    withheld = {(s.field, s.text) for s in held_back(everything) if s.reason in ("coach_only", "draft")}
    assert ("goals[1].id", "hidden-goal") in withheld
    assert ("goals[2].id", "draft-goal") in withheld
    assert ("goals[1].unit", "points") in withheld


# --------------------------------------------------------------------------- strip_comments


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no comment", "no comment"),
        ("a <!-- b --> c", "a  c"),
        ("a <!--b--> c <!-- d --> e", "a  c  e"),
        ("a <!-- multi\nline\n--> c", "a  c"),
        ("keep <!-- runs to the end", "keep "),
        ("a <!-- x --> b <!-- runs on", "a  b "),
        ("<!---->", ""),
        ("a --> b", "a --> b"),
        ("a <! -- b --> c", "a <! -- b --> c"),
    ],
)
def test_strip_comments(text: str, expected: str) -> None:
    assert strip_comments(text) == expected


# --------------------------------------------------------------------------- identifying


def test_identifying_lists_name_org_contacts_and_sponsor() -> None:
    e = Engagement.model_validate(
        base(
            client={
                "name": "Ana Lima",
                "role": "CTO",
                "organisation": "Acme",
                "email": "ana@acme.example",
                "phone": "+44 7700 900000",
            },
            sponsor={"name": "Helen Strand", "role": "CEO", "email": "helen@acme.example"},
        )
    )
    assert identifying(e) == [
        Secret("client.name", "Ana Lima", "identity"),
        Secret("client.organisation", "Acme", "identity"),
        Secret("client.email", "ana@acme.example", "identity"),
        Secret("client.phone", "+44 7700 900000", "identity"),
        Secret("sponsor.name", "Helen Strand", "identity"),
        Secret("sponsor.email", "helen@acme.example", "identity"),
    ]


def test_identifying_without_optional_contacts() -> None:
    e = Engagement.model_validate(base(sponsor={"name": "Helen Strand", "role": "CEO"}))
    assert identifying(e) == [
        Secret("client.name", "Ana Lima", "identity"),
        Secret("client.organisation", "Acme", "identity"),
        Secret("sponsor.name", "Helen Strand", "identity"),
    ]


def test_identifying_without_sponsor() -> None:
    e = Engagement.model_validate(base())
    assert [s.field for s in identifying(e)] == ["client.name", "client.organisation"]


# --------------------------------------------------------------------------- the sample firm


@pytest.fixture(scope="module")
def sample() -> dict[str, Engagement]:
    firm = load_firm(Project(root=ROOT, content_dir=ROOT / "content", engagements_dir=ROOT / "engagements"))
    return {slug: loaded.engagement for slug, loaded in firm.engagements.items()}


def _view_text(engagement: Engagement) -> str:
    """Every string the client view holds (keys included), as the JSON would decode."""
    return "\n".join(_strings(client_view(engagement).model_dump(mode="json")))


#: Short, ordinary values inside withheld items that the client view legitimately also holds
#: (competency names, a status, a time, a stage id, a goal id). The leak audit ignores text this
#: short; anything longer or different must never appear.
DANA_SHARED_VALUES = {
    ("assessment.feedback.groups[4].ratings.Strategic thinking", "Strategic thinking"),
    ("assessment.feedback.groups[4].ratings.Delegation and empowerment", "Delegation and empowerment"),
    ("assessment.feedback.groups[4].ratings.Decision-making under pressure", "Decision-making under pressure"),
    ("assessment.feedback.groups[4].ratings.Stakeholder influence", "Stakeholder influence"),
    ("assessment.feedback.groups[4].ratings.Developing others", "Developing others"),
    ("assessment.feedback.groups[4].ratings.Composure and presence", "Composure and presence"),
    ("actions[9].goal", "step-out-of-escalations"),
    ("actions[9].status", "open"),
    ("sessions[16].time", "08:00"),
    ("sessions[16].stage", "evaluation-and-closure"),
}


def test_sample_dana_held_back_text_never_reaches_the_client_view(sample: dict[str, Engagement]) -> None:
    dana = sample["dana-whitfield"]
    text = _view_text(dana)
    dumped = client_view(dana).model_dump_json()
    secrets = held_back(dana)
    assert {s.reason for s in secrets} == {"private", "coach_only", "draft", "comment"}
    present = {(s.field, s.text) for s in secrets if s.text in text}
    assert present == DANA_SHARED_VALUES
    for secret in secrets:
        if (secret.field, secret.text) not in DANA_SHARED_VALUES:
            assert secret.text not in text, secret.field
            assert secret.text not in dumped, secret.field


def test_sample_dana_held_back_fields(sample: dict[str, Engagement]) -> None:
    fields = {(s.field, s.reason) for s in held_back(sample["dana-whitfield"])}
    for expected in [
        ("private", "private"),
        ("agreement.private", "private"),
        ("stages.assessment.private", "private"),
        ("assessment.private", "private"),
        ("assessment.instruments[1].private", "private"),
        ("assessment.feedback.groups[4].summary", "coach_only"),
        ("goals[0].measurements[3].private", "private"),
        ("goals[2].private", "private"),
        ("actions[9].title", "coach_only"),
        ("sessions[10].notes", "comment"),
        ("sessions[16].notes", "draft"),
        ("reviews[2].notes", "draft"),
    ]:
        assert expected in fields


@pytest.mark.parametrize("slug", ["dana-whitfield", "jonas-brandt", "kwame-asante", "sofia-marquez"])
def test_sample_private_and_comment_text_is_never_in_the_view(sample: dict[str, Engagement], slug: str) -> None:
    engagement = sample[slug]
    text = _view_text(engagement)
    secrets = [s for s in held_back(engagement) if s.reason in ("private", "comment")]
    assert secrets
    assert [s.field for s in secrets if s.text in text] == []


def test_a_comment_in_a_key_is_held_back_like_one_in_a_value() -> None:
    # A 360's ratings are keyed by the competency's name, which the client's chart shows.
    text = (ROOT / "engagements" / "kwame-asante.yml").read_text(encoding="utf-8")
    marked = "          Vision and direction <!-- rated low by Ruth privately -->: 4.0\n"
    text = text.replace("          Vision and direction: 4.0\n", marked, 1)
    assert marked in text
    engagement = Engagement.model_validate(yaml.safe_load(text))
    view = client_view(engagement)
    assert view.assessment is not None and view.assessment.feedback is not None
    assert list(view.assessment.feedback.groups[0].ratings) == [
        "Vision and direction",
        "Decisiveness",
        "Communication",
        "Building trust",
    ]
    assert "rated low by Ruth privately" not in repr(view.model_dump())
    assert any(s.text == "rated low by Ruth privately" and s.reason == "comment" for s in held_back(engagement))
