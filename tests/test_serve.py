"""The preview server listens on this computer only, unless the coach asks for the network, and then says so."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from coachbook.access.preview import check_preview_address, is_loopback
from coachbook.errors import CoachbookError

from .browser import free_port


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1:8000", True),
        ("127.3.4.5:8000", True),
        ("localhost:8000", True),
        ("[::1]:8000", True),
        ("0.0.0.0:8000", False),
        ("[::]:8000", False),
        ("192.168.1.20:8000", False),
        (":8000", False),
        ("coachbook-no-such-host.invalid:8000", False),
    ],
)
def test_is_loopback(address: str, loopback: bool) -> None:
    assert is_loopback(address) is loopback


def test_the_network_needs_expose_and_never_gets_the_coach_view() -> None:
    assert check_preview_address("127.0.0.1:8000", expose=False, coach_view=True, what="x") is None
    with pytest.raises(CoachbookError, match="--expose"):
        check_preview_address("0.0.0.0:8000", expose=False, coach_view=False, what="x")
    with pytest.raises(CoachbookError, match="shows coach-only material, so it is served on this computer only"):
        check_preview_address("0.0.0.0:8000", expose=True, coach_view=True, what="x")
    warning = check_preview_address("0.0.0.0:8000", expose=True, coach_view=False, what="ana's private site")
    assert warning is not None and "every device" in warning and "ana's private site" in warning


def _start(firm: Path, args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", *args],
        cwd=firm,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_expose_serves_the_network_with_a_warning(firm: Path) -> None:
    port = free_port()
    server = _start(firm, ["coachbook", "serve", "--client", "dana-whitfield", "--expose", "-a", f"0.0.0.0:{port}"], {})
    try:
        assert server.stdout is not None
        lines = []
        for line in server.stdout:
            lines.append(line)
            if "Serving on" in line or "error" in line.lower():
                break
        output = "".join(lines)
        assert f"warning: serving dana-whitfield's private site on 0.0.0.0:{port}" in output, output
        assert "Serving on" in output, output
    finally:
        server.terminate()
        server.communicate(timeout=30)


def test_a_plain_mkdocs_serve_of_a_client_is_held_to_the_same(firm: Path) -> None:
    """`mkdocs serve` has no --expose: the plugin refuses a client's site on the network."""
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "serve", "-a", f"0.0.0.0:{free_port()}"],
        cwd=firm,
        env={**os.environ, "COACHBOOK_CLIENT": "dana-whitfield"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "can be reached from other devices on the network" in result.stdout + result.stderr
