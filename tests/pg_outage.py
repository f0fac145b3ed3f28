"""A PostgreSQL server that a test may stop and start (scripts/pg_cluster.py), for the live class's outage
tests; and what no screen may show while it is down."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from pg_cluster import Cluster, binaries  # noqa: E402

# What a screen must never show, whatever fails: a traceback, SQL, the driver's or SQLAlchemy's words, the
# database's address. The port is added by `leaks`.
NEVER_SHOWN = re.compile(r"Traceback|File \"|SELECT|INSERT|UPDATE|DELETE FROM|psycopg|sqlalchemy|sqlite|"
                         r"OperationalError|InterfaceError|127\.0\.0\.1|localhost:\d|postgresql|connection refused|"
                         r"\[SQL|\bhost\b|\bport\b", re.IGNORECASE)


def own_cluster() -> Cluster:
    """A started cluster of the test's own, or a skip (a failure under CI) when PostgreSQL is not installed."""
    if binaries() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is not installed: `make test` installs it (scripts/ensure_postgres.sh)")
        pytest.skip("PostgreSQL is not installed (`make test` installs it)")
    cluster = Cluster()
    cluster.start()
    return cluster


def leaks(text: str, cluster: Cluster) -> list[str]:
    """Whatever in `text` a screen must not show."""
    found = [match.group(0) for match in NEVER_SHOWN.finditer(text)]
    if str(cluster.port) in text:
        found.append(str(cluster.port))
    return found
