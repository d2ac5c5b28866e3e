"""The leak audit: what no site may contain, and the one function that checks a built site for it.

Where things are:

* `site_audit`: `audit_site(site_dir, policy, index)` and `policy_for`, the entry point every caller uses;
* `needles`: what must not appear where (other clients' identity, held-back text, a sponsor's limits);
* `normalise`: text as the audit compares it;
* `files`: a site's files, each read once; `origins`: addresses (requests to other origins, links that are
  not on the web); `metadata`: metadata in images and documents, read and stripped; `leaks`: `Leak` values;
* `index`: every engagement's strings searched at once; `service`: that index served to a build's processes.
"""

from coachbook.audit.index import LeakIndex
from coachbook.audit.leaks import Leak, LeakKind
from coachbook.audit.needles import Needle
from coachbook.audit.site_audit import AllowedText, Audience, AuditPolicy, audit_site, policy_for, require_clean

__all__ = [
    "AllowedText",
    "Audience",
    "AuditPolicy",
    "Leak",
    "LeakIndex",
    "LeakKind",
    "Needle",
    "audit_site",
    "policy_for",
    "require_clean",
]
