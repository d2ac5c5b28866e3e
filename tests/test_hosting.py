"""The nginx and `_headers` renderers, the password files, and the `hosting` and `passwd` commands."""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
from pathlib import Path, PurePosixPath

import bcrypt
import pytest
import yaml

from coachbook.access.hosting import REALM, NginxSite, render_headers, render_nginx, security_headers
from coachbook.access.passwords import (
    PASSWORD_BITS,
    check_address,
    check_user,
    htpasswd_entry,
    htpasswd_file,
    new_password,
    refuse_unsafe_dir,
    write_secret,
)
from coachbook.errors import CoachbookError

from .conftest import SAMPLE_CLIENTS, run_coachbook

SITE_ID = "k7mqxr4tpb3sud6fh4ua6pur"
SLUGS = ("dana-whitfield", "jonas-brandt", "kwame-asante", "sofia-marquez")
SITE = NginxSite(site_root=PurePosixPath("/srv/coachbook/site"), htpasswd_dir=PurePosixPath("/etc/nginx/coachbook"))
HEADER_NAMES = (
    "X-Robots-Tag",
    "Referrer-Policy",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Content-Security-Policy",
)


def locations(config: str) -> dict[str, str]:
    """Each `location` block's body, keyed by what it matches."""
    return dict(re.findall(r"^    location (.+?) \{\n(.*?)^    \}$", config, flags=re.MULTILINE | re.DOTALL))


def client_words(firm: Path) -> set[str]:
    """Every client's, sponsor's and organisation's name, and each word of them, from the engagement files."""
    words: set[str] = set()
    for path in (firm / "engagements").glob("*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        names = [data["client"]["name"], data["client"].get("organisation", "")]
        names.append((data.get("sponsor") or {}).get("name", ""))
        for name in filter(None, names):
            words.add(name)
            words.update(word for word in name.split() if len(word) > 3)
    return words


def password_of(stdout: str) -> str:
    match = re.search(r"^    (\S+)$", stdout, flags=re.MULTILINE)
    assert match, stdout
    return match.group(1)


def set_site_id(firm: Path, slug: str, site_id: str) -> None:
    path = firm / "engagements" / f"{slug}.yml"
    text = path.read_text(encoding="utf-8")
    assert "\nsite:" not in text
    path.write_text(text + f"\nsite:\n  id: {site_id}\n", encoding="utf-8")


# --------------------------------------------------------------------------- nginx


def test_each_client_gets_a_caret_tilde_location_with_its_own_password_file() -> None:
    config = render_nginx(["sofia-marquez", SITE_ID], SITE)
    blocks = locations(config)
    for address in ("sofia-marquez", SITE_ID):
        body = blocks[f"^~ /clients/{address}/"]
        assert f'auth_basic "{REALM}";' in body
        assert f'auth_basic_user_file "/etc/nginx/coachbook/{address}.htpasswd";' in body
        assert 'add_header Cache-Control "private, no-store" always;' in body
    # Not a plain prefix anywhere: the asset regex would otherwise serve client files without a password.
    assert not re.search(r"location /clients/", config)
    assert '    root "/srv/coachbook/site";' in config


def test_everything_but_the_handbook_and_the_clients_is_404() -> None:
    blocks = locations(render_nginx(SLUGS, SITE))
    assert "return 404;" in blocks["/"]
    assert "return 404;" in blocks["^~ /clients/"]
    assert "return 404;" in blocks["^~ /sponsors/"]
    assert "return 404;" in blocks[r"~ /\."]
    assert "auth_basic" not in blocks["/handbook/"]
    assert "return" not in blocks["/handbook/"]


def test_the_asset_regex_comes_after_the_dotfile_regex_and_caches() -> None:
    config = render_nginx(SLUGS, SITE)
    assert config.index(r"location ~ /\.") < config.index(r"location ~* \.(?:css|js")
    assert "expires 7d;" in locations(config)[r"~* \.(?:css|js|map|json|svg|png|jpe?g|gif|ico|webp|woff2?)$"]


def test_security_headers_are_repeated_in_every_location_with_always() -> None:
    blocks = locations(render_nginx(SLUGS, SITE))
    # Per client, plus: the dotfile and asset regexes, /clients/, /sponsors/, /cohorts/, /firm/, /handbook/ and /.
    assert len(blocks) == len(SLUGS) + 8
    for match, body in blocks.items():
        # The public handbook is indexed unless the firm says otherwise (handbook_noindex).
        for name, value in security_headers(https=False, noindex=match != "/handbook/"):
            assert f'add_header {name} "{value}" always;' in body, (match, name)
        assert "Strict-Transport-Security" not in body
        assert ("X-Robots-Tag" in body) is (match != "/handbook/"), match


def test_the_handbook_follows_the_firms_noindex_choice() -> None:
    blocks = locations(render_nginx(SLUGS, SITE, handbook_noindex=True))
    assert 'add_header X-Robots-Tag "noindex, nofollow" always;' in blocks["/handbook/"]
    lines = render_headers(https=True, handbook_noindex=True).splitlines()
    assert "  X-Robots-Tag: noindex, nofollow" in lines[lines.index("/*") : lines.index("/clients/*")]


def test_https_adds_hsts_to_every_location() -> None:
    https = NginxSite(site_root=SITE.site_root, htpasswd_dir=SITE.htpasswd_dir, https=True)
    for body in locations(render_nginx(SLUGS, https)).values():
        assert 'add_header Strict-Transport-Security "max-age=31536000" always;' in body


def test_server_hardening_and_options() -> None:
    site = NginxSite(
        SITE.site_root, SITE.htpasswd_dir, server_name="coach.example www.coach.example", listen=("8080", "[::]:8080")
    )
    config = render_nginx(SLUGS, site)
    for line in (
        "listen 8080;",
        "listen [::]:8080;",
        "server_name coach.example www.coach.example;",
        "server_tokens off;",
        "autoindex off;",
        "disable_symlinks on from=$document_root;",
    ):
        assert f"\n    {line}\n" in config


def test_csp_allows_materials_inline_scripts_and_nothing_from_elsewhere() -> None:
    csp = dict(security_headers(https=False))["Content-Security-Policy"]
    assert "script-src 'self' 'unsafe-inline'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "http" not in csp


def test_guessable_addresses_get_a_warning_comment() -> None:
    assert "# 4 of 4 client site(s) below are still addressed by their slug." in render_nginx(SLUGS, SITE, guessable=4)
    assert "still addressed by their slug" not in render_nginx([SITE_ID], SITE, guessable=0)


@pytest.mark.parametrize("address", ["", "Dana", "../etc", "a b", "x;y", "x}", "a/b", "ü"])
def test_bad_addresses_never_reach_the_config(address: str) -> None:
    with pytest.raises(CoachbookError, match="not made of a-z, 0-9"):
        render_nginx([address], SITE)


@pytest.mark.parametrize(
    ("site", "message"),
    [
        (NginxSite(PurePosixPath("site"), SITE.htpasswd_dir), "must be an absolute path"),
        (NginxSite(PurePosixPath('/srv/x"; autoindex on; #'), SITE.htpasswd_dir), "would misread"),
        (NginxSite(SITE.site_root, PurePosixPath("/srv/$host")), "would misread"),
        (NginxSite(SITE.site_root, PurePosixPath("/srv/coachbook/site/secrets")), "inside the web root"),
        (NginxSite(SITE.site_root, SITE.htpasswd_dir, server_name="x; root /"), "not a list of host names"),
        (NginxSite(SITE.site_root, SITE.htpasswd_dir, listen=("80;\n",)), "listen value"),
    ],
)
def test_unsafe_options_are_refused(site: NginxSite, message: str) -> None:
    with pytest.raises(CoachbookError, match=message):
        render_nginx(SLUGS, site)


# --------------------------------------------------------------------------- _headers


@pytest.mark.parametrize("https", [False, True])
def test_headers_file_sets_headers_and_says_it_does_not_authenticate(https: bool) -> None:
    text = render_headers(https=https)
    assert "provides NO authentication" in text
    lines = text.splitlines()
    everything, clients = lines.index("/*"), lines.index("/clients/*")
    for name in HEADER_NAMES:
        # Everything but the robots tag applies to every path; the handbook is indexed by default.
        assert any(line.startswith(f"  {name}: ") for line in lines[everything:clients]) is (name != "X-Robots-Tag")
    # Every private folder (clients, sponsors, cohort reports, the console) is never cached, never indexed.
    private = ["  Cache-Control: private, no-store", "  X-Robots-Tag: noindex, nofollow"]
    for folder in ("clients", "sponsors", "cohorts", "firm"):
        start = lines.index(f"/{folder}/*") + 1
        assert lines[start : start + 2] == private
    assert ("  Strict-Transport-Security: max-age=31536000" in lines) is https


# --------------------------------------------------------------------------- passwords


def test_new_passwords_are_strong_and_different() -> None:
    assert PASSWORD_BITS >= 100
    passwords = {new_password() for _ in range(50)}
    assert len(passwords) == 50
    for password in passwords:
        assert re.fullmatch(r"[a-km-np-z2-9]{4}(-[a-km-np-z2-9]{4}){5}", password)


def test_htpasswd_entry_is_bcrypt_cost_10() -> None:
    entry = htpasswd_entry("dana-whitfield", "correct horse")
    user, hashed = entry.rstrip("\n").split(":", 1)
    assert user == "dana-whitfield"
    assert entry.endswith("\n") and entry.count("\n") == 1
    assert hashed.startswith("$2b$10$")
    assert bcrypt.checkpw(b"correct horse", hashed.encode())
    assert not bcrypt.checkpw(b"wrong horse", hashed.encode())


@pytest.mark.parametrize("user", ["", "a:b", "a b", "a\nb", "x" * 65])
def test_bad_user_names_are_refused(user: str) -> None:
    with pytest.raises(CoachbookError, match="user name"):
        check_user(user)


def test_htpasswd_file_is_named_after_the_address() -> None:
    assert htpasswd_file(Path("/s"), SITE_ID) == Path(f"/s/{SITE_ID}.htpasswd")
    with pytest.raises(CoachbookError):
        check_address("../../etc/passwd")


def test_write_secret_is_private_and_never_overwrites_by_accident(tmp_path: Path) -> None:
    path = tmp_path / "secrets" / "htpasswd" / "a.htpasswd"
    write_secret(path, "a:one\n", replace=False)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700
    with pytest.raises(CoachbookError, match="--rotate"):
        write_secret(path, "a:two\n", replace=False)
    assert path.read_text() == "a:one\n"
    write_secret(path, "a:three\n", replace=True)
    assert path.read_text() == "a:three\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["a.htpasswd"]


@pytest.mark.parametrize(
    ("folder", "message"),
    [("site/secrets", "under site/ is published"), ("published", "under published/"), ("engagements", "committed")],
)
def test_password_folders_that_could_be_published_or_committed_are_refused(
    tmp_path: Path, folder: str, message: str
) -> None:
    with pytest.raises(CoachbookError, match=message):
        refuse_unsafe_dir(tmp_path / "firm" / folder, tmp_path / "firm")


@pytest.mark.parametrize("folder", ["firm/secrets", "firm/secrets/htpasswd", "elsewhere"])
def test_secrets_and_folders_outside_the_project_are_fine(tmp_path: Path, folder: str) -> None:
    refuse_unsafe_dir(tmp_path / folder, tmp_path / "firm")


# --------------------------------------------------------------------------- the commands


def test_hosting_names_no_client(firm: Path) -> None:
    outputs = [run_coachbook(firm, "hosting", check=True), run_coachbook(firm, "hosting", "--format", "headers")]
    words = client_words(firm)
    assert "Whitfield" in words and "Dana Whitfield" in words
    for result in outputs:
        assert result.returncode == 0
        for word in words:
            assert word not in result.stdout + result.stderr
    config = outputs[0].stdout
    for slug in SLUGS:
        assert f"location ^~ /clients/{slug}/ {{" in config
    assert f'root "{firm.resolve() / "site"}";' in config
    assert f'auth_basic_user_file "{firm.resolve() / "secrets" / "htpasswd" / "dana-whitfield.htpasswd"}";' in config
    assert (
        f"# {len(SAMPLE_CLIENTS)} of {len(SAMPLE_CLIENTS)} client site(s) below are still addressed by their slug."
        in config
    )


def test_hosting_uses_the_site_id_and_not_the_slug(firm: Path) -> None:
    set_site_id(firm, "dana-whitfield", SITE_ID)
    config = run_coachbook(firm, "hosting", check=True).stdout
    assert f"location ^~ /clients/{SITE_ID}/ {{" in config
    assert "dana-whitfield" not in config and "whitfield" not in config.lower()
    assert f"# {len(SAMPLE_CLIENTS) - 1} of {len(SAMPLE_CLIENTS)} client site(s)" in config


def test_hosting_options_and_output_file(firm: Path, tmp_path: Path) -> None:
    out = tmp_path / "coachbook.conf"
    result = run_coachbook(
        firm,
        "hosting",
        "--server-name",
        "coach.example",
        "--listen",
        "127.0.0.1:8080",
        "--https",
        "--site-dir",
        "/srv/coachbook/site",
        "--htpasswd-dir",
        "/etc/nginx/coachbook",
        "-o",
        str(out),
        check=True,
    )
    assert result.stdout == ""
    config = out.read_text(encoding="utf-8")
    assert "listen 127.0.0.1:8080;" in config
    assert "server_name coach.example;" in config
    assert 'root "/srv/coachbook/site";' in config
    assert 'auth_basic_user_file "/etc/nginx/coachbook/kwame-asante.htpasswd";' in config
    assert "Strict-Transport-Security" in config


def test_hosting_never_writes_the_nginx_config_into_the_site(firm: Path) -> None:
    result = run_coachbook(firm, "hosting", "-o", "site/coachbook.conf")
    assert result.returncode == 1
    assert "it lists every client's address" in result.stderr
    assert not (firm / "site" / "coachbook.conf").exists()
    run_coachbook(firm, "hosting", "--format", "headers", "-o", "site/_headers", check=True)
    assert (firm / "site" / "_headers").read_text(encoding="utf-8") == render_headers(https=False)


def test_hosting_headers_format(firm: Path) -> None:
    result = run_coachbook(firm, "hosting", "--format", "headers", check=True)
    assert result.stdout == render_headers(https=False)


def test_hosting_warns_about_clients_without_a_password(firm: Path) -> None:
    run_coachbook(firm, "passwd", "kwame-asante", check=True)
    result = run_coachbook(firm, "hosting", check=True)
    others = ", ".join(slug for slug in SAMPLE_CLIENTS if slug != "kwame-asante")
    assert f"no password file yet for {others}; run `coachbook passwd SLUG`" in result.stderr


def test_hosting_refuses_unsafe_values(firm: Path) -> None:
    result = run_coachbook(firm, "hosting", "--server-name", "x; autoindex on")
    assert result.returncode == 1
    assert "error: server name 'x; autoindex on' is not a list of host names" in result.stderr
    assert "Traceback" not in result.stderr


def test_passwd_writes_a_private_bcrypt_file_and_prints_the_password_once(firm: Path) -> None:
    result = run_coachbook(firm, "passwd", "dana-whitfield", check=True)
    password = password_of(result.stdout)
    assert result.stdout.count(password) == 1
    assert "separate channel" in result.stdout
    path = firm / "secrets" / "htpasswd" / "dana-whitfield.htpasswd"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((firm / "secrets").stat().st_mode) == 0o700
    user, hashed = path.read_text(encoding="utf-8").rstrip("\n").split(":", 1)
    assert user == "dana-whitfield"
    assert re.fullmatch(r"\$2b\$10\$[./A-Za-z0-9]{53}", hashed)
    assert bcrypt.checkpw(password.encode(), hashed.encode())
    # The password itself is nowhere on disk.
    for file in firm.rglob("*"):
        if file.is_file():
            assert password.encode() not in file.read_bytes(), file


def test_passwd_refuses_to_overwrite_without_rotate(firm: Path) -> None:
    first = password_of(run_coachbook(firm, "passwd", "sofia-marquez", check=True).stdout)
    path = firm / "secrets" / "htpasswd" / "sofia-marquez.htpasswd"
    before = path.read_text(encoding="utf-8")
    result = run_coachbook(firm, "passwd", "sofia-marquez")
    assert result.returncode == 1
    assert "already exists; pass --rotate" in result.stderr
    assert result.stdout == ""
    assert path.read_text(encoding="utf-8") == before
    rotated = run_coachbook(firm, "passwd", "sofia-marquez", "--rotate", check=True)
    second = password_of(rotated.stdout)
    hashed = path.read_text(encoding="utf-8").split(":", 1)[1].strip().encode()
    assert bcrypt.checkpw(second.encode(), hashed)
    assert not bcrypt.checkpw(first.encode(), hashed)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_passwd_names_the_file_after_the_site_id_and_takes_a_user(firm: Path) -> None:
    set_site_id(firm, "dana-whitfield", SITE_ID)
    run_coachbook(firm, "passwd", "dana-whitfield", "--user", "client", check=True)
    folder = firm / "secrets" / "htpasswd"
    assert [p.name for p in folder.iterdir()] == [f"{SITE_ID}.htpasswd"]
    assert (folder / f"{SITE_ID}.htpasswd").read_text(encoding="utf-8").startswith("client:$2b$10$")


@pytest.mark.parametrize("folder", ["site/secrets", "published/x", "content/secrets"])
def test_passwd_refuses_folders_that_get_published_or_committed(firm: Path, folder: str) -> None:
    result = run_coachbook(firm, "passwd", "kwame-asante", "--htpasswd-dir", folder)
    assert result.returncode == 1
    assert "error: refusing to keep passwords in" in result.stderr
    assert result.stdout == ""
    assert not (firm / folder).exists()


def test_passwd_unknown_slug_suggests_the_closest(firm: Path) -> None:
    result = run_coachbook(firm, "passwd", "dana-whitfeld")
    assert result.returncode == 1
    assert "error: no engagement named 'dana-whitfeld'; did you mean 'dana-whitfield'?" in result.stderr
    assert not (firm / "secrets").exists()


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_passwd_refuses_a_git_repository_that_does_not_ignore_secrets(firm: Path) -> None:
    subprocess.run(["git", "init", "-q", str(firm)], check=True)
    result = run_coachbook(firm, "passwd", "kwame-asante")
    assert result.returncode == 1
    assert "would not be ignored by git; add `/secrets/`" in result.stderr
    assert not (firm / "secrets").exists()
    (firm / ".gitignore").write_text("/secrets/\n", encoding="utf-8")
    run_coachbook(firm, "passwd", "kwame-asante", check=True)


# --------------------------------------------------------------------------- HTTPS


def test_a_plain_http_config_says_the_passwords_would_cross_the_network_in_clear(firm: Path) -> None:
    result = run_coachbook(firm, "hosting", check=True)
    assert "listen 80;" in result.stdout
    assert "# WARNING: plain HTTP." in result.stdout
    assert "warning: this config serves the client sites over plain HTTP" in result.stderr
    assert "--ssl-certificate and --ssl-certificate-key" in result.stderr
    # A proxy in front that serves HTTPS is said with --https: no warning, and browsers are told to keep to HTTPS.
    behind = run_coachbook(firm, "hosting", "--https", check=True)
    assert "plain HTTP" not in behind.stderr + behind.stdout
    assert "Strict-Transport-Security" in behind.stdout


def test_with_a_certificate_nginx_serves_https_and_sends_plain_http_there(firm: Path) -> None:
    result = run_coachbook(
        firm,
        "hosting",
        "--server-name",
        "coach.example",
        "--ssl-certificate",
        "/etc/letsencrypt/live/coach.example/fullchain.pem",
        "--ssl-certificate-key",
        "/etc/letsencrypt/live/coach.example/privkey.pem",
        check=True,
    )
    config = result.stdout
    assert "plain HTTP" not in result.stderr and "WARNING" not in config
    redirect, main = config.split("server {")[1:]
    assert "listen 80;" in redirect and "return 301 https://$host$request_uri;" in redirect
    assert "location" not in redirect and "auth_basic" not in redirect
    assert "listen 443 ssl;" in main and "listen 80;" not in main
    assert 'ssl_certificate "/etc/letsencrypt/live/coach.example/fullchain.pem";' in main
    assert 'ssl_certificate_key "/etc/letsencrypt/live/coach.example/privkey.pem";' in main
    assert "Strict-Transport-Security" in main


def test_a_certificate_needs_its_key(firm: Path) -> None:
    result = run_coachbook(firm, "hosting", "--ssl-certificate", "/etc/ssl/site.pem")
    assert result.returncode == 1
    assert "give both the certificate and its key" in result.stderr
