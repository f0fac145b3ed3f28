"""Real-browser tests: the app served by `streamlit run`, driven by Playwright in Debian's Chromium."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
# Playwright's own browser download does not work here: drive the distribution's Chromium, and keep it
# from reaching for the network at start-up.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(item.fspath).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def app_url():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true", f"--server.port={port}",
         "--server.address=127.0.0.1", "--browser.gatherUsageStats=false", "--server.fileWatcherType=none"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the Streamlit server did not start") from None
                time.sleep(0.25)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (scripts/ensure_chromium.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Page:
    """A browser tab on the app that remembers every console error and uncaught exception."""

    def __init__(self, tab, base_url):
        self.tab, self.base_url, self.errors = tab, base_url, []
        tab.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        tab.on("console", self._console)
        tab.on("response", self._response)

    def _console(self, message):
        # A failed load is judged by its response below, which knows the address.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(f"console: {message.text}")

    def _response(self, response):
        # On a deep link, Streamlit's front end first looks for its server under the page's own path
        # (/Page/_stcore/health, /Page/_stcore/host-config) and falls back to the root: expected 404s.
        probing = "/_stcore/" in response.url and not response.url.startswith(self.base_url + "/_stcore/")
        if response.status >= 400 and not probing:
            self.errors.append(f"HTTP {response.status}: {response.url}")

    def open(self, path: str = ""):
        self.tab.goto(f"{self.base_url}/{path}")
        self.settle()
        return self

    def settle(self, timeout: float = 60_000):
        """Wait until Streamlit has finished running the script and drawing."""
        tab = self.tab
        tab.wait_for_selector("[data-testid=stApp]", timeout=timeout)
        tab.wait_for_timeout(600)
        tab.wait_for_function(
            "() => document.querySelectorAll('[data-testid=stSkeleton]').length == 0"
            " && !document.querySelector('[data-testid=stStatusWidget] button')"
            " && document.querySelector('[data-testid=stApp]').getAttribute('data-test-script-state')"
            " !== 'running'", timeout=timeout)
        tab.wait_for_timeout(800)

    def exceptions(self) -> int:
        return self.tab.locator("[data-testid=stException]").count()


@pytest.fixture
def app(browser, app_url):
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    tab = context.new_page()
    yield Page(tab, app_url)
    context.close()
