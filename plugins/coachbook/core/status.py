"""Where an engagement stands as a whole on a given day: active, paused, ended early or completed.

Real engagements do not all run to their planned end. A client goes on leave
and comes back; another stops after seven sessions when a new role begins.
The coach records that once, under `status:` in the engagement file (or with
a `closure:`, which completes it), and every page, the sponsor's site and the
calendar take the same answer from here, so none of them tells a paused client
their actions are overdue or an early leaver that they finished every stage.

`engagement_status` is pure: the same engagement and day always give the same
status, which keeps a build reproducible with `--as-of`. A pause or an early
end written with a date still to come does not apply before that date, and a
pause is over on its `until` day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from coachbook.core.model import Engagement, EngagementState

__all__ = ["EngagementState", "EngagementStatus", "engagement_status"]


@dataclass(frozen=True)
class EngagementStatus:
    """The engagement's standing on one day, and what it implies for the pages."""

    state: EngagementState
    since: dt.date | None = None
    """The day this state began: the first day of the pause, the day of the early end, the closure's date."""
    until: dt.date | None = None
    """Paused: the day sessions are planned to start again, if the coach wrote one."""
    reason: str | None = None
    """Paused or ended early: the words the client reads about it (Markdown, from the client view)."""

    @property
    def ended(self) -> bool:
        """The engagement is over, early or as planned: nothing more is booked, nothing is due."""
        return self.state in (EngagementState.ENDED_EARLY, EngagementState.COMPLETED)

    @property
    def expects_sessions(self) -> bool:
        """Sessions are happening now, so a missing next session is worth a word."""
        return self.state is EngagementState.ACTIVE

    @property
    def counts_overdue(self) -> bool:
        """A date that passed means an action slipped; not while coaching is paused, nor after it ended."""
        return self.state is EngagementState.ACTIVE

    def keeps(self, day: dt.date) -> bool:
        """Whether something planned for `day` still stands: not after an engagement that ended early ended."""
        return not (self.state is EngagementState.ENDED_EARLY and self.since is not None and day > self.since)


def engagement_status(engagement: Engagement, as_of: dt.date) -> EngagementStatus:
    """The status of `engagement` on `as_of`.

    * `ended-early` from its date on;
    * `paused` from its date until the day before `until` (with no `until`, from its date on);
    * `completed` once the closure's date is reached (a `closure:` alone marks an engagement completed);
    * `active` otherwise: before any of those dates, and once a pause is over.
    """
    written = engagement.status
    state = written.state if written is not None else None
    if written is not None and state is EngagementState.ENDED_EARLY and written.date is not None:
        if written.date <= as_of:
            return EngagementStatus(state, since=written.date, reason=written.reason or None)
        return EngagementStatus(EngagementState.ACTIVE)
    if written is not None and state is EngagementState.PAUSED and written.date is not None:
        if written.date <= as_of and (written.until is None or as_of < written.until):
            return EngagementStatus(state, since=written.date, until=written.until, reason=written.reason or None)
        return EngagementStatus(EngagementState.ACTIVE)
    closure = engagement.closure
    if closure is not None and state in (None, EngagementState.COMPLETED):
        if closure.date <= as_of:
            return EngagementStatus(EngagementState.COMPLETED, since=closure.date)
        return EngagementStatus(EngagementState.ACTIVE)
    return EngagementStatus(EngagementState.ACTIVE)
