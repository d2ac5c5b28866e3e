"""The firm's own sites in the plugin: which plan, which passphrase, which audit, for the console or a cohort report.

The plugin builds the console when its `audience` is `console`, and a cohort
report when it is `cohort` (with the report's address in `cohort`); `coachbook
build` sets both (`coachbook.build.firm_sites`). This module turns the
plugin's options into what the build of that site needs, so the plugin class
stays a thin set of hooks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from coachbook.access.passphrases import find_passphrase
from coachbook.adapter.config import firm_sites_from, project_from_config
from coachbook.core.firm_sites import CONSOLE_KEY, Protection, cohort_key
from coachbook.core.loader import Firm
from coachbook.errors import CoachbookError
from coachbook.render.plan import SitePlan
from coachbook.render.sites import plan_cohort_site, plan_console_site

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

__all__ = ["FirmSiteSetup", "set_up_firm_site"]


@dataclass(frozen=True)
class FirmSiteSetup:
    """What the build of the console or a cohort report needs."""

    plan: SitePlan
    passphrase: str | None
    """Its own passphrase when it is encrypted; None when it is not."""
    key: str
    """The name its passphrase and password go by, which its encrypted pages are bound to."""
    organisation: str | None = None
    """For a cohort report: the organisation, whose engagements its audit searches it for."""


def set_up_firm_site(kind: str, config: MkDocsConfig, options: Any, firm: Firm, as_of: dt.date) -> FirmSiteSetup:
    """The plan and passphrase of the console (`kind` is `console`) or of the cohort report `options["cohort"]`.

    Raises:
        CoachbookError: The firm has not enabled that site, or not chosen how the console is protected, the
            organisation has too few engagements, or an encrypted site has no passphrase.
    """
    sites = firm_sites_from(config, options)
    secrets = project_from_config(config, options).secrets
    offline = bool(options["offline"])
    if kind == "console":
        if sites.console is None:
            raise CoachbookError(
                "the console is not enabled; add `console: {enabled: true, protect: password}` (or `encrypt`) "
                "to the coachbook plugin in mkdocs.yml"
            )
        # An encrypted console has no calendar feeds: the .ics files would be readable by anyone.
        encrypted = sites.console.protect is Protection.ENCRYPT and not offline
        plan = plan_console_site(
            firm,
            as_of,
            directory_urls=bool(config.use_directory_urls),
            calendars=not encrypted,
            published_url=_with_slash(config.site_url),
        )
        passphrase = (
            find_passphrase(secrets, CONSOLE_KEY, site="The coaches' console", command="coachbook passphrase --console")
            if encrypted
            else None
        )
        return FirmSiteSetup(plan, passphrase, CONSOLE_KEY)
    cohort = sites.cohort(options["cohort"] or "")
    if cohort is None:
        raise CoachbookError(
            f"no cohort report has the address {options['cohort']!r}; list the organisation under `cohorts:` "
            "for the coachbook plugin in mkdocs.yml"
        )
    plan = plan_cohort_site(firm, cohort.organisation, as_of, minimum=sites.cohort_minimum)
    key = cohort_key(cohort.address)
    encrypted = (options["encrypt"] if cohort.encrypt is None else cohort.encrypt) and not offline
    passphrase = (
        find_passphrase(
            secrets,
            key,
            site=f"The cohort report of {cohort.organisation}",
            command=f"coachbook passphrase --cohort {cohort.address}",
        )
        if encrypted
        else None
    )
    return FirmSiteSetup(plan, passphrase, key, cohort.organisation)


def _with_slash(url: str | None) -> str | None:
    if not url:
        return None
    return url if url.endswith("/") else url + "/"
