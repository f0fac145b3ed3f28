"""The connection: SQLite by default (WAL, busy timeout, one writer at a time), PostgreSQL by one setting,
and the one boundary where a database's failure becomes `ClassroomUnavailable`.

`SAFECRACKER_DATABASE_URL` chooses the database; without it the class lives in data/class.db beside the
app. A plain "postgresql://..." URL is driven by psycopg 3.

Nothing a student typed reaches a log line from here: SQLAlchemy's echo is off, its loggers for this engine
stay at WARNING even when the app logs everything else at DEBUG (where SQLAlchemy would write result rows),
its error messages carry no parameters (`hide_parameters`), and a failure leaves this module as
ClassroomUnavailable, whose message says nothing about SQL, hosts or ports.
"""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

from classroom.errors import ClassroomError, ClassroomUnavailable

URL_SETTING = "SAFECRACKER_DATABASE_URL"
DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "class.db"
BUSY_TIMEOUT_SECONDS = 30
# A writer waits for the one before it; sixty phones answering at once queue for a few milliseconds each.
SQLITE_PRAGMAS = (f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}", "PRAGMA journal_mode = WAL",
                  "PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = ON")
# A PostgreSQL that stops answering must fail a request within seconds, not hang a phone's script thread:
# connecting gives up after CONNECT_SECONDS, a statement after STATEMENT_MS, and a dead peer is noticed by
# TCP keepalives instead of an hours-long wait.
CONNECT_SECONDS = 5
STATEMENT_MS = 15_000
POSTGRES_CONNECT_ARGS = {"connect_timeout": CONNECT_SECONDS, "options": f"-c statement_timeout={STATEMENT_MS}",
                         "keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3}


# The store's engine logs under names of its own, held at WARNING whatever the app's logging says: at INFO and
# DEBUG SQLAlchemy writes statements' parameters (hidden here anyway) and result rows, which hold nicknames.
QUIET = {"hide_parameters": True, "echo": False, "echo_pool": False, "logging_name": "classroom",
         "pool_logging_name": "classroom"}


def _quiet(engine: sa.Engine) -> sa.Engine:
    for name in ("sqlalchemy.engine.Engine.classroom", f"sqlalchemy.pool.impl.{type(engine.pool).__name__}.classroom"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return engine


def configured_url(url: str | None = None) -> str:
    return url or os.environ.get(URL_SETTING) or f"sqlite:///{DEFAULT_PATH}"


def make_engine(url: str) -> sa.Engine:
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        raise ClassroomError(f"{URL_SETTING} is not a database URL: use sqlite:///path or "
                             "postgresql://user@host/db") from None
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    if parsed.get_backend_name() == "postgresql":
        # pool_pre_ping: a connection the server dropped (a restart, a failover) is replaced before use, so
        # the first request after an outage succeeds instead of failing on a dead socket.
        return _quiet(sa.create_engine(parsed, pool_size=5, max_overflow=20, pool_timeout=10, pool_pre_ping=True,
                                       connect_args=POSTGRES_CONNECT_ARGS, **QUIET))
    raise ClassroomError(f"The class store runs on SQLite or PostgreSQL, not {parsed.get_backend_name()}.")


def _sqlite_engine(url: sa.URL) -> sa.Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    # Enough pooled connections for a busy server's script threads: each new SQLite connection repeats the
    # pragmas, so connections are kept rather than opened per request.
    engine = _quiet(sa.create_engine(url, pool_size=20, max_overflow=40, pool_timeout=10, **QUIET,
                                     connect_args={"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False}))

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record):
        # The driver's own implicit transactions are turned off so that we say BEGIN ourselves below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        # A writer takes the write lock at BEGIN: a deferred transaction that upgrades from reading to
        # writing fails at once with "database is locked" when another writer got there first, whatever
        # the busy timeout; IMMEDIATE waits its turn instead.
        connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.get_execution_options().get("writes")
                                   else "BEGIN")

    return engine


@contextmanager
def transaction(engine: sa.Engine, *, writes: bool):
    """A connection in a transaction, committed on leaving. The boundary: any failure of the database itself
    (refused connection, dropped connection, timeout, a table gone) leaves as ClassroomUnavailable with no
    trace of the query; a unique constraint's refusal (IntegrityError) is the caller's to explain."""
    try:
        with engine.connect().execution_options(writes=writes) as conn, conn.begin():
            yield conn
    except sa.exc.IntegrityError:
        raise
    except (sa.exc.DBAPIError, sa.exc.DisconnectionError, sa.exc.TimeoutError, sa.exc.ResourceClosedError):
        # No chained cause: the driver's message can name the host, the port and the statement, and a chained
        # exception is what a logger would print.
        raise ClassroomUnavailable() from None
