"""The `coachbook` command: parses arguments and hands off to the core, the builder and the publisher.

Each group of commands lives in a module of its own; this module holds the
command group, its global options and `main`, the console script's entry point.
"""

from __future__ import annotations

from pathlib import Path

import click

from coachbook import __version__
from coachbook.adapter.engine import ENGINE_ENV, ENGINES, use_engine
from coachbook.cli.access import hosting, passphrase, passwd, site_id
from coachbook.cli.build import audit, build, check
from coachbook.cli.coach import init, new, schema
from coachbook.cli.firm import export, forget, hours
from coachbook.cli.preview import preview
from coachbook.cli.publishing import bundle, publish, unpublish, versions
from coachbook.cli.serve import serve
from coachbook.cli.support import Options, reported

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="coachbook")
@click.option(
    "-f",
    "--config-file",
    type=click.Path(path_type=Path),
    default=Path("mkdocs.yml"),
    show_default=True,
    help="The firm's MkDocs configuration.",
)
@click.option("--debug", is_flag=True, help="Show tracebacks (for developers).")
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default="auto",
    show_default=True,
    envvar=ENGINE_ENV,
    help="What builds the sites: MkDocs, or ProperDocs (the maintained continuation of MkDocs 1.x); "
    "auto takes MkDocs when it is installed.",
)
@click.pass_context
def cli(ctx: click.Context, config_file: Path, debug: bool, engine: str) -> None:
    """Coachbook: private handbook-and-progress sites for coaching clients."""
    ctx.obj = Options(config_file, debug)
    with reported(ctx.obj):
        # Before any command imports MkDocs: the choice decides what `import mkdocs` loads.
        use_engine(engine)


for _command in (
    build,
    serve,
    preview,
    check,
    audit,
    site_id,
    hosting,
    passwd,
    passphrase,
    publish,
    versions,
    unpublish,
    bundle,
    init,
    new,
    schema,
    hours,
    export,
    forget,
):
    cli.add_command(_command)


def main() -> None:
    """Entry point of the `coachbook` console script."""
    cli(prog_name="coachbook")
