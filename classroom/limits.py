"""Limits per client address, kept in the database so that every session and every replica counts together.

What is limited is what a scanner or a flood does, not what a class does: a whole class behind one school
address joins freely, while the same address may fail a code lookup (a join with a code that opens no room)
or a teacher's resume only so often, and may open only so many rooms an hour. Attempts are counted in fixed
windows per (address digest, kind); old windows are purged with expired rooms.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import sqlalchemy as sa

from classroom import schema, tokens
from classroom.errors import ClassroomError


@dataclass(frozen=True)
class Limit:
    kind: str
    count: int
    window: float  # seconds
    message: str  # "{wait}" is replaced by the minutes (or seconds) left

    def window_of(self, now: float) -> int:
        return int(now // self.window)


# A scanner guessing room codes from one address tries at most 30 codes in 10 minutes: some 4,300 a day
# against 47 million codes. A class mistyping a code now and then never gets near it.
FAILED_CODES = Limit("code", 30, 600.0, "Too many codes that open no room were tried from this network: wait "
                                        "{wait}, then check the code on the projector and try again.")
FAILED_RESUMES = Limit("resume", 10, 600.0, "Too many wrong codes or keys were tried from this network: wait "
                                           "{wait}, then try again.")
ROOMS_OPENED = Limit("room", 30, 3600.0, "This network has opened many rooms in the last hour: wait {wait}, or "
                                        "return to a room that is still open.")
LIMITS = (FAILED_CODES, FAILED_RESUMES, ROOMS_OPENED)


def check(conn, address: str | None, limit: Limit, now: float) -> None:
    """ClassroomError if `address` has used up `limit` in the current window; nothing for no address."""
    if address is None:
        return
    a = schema.attempts
    used = conn.scalar(sa.select(a.c.count).where(a.c.address == tokens.address_digest(address),
                                                  a.c.kind == limit.kind, a.c.period == limit.window_of(now)))
    if used is not None and used >= limit.count:
        left = (limit.window_of(now) + 1) * limit.window - now
        raise ClassroomError(limit.message.format(wait=_wait(left)))


def count(conn, insert, address: str | None, limit: Limit, now: float) -> None:
    """One more attempt of `limit`'s kind from `address` (an upsert: safe from any number of replicas)."""
    if address is None:
        return
    a = schema.attempts
    row = insert(a).values(address=tokens.address_digest(address), kind=limit.kind, period=limit.window_of(now),
                           count=1)
    conn.execute(row.on_conflict_do_update(index_elements=[a.c.address, a.c.kind, a.c.period],
                                           set_={"count": a.c.count + 1}))


def purge(conn, now: float) -> None:
    """Forget windows that have ended."""
    a = schema.attempts
    for limit in LIMITS:
        conn.execute(sa.delete(a).where(a.c.kind == limit.kind, a.c.period < limit.window_of(now)))


def _wait(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, math.ceil(seconds))} seconds"
    return f"{math.ceil(seconds / 60)} minutes"
