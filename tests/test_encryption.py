"""Client-side encryption of a built site: the Python side, on a real client site from the sample firm."""

from __future__ import annotations

import base64
import gzip
import json
import math
import re
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
from bs4 import BeautifulSoup

from coachbook.access.encryption import (
    DEFAULT_ITERATIONS,
    ENVELOPE_ID,
    LOCK_SCRIPT_PATH,
    PASSPHRASE_ALPHABET,
    SCRIPT_PATH,
    binding_for,
    decrypt_page,
    encrypt_site,
    generate_passphrase,
    lock_script,
    page_path_for,
    unlock_script,
)
from coachbook.build.state import MARK_FILE
from coachbook.errors import CoachbookError

SLUG = "dana-whitfield"
PASSPHRASE = "k7pq-xm3d-fhrt-c2wy-a5ne"
BINDING = binding_for(SLUG)
#: Text from engagements/dana-whitfield.yml that the built site publishes: name, organisation,
#: coach, sponsor, role, a goal title, a win, a session's focus and notes, the dashboard greeting.
CLIENT_TEXT = (
    "Dana Whitfield",
    "Halden Logistics",
    "Priya Raman",
    "Ines Carvalho",
    "Chief Operating Officer",
    "I spend my week running the operation, not fighting its incidents.",
    "All four site GMs signed the decision-rights matrix",
    "Your story, from night-shift planner to COO",
    "We walked through nineteen years at Halden",
    "Welcome, Dana",
    "Tamworth hub",
)
_ENVELOPE = re.compile(r'(<script type="application/json" id="coachbook-envelope">)(.*?)(</script>)', re.DOTALL)


@dataclass(frozen=True)
class Encrypted:
    root: Path
    originals: dict[str, bytes]
    """Every file of the site before encryption, by path relative to the site root."""
    count: int

    def shell(self, relative: str) -> str:
        return (self.root / relative).read_text(encoding="utf-8")

    @property
    def pages(self) -> list[str]:
        return sorted(name for name in self.originals if name.endswith(".html"))


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def envelope_of(shell: str) -> dict[str, Any]:
    found = _ENVELOPE.search(shell)
    assert found is not None, "no envelope in the shell"
    return json.loads(found[2])


def with_envelope(shell: str, **changes: Any) -> str:
    """The shell with some envelope fields replaced, as someone with write access to the host could."""
    envelope = {**envelope_of(shell), **changes}
    return _ENVELOPE.sub(lambda m: m[1] + json.dumps(envelope) + m[3], shell, count=1)


def flip_byte(b64: str, index: int) -> str:
    data = bytearray(base64.b64decode(b64))
    data[index] ^= 0x01
    return base64.b64encode(bytes(data)).decode()


def small_site(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


PAGE = "<!doctype html><html><head><title>Notes for Dana Whitfield</title></head><body>Halden</body></html>"
_LOCK_HEAD = re.compile(r'<style>\.cb-lockbar.*?</style><script src="[^"]*_coachbook/lock\.js" defer></script>')
_LOCK_BAR = re.compile(r'<div class="cb-lockbar"><button type="button" id="coachbook-lock" data-binding="[0-9a-f]+">'
                       r"Lock this site</button></div>")  # fmt: skip


def unlocked(plain: str) -> str:
    """A decrypted page without the "Lock this site" button and its script, which must be there exactly once."""
    assert len(_LOCK_HEAD.findall(plain)) == 1 and len(_LOCK_BAR.findall(plain)) == 1, plain[:300]
    return _LOCK_BAR.sub("", _LOCK_HEAD.sub("", plain))


@pytest.fixture(scope="module")
def encrypted(built_firm: Path, tmp_path_factory: pytest.TempPathFactory) -> Encrypted:
    source = built_firm / "site" / "clients" / SLUG
    root = tmp_path_factory.mktemp("encrypted") / SLUG
    # A built site as the plugin encrypts it: before the builder adds its mark (coachbook.build.state).
    shutil.copytree(source, root, ignore=shutil.ignore_patterns(MARK_FILE))
    originals = files_of(root)
    count = encrypt_site(root, passphrase=PASSPHRASE, binding=BINDING)
    return Encrypted(root, originals, count)


# --------------------------------------------------------------------------- round trip


def test_every_page_round_trips_to_its_original_bytes(encrypted: Encrypted) -> None:
    assert "404.html" in encrypted.pages and "goals/index.html" in encrypted.pages
    assert encrypted.count == len(encrypted.pages)
    for name in encrypted.pages:
        plain = decrypt_page(encrypted.shell(name), PASSPHRASE, page_path_for(name))
        assert unlocked(plain).encode("utf-8") == encrypted.originals[name], name


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("index.html", ""),
        ("goals/index.html", "goals/"),
        ("stages/01-contracting/index.html", "stages/01-contracting/"),
        ("404.html", "404.html"),
        ("goals.html", "goals.html"),
        ("notindex.html", "notindex.html"),
    ],
)
def test_page_path_drops_a_trailing_index_html(relative: str, expected: str) -> None:
    assert page_path_for(relative) == expected


def test_a_page_path_given_as_a_file_name_works_too(encrypted: Encrypted) -> None:
    plain = decrypt_page(encrypted.shell("goals/index.html"), PASSPHRASE, "goals/index.html")
    assert unlocked(plain).encode() == encrypted.originals["goals/index.html"]


def test_passphrase_is_compared_after_nfc_and_trimming(tmp_path: Path) -> None:
    # The browser applies the same normalisation, so both sides must agree on it.
    site = small_site(tmp_path, {"index.html": PAGE})
    composed = unicodedata.normalize("NFC", "café-ünïcode")
    encrypt_site(site, passphrase=composed, binding=BINDING)
    shell = (site / "index.html").read_text()
    assert unlocked(decrypt_page(shell, "  " + unicodedata.normalize("NFD", composed) + "\n", "")) == PAGE


# --------------------------------------------------------------------------- what must fail


def test_wrong_passphrase_is_refused(encrypted: Encrypted) -> None:
    with pytest.raises(CoachbookError, match="wrong passphrase"):
        decrypt_page(encrypted.shell("index.html"), PASSPHRASE.replace("k7pq", "k7pr"), "")


@pytest.mark.parametrize(
    ("field", "index", "message"),
    [
        ("ciphertext", 0, "does not decrypt"),
        ("ciphertext", 5000, "does not decrypt"),
        ("ciphertext", -1, "does not decrypt"),  # the GCM tag
        ("nonce", 3, "does not decrypt"),
        ("key_ciphertext", 7, "wrong passphrase"),
        ("key_nonce", 0, "wrong passphrase"),
        ("salt", 15, "wrong passphrase"),
    ],
)
def test_a_flipped_byte_is_refused(encrypted: Encrypted, field: str, index: int, message: str) -> None:
    shell = encrypted.shell("goals/index.html")
    tampered = with_envelope(shell, **{field: flip_byte(envelope_of(shell)[field], index)})
    with pytest.raises(CoachbookError, match=message):
        decrypt_page(tampered, PASSPHRASE, "goals/")


def test_a_page_moved_to_another_path_is_refused(encrypted: Encrypted) -> None:
    goals = encrypted.shell("goals/index.html")
    for elsewhere in ("", "actions/", "404.html", "goals", "clients/dana-whitfield/goals/"):
        with pytest.raises(CoachbookError, match="does not decrypt"):
            decrypt_page(goals, PASSPHRASE, elsewhere)


def test_a_page_cannot_be_bound_to_another_client(encrypted: Encrypted) -> None:
    shell = encrypted.shell("index.html")
    other = with_envelope(shell, binding=binding_for("kwame-asante"))
    with pytest.raises(CoachbookError, match="wrong passphrase"):
        decrypt_page(other, PASSPHRASE, "")


def test_pages_cannot_be_swapped_between_two_clients_sharing_a_passphrase(tmp_path: Path) -> None:
    first = small_site(tmp_path / "a", {"index.html": PAGE})
    second = small_site(tmp_path / "b", {"index.html": PAGE.replace("Dana Whitfield", "Kwame Asante")})
    encrypt_site(first, passphrase=PASSPHRASE, binding=binding_for("a"))
    encrypt_site(second, passphrase=PASSPHRASE, binding=binding_for("b"))
    theirs = envelope_of((second / "index.html").read_text())
    mixed = with_envelope((first / "index.html").read_text(), nonce=theirs["nonce"], ciphertext=theirs["ciphertext"])
    with pytest.raises(CoachbookError, match="does not decrypt"):
        decrypt_page(mixed, PASSPHRASE, "")


def test_a_page_without_an_envelope_is_refused(encrypted: Encrypted) -> None:
    with pytest.raises(CoachbookError, match="no coachbook envelope"):
        decrypt_page(encrypted.originals["index.html"].decode(), PASSPHRASE, "")
    with pytest.raises(CoachbookError, match="damaged"):
        decrypt_page(with_envelope(encrypted.shell("index.html"), salt="not base64!"), PASSPHRASE, "")


# --------------------------------------------------------------------------- key derivation and nonces


def test_iterations_are_stored_and_the_minimum_is_enforced(encrypted: Encrypted, tmp_path: Path) -> None:
    assert DEFAULT_ITERATIONS >= 600_000
    for name in encrypted.pages:
        envelope = envelope_of(encrypted.shell(name))
        assert envelope["iterations"] == DEFAULT_ITERATIONS
        assert envelope["kdf"] == "PBKDF2-HMAC-SHA256"
        assert envelope["version"] == 1
        assert len(base64.b64decode(envelope["salt"])) == 16

    site = small_site(tmp_path, {"index.html": PAGE})
    with pytest.raises(CoachbookError, match="at least 600,000"):
        encrypt_site(site, passphrase=PASSPHRASE, binding=BINDING, iterations=599_999)
    assert (site / "index.html").read_text() == PAGE

    encrypt_site(site, passphrase=PASSPHRASE, binding=BINDING, iterations=650_001)
    shell = (site / "index.html").read_text()
    assert envelope_of(shell)["iterations"] == 650_001
    assert unlocked(decrypt_page(shell, PASSPHRASE, "")) == PAGE
    # The count is authenticated indirectly: a different one derives a different wrapping key.
    with pytest.raises(CoachbookError, match="wrong passphrase"):
        decrypt_page(with_envelope(shell, iterations=650_000), PASSPHRASE, "")


def test_nonces_are_unique_and_salts_differ_between_encryptions(encrypted: Encrypted, tmp_path: Path) -> None:
    envelopes = [envelope_of(encrypted.shell(name)) for name in encrypted.pages]
    nonces = [e["nonce"] for e in envelopes] + [envelopes[0]["key_nonce"]]
    assert len(set(nonces)) == len(nonces) == len(encrypted.pages) + 1
    assert all(len(base64.b64decode(n)) == 12 for n in nonces)
    # One site, one salt and one wrapped content key.
    assert len({(e["salt"], e["key_nonce"], e["key_ciphertext"]) for e in envelopes}) == 1

    again = tmp_path / SLUG
    for name, data in encrypted.originals.items():
        (again / name).parent.mkdir(parents=True, exist_ok=True)
        (again / name).write_bytes(data)
    encrypt_site(again, passphrase=PASSPHRASE, binding=BINDING)
    second = envelope_of((again / "index.html").read_text())
    first = envelope_of(encrypted.shell("index.html"))
    for field in ("salt", "key_nonce", "key_ciphertext", "nonce", "ciphertext"):
        assert second[field] != first[field], field


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"passphrase": ""}, "passphrase is empty"),
        ({"passphrase": " \n\t"}, "passphrase is empty"),
        ({"binding": SLUG}, "not an opaque id"),
        ({"binding": "Dana Whitfield"}, "not an opaque id"),
        ({"binding": "abc123"}, "not an opaque id"),
        ({"binding": ""}, "not an opaque id"),
        ({"iterations": 100_000}, "at least 600,000"),
        ({"iterations": 600_000.0}, "at least 600,000"),
    ],
)
def test_unusable_arguments_are_refused_before_anything_changes(
    tmp_path: Path, changes: dict[str, Any], message: str
) -> None:
    site = small_site(tmp_path, {"index.html": PAGE, "sitemap.xml": "<urlset/>"})
    arguments: dict[str, Any] = {"passphrase": PASSPHRASE, "binding": BINDING, **changes}
    with pytest.raises(CoachbookError, match=message):
        encrypt_site(site, **arguments)
    assert files_of(site) == {"index.html": PAGE.encode(), "sitemap.xml": b"<urlset/>"}


def test_a_missing_empty_or_already_encrypted_site_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CoachbookError, match="not a folder"):
        encrypt_site(tmp_path / "missing", passphrase=PASSPHRASE, binding=BINDING)
    with pytest.raises(CoachbookError, match="no HTML pages"):
        encrypt_site(small_site(tmp_path / "empty", {"assets/x.css": "a{}"}), passphrase=PASSPHRASE, binding=BINDING)
    site = small_site(tmp_path / "site", {"index.html": PAGE})
    encrypt_site(site, passphrase=PASSPHRASE, binding=BINDING)
    with pytest.raises(CoachbookError, match="already encrypted"):
        encrypt_site(site, passphrase=PASSPHRASE, binding=BINDING)


@pytest.mark.parametrize("linked", ["notes", "notes/index.html"])
def test_a_site_with_symbolic_links_is_refused(tmp_path: Path, linked: str) -> None:
    # os.walk would skip a linked folder, so its pages would be published in clear.
    outside = small_site(tmp_path / "outside", {"notes/index.html": PAGE})
    site = small_site(tmp_path / "site", {"index.html": PAGE})
    (site / linked).parent.mkdir(parents=True, exist_ok=True)
    (site / linked).symlink_to(outside / linked)
    with pytest.raises(CoachbookError, match="symbolic link"):
        encrypt_site(site, passphrase=PASSPHRASE, binding=BINDING)
    assert (outside / "notes/index.html").read_text() == PAGE
    assert (site / "index.html").read_text() == PAGE


# --------------------------------------------------------------------------- what is published


def test_no_client_text_is_left_in_any_file(encrypted: Encrypted) -> None:
    def readable(files: dict[str, bytes]) -> dict[str, str]:
        out = {}
        for name, data in files.items():
            raw = gzip.decompress(data) if name.endswith(".gz") else data
            out[name] = raw.decode("utf-8", errors="ignore").casefold()
        return out

    # Each string really was published before encryption, so its absence afterwards means something.
    before = readable(encrypted.originals)
    for needle in CLIENT_TEXT:
        assert any(needle.casefold() in text for text in before.values()), needle

    after = readable(files_of(encrypted.root))
    assert len(after) > 20
    leaks = [(name, needle) for name, text in after.items() for needle in CLIENT_TEXT if needle.casefold() in text]
    assert leaks == []
    assert not any(SLUG in name for name in after)


def test_search_index_and_sitemaps_are_removed_and_assets_kept(encrypted: Encrypted) -> None:
    # Client builds may already leave out the sitemap; whichever of these was published is removed.
    # So is the calendar, which a plain build makes and would list the client's sessions in clear.
    removed = {"search/search_index.json", "sitemap.xml", "sitemap.xml.gz", "calendar.ics"} & set(encrypted.originals)
    assert {"search/search_index.json", "calendar.ics"} <= removed
    after = files_of(encrypted.root)
    assert not (encrypted.root / "search").exists()
    assert not {"sitemap.xml", "sitemap.xml.gz"} & set(after)
    assets = {name: data for name, data in encrypted.originals.items() if name.startswith("assets/")}
    assert assets and all(after[name] == data for name, data in assets.items())
    assert set(after) == (set(encrypted.originals) - removed) | {SCRIPT_PATH, LOCK_SCRIPT_PATH}
    assert after[SCRIPT_PATH] == unlock_script()
    assert after[LOCK_SCRIPT_PATH] == lock_script()
    assert b"crypto.subtle" in after[SCRIPT_PATH]


def test_search_sitemaps_data_files_and_compressed_pages_are_removed_but_media_kept(tmp_path: Path) -> None:
    site = small_site(
        tmp_path,
        {
            "index.html": PAGE,
            "notes/page.htm": PAGE,
            "search/search_index.json": '{"docs": [{"text": "Dana Whitfield"}]}',
            "sitemap.xml": "<urlset/>",
            "feed_rss_created.xml": "<rss>Dana Whitfield</rss>",
            "export/data.json": '{"client": "Dana Whitfield"}',
            "llms.txt": "Dana Whitfield",
            "objects.inv": "x",
            "assets/stylesheets/extra.css": "a{}",
            "assets/data/theme.json": "{}",
            "images/chart.svg": "<svg/>",
        },
    )
    (site / "index.html.gz").write_bytes(gzip.compress(PAGE.encode()))
    (site / "sitemap.xml.gz").write_bytes(gzip.compress(b"<urlset/>"))
    (site / "assets" / "page.html.gz").write_bytes(gzip.compress(PAGE.encode()))
    assert encrypt_site(site, passphrase=PASSPHRASE, binding=BINDING) == 2
    assert set(files_of(site)) == {
        "index.html",
        "notes/page.htm",
        "assets/stylesheets/extra.css",
        "assets/data/theme.json",
        "images/chart.svg",
        SCRIPT_PATH,
        LOCK_SCRIPT_PATH,
    }
    assert unlocked(decrypt_page((site / "notes/page.htm").read_text(), PASSPHRASE, "notes/page.htm")) == PAGE


def test_every_html_file_becomes_a_locked_shell(encrypted: Encrypted) -> None:
    roots = {
        "index.html": "./",
        "goals/index.html": "../",
        "stages/03-assessment/index.html": "../../",
        "404.html": "/",
    }
    for name in encrypted.pages:
        shell = encrypted.shell(name)
        soup = BeautifulSoup(shell, "html.parser")
        assert soup.title is not None and soup.title.string == "Private site", name
        assert soup.find("meta", attrs={"name": "robots", "content": "noindex, nofollow"}), name
        assert soup.find("meta", attrs={"name": "referrer", "content": "no-referrer"}), name
        form = soup.find("form")
        assert form is not None, name
        field = form.find("input", attrs={"type": "password"})
        assert field is not None and form.find("label", attrs={"for": field["id"]}), name
        assert form.find("button", attrs={"type": "submit"}), name
        assert form.find(attrs={"role": "alert"}), name
        assert form.find("input", attrs={"type": "checkbox"}) is None, "remember is off by default"
        style = soup.find("style")
        assert style is not None and "prefers-color-scheme: dark" in style.string, name

        envelope = envelope_of(shell)
        assert envelope["binding"] == BINDING and envelope["remember"] is False
        if name in roots:
            assert envelope["root"] == roots[name], name
        scripts = [s for s in soup.find_all("script") if s.get("src")]
        assert [s["src"] for s in scripts] == [envelope["root"] + SCRIPT_PATH], name
        # The script resolves to the copied decryptor, from wherever the page is served.
        url = urljoin("https://host.example/site/" + name, scripts[0]["src"])
        site_url = "https://host.example/" if name == "404.html" else "https://host.example/site/"
        assert url == site_url + SCRIPT_PATH, name
        assert ("data-any-path" in soup.html.attrs) == (name == "404.html"), name
        assert soup.find(id=ENVELOPE_ID)["type"] == "application/json"


def test_shells_reference_no_other_origin(encrypted: Encrypted) -> None:
    for name in encrypted.pages:
        shell = encrypted.shell(name)
        soup = BeautifulSoup(shell, "html.parser")
        for tag in soup.find_all(src=True) + soup.find_all(href=True):
            reference = tag.get("src") or tag.get("href")
            assert not re.match(r"^(?:[a-z][a-z0-9+.-]*:)?//", reference, re.I), (name, reference)
        assert not re.search(r"(?i)https?://", shell), name
    script = unlock_script().decode()
    assert not re.search(r"(?i)https?://", script)
    assert not re.search(r"\b(?:fetch|XMLHttpRequest|import\s*\()", script)


def test_remember_on_this_device_is_offered_only_when_asked(tmp_path: Path) -> None:
    site = small_site(tmp_path, {"index.html": PAGE})
    encrypt_site(site, passphrase=PASSPHRASE, binding=BINDING, remember=True)
    shell = (site / "index.html").read_text()
    assert envelope_of(shell)["remember"] is True
    box = BeautifulSoup(shell, "html.parser").find("input", attrs={"type": "checkbox"})
    assert box is not None and box["id"] == "coachbook-remember" and not box.has_attr("checked")


# --------------------------------------------------------------------------- passphrases and bindings


def test_generated_passphrases_have_at_least_80_bits() -> None:
    assert len(set(PASSPHRASE_ALPHABET)) == len(PASSPHRASE_ALPHABET) == 32
    assert not set(PASSPHRASE_ALPHABET) & set("018ABCDEFGHIJKLMNOPQRSTUVWXYZ-")
    passphrases = [generate_passphrase() for _ in range(500)]
    shape = re.compile(f"[{PASSPHRASE_ALPHABET}]{{4}}(?:-[{PASSPHRASE_ALPHABET}]{{4}}){{4}}")
    assert all(shape.fullmatch(p) for p in passphrases), passphrases[:3]
    symbols = sum(len(p.replace("-", "")) for p in passphrases) // len(passphrases)
    assert symbols * math.log2(len(PASSPHRASE_ALPHABET)) >= 100
    assert len(set(passphrases)) == len(passphrases)
    # Every symbol is used: 10,000 draws miss one of 32 with probability about 32 * (31/32)^10000.
    assert set("".join(passphrases).replace("-", "")) == set(PASSPHRASE_ALPHABET)


def test_binding_is_opaque_and_stable() -> None:
    assert binding_for(SLUG) == binding_for(SLUG)
    assert re.fullmatch(r"[0-9a-f]{32}", BINDING)
    assert binding_for("kwame-asante") != BINDING
    assert "dana" not in BINDING and "whitfield" not in BINDING
