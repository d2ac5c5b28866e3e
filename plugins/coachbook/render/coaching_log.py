"""The ICF coaching log as a file: CSV in the columns of ICF's client coaching log, or a Markdown document.

The CSV has the columns of ICF's client coaching log template, one row per
client who agreed to be named, then one row per organisation whose
confidentiality policy keeps its clients' names out (its verification letter
covers them), one row counting the clients left off, and a total. The
Markdown document says the same in sections a coach can read before sending.
Hours are written to two decimals; totals are added up in minutes, so they
never drift from the sessions.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence

from coachbook.core.coaching_log import CoachingLog, Hours, OrganisationGroup

__all__ = ["COLUMNS", "hours", "log_csv", "log_markdown"]

#: The columns of ICF's client coaching log.
COLUMNS = (
    "Client name",
    "Contact information",
    "Individual/Group",
    "Number in group",
    "Start date",
    "End date",
    "Paid hours",
    "Pro bono hours",
)


def hours(minutes: int) -> str:
    """Minutes as hours to two decimals: 90 → `1.50`."""
    return f"{minutes / 60:.2f}"


def _date(day: dt.date | None) -> str:
    return day.isoformat() if day else "ongoing"


def _kind(group: OrganisationGroup) -> str:
    if group.group_clients == 0:
        return "Individual"
    return "Group" if group.group_clients == group.clients else "Individual and group"


def _period(log: CoachingLog) -> str:
    start = f"from {log.start.isoformat()}" if log.start else "from the first session"
    return f"{start} to {log.end.isoformat()}"


def log_csv(log: CoachingLog) -> str:
    """The log as CSV, in the columns of ICF's client coaching log."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for entry in log.listed:
        contact = "; ".join(part for part in (entry.email, entry.phone) if part)
        kind = "Group" if entry.group else "Individual"
        number = str(entry.group_size) if entry.group else ""
        paid, pro_bono = hours(entry.minutes.paid), hours(entry.minutes.pro_bono)
        writer.writerow((entry.name, contact, kind, number, entry.start.isoformat(), _date(entry.end), paid, pro_bono))
    for group in log.organisations:
        name = f"{group.organisation} ({group.clients} client(s) under its confidentiality policy; verification letter)"
        writer.writerow(
            (
                name,
                "",
                _kind(group),
                "",
                group.start.isoformat(),
                _date(group.end),
                hours(group.minutes.paid),
                hours(group.minutes.pro_bono),
            )
        )
    if log.unlisted_clients:
        name = f"Not listed: {log.unlisted_clients} client(s) who have not agreed to be named"
        writer.writerow((name, "", "", "", "", "", hours(log.unlisted.paid), hours(log.unlisted.pro_bono)))
    totals = log.totals
    writer.writerow((f"Total: {log.clients} client(s)", "", "", "", "", "", hours(totals.paid), hours(totals.pro_bono)))
    return out.getvalue()


def _cell(text: str) -> str:
    # A pipe would end a Markdown table cell; a line break would end the row.
    return " ".join(text.replace("|", "\\|").split())


def _hours_row(label: str, minutes: Hours) -> str:
    return f"| {label} | {hours(minutes.paid)} | {hours(minutes.pro_bono)} | {hours(minutes.total)} |"


def log_markdown(logs: Sequence[CoachingLog]) -> str:
    """One Markdown document with each coach's log, in the order given."""
    return "\n".join(_markdown(log) for log in logs)


def _markdown(log: CoachingLog) -> str:
    lines = [
        f"# Client coaching log: {_cell(log.coach)}",
        "",
        f"Sessions held {_period(log)}; cancelled sessions are not counted. Hours are paid or pro bono as each "
        "engagement records it.",
        "",
        "## Clients named with their consent",
        "",
    ]
    if log.listed:
        lines += [
            "| Client | Contact | Individual or group | Start | End | Sessions | Paid hours | Pro bono hours |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for e in log.listed:
            contact = "; ".join(part for part in (e.email, e.phone) if part)
            kind = f"Group of {e.group_size}" if e.group else "Individual"
            lines.append(
                f"| {_cell(e.name)} | {_cell(contact)} | {kind} | {e.start.isoformat()} | {_date(e.end)} | "
                f"{e.sessions} | {hours(e.minutes.paid)} | {hours(e.minutes.pro_bono)} |"
            )
    else:
        lines.append("None in this period.")
    lines += ["", "## Clients coached under an organisation's confidentiality policy", ""]
    if log.organisations:
        lines += [
            "Ask each organisation for a letter confirming these hours; their names stay out of the log.",
            "",
            "| Organisation | Clients | Individual or group | Start | End | Sessions | Paid hours | Pro bono hours |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for g in log.organisations:
            lines.append(
                f"| {_cell(g.organisation)} | {g.clients} | {_kind(g)} | {g.start.isoformat()} | {_date(g.end)} | "
                f"{g.sessions} | {hours(g.minutes.paid)} | {hours(g.minutes.pro_bono)} |"
            )
    else:
        lines.append("None in this period.")
    lines += ["", "## Clients not listed", ""]
    if log.unlisted_clients:
        lines.append(
            f"{log.unlisted_clients} client(s) have not agreed to be named, so they are left off the log and only "
            f"counted: {log.unlisted_sessions} session(s), {hours(log.unlisted.total)} hours. Record their consent "
            "with `coaching_log: listed` in their engagement file to list them."
        )
    else:
        lines.append("None.")
    lines += [
        "",
        "## Totals",
        "",
        "| | Paid hours | Pro bono hours | All hours |",
        "|---|---|---|---|",
        _hours_row(f"{log.clients} client(s), {log.sessions} session(s)", log.totals),
        "",
    ]
    return "\n".join(lines)
