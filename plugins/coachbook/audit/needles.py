"""What a site must not contain: each engagement's identifying strings and held-back text, as needles.

For each site the audit searches for:

* every *other* client's identifying strings (name, organisation, emails,
  phone, sponsor), which must never reach this site;
* every text held back by the coach-only rule (`private`, `coach_only`,
  `draft`, HTML comments), the site owner's included;
* in the public handbook, every client's identifying strings;
* on a sponsor site, every text of the client view that the sponsor's
  report leaves out (`sponsor_needles`);
* on a cohort report, every text of the client views of the organisation's
  engagements, whatever the report shows being counts (`cohort_needles`);
* everywhere but the coaches' console, the console's own notice
  (`console_needles`), in English and in the firm's language, which the
  console is written in: it is on every console page and nowhere else.

Held-back prose is searched by its sentences, since Markdown and HTML may
break it apart anywhere else. Text the site may legitimately show (the
program, the owner's own client view) is never a needle there.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from coachbook.audit.normalise import TAG, normalise, squashed, strings
from coachbook.core.cohort import members
from coachbook.core.console import CONSOLE_NOTICE
from coachbook.core.i18n import Language
from coachbook.core.loader import Firm
from coachbook.core.model import Engagement, Program
from coachbook.core.sponsor import SHOWN_FIELDS, SponsorReport, report_strings
from coachbook.core.visibility import Secret, client_view, held_back, identifying

__all__ = [
    "CONSOLE_REASON",
    "MIN_FRAGMENT_CHARS",
    "MIN_FRAGMENT_WORDS",
    "MIN_IDENTITY_CHARS",
    "MIN_SPELLED_CHARS",
    "SPELLED",
    "SPONSOR_REASON",
    "Fragments",
    "Needle",
    "allowed_identity_text",
    "allowed_text",
    "cohort_needles",
    "console_needles",
    "fragments_of",
    "needles_for",
    "occurs",
    "own_text",
    "pasted",
    "program_strings",
    "readings",
    "secret_fragments",
    "shown_needle",
    "spellings",
    "sponsor_needles",
]

#: Held-back text is searched by its sentences; shorter fragments are too common to be evidence.
MIN_FRAGMENT_WORDS = 3
MIN_FRAGMENT_CHARS = 15
#: Identifying strings shorter than this (initials, "Li") would match ordinary words.
MIN_IDENTITY_CHARS = 4
#: Another client's held-back sentence of this many words or more is a leak even where the site's own client
#: view shows it: two clients' coaching does not say the same long sentence by chance, so it was pasted.
#: Shorter ones may be said of both ("follow up with HR next session"), and stay allowed there.
PASTED_WORDS = 8
#: The audit's word for a text that the client may read but the sponsor may not.
SPONSOR_REASON = "client_only"
#: The audit's word for the coaches' console's own text, found in another site.
CONSOLE_REASON = "console"
#: Fields of a client view that a cohort report may draw on for its own reasons: the program, not the client.
_COHORT_SHOWN_FIELDS = frozenset({"program", "handbook", "site"})

_MARKDOWN = re.compile(r"[*_`#>\[\]|~]+|\]\([^)]*\)|^\s*(?:[-+]|\d+\.)\s+", re.MULTILINE)
_SENTENCE = re.compile(r"(?<=[.!?;:])\s+|\n+|\s[-–—]\s")


@dataclass(frozen=True)
class Needle:
    """A normalised string to search for, and where it came from."""

    text: str
    owner: str
    """Slug of the engagement the string belongs to."""
    field: str
    reason: str
    """`identity`, one of the coach-only rule's reasons (`private`, `coach_only`, `draft`, `comment`),
    `client_only` (a sponsor site or a cohort report) or `console` (the coaches' console's own text)."""


#: Text that reads differently as markup and as plain text: what looks like a tag, or a character reference.
_MARKUP_LIKE = re.compile(TAG + r"|&#?[A-Za-z0-9]+;?")


def readings(text: str) -> list[str]:
    """`text` normalised as markup, and, if that reads it differently, as plain text.

    A field's text reaches a page either as markup (a note's Markdown, where `<b>` is bold) or escaped, as
    plain text (where "Rated him <B+> overall" shows as written). Read as markup only, the second would be
    searched for as "rated him overall", and never found; so a text that holds what looks like a tag or a
    character reference is searched for both ways.
    """
    marked = normalise(text)
    if not _MARKUP_LIKE.search(text):
        return [marked]
    plain = normalise(html.escape(text, quote=False))
    return [marked] if plain == marked else [marked, plain]


#: Marks a needle searched for in a text's letters and digits run together (`normalise.squashed`) rather than in
#: the text: a name or an organisation however it is spaced or punctuated. No normalised text holds it.
SPELLED = "\x03"
#: A name, an organisation or an email spelled any way is searched for only from this many letters and digits:
#: run together, shorter ones turn up inside ordinary text ("lina" in "disciplinary").
MIN_SPELLED_CHARS = 10
#: Titles a name may be written with in place of a given name ("Ms Whitfield").
_TITLES = ("mr", "mrs", "ms", "dr")
_NAME_FIELDS = frozenset({"client.name", "sponsor.name"})
_SPELLED_FIELDS = _NAME_FIELDS | {"client.organisation", "client.email", "sponsor.email"}
_PHONE_FIELDS = frozenset({"client.phone"})
_NOT_DIGIT = re.compile(r"\D")
_COUNTRY_CODE = re.compile(r"\s*\+\s*(\d{1,3})[\s().-]+(\d.*)")


def spellings(secret: Secret) -> list[str]:
    """Other ways the identifying string `secret` may be written, as needles besides the string itself.

    A name, an organisation or an email is also searched for with its letters and digits run together (marked
    `SPELLED`): "Whitfield, Dana", "Dana-Whitfield" and "Kwame (Asante)" are found that way; a name also family
    name first, and with a title in place of the given name. A phone number is searched for as written with
    its country code or with the national 0, spaced as written or not at all: "+447700900652", "07700 900652",
    "+44 (0)7700 900652".
    """
    if secret.reason != "identity":
        return []
    if secret.field in _PHONE_FIELDS:
        return _phone_spellings(secret.text)
    if secret.field not in _SPELLED_FIELDS:
        return []
    words = normalise(secret.text).split()
    forms = ["".join(words)]
    if secret.field in _NAME_FIELDS and len(words) >= 2:
        forms += [words[-1] + "".join(words[:-1]), *(title + words[-1] for title in _TITLES)]
    found = []
    for form in forms:
        spelled = squashed(form)
        if len(spelled) >= MIN_SPELLED_CHARS and SPELLED + spelled not in found:
            found.append(SPELLED + spelled)
    return found


def _phone_spellings(phone: str) -> list[str]:
    digits = _NOT_DIGIT.sub("", phone)
    if len(digits) < 9:
        return []
    forms = {digits, "+" + digits}
    international = _COUNTRY_CODE.fullmatch(phone)
    if international is not None:
        code, rest = international.groups()
        national = _NOT_DIGIT.sub("", rest).lstrip("0")
        grouped = " ".join(rest.split())
        forms |= {"0" + national, "+" + code + national, "00" + code + national, "0" + grouped.lstrip("0")}
        forms |= {f"+{code} (0){grouped.lstrip('0')}", f"+{code} {grouped.lstrip('0')}", grouped.lstrip("0")}
    return sorted(form for form in {normalise(f) for f in forms} if len(_NOT_DIGIT.sub("", form)) >= 9)


def occurs(fragment: str, text: str, spelled: str | None = None) -> bool:
    """Whether the needle `fragment` is in normalised `text` (`spelled`: `squashed(text)`, if already made)."""
    if fragment.startswith(SPELLED):
        return fragment[1:] in (squashed(text) if spelled is None else spelled)
    return fragment in text


def shown_needle(fragment: str) -> str:
    """A needle as a message shows it."""
    if fragment.startswith(SPELLED):
        return f"{fragment[1:]!r} (its letters, however spaced or punctuated)"
    return repr(fragment)


def secret_fragments(secret: Secret) -> Iterator[str]:
    """The normalised pieces of a secret that the audit searches for: the whole string, or its sentences."""
    if secret.reason == "identity":
        texts = [text for text in readings(secret.text) if len(text) >= MIN_IDENTITY_CHARS]
        yield from texts
        yield from (spelling for spelling in spellings(secret) if spelling not in texts)
        return
    # Its sentences as its Markdown shows them, and as written: where the text is shown as plain text, or a
    # character Markdown would take for a mark is only a character (`revenue > 5M`, `follow_up`), it is on
    # the page as written.
    seen: set[str] = set()
    for source in dict.fromkeys((_MARKDOWN.sub(" ", secret.text), secret.text)):
        for part in _SENTENCE.split(source):
            for reading in readings(part):
                text = reading.strip(" .,;:!?\"'()")
                if len(text) >= MIN_FRAGMENT_CHARS and len(text.split()) >= MIN_FRAGMENT_WORDS and text not in seen:
                    seen.add(text)
                    yield text


@dataclass(frozen=True)
class Fragments:
    """What one engagement contributes to the audit of every other site, normalised."""

    identity: tuple[tuple[str, str], ...]
    """(text, field) of each identifying string: never in another client's site or the handbook."""
    held_back: tuple[tuple[str, str, str], ...]
    """(text, field, reason) of each held-back sentence: never in any site, the owner's included."""

    def to_json(self) -> dict[str, Any]:
        return {"identity": [list(i) for i in self.identity], "held_back": [list(h) for h in self.held_back]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Fragments:
        return cls(
            identity=tuple((str(t), str(f)) for t, f in data["identity"]),
            held_back=tuple((str(t), str(f), str(r)) for t, f, r in data["held_back"]),
        )

    @property
    def texts(self) -> frozenset[str]:
        return frozenset([t for t, _ in self.identity] + [t for t, _, _ in self.held_back])


def fragments_of(engagement: Engagement) -> Fragments:
    """The audit fragments of one engagement, in the order `needles_for` visits them.

    A held-back sentence that the engagement's own client view shows as well (a private note repeating a shared
    one) is no secret of theirs: their own site shows it, and it is left out.
    """
    identity = tuple((text, s.field) for s in identifying(engagement) for text in secret_fragments(s))
    secrets = held_back(engagement)
    shown = own_text(engagement) if secrets else ""
    hidden = tuple((text, s.field, s.reason) for s in secrets for text in secret_fragments(s) if text not in shown)
    return Fragments(identity, hidden)


def own_text(engagement: Engagement) -> str:
    """What the engagement's own client view shows, normalised as the audit reads it."""
    return " ".join(readings(strings(client_view(engagement).model_dump(mode="json"))))


def pasted(needle: Needle, owner: str | None) -> bool:
    """Whether `needle`, found in `owner`'s site, is another client's held-back sentence too long to be chance."""
    return needle.reason != "identity" and needle.owner != owner and len(needle.text.split()) >= PASTED_WORDS


#: Each program's strings (`program_strings`), by the program's `id()`, with the program kept so that the id
#: stays its own. Programs are frozen, and a firm has one or a few, read once per build.
_PROGRAM_STRINGS: dict[int, tuple[Program, str]] = {}


def program_strings(program: Program) -> str:
    """Every string of a program, as the allowed texts hold it: worked out once, not twice in every site.

    The fork server works it out for the firm's programs (`coachbook.build.tasks.audit_through`), for every
    site's process to start with.
    """
    known = _PROGRAM_STRINGS.get(id(program))
    if known is None or known[0] is not program:
        if len(_PROGRAM_STRINGS) >= 64:
            _PROGRAM_STRINGS.clear()
        known = _PROGRAM_STRINGS[id(program)] = (program, strings(program.model_dump(mode="json")))
    return known[1]


def allowed_text(firm: Firm, owner: str | None, *, also: Iterable[str] = ()) -> str:
    """Text this site may legitimately contain: the program and the owner's client view, normalised.

    Guides are deliberately not part of it: a guide that names a client is a
    leak to every other site, and the audit must catch it. `also` adds text
    the site shows for its own reasons (a cohort report's organisation).
    """
    parts: list[str] = [program_strings(program) for program in firm.programs]
    if owner is not None:
        parts.append(strings(client_view(firm.engagements[owner].engagement).model_dump(mode="json")))
    parts.extend(also)
    return " ".join(readings(" ".join(parts)))


def allowed_identity_text(firm: Firm, owner: str | None, *, also: Iterable[str] = ()) -> str:
    """Text in which another client's name, organisation or contact is not a leak here, normalised.

    Only the program and the owner's own identifying strings (their name,
    organisation, contacts and sponsor): two clients of one organisation, or
    with one sponsor, share those. The rest of the owner's client view is not
    part of it, so another client named in the owner's notes or goals is a
    leak, however the coach typed or pasted it. `also` is as for `allowed_text`: a cohort report names its
    organisation, which is every member's.
    """
    parts: list[str] = [program_strings(program) for program in firm.programs]
    if owner is not None:
        for secret in identifying(firm.engagements[owner].engagement):
            # Their own name however spelled ("Ms Haddad" on Mariam Haddad's site, never Leila Haddad's).
            parts += [secret.text, *(spelling.lstrip(SPELLED) for spelling in spellings(secret))]
    parts.extend(also)
    return " ".join(readings(" ".join(parts)))


def needles_for(firm: Firm, owner: str | None, *, owner_held_back: bool = True) -> list[Needle]:
    """Every needle of the site of `owner` (None for the public handbook), one engagement after another.

    This is the audit written the plain way, one needle at a time; the leak
    index (`coachbook.audit.index`) finds the same needles for any site at
    once, and the tests hold the two to the same answers.

    `owner_held_back=False` is for the coach view, which shows the owner's
    coach-only text on purpose but must still hold nothing of anyone else.
    """
    allowed = allowed_text(firm, owner)
    allowed_identity = allowed_identity_text(firm, owner)
    allowed_firm = allowed_text(firm, None)
    # Each allowed text with its letters run together, made once for every spelled needle (`occurs`).
    spelled = {text: squashed(text) for text in (allowed, allowed_identity, allowed_firm)}
    needles: dict[str, Needle] = {}
    for slug, loaded in sorted(firm.engagements.items()):
        secrets: Iterable[Secret] = held_back(loaded.engagement) if owner_held_back or slug != owner else []
        if slug != owner:
            secrets = [*identifying(loaded.engagement), *secrets]
        shown = own_text(loaded.engagement)
        for secret in secrets:
            for fragment in secret_fragments(secret):
                if secret.reason != "identity" and fragment in shown:
                    continue  # Their own site shows it: no secret of theirs (`fragments_of`).
                # Text that the site may show for another reason (a shared
                # organisation, a short sentence said of two clients) is not
                # evidence of a leak; another client's long sentence is.
                needle = Needle(fragment, slug, secret.field, secret.reason)
                exempt = allowed_identity if secret.reason == "identity" else allowed
                if pasted(needle, owner):
                    exempt = allowed_firm
                if occurs(fragment, exempt, spelled[exempt]) or fragment in needles:
                    continue
                needles[fragment] = needle
    return list(needles.values())


def sponsor_needles(engagement: Engagement, owner: str, report: SponsorReport) -> list[Needle]:
    """The client's own texts that their sponsor's site must not contain.

    Every prose field of the client view is a needle (notes, focus, actions,
    reviews, wins, feedback, SMART wording, closure), and so is the title of
    each confidential goal. Text that the sponsor page shows for its own
    reasons (the client's name, a goal title that is not confidential) is left
    out, so it is not mistaken for a leak.
    """
    view = client_view(engagement)
    shown = " ".join(readings(" ".join(report_strings(report))))
    needles: dict[str, Needle] = {}
    for field, text in _prose(view.model_dump(mode="json", exclude=set(SHOWN_FIELDS)), ""):
        if field.startswith("goals[") and field.endswith(".title"):
            if not view.goals[int(field[len("goals[") : field.index("]")])].confidential:
                continue
            # A confidential goal's title is searched whole, however short.
            fragments = readings(text)
        else:
            fragments = list(secret_fragments(Secret(field, text, SPONSOR_REASON)))
        for fragment in fragments:
            if fragment and fragment not in shown and fragment not in needles:
                needles[fragment] = Needle(fragment, owner, field, SPONSOR_REASON)
    return list(needles.values())


def _prose(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _prose(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _prose(item, f"{path}[{index}]")


def console_needles(language: Language | None = None) -> list[Needle]:
    """The coaches' console's notice, by its sentences: on every console page, and in no other site.

    The console is written in the firm's language, `language`: its notice is searched for in that language, and
    in English, the language it is written in in the code, whatever the firm's.
    """
    notices = [CONSOLE_NOTICE] + ([language.gettext(CONSOLE_NOTICE)] if language is not None else [])
    needles: dict[str, Needle] = {}
    for notice in notices:
        for text in secret_fragments(Secret(CONSOLE_REASON, notice, CONSOLE_REASON)):
            needles.setdefault(text, Needle(text, "", CONSOLE_REASON, CONSOLE_REASON))
    return list(needles.values())


def cohort_needles(firm: Firm, organisation: str, allowed: str) -> list[Needle]:
    """The texts a cohort report of `organisation` must not contain: its members' client views, whole.

    The report shows counts, the firm's words (stage and theme titles, from the
    program) and the organisation's name, so every prose field of each member's
    client view is a needle, every goal's title searched whole however short,
    and so are the client's role and their coach's and sponsor's details. The
    names and contacts of every client of the firm are searched through the
    index, as on every site. Text in `allowed` (the program, the organisation)
    is left out, so it is not mistaken for a leak.
    """
    needles: dict[str, Needle] = {}
    for loaded in members(list(firm.engagements.values()), organisation):
        view = client_view(loaded.engagement)
        dumped = view.model_dump(mode="json", exclude=set(_COHORT_SHOWN_FIELDS))
        for field, text in _prose(dumped, ""):
            if field.startswith("goals[") and field.endswith(".title"):
                fragments = readings(text)
            else:
                fragments = list(secret_fragments(Secret(field, text, SPONSOR_REASON)))
            for fragment in fragments:
                if fragment and fragment not in allowed and fragment not in needles:
                    needles[fragment] = Needle(fragment, loaded.slug, field, SPONSOR_REASON)
    return list(needles.values())
