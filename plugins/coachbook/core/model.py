"""The domain model: a coaching program and one client's engagement.

These pydantic models are the single definition of both file formats: they
validate `content/program.yml` and `engagements/*.yml`, and they generate the
JSON Schema that editors use to complete fields while a coach types.

Every model forbids unknown keys, so a misspelt field is an error with a
"did you mean" hint instead of a value that silently never shows up.

What is never published is decided by one rule (see `coachbook.core.visibility`):
any field named `private`, any item with `coach_only: true`, and any item with
`draft: true`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from coachbook.core.fields import (
    ClockTime,
    Email,
    GitRef,
    Identifier,
    IsoDate,
    LanguageTag,
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
    "CoachingLogListing",
    "Engagement",
    "Feedback",
    "FeedbackGroup",
    "Goal",
    "Instrument",
    "Measurement",
    "ProcessStep",
    "ProcessStepText",
    "Program",
    "ProgramFile",
    "ProgramText",
    "Review",
    "Roles",
    "Session",
    "Sponsor",
    "Stage",
    "StageProgress",
    "StageRole",
    "StageStatus",
    "StageText",
    "Theme",
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


class ProcessStepText(_Model):
    """A process step's words in another language; what is left out stays in the firm's default language."""

    title: Text | None = None
    summary: Text | None = None


class ProcessStep(_Model):
    """One step of the generic coaching process that stages map onto."""

    id: Identifier
    title: Text
    summary: Text
    recurring: StrictBool = False
    """True for a cycle that repeats inside a stage, such as "review and adjust"."""
    translations: dict[LanguageTag, ProcessStepText] = {}
    """The step's title and summary in other languages, by language tag (`de`, `pt-BR`)."""


class StageRole(StrEnum):
    """What a stage does in the coaching journey, so a client's pages can name the stage their program has for it.

    A goals page with no goals yet says which stage of the client's own program will set them, whatever the
    firm calls that stage.
    """

    ASSESSMENT = "assessment"
    GOAL_SETTING = "goal-setting"
    ACTION_PLANNING = "action-planning"
    IMPLEMENTATION = "implementation"
    CLOSURE = "closure"


class StageText(_Model):
    """A stage's words in another language; what is left out stays in the firm's default language."""

    title: Text | None = None
    summary: Text | None = None
    duration: Text | None = None
    client_does: Annotated[list[Text], Field(min_length=1)] | None = None
    coach_does: Annotated[list[Text], Field(min_length=1)] | None = None
    exit_criteria: Annotated[list[Text], Field(min_length=1)] | None = None


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
    role: StageRole | None = None
    """What the stage does in the journey (`assessment`, `goal-setting`, `action-planning`, `implementation`,
    `closure`), so client pages can point to it by its own title; a stage whose id is a role has that role."""
    translations: dict[LanguageTag, StageText] = {}
    """The stage's words in other languages, by language tag (`de`, `pt-BR`)."""


class ProgramText(_Model):
    """A program's title and summary in another language."""

    title: Text | None = None
    summary: Text | None = None


class Theme(_Model):
    """A development theme the firm names, so that development areas can be counted across clients.

    An engagement tags its assessment with theme ids (`assessment.themes`); a cohort report for a
    sponsoring organisation counts how many of its leaders work on each theme, in the firm's words,
    never in the client's.
    """

    id: Identifier
    title: Text


class Program(_Model):
    """A coaching program: ordered stages mapped onto process steps."""

    id: Identifier
    title: Text
    summary: Text
    process_steps: Annotated[list[ProcessStep], Field(min_length=1)]
    stages: Annotated[list[Stage], Field(min_length=1)]
    themes: list[Theme] = []
    """Development themes engagements tag their assessment with (`assessment.themes`), for cohort reports."""
    translations: dict[LanguageTag, ProgramText] = {}
    """The program's title and summary in other languages, by language tag (`de`, `pt-BR`)."""

    def stage(self, stage_id: str) -> Stage:
        """Return the stage with this id (callers validate ids first)."""
        return next(s for s in self.stages if s.id == stage_id)

    def step(self, step_id: str) -> ProcessStep:
        """Return the process step with this id."""
        return next(s for s in self.process_steps if s.id == step_id)

    def stage_for(self, role: StageRole | str) -> Stage | None:
        """The stage that plays `role` in this program: the one that says so, else the one whose id is the role."""
        wanted = StageRole(role)
        return next((s for s in self.stages if s.role is wanted), None) or next(
            (s for s in self.stages if s.role is None and s.id == wanted.value), None
        )


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
    language: LanguageTag | None = None
    """The language of the sponsor site, such as `en` or `fr`; defaults to the client's."""


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

    @model_validator(mode="after")
    def _dates_match_status(self) -> StageProgress:
        if self.status is StageStatus.DONE and self.completed is None:
            raise ValueError("a stage marked done needs a `completed` date")
        if self.status is StageStatus.NOT_STARTED and (self.started or self.completed):
            raise ValueError("a stage that has not started cannot have `started` or `completed` dates")
        if self.started and self.completed and self.completed < self.started:
            raise ValueError("`completed` is before `started`")
        return self


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
    themes: list[Identifier] = []
    """Ids of the program's development themes (`themes:` in `content/program.yml`) the development areas fall
    under; a cohort report counts them, in the firm's words."""
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

    @model_validator(mode="after")
    def _target_differs(self) -> Goal:
        if self.baseline == self.target:
            raise ValueError("`target` equals `baseline`, so progress cannot be measured")
        return self


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

    @model_validator(mode="after")
    def _done_on_matches(self) -> Action:
        if self.done_on is not None and self.status is not ActionStatus.DONE:
            raise ValueError("`done_on` is set but `status` is not `done`")
        return self


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


# --------------------------------------------------------------------------- the coach's log


class CoachingLogListing(StrEnum):
    """How a client appears in their coach's ICF coaching log (`coachbook hours`)."""

    LISTED = "listed"
    """By name and email: the client agreed to be listed."""
    ORGANISATION = "organisation"
    """Under their organisation's name only: its confidentiality policy forbids naming them; the organisation
    can confirm the hours in a verification letter."""
    UNLISTED = "unlisted"
    """Left off the log and only counted: the client has not agreed to be listed."""


# --------------------------------------------------------------------------- engagement


class Engagement(_Model):
    """One client's coaching engagement: the whole content of `engagements/<slug>.yml`."""

    program: Identifier | None = None
    """Id of the program in `content/program.yml`; defaults to the first one."""
    language: LanguageTag | None = None
    """The language of the client's site, such as `de`, `ar` or `pt-BR`; defaults to the firm's `theme.language`."""
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
    pro_bono: StrictBool = False
    """Coached without a fee: the coach's ICF log counts its hours as pro bono."""
    group_size: PositiveInt = 1
    """How many people are coached together in each session; 1 for individual coaching (the ICF log's
    "individual or group")."""
    coaching_log: CoachingLogListing = CoachingLogListing.UNLISTED
    """How the client appears in the coach's ICF coaching log: `listed` (by name and email, with their consent),
    `organisation` (under their organisation's name, as its confidentiality policy requires), or `unlisted` (left
    off and only counted; the default until the client agrees)."""

    @model_validator(mode="after")
    def _end_after_start(self) -> Engagement:
        if self.end < self.start:
            raise ValueError("`end` is before `start`")
        return self

    def session_minutes(self, session: Session) -> int:
        return session.minutes or self.cadence.minutes
