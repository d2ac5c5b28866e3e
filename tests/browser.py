"""What the browser tests share: Debian's Chromium, its flags, and a static server like a real host's."""

from __future__ import annotations

import contextlib
import http.server
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .conftest import CHROMIUM

#: Debian's Chromium (`CHROMIUM`), driven by Playwright; `playwright install` is never run.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
TIMEOUT_MS = 15_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves one folder, and its 404.html for any missing path, the way GitHub Pages does."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        not_found = Path(self.directory) / "404.html"
        if code != 404 or not not_found.is_file():
            super().send_error(code, message, explain)
            return
        body = not_found.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def serve(folder: Path, port: int = 0) -> Iterator[str]:
    def handler(*args: Any, **kwargs: Any) -> SiteHandler:
        return SiteHandler(*args, directory=str(folder), **kwargs)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """A fresh headless Chromium (Debian's, with the shared flags), closed afterwards; one per test module."""
    from playwright import sync_api

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def chromium_page() -> Iterator[Any]:
    """One page in a fresh headless Chromium, with the shared timeout; for a module-scoped fixture."""
    with chromium() as browser:
        context = browser.new_context()
        context.set_default_timeout(TIMEOUT_MS)
        yield context.new_page()


def record_problems(page: Any, expected_404: str | None = None) -> list[str]:
    """Start collecting what goes wrong on `page`; returns the list it fills as it happens.

    Console errors, uncaught exceptions, failed requests and responses of 400 or more are recorded; the
    one response allowed to be a 404 is `expected_404`'s (a missing page answered with the site's 404.html).
    """
    problems: list[str] = []

    def console(message: Any) -> None:
        if message.type != "error":
            return
        if expected_404 and message.location.get("url") == expected_404 and "404" in message.text:
            return
        problems.append(f"console: {message.text} ({message.location.get('url')})")

    def response(answer: Any) -> None:
        if answer.status >= 400 and not (answer.status == 404 and answer.url == expected_404):
            problems.append(f"HTTP {answer.status}: {answer.url}")

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url} {request.failure}"))
    page.on("response", response)
    return problems
