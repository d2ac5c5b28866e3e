"""What every page of a site says about itself, in its own `<head>`, whatever the host sends.

A host's headers (`coachbook hosting`) can ask search engines not to index a
site and forbid other origins, but only if the firm uses them, and a copy of a
site served elsewhere carries none. So each page carries the same choices:

* client and sponsor pages: `noindex, nofollow`, no referrer, and a
  Content-Security-Policy that lets nothing load from another origin
  (`PAGE_CONTENT_SECURITY_POLICY`; an offline bundle, opened from disk, gets
  `OFFLINE_CONTENT_SECURITY_POLICY`);
* the public handbook: indexed, since it is the firm's public onboarding
  material, unless the firm sets `handbook_noindex: true`, which hosting
  follows too.

The tags go first in `<head>`, right after the `charset` declaration, so the
policy is in force before any script or stylesheet is read.
"""

from __future__ import annotations

import html
import re

from coachbook.access.hosting import OFFLINE_CONTENT_SECURITY_POLICY, PAGE_CONTENT_SECURITY_POLICY

__all__ = ["head_tags", "with_head_tags"]

_HEAD = re.compile(r"<head\b[^>]*>", re.IGNORECASE)
_CHARSET = re.compile(r"\s*<meta\s+charset=[\"']?[\w-]+[\"']?\s*/?>", re.IGNORECASE)
_NOINDEX = '<meta name="robots" content="noindex, nofollow">'


def head_tags(*, private: bool, offline: bool = False, noindex: bool = False) -> str:
    """The tags a page's `<head>` starts with.

    Arguments:
        private: A client's or a sponsor's page (never indexed, no referrer, no other origin).
        offline: A page of an offline bundle, opened from disk.
        noindex: For a public page: ask search engines not to index it (the firm's `handbook_noindex`).
    """
    if not private:
        return _NOINDEX if noindex else ""
    policy = OFFLINE_CONTENT_SECURITY_POLICY if offline else PAGE_CONTENT_SECURITY_POLICY
    return (
        f'<meta http-equiv="Content-Security-Policy" content="{html.escape(policy, quote=True)}">'
        f'{_NOINDEX}<meta name="referrer" content="no-referrer">'
    )


def with_head_tags(page: str, tags: str) -> str:
    """`page` with `tags` first in its `<head>` (after a `charset` declaration); a page without a head stays."""
    if not tags:
        return page
    head = _HEAD.search(page)
    if head is None:
        return page
    at = head.end()
    charset = _CHARSET.match(page, at)
    if charset is not None:
        at = charset.end()
    return page[:at] + tags + page[at:]
