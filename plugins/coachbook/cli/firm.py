"""`coachbook hours`, `export` and `forget`: the coach's ICF log, and a client's right to their data."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import click

from coachbook.cli.dates import IsoDate
from coachbook.cli.support import (
    Options,
    engagement_or_fail,
    fail,
    load_or_fail,
    no_wait_option,
    project_of,
    quiet_mkdocs,
    reported,
    say_waiting,
    shown,
    sites_of,
)
from coachbook.core.project import Project

__all__ = ["export", "forget", "hours"]

HOURS_HELP = """Write a coach's client coaching log in the shape the ICF credential application asks for.

\b
Per client: name and contact, individual or group (and the number in the
group), the start and end of the coaching relationship, and paid and pro
bono hours, from the sessions held (cancelled ones are not counted).
Clients are named only with their consent (`coaching_log: listed`); those
coached under their organisation's confidentiality policy
(`coaching_log: organisation`) are grouped per organisation, for its
verification letter; everyone else is left off and only counted.

\b
Without --coach, every coach's log is written (Markdown only: a CSV is one
coach's). The log holds clients' names and emails: keep it out of site/
and published/.
"""

EXPORT_HELP = """Write one archive with everything Coachbook holds about SLUG that may be shared with them.

\b
The engagement as the client may see it (YAML and JSON), their site (working
opened from disk), every published version of it, and their calendar. It
is audited like their own site, so nothing held back by the coach-only rule
is in it, and written to exports/<slug>-data.zip unless --output says otherwise.
"""

FORGET_HELP = """Remove every copy Coachbook made of SLUG, after confirmation.

\b
The engagement file, their site and sponsor site, every published version
and its versions.json, snapshots, bundles and exports, the build cache of
audit strings, cached handbook exports, passphrases and password files; the
console and their organisation's cohort report are removed too and rebuilt
without them by the next `coachbook build`. It then prints what it could not
remove (git history, copies already deployed) and the commands to do so.
"""


def _private_output(project: Project, output: Path, what: str) -> None:
    """Refuse to write client data where it would be served."""
    target = output.resolve()
    for folder in (project.root / "site", project.published):
        if target.is_relative_to(folder.resolve()):
            fail(f"refusing to write {what} into {shown(folder)}/: everything there is served; choose another place")


@click.command(help=HOURS_HELP)
@click.option("--coach", "coach_name", metavar="NAME", help="The coach whose log to write (name, any capitals).")
@click.option("--from", "start", type=IsoDate(), help="Count sessions from this date.")
@click.option("--to", "end", type=IsoDate(), help="Count sessions up to this date.")
@click.option(
    "--as-of",
    type=IsoDate(),
    help="Sessions before this date have been held (default: today), so a log can be reproduced.",
)
@click.option(
    "--format", "output_format", type=click.Choice(["md", "csv"]), default="md", show_default=True, help="Output."
)
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write here, not to stdout.")
@click.pass_obj
def hours(
    opts: Options,
    coach_name: str | None,
    start: dt.datetime | None,
    end: dt.datetime | None,
    as_of: dt.datetime | None,
    output_format: str,
    output: Path | None,
) -> None:
    with reported(opts):
        from coachbook.core.coaching_log import coaches, coaching_log
        from coachbook.core.files import write_atomic
        from coachbook.core.validation import did_you_mean
        from coachbook.render.coaching_log import log_csv, log_markdown

        project = project_of(opts.config_file)
        firm = load_or_fail(project)
        engagements = list(firm.engagements.values())
        known = coaches(engagements)
        if coach_name is not None:
            wanted = " ".join(coach_name.split()).casefold()
            chosen = [name for name in known if " ".join(name.split()).casefold() == wanted]
            if not chosen:
                hint = did_you_mean(coach_name, known)
                fail(f"no engagement is coached by {coach_name!r}; {hint or 'coaches: ' + ', '.join(known)}")
        elif output_format == "csv" and len(known) > 1:
            fail(f"a CSV log is one coach's; name one with --coach ({', '.join(known)})")
        else:
            chosen = known
        if start and end and end < start:
            fail("--to is before --from")
        day = as_of.date() if as_of else dt.date.today()
        logs = [
            coaching_log(
                engagements,
                name,
                as_of=day,
                start=start.date() if start else None,
                end=end.date() if end else None,
            )
            for name in chosen
        ]
        text = log_csv(logs[0]) if output_format == "csv" else log_markdown(logs)
        if output is None:
            click.echo(text, nl=False)
            return
        _private_output(project, output, "a coaching log")
        write_atomic(output, text)
        click.echo(f"Wrote {shown(output)}: it names clients, so keep it private.", err=True)


@click.command(help=EXPORT_HELP)
@click.argument("slug")
@click.option("--as-of", type=IsoDate(), help="Compute progress as of this date.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="The zip file to write.")
@click.option("--force", is_flag=True, help="Replace the archive if it already exists.")
@no_wait_option
@click.pass_obj
def export(
    opts: Options, slug: str, as_of: dt.datetime | None, output: Path | None, force: bool, no_wait: bool
) -> None:
    with reported(opts):
        from coachbook.core.lock import RunLock
        from coachbook.publish.export import default_export_path, export_client

        quiet_mkdocs(False)
        project = project_of(opts.config_file)
        firm = load_or_fail(project)
        engagement_or_fail(firm, slug)
        target = output or default_export_path(project.root, slug)
        _private_output(project, target, "a client's data")
        if target.exists() and not force:
            fail(f"{shown(target)} already exists; pass --force to replace it, or choose another --output")
        day = as_of.date() if as_of else dt.date.today()
        # The published tree is read whole: no publish may change it half-way.
        with RunLock(project.work_dir, "coachbook export", wait=not no_wait, waiting=say_waiting):
            result = export_client(opts.config_file.resolve(), firm, slug, target, as_of=day)
        versions = f", {result.versions} published version(s)" if result.versions else ""
        click.echo(f"Wrote {shown(result.path)}: {result.files} file(s){versions}. Give it to the client in person.")


@click.command(help=FORGET_HELP)
@click.argument("slug")
@click.option(
    "-d", "--site-dir", type=click.Path(path_type=Path), default=None, help="The built sites (default: site/)."
)
@click.option(
    "--htpasswd-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where the password files are (default: secrets/htpasswd/).",
)
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@no_wait_option
@click.pass_obj
def forget(
    opts: Options, slug: str, site_dir: Path | None, htpasswd_dir: Path | None, yes: bool, no_wait: bool
) -> None:
    with reported(opts):
        from coachbook.core.cohort import same_organisation
        from coachbook.core.fields import ID_PATTERN
        from coachbook.core.loader import load_engagement, load_programs, slug_problem
        from coachbook.errors import ProblemList
        from coachbook.publish.forget import forget as remove_copies
        from coachbook.publish.forget import forget_plan, known_addresses, leftovers
        from coachbook.refs.handbooks import GitHandbooks

        project = project_of(opts.config_file)
        # The slug names files to delete: nothing but a slug's letters may reach a path.
        if not re.fullmatch(ID_PATTERN, slug) or slug_problem(Path(f"{slug}.yml"), Path(f"{slug}.yml")) is not None:
            fail(f"{slug!r} is not a client's slug")
        path = project.engagements_dir / f"{slug}.yml"
        addresses, organisations = known_addresses(project, slug)
        # A file that no longer validates still names its address and organisation; one that is gone
        # leaves them in the build's cache, read above.
        if path.is_file():
            try:
                loaded = load_engagement(project, path, load_programs(project), GitHandbooks(project))
                addresses.add(loaded.address)
                organisations.add(loaded.engagement.client.organisation)
            except ProblemList:
                click.echo(f"note: {shown(path)} has problems; removing what can be found by its slug.", err=True)
        sites = sites_of(opts.config_file)
        cohorts = [c.address for c in sites.cohorts if any(same_organisation(c.organisation, o) for o in organisations)]
        site_root = (site_dir or project.root / "site").resolve()
        passwords = (htpasswd_dir or project.secrets / "htpasswd").resolve()
        plan = forget_plan(
            project, slug, addresses=addresses, site_root=site_root, htpasswd_dir=passwords, cohorts=cohorts
        )
        if not plan.copies:
            click.echo(f"Coachbook holds nothing of {slug!r} here.")
        else:
            click.echo(f"This removes every copy Coachbook made of {slug}:")
            for copy in plan.copies:
                click.echo(f"  {shown(copy.path)}: {copy.what}")
            if not yes and not click.confirm("Remove them all? This cannot be undone"):
                fail("nothing was removed")
            removed = remove_copies(project, plan, site_root, wait=not no_wait, waiting=say_waiting)
            click.echo(f"Removed {len(removed)} item(s).")
        click.echo("")
        click.echo("Coachbook could not remove these; do it yourself:")
        for line in leftovers(project, plan):
            click.echo(f"  {line}")
