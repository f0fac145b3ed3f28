"""Join rate limiting: a session that keeps trying codes is scanning for rooms, so it is slowed down."""

from __future__ import annotations

import threading
import time
from collections import deque

from classroom.errors import ClassroomError

JOINS_PER_MINUTE = 10
WRONG_CODES_PER_MINUTE = 5
WINDOW = 60.0


class JoinLimiter:
    """Per client session: at most JOINS_PER_MINUTE join attempts and WRONG_CODES_PER_MINUTE wrong codes.

    Kept in memory, per process: with sticky sessions every session's attempts reach the same process.
    """

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._attempts: dict[str, deque[float]] = {}
        self._misses: dict[str, deque[float]] = {}

    def attempt(self, session: str | None) -> None:
        """Count a join attempt; ClassroomError when this session has tried too often."""
        if session is None:
            return
        now = self._clock()
        with self._lock:
            self._forget_old(now)
            misses = self._misses.get(session, deque())
            attempts = self._attempts.setdefault(session, deque())
            full = [times for times, limit in ((misses, WRONG_CODES_PER_MINUTE), (attempts, JOINS_PER_MINUTE))
                    if len(times) >= limit]
            if full:
                wait = max(1, round(WINDOW - (now - max(times[0] for times in full))))
                raise ClassroomError(f"Too many tries from this device: wait {wait} seconds, then check the "
                                     "code on the projector and try again.")
            attempts.append(now)

    def wrong_code(self, session: str | None) -> None:
        if session is not None:
            with self._lock:
                self._misses.setdefault(session, deque()).append(self._clock())

    def _forget_old(self, now: float) -> None:
        for table in (self._attempts, self._misses):
            for session in list(table):
                times = table[session]
                while times and now - times[0] > WINDOW:
                    times.popleft()
                if not times:
                    del table[session]
