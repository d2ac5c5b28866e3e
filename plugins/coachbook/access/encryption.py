r"""Client-side encryption of a built site, for hosts that cannot ask for a password.

GitHub Pages and plain object storage serve every file to anyone who knows
its address, so a client's site published there is only as private as its
URL. This module turns an already-built site into one that is useless without
a passphrase: every HTML document is encrypted whole and replaced by a small
"locked" shell page, and `assets/unlock.js` decrypts it in the browser.

The scheme (version 1):

* A random 256-bit **content key** per site encrypts every page with
  AES-256-GCM, a fresh random 12-byte nonce per page, and additional
  authenticated data `"coachbook/v1\n" + binding + "\n" + page_path`. The AAD
  is what stops someone who can write to the host from swapping pages around
  (goals shown at the dashboard's address) or across clients' sites.
* The content key is **wrapped** with AES-256-GCM under a key derived from
  the passphrase with PBKDF2-HMAC-SHA256 (at least 600,000 iterations, the
  OWASP 2023 figure, and a 16-byte random salt per site), with AAD
  `"coachbook/v1/key\n" + binding`. Wrapping a random key, rather than
  encrypting pages under the passphrase directly, means PBKDF2 runs once per
  site when building and once per visit in the browser, and the browser can
  keep the content key for the tab instead of the passphrase.
* `binding` is an opaque per-client id from `binding_for`: it ends up in every
  shell in clear text, so it must not be a name or a slug.

In the browser, the content key is kept for the tab (`sessionStorage`) and,
only if the firm offers "remember on this device" and the reader ticks it, in
`localStorage` with an expiry (`remember_days`, 30 by default). Both copies
carry the site's salt, so a key from an earlier build (a rotated passphrase
makes a new build) is dropped unread. Every decrypted page carries a "Lock this
site" button (`assets/lock.js`) that clears both copies.

There are no mkdocs imports here: this is core code that works on a folder of
static files, which the build encrypts in its staging folder before the leak
audit and the swap into place.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import secrets
import shutil
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from jinja2 import Environment, PackageLoader, StrictUndefined

from coachbook.access.hosting import PAGE_CONTENT_SECURITY_POLICY
from coachbook.core.i18n import N_, Language, english
from coachbook.errors import CoachbookError


@dataclass(frozen=True)
class LockBrand:
    """The firm's marks on the locked page, so a client knows whose site is asking for a passphrase."""

    favicon: str = ""
    """The favicon's path in the site, relative to its root (`theme.favicon`); empty for none."""
    contact: str = ""
    """The firm's contact line (`extra.firm.contact`), shown as text."""


#: The locked page is a template of its own, `templates/encrypted_page.html.j2`, in the site's language.
_TEMPLATES = Environment(
    loader=PackageLoader("coachbook", "templates"),
    autoescape=False,
    undefined=StrictUndefined,
    keep_trailing_newline=True,
    extensions=["jinja2.ext.i18n"],
)
_TEMPLATES.newstyle_gettext = True  # type: ignore[attr-defined]
_TEMPLATES.policies["ext.i18n.trimmed"] = True

#: A path inside the site, such as `assets/brand/favicon.svg`: no scheme, no leading slash, no query.
_SITE_PATH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*")

__all__ = [
    "DEFAULT_ITERATIONS",
    "DEFAULT_REMEMBER_DAYS",
    "ENVELOPE_ID",
    "LOCK_SCRIPT_PATH",
    "MIN_ITERATIONS",
    "PASSPHRASE_ALPHABET",
    "SCRIPT_PATH",
    "LockBrand",
    "binding_for",
    "decrypt_page",
    "encrypt_site",
    "generate_passphrase",
    "lock_script",
    "page_path_for",
    "unlock_script",
    "with_lock_control",
]

#: OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256; also the floor we accept.
DEFAULT_ITERATIONS = 600_000
MIN_ITERATIONS = 600_000
#: RFC 4648 base32 in lower case: 32 symbols, 5 bits each. It has no 0, 1 or 8, so nothing in it can be
#: mistaken for another of its symbols (o, l and b are only ever letters); site ids use the same alphabet.
PASSPHRASE_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
#: Where the decryptor is copied to, relative to the site root.
SCRIPT_PATH = "_coachbook/unlock.js"
#: Where the "Lock this site" button's script is copied to.
LOCK_SCRIPT_PATH = "_coachbook/lock.js"
#: How long "remember on this device" keeps the key, unless the firm says otherwise.
DEFAULT_REMEMBER_DAYS = 30

#: The `id` of the JSON envelope in every shell page; `unlock.js` looks for it.
ENVELOPE_ID = "coachbook-envelope"

_VERSION = 1
_KDF = "PBKDF2-HMAC-SHA256"
_SALT_BYTES = 16
_NONCE_BYTES = 12
_KEY_BYTES = 32
_PASSPHRASE_GROUPS = 5
_PASSPHRASE_GROUP_CHARS = 4
# A binding is shown to anyone who opens a shell, so only shapes that cannot be a readable name are accepted:
# lowercase hex (from `binding_for`) or base32, long enough to be random.
_BINDING = re.compile(r"[0-9a-z]{16,128}")
_ENVELOPE = re.compile(
    r'<script type="application/json" id="' + ENVELOPE_ID + r'">(?P<json>.*?)</script>',
    re.DOTALL,
)
# The first asset reference of a page, to learn how MkDocs addressed the site root from it.
_ASSET_PREFIX = re.compile(r'(?:src|href)="(?P<prefix>[^"]*?)assets/')
_PATH_PREFIX = re.compile(r"/(?:[^/\"?#:]+/)*|(?:\.\./)*|\./")
#: Published files that may carry client text and are not needed by an encrypted site.
_REMOVED_FILES = ("sitemap.xml", "sitemap.xml.gz")
_REMOVED_DIRS = ("search",)
_PAGE_SUFFIXES = frozenset({".html", ".htm"})
_COMPRESSED_SUFFIXES = frozenset({".gz", ".br", ".zst", ".zip"})
#: Outside `assets/`, files of these kinds are data, feeds or copies of pages, not theme files; they are removed.
_DATA_SUFFIXES = (
    frozenset({".json", ".xml", ".txt", ".md", ".markdown", ".csv", ".tsv", ".yml", ".yaml", ".rss", ".atom", ".inv"})
    # Calendars and contact cards: a client's sessions and due dates must not be published in clear.
    | frozenset({".ics", ".ical", ".ifb", ".vcf"})
    | _COMPRESSED_SUFFIXES
)
#: Top-level folders whose files are the theme's or ours, the same for every client.
_KEPT_DIRS = ("assets", PurePosixPath(SCRIPT_PATH).parts[0])


def generate_passphrase() -> str:
    """A fresh passphrase for one client's site, such as `k7pq-xm3d-fhrt-c2wy-a5ne`.

    Five groups of four symbols drawn with `secrets` from a 32-symbol alphabet
    give 20 * 5 = 100 bits of entropy. PBKDF2 at 600,000 iterations makes each
    guess cost about a hundred milliseconds of CPU, but the encrypted pages are
    public, so the passphrase alone must resist an offline search; 100 bits
    does, with a wide margin over the 80 the issue asks for. The alphabet has no
    characters that are easy to misread when a coach reads it out over a call.
    """
    groups = (
        "".join(secrets.choice(PASSPHRASE_ALPHABET) for _ in range(_PASSPHRASE_GROUP_CHARS))
        for _ in range(_PASSPHRASE_GROUPS)
    )
    return "-".join(groups)


def binding_for(slug: str) -> str:
    """The opaque id that ties a site's ciphertexts to one client.

    It is printed in every shell page, so it is a hash rather than the slug;
    it is stable, so a rebuilt site keeps the same id (and the browser's
    stored key, named after it, is found and replaced rather than piling up).

    Arguments:
        slug: The engagement's slug.

    Returns:
        32 lowercase hex characters.
    """
    return hashlib.sha256(f"coachbook-client\n{slug}".encode()).hexdigest()[:32]


def page_path_for(relative: str) -> str:
    """The path a page is bound to: its path from the site root, without a trailing `index.html`.

    This is the part of the URL that `unlock.js` can see (`goals/` for
    `goals/index.html`), so a page decrypts only at its own address.

    Arguments:
        relative: The file's path relative to the site root, with `/` separators.
    """
    if relative == "index.html":
        return ""
    if relative.endswith("/index.html"):
        return relative[: -len("index.html")]
    return relative


def encrypt_site(
    site_dir: Path,
    *,
    passphrase: str,
    binding: str,
    iterations: int = DEFAULT_ITERATIONS,
    remember: bool = False,
    remember_days: int = DEFAULT_REMEMBER_DAYS,
    language: Language | None = None,
    brand: LockBrand | None = None,
) -> int:
    """Encrypt a built site in place, so that it can be published on a host without authentication.

    Every `.html` and `.htm` file anywhere in the site, `404.html` included, is
    replaced by a locked shell, and `unlock.js` is copied to `SCRIPT_PATH`.
    These are deleted, because they would publish client text in clear or
    point at pages that are no longer readable:

    * `search/` (Material's `search_index.json`, the text of every page);
    * `sitemap.xml` and `sitemap.xml.gz`;
    * outside `assets/`, every data, feed or compressed file (`.json`, `.xml`,
      `.txt`, `.md`, `.markdown`, `.csv`, `.tsv`, `.yml`, `.yaml`, `.rss`,
      `.atom`, `.inv`, `.ics`, `.ical`, `.ifb`, `.vcf`, `.gz`, `.br`, `.zst`, `.zip`);
    * anywhere, precompressed copies of pages such as `index.html.gz`.

    Files under `assets/` (the theme's scripts, styles, images and fonts) and
    other media stay as they are: they are the same for every client.

    The site should be a staging folder: files are rewritten one by one
    (each write is atomic), so a failure part-way leaves a mix of plain and
    encrypted pages that must not be published.

    Arguments:
        site_dir: The root of the built site.
        passphrase: What the client will type; surrounding spaces are ignored.
        binding: The client's opaque id, normally `binding_for(slug)`.
        iterations: PBKDF2 iterations, stored in every shell; at least `MIN_ITERATIONS`.
        remember: Offer a "remember on this device" checkbox that keeps the key in `localStorage`.
        remember_days: How many days a remembered key lasts before the browser forgets it.
        language: The language of the locked page, the site's; British English by default.
        brand: The firm's favicon and contact line on the locked page, so the client knows whose site it is.

    Returns:
        The number of pages encrypted.

    Raises:
        CoachbookError: If an argument is unusable, the site is missing or already encrypted,
            or a page is not UTF-8.
    """
    secret = _normalise_passphrase(passphrase)
    _check_binding(binding)
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < MIN_ITERATIONS:
        raise CoachbookError(f"PBKDF2 iterations must be an integer of at least {MIN_ITERATIONS:,}, not {iterations!r}")
    if isinstance(remember_days, bool) or not isinstance(remember_days, int) or not 1 <= remember_days <= 400:
        raise CoachbookError(f"remember_days must be a whole number of days from 1 to 400, not {remember_days!r}")
    if not site_dir.is_dir():
        raise CoachbookError(f"cannot encrypt {str(site_dir)!r}: it is not a folder")

    pages, removed = _survey(site_dir)
    if not pages:
        raise CoachbookError(f"cannot encrypt {str(site_dir)!r}: it has no HTML pages")
    originals: dict[Path, bytes] = {}
    for page in pages:
        data = page.read_bytes()
        if ENVELOPE_ID.encode() in data:
            raise CoachbookError(f"{_rel(site_dir, page)!r} is already encrypted; build the site again first")
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CoachbookError(f"{_rel(site_dir, page)!r} is not UTF-8, so the browser could not show it") from exc
        originals[page] = data

    # PBKDF2 is slow on purpose, so the wrapping key is derived once for the whole site.
    salt = secrets.token_bytes(_SALT_BYTES)
    content_key = AESGCM.generate_key(bit_length=_KEY_BYTES * 8)
    key_nonce = secrets.token_bytes(_NONCE_BYTES)
    wrapped = AESGCM(_derive(secret, salt, iterations)).encrypt(key_nonce, content_key, _key_aad(binding))
    site_fields = {
        "version": _VERSION,
        "kdf": _KDF,
        "iterations": iterations,
        "salt": _b64(salt),
        "key_nonce": _b64(key_nonce),
        "key_ciphertext": _b64(wrapped),
        "binding": binding,
    }

    cipher = AESGCM(content_key)
    used_nonces: set[bytes] = {key_nonce}
    for shell_path, data in originals.items():
        relative = _rel(site_dir, shell_path)
        nonce = secrets.token_bytes(_NONCE_BYTES)
        # A repeated nonce under one key would expose both pages; 96 random bits make it
        # vanishingly unlikely, and checking costs nothing.
        while nonce in used_nonces:
            nonce = secrets.token_bytes(_NONCE_BYTES)
        used_nonces.add(nonce)
        path = page_path_for(relative)
        any_path = relative == "404.html"
        root = _root_for(relative, data, any_path=any_path)
        plain = with_lock_control(data.decode("utf-8"), root=root, binding=binding, language=language).encode("utf-8")
        envelope = {
            **site_fields,
            "nonce": _b64(nonce),
            "ciphertext": _b64(cipher.encrypt(nonce, plain, _page_aad(binding, path))),
            "root": root,
            "remember": remember,
            "remember_days": remember_days,
        }
        _write_atomically(
            shell_path,
            _shell(
                envelope,
                any_path=any_path,
                remember=remember,
                language=language or english(),
                brand=brand or LockBrand(),
            ).encode("utf-8"),
        )

    for doomed in removed:
        if doomed.is_dir() and not doomed.is_symlink():
            shutil.rmtree(doomed)
        else:
            doomed.unlink()
    script = site_dir / SCRIPT_PATH
    script.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(script, unlock_script())
    _write_atomically(site_dir / LOCK_SCRIPT_PATH, lock_script())
    return len(originals)


def decrypt_page(shell_html: str, passphrase: str, page_path: str) -> str:
    """The page a shell encrypts: the Python mirror of `unlock.js`.

    Tests use it to prove a round trip, and `coachbook audit` can use it to
    read an encrypted site it has the passphrase for.

    Arguments:
        shell_html: The locked shell page.
        passphrase: The site's passphrase.
        page_path: Where the shell is served from, relative to the site root; a trailing
            `index.html` is dropped as the browser side does (`goals/index.html` is `goals/`).
            For `404.html` this is `404.html` wherever it is served.

    Returns:
        The original HTML document.

    Raises:
        CoachbookError: If the shell has no valid envelope, the passphrase is wrong, or the
            page was altered, moved to another path or taken from another client's site.
    """
    envelope = _read_envelope(shell_html)
    binding = envelope["binding"]
    try:
        content_key = AESGCM(
            _derive(_normalise_passphrase(passphrase), envelope["salt"], envelope["iterations"])
        ).decrypt(envelope["key_nonce"], envelope["key_ciphertext"], _key_aad(binding))
    except InvalidTag:
        raise CoachbookError("wrong passphrase (or an altered envelope): the site key does not open") from None
    try:
        plain = AESGCM(content_key).decrypt(
            envelope["nonce"], envelope["ciphertext"], _page_aad(binding, page_path_for(page_path))
        )
    except InvalidTag:
        raise CoachbookError(
            f"the page does not decrypt at {page_path!r}: it was altered, moved from another path, "
            "or comes from another build"
        ) from None
    try:
        return plain.decode("utf-8")
    except UnicodeDecodeError as exc:  # pragma: no cover - encrypt_site refuses pages that are not UTF-8
        raise CoachbookError("the decrypted page is not UTF-8") from exc


def unlock_script() -> bytes:
    """The browser-side decryptor, as shipped in the package."""
    return resources.files("coachbook").joinpath("assets", "unlock.js").read_bytes()


def lock_script() -> bytes:
    """The "Lock this site" button's script, as shipped in the package."""
    return resources.files("coachbook").joinpath("assets", "lock.js").read_bytes()


_BODY = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)


def with_lock_control(page: str, *, root: str, binding: str, language: Language | None = None) -> str:
    """The page with a visible "Lock this site" button at the top of its body, and the script that runs it.

    The button forgets the site's key in this browser (the tab's copy and the
    remembered one) and shows the locked page again. It is part of the page
    that is encrypted, so it is there on every page the reader unlocks. Its
    label is in the site's language (British English by default).
    """
    label = html.escape((language or english()).gettext(N_("Lock this site")))
    script = html.escape(root + LOCK_SCRIPT_PATH, quote=True)
    style = (
        "<style>.cb-lockbar{display:flex;justify-content:flex-end;padding:.25rem .75rem;"
        "background:var(--md-primary-fg-color,#3f51b5);}.cb-lockbar button{font:inherit;font-size:.8rem;"
        "padding:.2rem .7rem;border:1px solid currentColor;border-radius:.3rem;cursor:pointer;"
        "color:var(--md-primary-bg-color,#fff);background:transparent;}"
        ".cb-lockbar button:focus-visible{outline:3px solid currentColor;outline-offset:2px;}"
        "@media print{.cb-lockbar{display:none}}</style>"
        f'<script src="{script}" defer></script>'
    )
    bar = (
        f'<div class="cb-lockbar"><button type="button" id="coachbook-lock" data-binding="{html.escape(binding)}">'
        f"{label}</button></div>"
    )
    head = _HEAD_END.search(page)
    if head is not None:
        page = page[: head.start()] + style + page[head.start() :]
    else:
        bar = style + bar
    body = _BODY.search(page)
    if body is None:
        return bar + page
    return page[: body.end()] + bar + page[body.end() :]


# --------------------------------------------------------------------------- helpers


def _normalise_passphrase(passphrase: str) -> bytes:
    # The browser applies the same two steps (NFC, trim), so a passphrase pasted with a
    # trailing newline, or typed on a keyboard that composes accents differently, still works.
    if not isinstance(passphrase, str):
        raise CoachbookError("the passphrase must be a string")
    text = unicodedata.normalize("NFC", passphrase).strip()
    if not text:
        raise CoachbookError("the passphrase is empty; `generate_passphrase()` makes a strong one")
    return text.encode("utf-8")


def _check_binding(binding: str) -> None:
    if not isinstance(binding, str) or not _BINDING.fullmatch(binding):
        raise CoachbookError(
            f"binding {binding!r} is not an opaque id: use `binding_for(slug)` "
            "(16 to 128 lowercase letters and digits; it is visible to anyone, so never a name or slug)"
        )


def _derive(secret: bytes, salt: bytes, iterations: int) -> bytes:
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=_KEY_BYTES, salt=salt, iterations=iterations)
    return kdf.derive(secret)


def _key_aad(binding: str) -> bytes:
    return f"coachbook/v1/key\n{binding}".encode()


def _page_aad(binding: str, page_path: str) -> bytes:
    return f"coachbook/v1\n{binding}\n{page_path}".encode()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _rel(site_dir: Path, path: Path) -> str:
    return path.relative_to(site_dir).as_posix()


def _survey(site_dir: Path) -> tuple[list[Path], list[Path]]:
    """The pages to encrypt and the files and folders to delete, in a stable order."""
    pages: list[Path] = []
    removed: list[Path] = [site_dir / name for name in (*_REMOVED_DIRS, *_REMOVED_FILES)]
    removed = [path for path in removed if path.exists() or path.is_symlink()]
    # A linked folder would be skipped by os.walk and published in clear, and a linked page
    # rewritten outside the site, so links are refused outright.
    for folder, dirs, files in os.walk(site_dir):
        base = Path(folder)
        dirs[:] = sorted(d for d in dirs if base / d not in removed)
        for name in (*dirs, *files):
            if (base / name).is_symlink():
                raise CoachbookError(
                    f"{_rel(site_dir, base / name)!r} is a symbolic link; encrypt a plain copy of the site"
                )
        for name in sorted(files):
            path = base / name
            if path in removed:
                continue
            parts = PurePosixPath(_rel(site_dir, path)).parts
            suffixes = [s.lower() for s in PurePosixPath(name).suffixes]
            if suffixes and suffixes[-1] in _PAGE_SUFFIXES:
                pages.append(path)
            elif _is_compressed_page(suffixes) or (
                parts[0] not in _KEPT_DIRS and suffixes[-1:] and suffixes[-1] in _DATA_SUFFIXES
            ):
                removed.append(path)
    return pages, removed


def _is_compressed_page(suffixes: list[str]) -> bool:
    return len(suffixes) >= 2 and suffixes[-2] in _PAGE_SUFFIXES and suffixes[-1] in _COMPRESSED_SUFFIXES


def _root_for(relative: str, page: bytes, *, any_path: bool) -> str:
    """How a shell addresses the site root, for its script and for computing its own path.

    `404.html` is served at any address, so a relative path would be wrong; it
    takes whatever prefix MkDocs gave its own asset links (`/` or the path of
    `site_url`), so the shell finds `unlock.js` wherever the original page
    found its stylesheets.
    """
    if any_path:
        found = _ASSET_PREFIX.search(page.decode("utf-8"))
        if found and _PATH_PREFIX.fullmatch(found["prefix"]):
            return found["prefix"] or "./"
    depth = len(PurePosixPath(relative).parts) - 1
    return "../" * depth or "./"


def _shell(envelope: dict[str, Any], *, any_path: bool, remember: bool, language: Language, brand: LockBrand) -> str:
    """The locked page that replaces a document: a form, the envelope and the decryptor, and no page text.

    Its words are messages of the site's language; the page says which language and direction it is in.
    """

    def gettext(message: str, /, **values: Any) -> str:
        # Trusted words, escaped all the same: some of them go into attributes.
        text = language.gettext(message)
        return html.escape(text % values if values else text, quote=True)

    # JSON inside <script> ends at the first "</script"; escaping <, > and & keeps any value inert.
    payload = (
        json.dumps(envelope, indent=1, ensure_ascii=True)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )
    script_src = html.escape(envelope["root"] + SCRIPT_PATH, quote=True)
    remember_label = gettext("Remember on this device")
    remember_field = (
        f'\n      <label class="cb-remember"><input type="checkbox" id="coachbook-remember"> {remember_label}</label>'
        if remember
        else ""
    )
    any_path_attr = " data-any-path" if any_path else ""
    # A favicon of the site's own (a path inside it, under the root the script is found at), or an empty icon:
    # otherwise the browser asks the host for /favicon.ico.
    favicon = brand.favicon.strip()
    icon = (
        html.escape(envelope["root"] + favicon, quote=True)
        if favicon and _SITE_PATH.fullmatch(favicon) and ".." not in favicon.split("/")
        else "data:,"
    )
    contact = (
        f'\n      <p class="cb-contact" dir="auto">{html.escape(brand.contact)}</p>' if brand.contact.strip() else ""
    )
    # Every value is escaped above for where it goes (JSON in a script, an attribute), so none is escaped again.
    return _TEMPLATES.get_template("encrypted_page.html.j2").render(
        csp=html.escape(PAGE_CONTENT_SECURITY_POLICY, quote=True),
        any_path=any_path_attr,
        payload=payload,
        script_src=script_src,
        remember=remember_field,
        envelope_id=ENVELOPE_ID,
        lang=html.escape(language.tag, quote=True),
        dir=language.direction,
        gettext=gettext,
        _=gettext,
        icon=icon,
        contact=contact,
    )


def _read_envelope(shell_html: str) -> dict[str, Any]:
    found = _ENVELOPE.search(shell_html)
    if found is None:
        raise CoachbookError("not an encrypted page: it has no coachbook envelope")
    try:
        raw = json.loads(found["json"])
        if raw["version"] != _VERSION or raw["kdf"] != _KDF:
            raise CoachbookError(f"unsupported envelope: version {raw['version']!r}, kdf {raw['kdf']!r}")
        iterations = raw["iterations"]
        if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 1:
            raise CoachbookError(f"unusable iteration count {iterations!r} in the envelope")
        binding = raw["binding"]
        _check_binding(binding)
        envelope: dict[str, Any] = {"iterations": iterations, "binding": binding}
        for field in ("salt", "key_nonce", "key_ciphertext", "nonce", "ciphertext"):
            envelope[field] = base64.b64decode(raw[field], validate=True)
    except (ValueError, KeyError, TypeError) as exc:
        raise CoachbookError(f"the envelope is damaged: {exc}") from None
    if len(envelope["key_nonce"]) != _NONCE_BYTES or len(envelope["nonce"]) != _NONCE_BYTES:
        raise CoachbookError("the envelope is damaged: a nonce is not 12 bytes")
    return envelope


def _write_atomically(path: Path, data: bytes) -> None:
    # Written beside the target and renamed over it, so a reader or a crash never sees half a file.
    temporary = path.with_name(f".{path.name}.coachbook-tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
