"""Where an engagement stands as a whole: active or completed, derived in one place.

The coaches' console lists and filters engagements by this status. Engagement
files record facts (stage statuses, the closure), not the status itself, so it
is derived here, from the engagement and its progress, by one pure function:
when engagement files gain a `status:` of their own (paused, ended early),
`engagement_status` is the one thing that changes.
"""

from __future__ import annotations

from enum import StrEnum

from coachbook.core.model import Engagement
from coachbook.core.progress import Progress

__all__ = ["EngagementStatus", "engagement_status"]


class EngagementStatus(StrEnum):
    """Where an engagement stands as a whole."""

    ACTIVE = "active"
    """Contracted and not yet closed, including one whose first session is still to come."""
    COMPLETED = "completed"
    """Closed: the closure is recorded, or every stage of the program is done."""


def engagement_status(engagement: Engagement, progress: Progress) -> EngagementStatus:
    """The status of `engagement` on `progress.as_of`.

    A closure dated after the as-of date does not count yet: a build as of an
    earlier date shows the engagement as it stood then.
    """
    closed_on = engagement.closure.date if engagement.closure else None
    if progress.closed or (closed_on is not None and closed_on <= progress.as_of):
        return EngagementStatus.COMPLETED
    return EngagementStatus.ACTIVE
