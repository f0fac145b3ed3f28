"""A Streamlit server of a test's own, for the live class's tests that kill it, restart it, or point it at a
database they stop: the same command as the session's server (tests/browser/conftest.py), its own port and
its own class store."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class LiveServer:
    def __init__(self, database_url: str):
        self.database_url = database_url
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        # A file, not a pipe: a pipe nobody reads would stall a chatty server.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (open for the server's whole life, closed in close)

    def start(self) -> LiveServer:
        env = {**os.environ, "SAFECRACKER_DATABASE_URL": self.database_url}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true",
             f"--server.port={self.port}", "--server.address=127.0.0.1", "--browser.gatherUsageStats=false"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 90
        while True:
            try:
                if urllib.request.urlopen(self.url + "/_stcore/health", timeout=1).read() == b"ok":
                    return self
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("the Streamlit server did not start") from None
                time.sleep(0.25)

    def kill(self) -> None:
        """kill -9: no goodbye to any browser, no cleanup."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def close(self) -> None:
        self.stop()
        self.log.close()

    def output(self) -> str:
        """Everything the server wrote (stdout and stderr) so far, over all its starts."""
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")
