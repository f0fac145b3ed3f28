"""A PostgreSQL server of one's own, to stop and start: the live class's outage tests and its benchmark.

The same binaries as scripts/ensure_postgres.sh (Debian's `postgresql`, which `make test` installs), but a
cluster in its own folder on its own port, so stopping it disturbs no other test. As root the server runs as
the package's `postgres` user, which refuses to run as root.

    cluster = Cluster()      # a new folder under the temporary folder, a free port
    cluster.start()          # initdb the first time; prints nothing
    cluster.url              # postgresql://postgres@127.0.0.1:55490/safecracker
    cluster.stop()           # fast shutdown: every connection is dropped, as in a real outage
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

DATABASE = "safecracker"


def binaries() -> Path | None:
    """The newest installed PostgreSQL's bin folder, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: [int(x) for x in p.split("/")[-2].split(".")
                                                                           if x.isdigit()])
    return Path(found[-1]) if found and Path(found[-1], "initdb").exists() else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    def __init__(self, folder: Path | None = None, port: int | None = None):
        self.bin = binaries()
        if self.bin is None:
            raise RuntimeError("PostgreSQL is not installed: `make test` installs it (scripts/ensure_postgres.sh)")
        # A folder of its own directly under the temporary folder: as root, the server's user must reach it, and
        # pytest's own temporary folders are closed to other users.
        self.folder = Path(folder) if folder else Path(tempfile.mkdtemp(prefix="safecracker-pg-"))
        self.data = self.folder / "data"
        self.port = port or free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def _as_owner(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run([*prefix, *command], check=check, capture_output=True, text=True, timeout=120)

    def start(self) -> None:
        if not (self.data / "PG_VERSION").exists():
            shutil.rmtree(self.data, ignore_errors=True)
            self.data.mkdir(parents=True)
            if os.geteuid() == 0:
                shutil.chown(self.folder, "postgres")
                shutil.chown(self.data, "postgres")
            self._as_owner(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                           "--encoding=UTF8", "--no-instructions")
        (self.data / "postmaster.pid").unlink(missing_ok=True)  # left by a server that was killed
        self._as_owner(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.data / "server.log"), "-w",
                       "-t", "60", "-o", f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data} "
                                         "-c max_connections=300 -c fsync=off", "start")
        self._create_database()

    def stop(self) -> None:
        self._as_owner(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop",
                       check=False)

    def running(self) -> bool:
        return self._as_owner(str(self.bin / "pg_ctl"), "-D", str(self.data), "status", check=False).returncode == 0

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _create_database(self) -> None:
        psql = [str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-tAc"]
        end = time.monotonic() + 30
        while True:
            found = subprocess.run([*psql, f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'", "postgres"],
                                   capture_output=True, text=True)
            if found.returncode == 0:
                break
            if time.monotonic() > end:
                raise RuntimeError(f"PostgreSQL on port {self.port} did not answer: {found.stderr.strip()}")
            time.sleep(0.2)
        if found.stdout.strip() != "1":
            subprocess.run([str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                            DATABASE], check=True, capture_output=True, text=True)
