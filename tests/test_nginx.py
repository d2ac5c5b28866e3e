"""The config from `coachbook hosting`, served by a real nginx on 127.0.0.1, keeps each client's site to that client.

nginx runs as the current user with its own prefix, pid, logs and temp folders
in a temporary directory, in the foreground, and is killed after the module.
"""

from __future__ import annotations

import base64
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

import pytest

from coachbook.access.hosting import security_headers

from .conftest import NGINX, run_coachbook

MIME_TYPES = Path("/etc/nginx/mime.types")

# Needs nginx at /usr/sbin/nginx (`apt-get install nginx-light`); conftest says so if it is missing.
pytestmark = pytest.mark.nginx

CLIENTS = ("dana-whitfield", "sofia-marquez", "kwame-asante")
#: The user names `coachbook passwd` gives the console and a cohort report.
CONSOLE_USER, COHORT_USER = "coaches", "halden-logistics-cohort"
CLIENT_CSS = "assets/stylesheets/coachbook.css"


@dataclass(frozen=True)
class Server:
    """A running nginx and what a test needs to talk to it."""

    base: str
    firm: Path
    passwords: dict[str, str]
    """Each client's password, as `coachbook passwd` printed it."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: Message
    body: str


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"nginx exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nginx did not listen on port {port}:\n{log.read_text(errors='replace')}")


def main_conf(prefix: Path, server_conf: Path) -> str:
    """A whole nginx.conf that writes nothing outside `prefix` and includes the generated server block."""
    temp = {name: prefix / "temp" / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir(parents=True, exist_ok=True)
    return f"""
daemon off;
master_process off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{ worker_connections 64; }}
http {{
    include {MIME_TYPES};
    default_type application/octet-stream;
    access_log {prefix}/access.log;
    client_body_temp_path {temp["client_body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {server_conf};
}}
"""


@pytest.fixture(scope="module")
def server(built_firm: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """nginx serving a writable copy of the built sample firm with a password per client."""
    work = tmp_path_factory.mktemp("nginx")
    firm = work / "firm"
    shutil.copytree(built_firm, firm, symlinks=True)
    passwords = {}
    # Each client, the coaches' console and the Halden Logistics cohort report, each under its own user name.
    for user, args in (
        *((slug, (slug,)) for slug in CLIENTS),
        (CONSOLE_USER, ("--console",)),
        (COHORT_USER, ("--cohort", "halden-logistics")),
    ):
        stdout = run_coachbook(firm, "passwd", *args, check=True).stdout
        match = re.search(r"^    (\S+)$", stdout, flags=re.MULTILINE)
        assert match and f"for user {user!r}" in stdout, stdout
        passwords[user] = match.group(1)
    # Things that exist on disk but must never be served: a client's pages mid-build,
    # a site left behind by a removed client, and a symlink from the public handbook.
    staged = firm / "site" / ".staging" / "dana-whitfield-0123456789ab"
    shutil.copytree(firm / "site" / "clients" / "dana-whitfield", staged)
    shutil.copytree(firm / "site" / "clients" / "kwame-asante", firm / "site" / "clients" / "ghost-client")
    (firm / "site" / "handbook" / "peek.html").symlink_to(firm / "site" / "clients" / "dana-whitfield" / "index.html")

    port = free_port()
    server_conf = work / "coachbook.conf"
    run_coachbook(firm, "hosting", "--listen", f"127.0.0.1:{port}", "-o", str(server_conf), check=True)
    prefix = work / "prefix"
    prefix.mkdir()
    conf = prefix / "nginx.conf"
    conf.write_text(main_conf(prefix, server_conf), encoding="utf-8")
    log = prefix / "error.log"
    command = [str(NGINX), "-p", str(prefix), "-c", str(conf), "-e", str(log)]
    test = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
    assert test.returncode == 0, test.stderr
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(port, process, log)
        yield Server(f"http://127.0.0.1:{port}", firm, passwords)
    finally:
        process.kill()
        process.wait(timeout=10)


def get(server: Server, path: str, as_client: str | None = None, password: str | None = None) -> Response:
    request = urllib.request.Request(server.base + path)
    if as_client:
        secret = password or server.passwords[as_client]
        token = base64.b64encode(f"{as_client}:{secret}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return Response(reply.status, reply.headers, reply.read().decode("utf-8", errors="replace"))
    except urllib.error.HTTPError as error:
        with error:
            return Response(error.code, error.headers, error.read().decode("utf-8", errors="replace"))


def assert_security_headers(response: Response, *, noindex: bool = True) -> None:
    for name, value in security_headers(https=False, noindex=noindex):
        assert response.headers.get_all(name) == [value], name
    if not noindex:
        assert response.headers.get("X-Robots-Tag") is None
    assert response.headers.get("Strict-Transport-Security") is None
    assert response.headers.get("Server") == "nginx"


def test_the_served_config_names_no_client(server: Server) -> None:
    config = (server.firm.parent / "coachbook.conf").read_text(encoding="utf-8")
    for word in ("Dana", "Whitfield", "Sofia", "Marquez", "Kwame", "Asante", "Halden"):
        assert word not in config


@pytest.mark.parametrize("slug", CLIENTS)
def test_a_client_site_needs_a_password(server: Server, slug: str) -> None:
    response = get(server, f"/clients/{slug}/")
    assert response.status == 401
    assert response.headers.get("WWW-Authenticate") == 'Basic realm="Private coaching site"'
    assert_security_headers(response)
    assert response.headers.get("Cache-Control") == "private, no-store"


@pytest.mark.parametrize("slug", CLIENTS)
def test_a_client_sees_their_own_dashboard(server: Server, slug: str) -> None:
    response = get(server, f"/clients/{slug}/", as_client=slug)
    assert response.status == 200
    name = " ".join(part.capitalize() for part in slug.split("-"))
    assert re.search(rf"<title>Dashboard - {name} ", response.body), response.body[:300]
    assert_security_headers(response)
    assert response.headers.get_all("Cache-Control") == ["private, no-store"]


def test_a_clients_calendar_is_served_as_a_calendar_behind_their_password(server: Server) -> None:
    path = "/clients/dana-whitfield/calendar.ics"
    assert get(server, path).status == 401
    assert get(server, path, as_client="kwame-asante").status == 401
    response = get(server, path, as_client="dana-whitfield")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.body.startswith("BEGIN:VCALENDAR")
    assert_security_headers(response)
    assert response.headers.get_all("Cache-Control") == ["private, no-store"]
    # Other files keep their usual types.
    page = get(server, "/clients/dana-whitfield/", as_client="dana-whitfield")
    assert page.headers["Content-Type"].startswith("text/html")


def test_a_client_cannot_read_another_clients_site(server: Server) -> None:
    for owner in CLIENTS:
        for other in CLIENTS:
            if other != owner:
                assert get(server, f"/clients/{other}/", as_client=owner).status in (401, 403)
                assert get(server, f"/clients/{other}/{CLIENT_CSS}", as_client=owner).status in (401, 403)


def test_a_wrong_password_is_refused(server: Server) -> None:
    assert get(server, "/clients/dana-whitfield/", as_client="dana-whitfield", password="guess").status == 401


def test_a_clients_assets_are_protected_despite_the_asset_regex(server: Server) -> None:
    path = f"/clients/dana-whitfield/{CLIENT_CSS}"
    assert get(server, path).status == 401
    response = get(server, path, as_client="dana-whitfield")
    assert response.status == 200
    assert response.headers.get_content_type() == "text/css"
    assert_security_headers(response)
    assert response.headers.get_all("Cache-Control") == ["private, no-store"]
    scripts = sorted(
        (server.firm / "site" / "clients" / "dana-whitfield" / "assets" / "javascripts").glob("bundle.*.js")
    )
    material = f"/clients/dana-whitfield/assets/javascripts/{scripts[0].name}"
    assert get(server, material).status == 401
    assert get(server, material, as_client="dana-whitfield").status == 200
    assert get(server, "/clients/dana-whitfield/search/search_index.json").status == 401


def test_the_handbook_is_public_with_headers_and_cached_assets(server: Server) -> None:
    page = get(server, "/handbook/")
    assert page.status == 200
    # The handbook is public onboarding material: indexed unless the firm sets handbook_noindex.
    assert_security_headers(page, noindex=False)
    assert page.headers.get("Cache-Control") is None
    css = get(server, "/handbook/assets/stylesheets/coachbook.css")
    assert css.status == 200
    assert_security_headers(css)
    assert css.headers.get("Cache-Control") == "max-age=604800"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/index.html",
        "/clients/",
        "/engagements/dana-whitfield.yml",
        "/secrets/htpasswd/dana-whitfield.htpasswd",
        "/mkdocs.yml",
        "/.staging/",
        "/.staging/dana-whitfield-0123456789ab/index.html",
        f"/.staging/dana-whitfield-0123456789ab/{CLIENT_CSS}",
        "/clients/ghost-client/",
        f"/clients/ghost-client/{CLIENT_CSS}",
        "/handbook/.hidden.css",
        "/clients/dana-whitfield/../../secrets/htpasswd/dana-whitfield.htpasswd",
    ],
)
def test_everything_else_is_404(server: Server, path: str) -> None:
    response = get(server, path)
    assert response.status in (400, 404), (path, response.status)
    if response.status == 404:
        assert_security_headers(response)
    # Credentials do not open anything outside their own site either.
    assert get(server, path, as_client="dana-whitfield").status in (400, 404)


def test_a_symlink_in_the_public_handbook_does_not_expose_a_client_page(server: Server) -> None:
    response = get(server, "/handbook/peek.html")
    assert response.status in (403, 404)
    assert "Dana Whitfield" not in response.body


def test_a_directory_without_its_slash_redirects_after_authentication(server: Server) -> None:
    request = urllib.request.Request(server.base + "/clients/dana-whitfield/goals")
    opener = urllib.request.build_opener(_NoRedirect())
    with pytest.raises(urllib.error.HTTPError) as caught:
        opener.open(request, timeout=10)
    caught.value.close()
    assert caught.value.code == 401
    token = base64.b64encode(f"dana-whitfield:{server.passwords['dana-whitfield']}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    with pytest.raises(urllib.error.HTTPError) as caught:
        opener.open(request, timeout=10)
    caught.value.close()
    assert caught.value.code == 301
    assert caught.value.headers.get("Location") == "/clients/dana-whitfield/goals/"


def test_nginx_writes_only_inside_its_prefix(server: Server) -> None:
    prefix = server.firm.parent / "prefix"
    assert (prefix / "nginx.pid").is_file()
    assert (prefix / "access.log").stat().st_size > 0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


# --------------------------------------------------------------------------- the firm's own sites


def test_the_console_opens_with_its_own_password_only(server: Server) -> None:
    for path in ("/firm/", "/firm/engagements/dana-whitfield/", "/firm/assets/coachbook/console.js"):
        assert get(server, path).status == 401, path
        for slug in CLIENTS:
            assert get(server, path, as_client=slug).status == 401, (path, slug)
        assert get(server, path, as_client=COHORT_USER).status == 401, path
        response = get(server, path, as_client=CONSOLE_USER)
        assert response.status == 200, path
        assert_security_headers(response)
        assert response.headers.get_all("Cache-Control") == ["private, no-store"]
    feed = get(server, "/firm/coaches/priya-raman.ics", as_client=CONSOLE_USER)
    assert feed.status == 200 and feed.headers["Content-Type"] == "text/calendar; charset=utf-8"
    # And the console's password opens no client's site.
    assert get(server, "/clients/dana-whitfield/", as_client=CONSOLE_USER).status in (401, 403)


def test_a_cohort_report_opens_with_its_own_password_only(server: Server) -> None:
    path = "/cohorts/halden-logistics/"
    assert get(server, path).status == 401
    assert get(server, path, as_client=CONSOLE_USER).status == 401
    assert get(server, path, as_client="dana-whitfield").status == 401
    response = get(server, path, as_client=COHORT_USER)
    assert response.status == 200 and "Coaching cohort: Halden Logistics" in response.body
    assert response.headers.get_all("Cache-Control") == ["private, no-store"]
    # No report is built for Ashgrove Mutual (two engagements), and nothing else under cohorts/ is served.
    assert get(server, "/cohorts/ashgrove-mutual/").status == 404
    assert get(server, "/cohorts/").status == 404


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made here: nothing leaves the machine."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(key, hashes.SHA256())
    )
    cert, secret = folder / "site.pem", folder / "site.key"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    secret.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert, secret


def test_the_config_with_a_certificate_serves_the_sites_over_https(server: Server, tmp_path: Path) -> None:
    """The same firm, served by nginx over TLS with the certificate options: passwords never cross in clear."""
    import ssl

    cert, key = self_signed(tmp_path)
    port = free_port()
    server_conf = tmp_path / "tls.conf"
    run_coachbook(
        server.firm,
        "hosting",
        "--listen",
        f"127.0.0.1:{port} ssl",
        "--ssl-certificate",
        str(cert),
        "--ssl-certificate-key",
        str(key),
        "-o",
        str(server_conf),
        check=True,
    )
    prefix = tmp_path / "prefix"
    prefix.mkdir()
    conf = prefix / "nginx.conf"
    conf.write_text(main_conf(prefix, server_conf), encoding="utf-8")
    log = prefix / "error.log"
    process = subprocess.Popen(
        [str(NGINX), "-p", str(prefix), "-c", str(conf), "-e", str(log)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    context = ssl.create_default_context(cafile=str(cert))
    try:
        wait_for(port, process, log)
        base = f"https://127.0.0.1:{port}/clients/dana-whitfield/"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base, timeout=10, context=context)
        assert refused.value.code == 401
        refused.value.close()
        request = urllib.request.Request(base)
        token = base64.b64encode(f"dana-whitfield:{server.passwords['dana-whitfield']}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
        with urllib.request.urlopen(request, timeout=10, context=context) as reply:
            assert reply.status == 200
            assert reply.headers.get("Strict-Transport-Security") == "max-age=31536000"
            assert "Welcome, Dana" in reply.read().decode("utf-8")
    finally:
        process.kill()
        process.wait(timeout=10)
