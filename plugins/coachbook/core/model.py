"""The domain model: a coaching program and one client's engagement.

These pydantic models are the single definition of both file formats: they
validate `content/program.yml` and `engagements/*.yml`, and they generate the
JSON Schema that editors use to complete fields while a coach types.

Every model forbids unknown keys, so a misspelt field is an error with a
"did you mean" hint instead of a value that silently never shows up. Rules
that span fields (an end before a start, a target equal to its baseline) are
not model validators: pydantic runs those only once every field is valid, so
a coach would meet them one run later. They live in `coachbook.core.rules`,
which reads the file as written and runs beside the field checks.

What is never published is decided by one rule (see `coachbook.core.visibility`):
any field named `private`, any item with `coach_only: true`, and any item with
`draft: true`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from coachbook.core.fields import (
    ClockTime,
    Email,
    GitRef,
    Identifier,
    IsoDate,
    Markdown,
    Measure,
    PositiveInt,
    SiteId,
    Text,
)

__all__ = [
    "Action",
    "ActionStatus",
    "Agreement",
    "Assessment",
    "Cadence",
    "Client",
    "Closure",
    "Coach",
    "Engagement",
    "EngagementState",
    "Feedback",
    "FeedbackGroup",
    "Goal",
    "Instrument",
    "Measurement",
    "ProcessStep",
    "Program",
    "ProgramFile",
    "Review",
    "Roles",
    "Session",
    "Sponsor",
    "Stage",
    "StageProgress",
    "StageStatus",
    "Status",
    "Win",
]


class _Model(BaseModel):
    """Base for every file-backed model: strict about keys, immutable once loaded."""

    # Attribute docstrings become field descriptions, which the JSON Schema for editors shows (`coachbook.core.schema`).
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, use_attribute_docstrings=True)


class _Shareable(_Model):
    """An item a coach can hold back from the client's site."""

    coach_only: StrictBool = False
    """Shown only in the coach view; never published to any site."""
    draft: StrictBool = False
    """Not ready to share yet; never published until the flag is removed."""
    private: Markdown | None = None
    """The coach's own notes on this item; never published."""


# --------------------------------------------------------------------------- program


class ProcessStep(_Model):
    """One step of the generic coaching process that stages map onto."""

    id: Identifier
    title: Text
    summary: Text
    recurring: StrictBool = False
    """True for a cycle that repeats inside a stage, such as "review and adjust"."""


class Stage(_Model):
    """One stage of a coaching program, in the order the client lives it."""

    id: Identifier
    number: PositiveInt
    title: Text
    summary: Text
    """One line: what the stage is for."""
    guide: Text
    """Path of the stage guide, relative to the content folder (e.g. `stages/01-contracting.md`)."""
    steps: Annotated[list[Identifier], Field(min_length=1)]
    """Ids of the process steps this stage belongs to."""
    duration: Text
    """Typical duration in words, such as "2–4 weeks"."""
    client_does: Annotated[list[Text], Field(min_length=1)]
    coach_does: Annotated[list[Text], Field(min_length=1)]
    exit_criteria: Annotated[list[Text], Field(min_length=1)]
    """The checklist that says the stage is done."""


class Program(_Model):
    """A coaching program: ordered stages mapped onto process steps."""

    id: Identifier
    title: Text
    summary: Text
    process_steps: Annotated[list[ProcessStep], Field(min_length=1)]
    stages: Annotated[list[Stage], Field(min_length=1)]

    def stage(self, stage_id: str) -> Stage:
        """Return the stage with this id (callers validate ids first)."""
        return next(s for s in self.stages if s.id == stage_id)

    def step(self, step_id: str) -> ProcessStep:
        """Return the process step with this id."""
        return next(s for s in self.process_steps if s.id == step_id)


class ProgramFile(_Model):
    """The whole of `content/program.yml`: one or more programs, the first is the default."""

    programs: Annotated[list[Program], Field(min_length=1)]


# --------------------------------------------------------------------------- people


class Client(_Model):
    """The person being coached. Their name and contacts identify them."""

    name: Text
    first_name: Text | None = None
    """How the site greets them; defaults to the first word of `name`."""
    role: Text
    organisation: Text
    email: Email | None = None
    phone: Text | None = None

    @property
    def given_name(self) -> str:
        return self.first_name or self.name.split()[0]


class Coach(_Model):
    """The coach who runs the engagement."""

    name: Text
    first_name: Text | None = None
    email: Email | None = None

    @property
    def given_name(self) -> str:
        return self.first_name or self.name.split()[0]


class Sponsor(_Model):
    """The person at the client's organisation who commissioned the coaching."""

    name: Text
    role: Text
    email: Email | None = None
    site: StrictBool = False
    """Build a sponsor site at `sponsors/<address>/`: stages reached, goal progress and sessions held, no content."""


class Cadence(_Model):
    """How often sessions happen and how long they last."""

    every_weeks: PositiveInt
    minutes: PositiveInt = 60
    format: Text | None = None
    """Where sessions happen, such as "Video call, in person once a quarter"."""


class SiteOptions(_Model):
    """How this client's private site is addressed and protected."""

    id: SiteId | None = None
    """An unguessable URL segment used instead of the slug (`coachbook site-id SLUG` makes one)."""
    encrypt: StrictBool | None = None
    """Encrypt the site in the browser with a passphrase; unset follows the firm's `encrypt` option."""


# --------------------------------------------------------------------------- agreement


class Roles(_Model):
    """Who does what, in the words of the agreement."""

    client: list[Text] = []
    coach: list[Text] = []
    sponsor: list[Text] = []


class Agreement(_Model):
    """The coaching agreement signed during contracting."""

    signed: IsoDate | None = None
    sessions: PositiveInt
    """Number of sessions agreed."""
    roles: Roles = Roles()
    confidentiality: Markdown
    logistics: Markdown
    cancellation: Markdown | None = None
    private: Markdown | None = None


# --------------------------------------------------------------------------- stages


class StageStatus(StrEnum):
    """Where the client is on one stage."""

    NOT_STARTED = "not-started"
    IN_PROGRESS = "in-progress"
    DONE = "done"


class StageProgress(_Model):
    """The coach's record of one stage: its status and when it moved."""

    status: StageStatus
    started: IsoDate | None = None
    completed: IsoDate | None = None
    private: Markdown | None = None


# --------------------------------------------------------------------------- assessment


class Instrument(_Shareable):
    """A psychometric or other assessment the client took."""

    name: Text
    date: IsoDate | None = None
    summary: Markdown | None = None


class FeedbackGroup(_Shareable):
    """360 feedback from one group of raters, summarised so no rater is identifiable."""

    group: Text
    raters: PositiveInt
    summary: Markdown | None = None
    ratings: dict[Text, Measure] = {}
    """Average rating per competency, on the feedback scale."""


class Feedback(_Model):
    """A 360-degree feedback round."""

    date: IsoDate | None = None
    scale_max: PositiveInt = 5
    competencies: list[Text] = []
    """Order in which competencies are shown; defaults to the order first rated."""
    groups: list[FeedbackGroup] = []


class Assessment(_Model):
    """What assessment and discovery found."""

    instruments: list[Instrument] = []
    strengths: list[Text] = []
    development_areas: list[Text] = []
    feedback: Feedback | None = None
    summary: Markdown | None = None
    private: Markdown | None = None


# --------------------------------------------------------------------------- goals and actions


class Measurement(_Shareable):
    """One dated reading of a goal's measure."""

    date: IsoDate
    value: Measure
    note: Markdown | None = None


class Goal(_Shareable):
    """A SMART goal with a baseline, a target and readings over time."""

    id: Identifier
    title: Text
    """The goal in one sentence, in the client's words."""
    specific: Markdown
    measurable: Markdown
    achievable: Markdown
    relevant: Markdown
    deadline: IsoDate
    """The time-bound part: when the target should be reached."""
    values: list[Text] = []
    """The client's values this goal serves."""
    baseline: Measure
    target: Measure
    unit: Text
    confidential: StrictBool = False
    """Hide the goal's wording from the sponsor view; progress is still shown."""
    measurements: list[Measurement] = []


class ActionStatus(StrEnum):
    """Where an action stands."""

    OPEN = "open"
    IN_PROGRESS = "in-progress"
    DONE = "done"
    DROPPED = "dropped"


class Action(_Shareable):
    """A step of the action plan, tied to a goal."""

    title: Text
    goal: Identifier | None = None
    due: IsoDate
    status: ActionStatus = ActionStatus.OPEN
    done_on: IsoDate | None = None
    support: list[Text] = []
    """Resources or support the client needs for it."""


# --------------------------------------------------------------------------- sessions and reviews


class Session(_Shareable):
    """A coaching session, held or planned."""

    date: IsoDate
    time: ClockTime | None = None
    minutes: PositiveInt | None = None
    """Length; defaults to the cadence's."""
    stage: Identifier
    focus: Text
    notes: Markdown | None = None
    """Shared notes, written for the client to read."""
    commitments: list[Text] = []
    cancelled: StrictBool = False


class Review(_Shareable):
    """A review-and-adjust checkpoint during implementation."""

    date: IsoDate
    working: list[Text] = []
    adjust: list[Text] = []
    notes: Markdown | None = None


class Win(_Shareable):
    """Something to celebrate."""

    date: IsoDate
    title: Text
    story: Markdown | None = None
    goal: Identifier | None = None


class Closure(_Model):
    """How the engagement ended and what comes next."""

    date: IsoDate
    reflection: Markdown
    growth_plan: Annotated[list[Text], Field(min_length=1)]
    private: Markdown | None = None


# --------------------------------------------------------------------------- status


class EngagementState(StrEnum):
    """Where the engagement as a whole stands."""

    ACTIVE = "active"
    PAUSED = "paused"
    ENDED_EARLY = "ended-early"
    COMPLETED = "completed"


class Status(_Model):
    """Where the engagement stands, when it is not simply running: paused, ended early, or completed.

    Leave `status:` out while the engagement runs; a `closure:` alone marks it completed.
    """

    state: EngagementState
    """`active`, `paused`, `ended-early` or `completed`."""
    date: IsoDate | None = None
    """For `paused`, the first day of the pause; for `ended-early`, the day the engagement ended."""
    until: IsoDate | None = None
    """For `paused`: the day sessions are planned to start again, if it is known."""
    reason: Markdown | None = None
    """Why, in words written to the client, who reads them on their dashboard (Markdown). Leave it out to say nothing;
    keep a reason for yourself under `private:` instead."""
    private: Markdown | None = None
    """The coach's own note on the pause or the early end; never published."""


# --------------------------------------------------------------------------- engagement


class Engagement(_Model):
    """One client's coaching engagement: the whole content of `engagements/<slug>.yml`."""

    program: Identifier | None = None
    """Id of the program in `content/program.yml`; defaults to the first one."""
    client: Client
    """The person being coached: name, role, organisation and how to reach them."""
    coach: Coach
    """The coach who leads the engagement."""
    sponsor: Sponsor | None = None
    """Who commissioned the coaching at the client's organisation; `site: true` builds them a progress-only site."""
    start: IsoDate
    """First day of the engagement (YYYY-MM-DD)."""
    end: IsoDate
    """Planned end of the engagement."""
    status: Status | None = None
    """Only when the engagement is paused, ended early, or completed without all its stages done; see `Status`."""
    cadence: Cadence
    """How often sessions happen and how long they last."""
    agreement: Agreement
    """What was agreed at contracting: the number of sessions, roles, confidentiality and logistics."""
    stages: dict[Identifier, StageProgress] = {}
    """Status per stage id; stages not listed have not started."""
    assessment: Assessment | None = None
    """What assessment found: instruments, strengths, development areas and the 360 feedback."""
    goals: list[Goal] = []
    """SMART goals, each with a baseline, a target and measurements over time."""
    actions: list[Action] = []
    """The action plan: what the client will do, by when, towards which goal."""
    sessions: list[Session] = []
    """Sessions held and planned, with their focus and shared notes."""
    reviews: list[Review] = []
    """Review-and-adjust checkpoints during implementation."""
    wins: list[Win] = []
    """Things to celebrate, shown on the dashboard's timeline."""
    closure: Closure | None = None
    """How the engagement ended: the date, the client's reflection and their growth plan."""
    site: SiteOptions = SiteOptions()
    """How the client's site is addressed and protected."""
    handbook: GitRef | None = None
    """Pin the stage guides and the program at a git tag, branch or commit (such as `v2026.1`).

    The client then keeps reading the handbook they signed up to while the firm improves `content/`."""
    private: Markdown | None = None
    """The coach's notes on the whole engagement; never published."""

    def session_minutes(self, session: Session) -> int:
        return session.minutes or self.cadence.minutes
