"""The firm's own sites beside the clients': the coaches' console and the cohort reports, and how each is protected.

A firm turns them on in `mkdocs.yml`, under the `coachbook` plugin:

```yaml
console:
  enabled: true
  protect: password        # or encrypt
cohorts:
  - organisation: Halden Logistics
cohort_minimum: 5
```

* **The console** (`site/firm/`) shows every engagement, coach-only material
  included. It is refused unless the firm has chosen how it is protected:
  `password` gives it its own nginx location and password
  (`coachbook passwd --console`), `encrypt` its own passphrase
  (`coachbook passphrase --console`). It is never under `clients/`, and no
  engagement can take its folder's name.
* **A cohort report** (`site/cohorts/<address>/`) is built for each
  organisation the firm lists, when it has at least `cohort_minimum`
  engagements (`coachbook.core.cohort`). It is protected like a sponsor site:
  its own password, and its own passphrase when the firm encrypts.

The options are read once, by `coachbook.adapter.config.firm_sites_of`, and
checked here, so that the build, the plugin and every command agree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from coachbook.core.cohort import DEFAULT_MINIMUM, check_minimum, same_organisation
from coachbook.core.fields import ID_PATTERN
from coachbook.errors import CoachbookError

__all__ = [
    "COHORTS_FOLDER",
    "CONSOLE_FOLDER",
    "CONSOLE_KEY",
    "CohortOptions",
    "ConsoleOptions",
    "FirmSites",
    "Protection",
    "cohort_key",
    "firm_sites",
]

#: The console's folder in the output, beside `handbook/`, `clients/` and `sponsors/`.
CONSOLE_FOLDER = "firm"
#: The cohort reports' folder in the output.
COHORTS_FOLDER = "cohorts"
#: The name the console's passphrase and password go by; no slug holds `--`, so no client has it.
CONSOLE_KEY = "firm--console"


def cohort_key(address: str) -> str:
    """The name a cohort report's passphrase and password go by; no slug holds `--`, so no client has it."""
    return f"{address}--cohort"


class Protection(StrEnum):
    """How the console is kept from anyone but the firm's coaches."""

    PASSWORD = "password"
    """Its own location in the nginx config, with its own password file."""
    ENCRYPT = "encrypt"
    """Encrypted in the browser with its own passphrase, for hosts without access control."""


@dataclass(frozen=True)
class ConsoleOptions:
    """The console is on, protected as chosen."""

    protect: Protection


@dataclass(frozen=True)
class CohortOptions:
    """One organisation the firm builds a cohort report for."""

    organisation: str
    address: str
    """Its folder under `cohorts/`: the `address` option, or one made from the organisation's name."""
    encrypt: bool | None = None
    """Encrypt the report with its own passphrase; None follows the firm's `encrypt`."""


@dataclass(frozen=True)
class FirmSites:
    """Which of the firm's own sites it builds."""

    console: ConsoleOptions | None = None
    cohorts: tuple[CohortOptions, ...] = ()
    cohort_minimum: int = DEFAULT_MINIMUM

    def cohort(self, address: str) -> CohortOptions | None:
        """The cohort report whose folder is `cohorts/<address>/`."""
        return next((c for c in self.cohorts if c.address == address), None)


def _address_of(organisation: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", organisation.lower()).strip("-")


def firm_sites(
    *,
    console: Mapping[str, Any] | None,
    cohorts: Sequence[Mapping[str, Any]],
    cohort_minimum: int,
    source: str = "mkdocs.yml",
) -> FirmSites:
    """The firm's sites from the plugin's options, checked.

    Arguments:
        console: The `console` option (`enabled`, `protect`), or None.
        cohorts: The `cohorts` option: each `organisation`, optional `address` and `encrypt`.
        cohort_minimum: The `cohort_minimum` option.
        source: The config file, for messages.

    Raises:
        CoachbookError: The console is enabled without a protection, a cohort's address is unusable or taken
            twice, an organisation is listed twice, or the minimum is below the floor.
    """
    where = f"{source}: plugins.coachbook"
    chosen: ConsoleOptions | None = None
    if console and console.get("enabled"):
        protect = console.get("protect")
        if protect not in tuple(Protection):
            raise CoachbookError(
                f"{where}.console: the console shows every engagement, coach-only notes included, so it is not built "
                "until you choose how it is protected: `protect: password` (its own nginx location and password, "
                "`coachbook passwd --console`) or `protect: encrypt` (its own passphrase, "
                "`coachbook passphrase --console`)"
            )
        chosen = ConsoleOptions(Protection(protect))
    try:
        minimum = check_minimum(cohort_minimum)
    except CoachbookError as exc:
        raise CoachbookError(f"{where}.{exc}") from None
    found: list[CohortOptions] = []
    for index, item in enumerate(cohorts):
        organisation = " ".join(str(item.get("organisation") or "").split())
        if not organisation:
            raise CoachbookError(f"{where}.cohorts[{index}]: name the organisation, e.g. `organisation: Acme Ltd`")
        address = item.get("address") or _address_of(organisation)
        if not re.fullmatch(ID_PATTERN, address) or len(address) > 64:
            raise CoachbookError(
                f"{where}.cohorts[{index}].address: {address!r} cannot be a folder name in a URL; "
                "use lower-case letters, digits and single hyphens"
            )
        for other in found:
            if same_organisation(other.organisation, organisation):
                raise CoachbookError(f"{where}.cohorts[{index}]: {organisation!r} is listed twice")
            if other.address == address:
                raise CoachbookError(
                    f"{where}.cohorts[{index}].address: {address!r} is already the address of {other.organisation!r}; "
                    "give one of them another `address`"
                )
        encrypt = item.get("encrypt")
        found.append(CohortOptions(organisation, address, None if encrypt is None else bool(encrypt)))
    return FirmSites(chosen, tuple(found), minimum)
