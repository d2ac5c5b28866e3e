"""Whose published versions these are: a client who is given a former client's slug never inherits their versions.

A client's address is their slug (or their `site.id`), and so is where their
published versions live. When a client's engagement file is deleted rather
than forgotten (`coachbook forget`), their versions stay under that address,
and a new client given the same slug would take them over: the version
selector of the new client's site would list the former client's whole site,
and "What changed" would compare the new client's plan with the former
client's, listing their goals and actions as gone. The audit cannot catch
either: the former client's strings are no longer in any engagement.

Each published version's snapshot (`coachbook.core.snapshots`, kept outside the
served tree) holds the client view it was built from, and so the client's
name and contacts. `require_own_versions` compares them with the client about
to be published or exported and refuses a tree whose versions were someone
else's. A person is the same if their name, email or phone number is: a
client who changes their name keeps their email, and the reverse. A version
whose snapshot is missing (published on another computer, before its commit
was recorded) cannot be told apart and is taken as theirs.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from coachbook.core.identity import same_person
from coachbook.core.model import Client
from coachbook.core.snapshots import read_snapshot
from coachbook.core.versions import Version
from coachbook.errors import CoachbookError

__all__ = ["foreign_versions", "require_own_versions", "same_person"]


def foreign_versions(versions: Iterable[Version], snapshots: Path, client: Client) -> list[str]:
    """The names of the versions whose snapshot (in the folder `snapshots`) was of a person other than `client`."""
    foreign = []
    for version in versions:
        snapshot = read_snapshot(snapshots / f"{version.name}.json")
        if snapshot is not None and not same_person(snapshot.engagement.client, client):
            foreign.append(version.name)
    return foreign


def require_own_versions(
    versions: Iterable[Version], snapshots: Path, client: Client, *, slug: str, where: str, doing: str
) -> None:
    """Refuse to go on (`doing`) when any of `versions`, published at `where`, was another client's.

    Raises:
        CoachbookError: Naming the versions, and the two ways out: another slug for the new client, or
            the former client's versions unpublished.
    """
    foreign = foreign_versions(versions, snapshots, client)
    if not foreign:
        return
    listed = ", ".join(repr(name) for name in foreign)
    raise CoachbookError(
        f"{slug}: {where} holds versions published for another client ({listed}), who had this slug before; "
        f"{doing} would show them to {client.name}. Give the new client another slug (rename their engagement "
        f"file), or remove the former client's versions first with `coachbook unpublish {slug} VERSION`, "
        f"or `coachbook forget {slug}` before creating the new engagement"
    )
