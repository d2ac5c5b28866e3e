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
    LanguageTag,
    Markdown,
    Measure,
    Minutes,
    PositiveInt,
    SessionCount,
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
    "EngagementState",
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
    "Status",
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
    """The step's name in this language."""
    summary: Text | None = None
    """What happens in this step, in this language."""


class ProcessStep(_Model):
    """One step of the generic coaching process that stages map onto."""

    id: Identifier
    """The step's id, lower-case words joined by hyphens; stages name it in `steps`."""
    title: Text
    """The step's name as clients read it, such as "Goal setting"."""
    summary: Text
    """One sentence: what happens in this step."""
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
    """The stage's name in this language, in the menu and on every page."""
    summary: Text | None = None
    """What the stage is for, in one line in this language."""
    duration: Text | None = None
    """How long the stage usually takes, in words of this language."""
    client_does: Annotated[list[Text], Field(min_length=1)] | None = None
    """What the client does in this stage, one item per line, in this language (all of them, or none)."""
    coach_does: Annotated[list[Text], Field(min_length=1)] | None = None
    """What the coach does in this stage, one item per line, in this language (all of them, or none)."""
    exit_criteria: Annotated[list[Text], Field(min_length=1)] | None = None
    """How the client and coach know the stage is done, one item per line, in this language (all, or none)."""


class Stage(_Model):
    """One stage of a coaching program, in the order the client lives it."""

    id: Identifier
    """The stage's id, lower-case words joined by hyphens; engagements name it under `stages:` and in sessions."""
    number: PositiveInt
    """The stage's place in the list: 1 for the first stage, 2 for the next, and so on."""
    title: Text
    """The stage's name as clients read it, in the menu and on every page."""
    summary: Text
    """One line: what the stage is for."""
    guide: Text
    """Path of the stage guide, relative to the content folder (e.g. `stages/01-contracting.md`)."""
    steps: Annotated[list[Identifier], Field(min_length=1)]
    """Ids of the process steps this stage belongs to."""
    duration: Text
    """Typical duration in words, such as "2–4 weeks"."""
    client_does: Annotated[list[Text], Field(min_length=1)]
    """What the client does in this stage, one item per line; the dashboard lists it."""
    coach_does: Annotated[list[Text], Field(min_length=1)]
    """What the coach does in this stage, one item per line."""
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
    """The program's name in this language."""
    summary: Text | None = None
    """What the program is for, in a sentence or two of this language."""


class Theme(_Model):
    """A development theme the firm names, so that development areas can be counted across clients.

    An engagement tags its assessment with theme ids (`assessment.themes`); a cohort report for a
    sponsoring organisation counts how many of its leaders work on each theme, in the firm's words,
    never in the client's.
    """

    id: Identifier
    """The theme's id, lower-case words joined by hyphens; an engagement names it under `assessment.themes`."""
    title: Text
    """The theme's name as a cohort report shows it, such as "Delegation and empowerment"."""


class Program(_Model):
    """A coaching program: ordered stages mapped onto process steps."""

    id: Identifier
    """The program's id; an engagement names it with `program:`."""
    title: Text
    """The program's name as clients read it, such as "Executive Coaching Programme"."""
    summary: Text
    """A sentence or two on what the program is for."""
    process_steps: Annotated[list[ProcessStep], Field(min_length=1)]
    """The generic coaching process the stages map onto, in order."""
    stages: Annotated[list[Stage], Field(min_length=1)]
    """The stages in the order a client lives them; each has its guide."""
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
    """One or more programs; the first is the default for engagements that name none."""


# --------------------------------------------------------------------------- people


class Client(_Model):
    """The person being coached. Their name and contacts identify them."""

    name: Text
    """The client's full name, as their site shows it."""
    first_name: Text | None = None
    """How the site greets them; defaults to the first word of `name`."""
    role: Text
    """The client's job title, such as "Chief Operating Officer"."""
    organisation: Text
    """Where the client works."""
    email: Email | None = None
    """The client's email address; shown only on their own site, never on another's."""
    phone: Text | None = None
    """The client's phone number, in quotes, such as "+44 7700 900000"."""

    @property
    def given_name(self) -> str:
        return self.first_name or self.name.split()[0]


class Coach(_Model):
    """The coach who runs the engagement."""

    name: Text
    """The coach's full name, as the client's site shows it."""
    first_name: Text | None = None
    """How pages refer to the coach; defaults to the first word of `name`."""
    email: Email | None = None
    """The coach's email address, shown on the client's dashboard."""

    @property
    def given_name(self) -> str:
        return self.first_name or self.name.split()[0]


class Sponsor(_Model):
    """The person at the client's organisation who commissioned the coaching."""

    name: Text
    """The sponsor's full name."""
    role: Text
    """The sponsor's job title, such as "Chief People Officer"."""
    email: Email | None = None
    """The sponsor's email address; never shown on any site."""
    site: StrictBool = False
    """Build a sponsor site at `sponsors/<address>/`: stages reached, goal progress and sessions held, no content."""
    language: LanguageTag | None = None
    """The language of the sponsor site, such as `en` or `fr`; defaults to the client's."""


class Cadence(_Model):
    """How often sessions happen and how long they last."""

    every_weeks: PositiveInt
    """How many weeks between sessions: 1 for weekly, 2 for every other week."""
    minutes: Minutes = 60
    """How long a session lasts, in minutes (60 when left out, at most 1,440: a day)."""
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
    """What the client agreed to do, one item per line."""
    coach: list[Text] = []
    """What the coach agreed to do, one item per line."""
    sponsor: list[Text] = []
    """What the sponsor agreed to do, one item per line."""


class Agreement(_Model):
    """The coaching agreement signed during contracting."""

    signed: IsoDate | None = None
    """The day the agreement was signed (YYYY-MM-DD)."""
    sessions: SessionCount
    """Number of sessions agreed, at most 500."""
    roles: Roles = Roles()
    """Who does what: lists for `client`, `coach` and `sponsor`."""
    confidentiality: Markdown
    """Who hears what, and the limits of confidentiality, written to the client (Markdown)."""
    logistics: Markdown
    """When, where and how sessions happen (Markdown)."""
    cancellation: Markdown | None = None
    """How to move or cancel a session, and what happens with late notice (Markdown)."""
    private: Markdown | None = None
    """The coach's own notes on the agreement, such as fees; never published."""


# --------------------------------------------------------------------------- stages


class StageStatus(StrEnum):
    """Where the client is on one stage."""

    NOT_STARTED = "not-started"
    IN_PROGRESS = "in-progress"
    DONE = "done"


class StageProgress(_Model):
    """The coach's record of one stage: its status and when it moved."""

    status: StageStatus
    """`not-started`, `in-progress` or `done`."""
    started: IsoDate | None = None
    """The day the stage began (YYYY-MM-DD)."""
    completed: IsoDate | None = None
    """The day the stage was done (YYYY-MM-DD); required once `status` is `done`."""
    private: Markdown | None = None
    """The coach's own notes on this stage; never published."""


# --------------------------------------------------------------------------- assessment


class Instrument(_Shareable):
    """A psychometric or other assessment the client took."""

    name: Text
    """The instrument's name, such as "Hogan Leadership Forecast"."""
    date: IsoDate | None = None
    """When the client took it (YYYY-MM-DD)."""
    summary: Markdown | None = None
    """What it showed, written to the client (Markdown)."""


class FeedbackGroup(_Shareable):
    """360 feedback from one group of raters, summarised so no rater is identifiable."""

    group: Text
    """Who the raters are, such as "Peers" or "Direct reports"; never name a rater."""
    raters: PositiveInt
    """How many people in this group gave feedback."""
    summary: Markdown | None = None
    """What this group said, summarised so that no rater can be recognised (Markdown)."""
    ratings: dict[Text, Measure] = {}
    """Average rating per competency, on the feedback scale."""


class Feedback(_Model):
    """A 360-degree feedback round."""

    date: IsoDate | None = None
    """When the feedback was collected (YYYY-MM-DD)."""
    scale_max: PositiveInt = 5
    """The top of the rating scale: 5 for ratings from 1 to 5."""
    competencies: list[Text] = []
    """Order in which competencies are shown; defaults to the order first rated."""
    groups: list[FeedbackGroup] = []
    """One entry per group of raters, each with its average ratings."""


class Assessment(_Model):
    """What assessment and discovery found."""

    instruments: list[Instrument] = []
    """The psychometric and other assessments the client took, each with its summary."""
    strengths: list[Text] = []
    """The client's strengths, one per line."""
    development_areas: list[Text] = []
    """What the client wants to develop, one per line."""
    themes: list[Identifier] = []
    """Ids of the program's development themes (`themes:` in `content/program.yml`) the development areas fall
    under; a cohort report counts them, in the firm's words."""
    feedback: Feedback | None = None
    """A 360 feedback round: its date, scale, competencies and rater groups."""
    summary: Markdown | None = None
    """What assessment found, in a few sentences written to the client (Markdown)."""
    private: Markdown | None = None
    """The coach's own notes on the assessment; never published."""


# --------------------------------------------------------------------------- goals and actions


class Measurement(_Shareable):
    """One dated reading of a goal's measure."""

    date: IsoDate
    """The day of the reading (YYYY-MM-DD)."""
    value: Measure
    """The reading, a plain number in the goal's `unit`, between -1,000,000,000 and 1,000,000,000."""
    note: Markdown | None = None
    """What lies behind the reading, for the client (Markdown)."""


class Goal(_Shareable):
    """A SMART goal with a baseline, a target and readings over time."""

    id: Identifier
    """The goal's id, lower-case words joined by hyphens; actions and wins name it in `goal`."""
    title: Text
    """The goal in one sentence, in the client's words."""
    specific: Markdown
    """SMART, Specific: exactly what will be different (Markdown)."""
    measurable: Markdown
    """SMART, Measurable: how progress is measured, and by whom (Markdown)."""
    achievable: Markdown
    """SMART, Achievable: why it is within reach, and what makes it so (Markdown)."""
    relevant: Markdown
    """SMART, Relevant: why it matters to the client and their organisation (Markdown)."""
    deadline: IsoDate
    """The time-bound part: when the target should be reached."""
    values: list[Text] = []
    """The client's values this goal serves."""
    baseline: Measure
    """Where the measure stood when the goal was set, a plain number in `unit`."""
    target: Measure
    """Where the measure should be by the deadline; below the baseline when less is better."""
    unit: Text
    """What the numbers count, such as "hours a week" or "points out of 5"."""
    confidential: StrictBool = False
    """Hide the goal's wording from the sponsor view; progress is still shown."""
    measurements: list[Measurement] = []
    """Readings over time, each with its date and value; the charts draw them."""


class ActionStatus(StrEnum):
    """Where an action stands."""

    OPEN = "open"
    IN_PROGRESS = "in-progress"
    DONE = "done"
    DROPPED = "dropped"


class Action(_Shareable):
    """A step of the action plan, tied to a goal."""

    title: Text
    """What the client will do, in one sentence."""
    goal: Identifier | None = None
    """The id of the goal this action serves."""
    due: IsoDate
    """The day the client plans to have it done (YYYY-MM-DD)."""
    status: ActionStatus = ActionStatus.OPEN
    """`open`, `in-progress`, `done` or `dropped`."""
    done_on: IsoDate | None = None
    """The day it was done (YYYY-MM-DD); only when `status` is `done`."""
    support: list[Text] = []
    """Resources or support the client needs for it."""


# --------------------------------------------------------------------------- sessions and reviews


class Session(_Shareable):
    """A coaching session, held or planned."""

    date: IsoDate
    """The day of the session (YYYY-MM-DD)."""
    time: ClockTime | None = None
    """When it starts, in quotes as HH:MM, such as "09:30"."""
    minutes: Minutes | None = None
    """Length in minutes, at most 1,440 (a day); defaults to the cadence's."""
    stage: Identifier
    """The id of the stage the session belongs to."""
    focus: Text
    """What the session is about, in one line."""
    notes: Markdown | None = None
    """Shared notes, written for the client to read."""
    commitments: list[Text] = []
    """What the client committed to before the next session, one per line."""
    cancelled: StrictBool = False
    """True for a session that did not happen; it is listed as cancelled and not counted."""


class Review(_Shareable):
    """A review-and-adjust checkpoint during implementation."""

    date: IsoDate
    """The day of the review (YYYY-MM-DD)."""
    working: list[Text] = []
    """What is working, one item per line."""
    adjust: list[Text] = []
    """What to change, one item per line."""
    notes: Markdown | None = None
    """Anything else from the review, for the client (Markdown)."""


class Win(_Shareable):
    """Something to celebrate."""

    date: IsoDate
    """The day it happened (YYYY-MM-DD)."""
    title: Text
    """What happened, in one line."""
    story: Markdown | None = None
    """The story behind it, for the client (Markdown)."""
    goal: Identifier | None = None
    """The id of the goal it moved, if any."""


class Closure(_Model):
    """How the engagement ended and what comes next."""

    date: IsoDate
    """The day the engagement closed (YYYY-MM-DD); from that day the site says it is complete."""
    reflection: Markdown
    """Looking back on the engagement, written to the client (Markdown)."""
    growth_plan: Annotated[list[Text], Field(min_length=1)]
    """What the client will keep doing after coaching, one item per line."""
    private: Markdown | None = None
    """The coach's own notes on the closure; never published."""


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
    status: Status | None = None
    """Only when the engagement is paused, ended early, or completed without all its stages done; see `Status`."""
    cadence: Cadence
    """How often sessions happen (`every_weeks`), how long they last (`minutes`) and where (`format`)."""
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

    def session_minutes(self, session: Session) -> int:
        return session.minutes or self.cadence.minutes
