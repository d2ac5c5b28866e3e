"""Requests to other origins: a client's browser must not tell any third party that it opened a coaching site.

A font service, an analytics script or a CDN would learn the site's address
and the reader's; so client and sponsor sites load everything from
themselves, and any page or stylesheet that would fetch from elsewhere fails
the audit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from coachbook.audit.files import SiteFile
from coachbook.audit.leaks import Leak, LeakKind

__all__ = ["other_origin_requests"]

#: Elements that make a browser fetch what their URL attribute names, as soon as the page loads.
_FETCHING = re.compile(
    r"<(?:script|img|iframe|source|video|audio|embed|object|track)\b[^>]*?\s(?:src|data|poster)\s*=\s*[\"']?"
    r"(?P<url>(?:https?:)?//[^\"'\s>]+)"
    r"|<link\b(?=[^>]*\srel\s*=\s*[\"']?(?:stylesheet|preload|modulepreload|prefetch|preconnect|dns-prefetch|icon"
    r"|manifest))[^>]*?\shref\s*=\s*[\"']?(?P<link>(?:https?:)?//[^\"'\s>]+)"
    r"|@import\s+(?:url\()?[\"']?(?P<import>(?:https?:)?//[^\"'\s)]+)"
    r"|url\(\s*[\"']?(?P<css>(?:https?:)?//[^\"'\s)]+)",
    re.IGNORECASE,
)


def other_origin_requests(files: Iterable[SiteFile]) -> list[Leak]:
    """Every place where a page or stylesheet of the site would load something from another origin."""
    found: list[Leak] = []
    for file in files:
        if not file.relative.endswith((".html", ".css")):
            continue
        text = file.raw.decode("utf-8", errors="ignore")
        for match in _FETCHING.finditer(text):
            url = next(v for v in match.groupdict().values() if v)
            # An SVG namespace in CSS is an identifier, not a request.
            if url.startswith(("http://www.w3.org/", "//www.w3.org/")):
                continue
            found.append(Leak(file.relative, kind=LeakKind.ORIGIN, url=url))
    return found
