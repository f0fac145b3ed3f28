"""`ClassStore`: rooms, questions, predictions and challenges, kept in a real database.

    store = ClassStore("sqlite:///data/class.db")          # or "postgresql://user@host/db"
    room = store.create_room()                             # room.code, room.teacher_token
    store.open_question(room.code, room.teacher_token, "q1", ["A", "B", "C"])
    token = store.join(room.code, "nickname")
    store.predict(room.code, token, "q1", "B")            # again: replaces the earlier answer
    store.tally(room.code, "q1")                           # {"A": 0, "B": 1, "C": 0}

A question follows Peer Instruction: it is asked (round 1), answers close (the teacher, or its timer), the
spread is shown, the class votes again (round 2, round 1 kept), and the run is revealed.

Every refusal is a ClassroomError whose message tells the person what to do; a database that does not answer
is ClassroomUnavailable (a ClassroomError too), whose message says nothing is lost. Only the room's teacher
(its key, or a device that opened or resumed it) opens, reveals, removes or closes; a student's token answers
only for that student. A room that is unknown, closed or expired gets one and the same message, so a code
cannot be probed. Rooms and everything in them are deleted a day after they were created, by whichever
request comes first after that (at most every `purge_every` seconds); closing a room deletes at once
everything students gave it.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from classroom import challenge, limits, nicknames, schema, tokens
from classroom.database import configured_url, make_engine, transaction
from classroom.errors import ClassroomError, ClassroomUnavailable

DAY = 24 * 3600.0
MAX_CHOICES = 8
MAX_CHOICE_LENGTH = 200
MAX_PROMPT_LENGTH = 500
MAX_ID_LENGTH = 64
MAX_ROUNDS = 2  # Peer Instruction's two votes, before and after the discussion
MAX_TIMER_SECONDS = 3600
CODE_ATTEMPTS = 20
DEFAULT_ROOM_CAP = 200
# Rooms open at once across the whole store: a flood from many addresses fills this, not the disk.
MAX_OPEN_ROOMS = 10_000
PURGE_EVERY = 60.0
# A room's phones share one read of the room this often (see `ClassStore.glance`): two hundred phones looking
# every two seconds were a hundred transactions a second, more than PostgreSQL on loopback and the server's
# one interpreter could serve (the projector's count fell 25 s behind). A phone still sees its own answer at
# once, and the teacher's changes made through this process at once; through another process within this.
GLANCE_SECONDS = 1.0
# Any constant: the advisory lock PostgreSQL holds while two processes create the tables at once.
SCHEMA_LOCK = 7_260_011

NO_ROOM = ("No open room has that code. Check the code on the projector, or ask your teacher for a new one "
           f"({tokens.CODE_LENGTH} letters and digits).")
NOT_TEACHER = "Only the teacher who opened this room can do that."
NOT_IN_ROOM = "This device is not in the room: join with the code and a nickname."
REMOVED = "Your teacher removed this device from the room, so it cannot join again."
BAD_RESUME = "That room code and teacher key do not open a room: check both and try again."


@dataclass(frozen=True)
class Room:
    code: str
    teacher_token: str


@dataclass(frozen=True)
class Current:
    """What the students are asked now. kind is "question", "challenge" or None (nothing yet)."""

    kind: str | None = None
    id: str | None = None
    choices: tuple[str, ...] = ()
    revealed: bool = False
    optimizer: str | None = None
    vault: str | None = None
    steps: int | None = None
    prompt: str | None = None
    round: int = 1
    closed: bool = False  # no more answers this round: closed by the teacher, its timer, or the reveal
    deadline: float | None = None  # when the timer closes this round (None: no timer, or already closed)
    spread_shown: bool = False
    answer: str | None = None  # the right answer, once revealed (and when the question knows it)


@dataclass(frozen=True)
class Answer:
    nickname: str
    choice: str


@dataclass(frozen=True)
class Submission:
    nickname: str
    lr: float
    beta: float
    result: challenge.Result


@dataclass(frozen=True)
class Progress:
    """How many answered the current round, of how many joined."""

    answered: int
    joined: int


@dataclass(frozen=True)
class Rounds:
    """Every round of one question: the tallies in order, and what each student answered in the first and
    the last round they answered (for "how many moved to the right answer")."""

    tallies: tuple[dict[str, int], ...]
    changes: Counter = field(default_factory=Counter)  # (first round's choice, last round's choice) -> students
    correct: str | None = None

    def moved_to_right(self) -> int:
        """Students whose first answer was wrong and whose last was right."""
        if self.correct is None:
            return 0
        return sum(n for (first, last), n in self.changes.items() if first != self.correct and last == self.correct)


@dataclass(frozen=True)
class Glance:
    """What a student's phone needs every few seconds, in one transaction: who they are, what is asked now,
    and their own answer in each round of the current question."""

    nickname: str
    current: Current
    mine: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MyEntry:
    """A student's standing in a challenge: the setting that counts (and its run), and the last entry if it
    was refused after that (what was typed, and why)."""

    submission: Submission | None
    refused: tuple[str, str, str] | None  # (lr as typed, β as typed, the reason)


@dataclass
class _RoomView:
    """What every phone in one room reads, read once for all of them: the room's current item, its students by
    token digest, and their answers to the current question."""

    started: float  # time.monotonic() when the read began
    created_at: float
    current: Current
    students: dict[str, tuple[int, str]]  # token digest -> (student id, nickname)
    mine: dict[int, dict[int, str]]  # student id -> {round: choice} for the current question


def _changes_the_room(method):
    """A teacher's change to room `code`: the phones' shared view of it is read again after it."""
    @functools.wraps(method)
    def changing(self, code, *args, **kwargs):
        try:
            return method(self, code, *args, **kwargs)
        finally:
            self._forget_view(code)
    return changing


class ClassStore:
    """The class's shared memory. Safe to share between threads; several processes may open the same URL."""

    def __init__(self, url: str | None = None, *, ttl: float = DAY, clock=time.time,
                 room_cap: int = DEFAULT_ROOM_CAP, purge_every: float = PURGE_EVERY):
        self.url = configured_url(url)
        self._engine = make_engine(self.url)
        self._ttl = float(ttl)
        self._clock = clock
        self.room_cap = int(room_cap)
        self._purge_every = float(purge_every)
        self._insert = postgresql.insert if self._engine.dialect.name == "postgresql" else sqlite.insert
        self._ready = False
        self._ready_lock = threading.Lock()
        self._last_purge = float("-inf")
        self._views: dict[str, _RoomView] = {}
        self._view_epochs: Counter = Counter()  # per room, bumped by a teacher's change: older reads are dropped
        self._answered: dict[str, dict[tuple, tuple[str, float]]] = {}  # per room, this process's recent answers
        self._views_lock = threading.Lock()
        # Tables now, and what expired while the server was down goes now; a database that is down at start-up
        # is tried again by the first request.
        with contextlib.suppress(ClassroomUnavailable):
            self._prepare()

    @property
    def backend(self) -> str:
        return self._engine.dialect.name

    def dispose(self) -> None:
        self._engine.dispose()

    def ping(self) -> None:
        """Nothing when the database answers; ClassroomUnavailable when it does not."""
        with self._reading() as conn:
            conn.execute(sa.select(1))

    # --- the teacher -------------------------------------------------------------------------------

    def create_room(self, *, owner: str | None = None, address: str | None = None) -> Room:
        """A new room. `owner`: the opening device's teacher token (it may then teach the room without the
        room's key, e.g. after a refresh); `address`: the client's, for the limit on rooms opened."""
        teacher_token = tokens.new_token()
        owner_digest = tokens.digest(owner) if owner is not None else None
        if owner is not None and owner_digest is None:
            raise ClassroomError("This device's teacher key is not one of ours: reload the page.")
        with self._writing() as conn:
            now = self._clock()
            limits.check(conn, address, limits.ROOMS_OPENED, now)
            r = schema.rooms
            open_rooms = conn.scalar(sa.select(sa.func.count()).select_from(r)
                                     .where(r.c.closed_at.is_(None), r.c.created_at >= now - self._ttl))
            if open_rooms >= MAX_OPEN_ROOMS:
                raise ClassroomError("Too many rooms are open on this server right now: try again later.")
        for _ in range(CODE_ATTEMPTS):
            code = tokens.new_code()
            try:
                with self._writing() as conn:
                    now = self._clock()
                    room_id = conn.execute(sa.insert(schema.rooms).values(
                        code=code, teacher_digest=tokens.digest(teacher_token), created_at=now)
                        .returning(schema.rooms.c.id)).scalar_one()
                    if owner_digest is not None:
                        conn.execute(sa.insert(schema.owners).values(room_id=room_id, owner_digest=owner_digest))
                    limits.count(conn, self._insert, address, limits.ROOMS_OPENED, now)
                return Room(code, teacher_token)
            except sa.exc.IntegrityError:
                continue  # that code is taken: draw another
        raise ClassroomError("Could not find a free room code; try again in a moment.")

    def rooms_of(self, owner: str | None) -> list[str]:
        """The open rooms `owner` (a device's teacher token) may teach, newest first."""
        given = tokens.digest(owner)
        if given is None:
            return []
        r, o = schema.rooms, schema.owners
        with self._reading() as conn:
            return list(conn.scalars(
                sa.select(r.c.code).join(o, o.c.room_id == r.c.id)
                .where(o.c.owner_digest == given, r.c.closed_at.is_(None), r.c.created_at >= self._clock() - self._ttl)
                .order_by(r.c.created_at.desc(), r.c.id.desc())))

    def claim_room(self, code: str, teacher_key: str, owner: str | None = None, *, address: str | None = None) -> str:
        """Resume a room with its teacher key (on another computer, say): returns its code, and `owner`'s
        device may teach it from now on. Every failure says the same thing and counts against `address`."""
        owner_digest = tokens.digest(owner)
        with self._writing() as conn:
            now = self._clock()
            limits.check(conn, address, limits.FAILED_RESUMES, now)
            room = self._open_room_or_none(conn, code)
            if room is None or not tokens.same_digest(tokens.digest(teacher_key), room.teacher_digest):
                # Counted in this transaction, which commits: the refusal comes after it.
                limits.count(conn, self._insert, address, limits.FAILED_RESUMES, now)
                room = None
            elif owner_digest is not None:
                o = schema.owners
                if not conn.scalar(sa.select(sa.func.count()).select_from(o)
                                   .where(o.c.room_id == room.id, o.c.owner_digest == owner_digest)):
                    conn.execute(sa.insert(o).values(room_id=room.id, owner_digest=owner_digest))
        if room is None:
            raise ClassroomError(BAD_RESUME)
        return room.code

    def new_teacher_key(self, code: str, teacher_token: str) -> str:
        """A fresh key for the room (to resume it on another computer, see `claim_room`); the room's earlier
        key stops working. Devices that opened or resumed the room keep teaching it."""
        key = tokens.new_token()
        with self._writing() as conn:
            room = self._teacher_room(conn, code, teacher_token)
            conn.execute(sa.update(schema.rooms).where(schema.rooms.c.id == room.id)
                         .values(teacher_digest=tokens.digest(key)))
        return key

    @_changes_the_room
    def close_room(self, code: str, teacher_token: str) -> None:
        """Nobody can join or answer any more, and every nickname, answer and entry is deleted now."""
        with self._writing() as conn:
            room = self._teacher_room(conn, code, teacher_token)
            self._delete_children(conn, [room.id])
            conn.execute(sa.update(schema.rooms).where(schema.rooms.c.id == room.id)
                         .values(closed_at=self._clock(), current_kind=None, current_id=None))

    @_changes_the_room
    def open_question(self, code: str, teacher_token: str, question_id: str, choices, *, prompt: str | None = None,
                      correct: str | None = None, seconds: float | None = None) -> None:
        """Ask every student `question_id` (round 1). Asking it again after its reveal starts it afresh; asking
        it again before the reveal keeps its answers and its state. `correct` (one of the choices) is kept for
        the export; `seconds` starts a timer that closes the answers."""
        question_id = _check_id(question_id, "question")
        choices = _check_choices(choices)
        prompt = _check_prompt(prompt)
        if correct is not None and correct not in choices:
            raise ClassroomError("The right answer must be one of the answers on offer.")
        seconds = _check_seconds(seconds)
        q = schema.questions
        with self._writing() as conn:
            room = self._teacher_room(conn, code, teacher_token)
            old = conn.execute(sa.select(q.c.choices, q.c.revealed_at)
                               .where(q.c.room_id == room.id, q.c.question_id == question_id)).first()
            if old is None or list(old.choices) != list(choices) or old.revealed_at is not None:
                now = self._clock()
                conn.execute(sa.delete(schema.predictions).where(schema.predictions.c.room_id == room.id,
                                                                 schema.predictions.c.question_id == question_id))
                conn.execute(sa.delete(q).where(q.c.room_id == room.id, q.c.question_id == question_id))
                conn.execute(sa.insert(q).values(
                    room_id=room.id, question_id=question_id, choices=list(choices), prompt=prompt, correct=correct,
                    opened_at=now, round=1, spread_shown=False, deadline=None if seconds is None else now + seconds))
            self._set_current(conn, room.id, "question", question_id)

    @_changes_the_room
    def close_answers(self, code: str, teacher_token: str, question_id: str) -> None:
        """No more answers to this round; the answers given stay."""
        q = schema.questions
        with self._writing() as conn:
            room = self._teacher_room(conn, code, teacher_token)
            found = self._question(conn, room.id, question_id)
            if not self._closed(found):
                conn.execute(sa.update(q).where(q.c.room_id == room.id, q.c.question_id == question_id)
                             .values(closed_at=self._clock()))

    @_changes_the_room
    def show_spread(self, code: str, teacher_token: str, question_id: str, shown: bool = True) -> None:
        """Whether the projector shows how the class answered (hidden while the class answers, so the bars
        do not sway late voters)."""
        q = schema.questions
        with self._writing() as conn:
            room = self._teacher_room(conn, code, teacher_token)
            self._question(conn, room.id, question_id)
            conn.execute(sa.update(q).where(q.c.room_id == room.id, q.c.question_id == question_id)
                         .values(spread_shown=bool(shown)))

    @_changes_the_room
    def vote_again(self, code: str, teacher_token: str, question_id: str, *, seconds: float | None = None) -> int:
        """A new round on the same question, after the discussion: answers open again, the earlier round is
        kept, the spread is hidden. Returns the new round's number."""
        seconds = _check_seconds(seconds)
        q = schema.questions
        with self._writing() as conn:
            room = self._teacher_room(conn, code, teacher_token)
            found = self._question(conn, room.id, question_id)
            if found.revealed_at is not None:
                raise ClassroomError("The run has been revealed: ask the question again to start afresh.")
            if found.round >= MAX_ROUNDS:
                raise ClassroomError(f"This question has had its {MAX_ROUNDS} votes: reveal the run.")
            now = self._clock()
            conn.execute(sa.update(q).where(q.c.room_id == room.id, q.c.question_id == question_id).values(
                round=found.round + 1, closed_at=None, spread_shown=False,
                deadline=None if seconds is None else now + seconds))
            self._set_current(conn, room.id, "question", question_id)
            return found.round + 1

    @_changes_the_room
    def reveal(self, code: str, teacher_token: str, question_id: str) -> None:
        """Stop taking answers to `question_id`: the class sees the run and who predicted right."""
        q = schema.questions
        with self._writing() as conn:
            room = self._teacher_room(conn, code, teacher_token)
            found = self._question(conn, room.id, question_id)
            now = self._clock()
            conn.execute(sa.update(q).where(q.c.room_id == room.id, q.c.question_id == question_id)
                         .values(revealed_at=now, spread_shown=True,
                                 closed_at=found.closed_at if self._closed(found) else now))

    def answers(self, code: str, teacher_token: str, question_id: str, round: int | None = None) -> list[Answer]:
        """Who answered what in `round` (default: the current one), in the order they joined (for the
        teacher's screen only)."""
        p, s = schema.predictions, schema.students
        with self._reading() as conn:
            room = self._teacher_room(conn, code, teacher_token)
            found = self._question(conn, room.id, question_id)
            rows = conn.execute(sa.select(s.c.nickname, p.c.choice).join(s, s.c.id == p.c.student_id)
                                .where(p.c.room_id == room.id, p.c.question_id == question_id,
                                       p.c.round == (found.round if round is None else round))
                                .order_by(s.c.id)).all()
        return [Answer(row.nickname, row.choice) for row in rows]

    def roster(self, code: str, teacher_token: str) -> list[str]:
        """Every nickname in the room, in the order they joined (for the teacher's screen only)."""
        s = schema.students
        with self._reading() as conn:
            room = self._teacher_room(conn, code, teacher_token)
            return list(conn.scalars(sa.select(s.c.nickname).where(s.c.room_id == room.id).order_by(s.c.id)))

    @_changes_the_room
    def remove_student(self, code: str, teacher_token: str, nickname: str) -> None:
        """Take `nickname` out of the room with everything it answered; its device cannot join this room again
        (its nickname is free for somebody else)."""
        s = schema.students
        with self._writing() as conn:
            room = self._teacher_room(conn, code, teacher_token)
            student = conn.execute(sa.select(s).where(s.c.room_id == room.id, s.c.nickname == nickname)).first()
            if student is None:
                raise ClassroomError("Nobody in this room has that nickname (any more).")
            for table in (schema.entries, schema.submissions, schema.predictions):
                conn.execute(sa.delete(table).where(table.c.room_id == room.id, table.c.student_id == student.id))
            conn.execute(sa.delete(s).where(s.c.id == student.id))
            conn.execute(sa.insert(schema.removed).values(room_id=room.id, token_digest=student.token_digest))

    @_changes_the_room
    def open_challenge(self, code: str, teacher_token: str, challenge_id: str, optimizer: str, vault: str,
                       steps: int = challenge.DEFAULT_STEPS) -> None:
        """Every student picks lr and β for `optimizer` on `vault`; submissions are run for `steps` steps."""
        challenge_id = _check_id(challenge_id, "challenge")
        steps = challenge.check_setup(optimizer, vault, steps)
        c = schema.challenges
        with self._writing() as conn:
            room = self._teacher_room(conn, code, teacher_token)
            old = conn.execute(sa.select(c).where(c.c.room_id == room.id, c.c.challenge_id == challenge_id)).first()
            if old is None or (old.optimizer, old.vault, old.steps) != (optimizer, vault, steps) \
                    or old.revealed_at is not None:
                for table in (schema.entries, schema.submissions, c):
                    conn.execute(sa.delete(table).where(table.c.room_id == room.id,
                                                        table.c.challenge_id == challenge_id))
                conn.execute(sa.insert(c).values(room_id=room.id, challenge_id=challenge_id, optimizer=optimizer,
                                                 vault=vault, steps=steps, opened_at=self._clock()))
            self._set_current(conn, room.id, "challenge", challenge_id)

    @_changes_the_room
    def reveal_challenge(self, code: str, teacher_token: str, challenge_id: str) -> None:
        c = schema.challenges
        with self._writing() as conn:
            room = self._teacher_room(conn, code, teacher_token)
            self._challenge(conn, room.id, challenge_id)
            conn.execute(sa.update(c).where(c.c.room_id == room.id, c.c.challenge_id == challenge_id)
                         .values(revealed_at=self._clock()))

    def export(self, code: str, teacher_token: str) -> list[dict]:
        """The whole session, one row per student and question (or challenge), in the order the questions were
        asked and the students joined: every round's answer, every challenge entry and its outcome. For the
        teacher only (it names students); `classroom.export.to_csv` writes it as a spreadsheet."""
        from classroom.export import rows  # the export's layout lives beside its CSV writer

        with self._reading() as conn:
            room = self._teacher_room(conn, code, teacher_token)
            return rows(conn, room.id)

    # --- what the whole class sees (no names) ------------------------------------------------------

    def current(self, code: str) -> Current:
        with self._reading() as conn:
            return self._current(conn, self._open_room(conn, code))

    def _current(self, conn, room) -> Current:
        kind, item = room.current_kind, room.current_id
        if kind == "question":
            q = self._question(conn, room.id, item)
            closed = self._closed(q)
            return Current(kind, item, tuple(q.choices), q.revealed_at is not None, prompt=q.prompt, round=q.round,
                           closed=closed, deadline=None if closed else q.deadline, spread_shown=bool(q.spread_shown),
                           answer=q.correct if q.revealed_at is not None else None)
        if kind == "challenge":
            c = self._challenge(conn, room.id, item)
            return Current(kind, item, (), c.revealed_at is not None, c.optimizer, c.vault, c.steps,
                           closed=c.revealed_at is not None)
        return Current()

    def tally(self, code: str, question_id: str, round: int | None = None) -> dict[str, int]:
        """How many chose each answer in `round` (default: the current one), in the order the choices were
        given. No names."""
        p = schema.predictions
        with self._reading() as conn:
            room = self._open_room(conn, code)
            question = self._question(conn, room.id, question_id)
            counts = dict(conn.execute(sa.select(p.c.choice, sa.func.count())
                                       .where(p.c.room_id == room.id, p.c.question_id == question_id,
                                              p.c.round == (question.round if round is None else round))
                                       .group_by(p.c.choice)).all())
        return {choice: int(counts.get(choice, 0)) for choice in question.choices}

    def progress(self, code: str, question_id: str) -> Progress:
        """How many of the room have answered the current round: "N of M answered"."""
        p, s = schema.predictions, schema.students
        with self._reading() as conn:
            room = self._open_room(conn, code)
            question = self._question(conn, room.id, question_id)
            answered = conn.scalar(sa.select(sa.func.count()).select_from(p).where(
                p.c.room_id == room.id, p.c.question_id == question_id, p.c.round == question.round))
            joined = conn.scalar(sa.select(sa.func.count()).select_from(s).where(s.c.room_id == room.id))
        return Progress(int(answered), int(joined))

    def rounds(self, code: str, question_id: str) -> Rounds:
        """Every round's tally, and how answers changed from each student's first round to their last."""
        p = schema.predictions
        with self._reading() as conn:
            room = self._open_room(conn, code)
            question = self._question(conn, room.id, question_id)
            rows = conn.execute(sa.select(p.c.student_id, p.c.round, p.c.choice)
                                .where(p.c.room_id == room.id, p.c.question_id == question_id)
                                .order_by(p.c.student_id, p.c.round)).all()
        tallies = [{choice: 0 for choice in question.choices} for _ in range(question.round)]
        first_and_last: dict[int, list[str]] = {}
        for row in rows:
            if 1 <= row.round <= question.round and row.choice in tallies[row.round - 1]:
                tallies[row.round - 1][row.choice] += 1
            first_and_last.setdefault(row.student_id, [row.choice, row.choice])[1] = row.choice
        changes = Counter((first, last) for first, last in first_and_last.values())
        return Rounds(tuple(tallies), changes, question.correct)

    def joined(self, code: str) -> int:
        """How many students are in the room."""
        s = schema.students
        with self._reading() as conn:
            room = self._open_room(conn, code)
            return int(conn.scalar(sa.select(sa.func.count()).select_from(s).where(s.c.room_id == room.id)))

    def leaderboard(self, code: str, challenge_id: str) -> list[Submission]:
        """Every submission, best first (see `challenge.rank_key`)."""
        s, st = schema.submissions, schema.students
        with self._reading() as conn:
            room = self._open_room(conn, code)
            self._challenge(conn, room.id, challenge_id)
            rows = conn.execute(sa.select(st.c.nickname, s).join(st, st.c.id == s.c.student_id)
                                .where(s.c.room_id == room.id, s.c.challenge_id == challenge_id)
                                .order_by(s.c.submitted_at, s.c.student_id)).all()
        entries = [Submission(row.nickname, row.lr, row.beta,
                              challenge.Result(row.settled_at, row.diverged_at, row.final_loss, row.final_distance))
                   for row in rows]
        return sorted(entries, key=lambda entry: challenge.rank_key(entry.result))

    # --- the students ------------------------------------------------------------------------------

    def join(self, code: str, nickname: str, *, token: str | None = None, address: str | None = None) -> str:
        """A new student in the room; returns their secret token (`token` itself when given: a device's own
        student token for this room, see `tokens.device_token`). `address` is the client's: a code that opens
        no room counts against it (see `limits.FAILED_CODES`); joins themselves are not limited, so a class
        behind one address joins freely. The room takes at most `room_cap` students."""
        name = nicknames.clean_nickname(nickname)
        if token is None:
            token = tokens.new_token()
        given = tokens.digest(token)
        if given is None:
            raise ClassroomError("This device's token is not one of ours: reload the page and join again.")
        s = schema.students
        try:
            with self._writing() as conn:
                now = self._clock()
                limits.check(conn, address, limits.FAILED_CODES, now)
                room = self._open_room_or_none(conn, code, lock=True)
                if room is None:
                    # Counted in this transaction, which commits: the refusal comes after it.
                    limits.count(conn, self._insert, address, limits.FAILED_CODES, now)
                else:
                    if conn.scalar(sa.select(sa.func.count()).select_from(schema.removed).where(
                            schema.removed.c.room_id == room.id, schema.removed.c.token_digest == given)):
                        raise ClassroomError(REMOVED)
                    already = conn.scalar(sa.select(s.c.nickname).where(s.c.room_id == room.id,
                                                                        s.c.token_digest == given))
                    if already is not None:
                        raise ClassroomError(f"This device has already joined this room as {already!r}.")
                    joined = conn.scalar(sa.select(sa.func.count()).select_from(s).where(s.c.room_id == room.id))
                    if joined >= self.room_cap:
                        raise ClassroomError(f"This room is full ({self.room_cap} students): ask your teacher.")
                    conn.execute(sa.insert(s).values(
                        room_id=room.id, nickname=name, nickname_key=nicknames.nickname_key(name),
                        look_alike_key=nicknames.look_alike_key(name), token_digest=given, joined_at=now))
        except sa.exc.IntegrityError:
            raise ClassroomError(f"Somebody in this room already has the nickname {name!r} or one that looks "
                                 "just like it: pick another nickname.") from None
        if room is None:
            raise ClassroomError(NO_ROOM)
        return token

    def rejoin(self, code: str, token: str) -> str:
        """The nickname the token belongs to, after a refresh or a dropped connection."""
        with self._reading() as conn:
            room = self._open_room(conn, code)
            return self._student(conn, room.id, token).nickname

    def glance(self, code: str, token: str) -> Glance:
        """Who the token is, what the room asks now, and the student's own answers to it. A room of phones asks
        this every two seconds, so the room is read once for all of them (at most GLANCE_SECONDS old; a
        student's own answer through this process shows at once); a token the read does not know (a student who
        joined since, or none) is looked up in the database itself."""
        given = tokens.digest(token)
        view = self._view(code)
        found = view.students.get(given) if given is not None else None
        if found is None:
            return self._glance_now(code, token)
        if view.created_at < self._clock() - self._ttl:
            raise ClassroomError(NO_ROOM)
        student_id, nickname = found
        with self._views_lock:
            mine = dict(view.mine.get(student_id, {}))
        return Glance(nickname, self._as_of_now(view.current), mine)

    def _glance_now(self, code: str, token: str) -> Glance:
        p = schema.predictions
        with self._reading() as conn:
            room = self._open_room(conn, code)
            student = self._student(conn, room.id, token)
            current = self._current(conn, room)
            mine = {}
            if current.kind == "question":
                mine = dict(conn.execute(sa.select(p.c.round, p.c.choice).where(
                    p.c.room_id == room.id, p.c.question_id == current.id, p.c.student_id == student.id)).all())
        return Glance(student.nickname, current, {int(k): v for k, v in mine.items()})

    def _view(self, code: str) -> _RoomView:
        cleaned = tokens.clean_code(code)
        if cleaned is None:
            raise ClassroomError(NO_ROOM)
        now = time.monotonic()
        with self._views_lock:
            view, epoch = self._views.get(cleaned), self._view_epochs[cleaned]
        if view is not None and now - view.started < GLANCE_SECONDS:
            return view
        view = self._read_view(cleaned, now)
        with self._views_lock:
            # Answers saved while the read ran may be missing from it: they are written in again.
            answered = self._answered.get(cleaned, {})
            for (student_id, question_id, round_), (choice, when) in list(answered.items()):
                if when < now - 10 * GLANCE_SECONDS:
                    del answered[(student_id, question_id, round_)]
                elif when >= now and question_id == view.current.id:
                    view.mine.setdefault(student_id, {})[round_] = choice
            if self._view_epochs[cleaned] == epoch:  # no teacher's change since the read began
                self._views[cleaned] = view
                for other in [c for c, v in self._views.items() if v.started < now - 60]:
                    del self._views[other]
        return view

    def _read_view(self, code: str, started: float) -> _RoomView:
        p, s = schema.predictions, schema.students
        with self._reading() as conn:
            room = self._open_room(conn, code)
            current = self._current(conn, room)
            students = {row.token_digest: (row.id, row.nickname) for row in conn.execute(
                sa.select(s.c.id, s.c.nickname, s.c.token_digest).where(s.c.room_id == room.id))}
            mine: dict[int, dict[int, str]] = {}
            if current.kind == "question":
                for row in conn.execute(sa.select(p.c.student_id, p.c.round, p.c.choice).where(
                        p.c.room_id == room.id, p.c.question_id == current.id)):
                    mine.setdefault(row.student_id, {})[int(row.round)] = row.choice
        return _RoomView(started, room.created_at, current, students, mine)

    def _as_of_now(self, current: Current) -> Current:
        """A view's current item with its timer read now (the view may be a moment old)."""
        if current.kind == "question" and not current.closed and current.deadline is not None \
                and self._clock() >= current.deadline:
            return replace(current, closed=True, deadline=None)
        return current

    def _forget_view(self, code: str) -> None:
        cleaned = tokens.clean_code(code)
        with self._views_lock:
            self._view_epochs[cleaned] += 1
            self._views.pop(cleaned, None)

    def _remember_answer(self, code: str, student_id: int, question_id: str, round_: int, choice: str) -> None:
        cleaned = tokens.clean_code(code)
        with self._views_lock:
            self._answered.setdefault(cleaned, {})[(student_id, question_id, round_)] = (choice, time.monotonic())
            view = self._views.get(cleaned)
            if view is not None and view.current.id == question_id:
                view.mine.setdefault(student_id, {})[round_] = choice

    def predict(self, code: str, token: str, question_id: str, choice: str, *, round: int | None = None) -> None:
        """The student's answer in the current round; a second one replaces the first while answers are open.
        `round`: the round the student saw (an answer kept through an outage is not saved into a later round)."""
        p = schema.predictions
        with self._writing() as conn:
            room = self._open_room(conn, code)
            student = self._student(conn, room.id, token)
            question = self._question(conn, room.id, question_id)
            if question.revealed_at is not None:
                raise ClassroomError("The answer has been revealed: answers to this question are closed.")
            if round is not None and round != question.round:
                raise ClassroomError(f"Answers to round {round} are closed: the class is on round {question.round}.")
            if self._closed(question):
                raise ClassroomError("Answers are closed for now: talk it over, your teacher may open a new vote.")
            if not isinstance(choice, str) or choice not in question.choices:
                raise ClassroomError(f"Choose one of the answers on offer: {', '.join(question.choices)}.")
            now = self._clock()
            upsert = self._insert(p).values(room_id=room.id, question_id=question_id, round=question.round,
                                            student_id=student.id, choice=choice, answered_at=now)
            conn.execute(upsert.on_conflict_do_update(
                index_elements=[p.c.room_id, p.c.question_id, p.c.round, p.c.student_id],
                set_={"choice": choice, "answered_at": now}))
        self._remember_answer(code, student.id, question_id, question.round, choice)

    def prediction(self, code: str, token: str, question_id: str, round: int | None = None) -> str | None:
        """The student's own answer in `round` (default: the current one), or None."""
        p = schema.predictions
        with self._reading() as conn:
            room = self._open_room(conn, code)
            student = self._student(conn, room.id, token)
            question = self._question(conn, room.id, question_id)
            return conn.scalar(sa.select(p.c.choice).where(
                p.c.room_id == room.id, p.c.question_id == question_id, p.c.student_id == student.id,
                p.c.round == (question.round if round is None else round)))

    def submit(self, code: str, token: str, challenge_id: str, lr, beta) -> challenge.Result:
        """Run the student's setting with the exact core and keep the result (again: replaces). A setting out
        of range is refused, and the refusal is kept among the student's entries."""
        with self._reading() as conn:
            room = self._open_room(conn, code)
            student = self._student(conn, room.id, token)
            found = self._challenge(conn, room.id, challenge_id)
        if found.revealed_at is not None:
            raise ClassroomError("The challenge is over: the results are on the projector.")
        typed = (_typed(lr), _typed(beta))
        try:
            lr, beta = challenge.check_setting(found.optimizer, lr, beta)
        except ClassroomError as refused:
            with self._writing() as conn:
                conn.execute(sa.insert(schema.entries).values(
                    room_id=room.id, challenge_id=challenge_id, student_id=student.id, lr=typed[0], beta=typed[1],
                    refused=str(refused)[:300], submitted_at=self._clock()))
            raise
        # The run happens outside any transaction, so a slow run never holds the database's write lock.
        result = challenge.result_of(challenge.run(found.optimizer, found.vault, found.steps, lr, beta))
        s = schema.submissions
        with self._writing() as conn:
            room = self._open_room(conn, code)
            student = self._student(conn, room.id, token)
            if self._challenge(conn, room.id, challenge_id).revealed_at is not None:
                raise ClassroomError("The challenge is over: the results are on the projector.")
            now = self._clock()
            values = {"lr": lr, "beta": beta, "settled_at": result.settled_at, "diverged_at": result.diverged_at,
                      "final_loss": result.final_loss, "final_distance": result.final_distance, "submitted_at": now}
            upsert = self._insert(s).values(room_id=room.id, challenge_id=challenge_id, student_id=student.id,
                                            **values)
            conn.execute(upsert.on_conflict_do_update(index_elements=[s.c.room_id, s.c.challenge_id, s.c.student_id],
                                                      set_=values))
            conn.execute(sa.insert(schema.entries).values(
                room_id=room.id, challenge_id=challenge_id, student_id=student.id, lr=typed[0], beta=typed[1],
                settled_at=result.settled_at, diverged_at=result.diverged_at,
                final_distance=result.final_distance, submitted_at=now))
        return result

    def my_entry(self, code: str, token: str, challenge_id: str) -> MyEntry:
        """What a student's phone shows after a refresh: the run that counts, and a refusal still to correct."""
        s, e = schema.submissions, schema.entries
        with self._reading() as conn:
            room = self._open_room(conn, code)
            student = self._student(conn, room.id, token)
            self._challenge(conn, room.id, challenge_id)
            row = conn.execute(sa.select(s).where(s.c.room_id == room.id, s.c.challenge_id == challenge_id,
                                                  s.c.student_id == student.id)).first()
            last = conn.execute(sa.select(e).where(e.c.room_id == room.id, e.c.challenge_id == challenge_id,
                                                   e.c.student_id == student.id)
                                .order_by(e.c.id.desc()).limit(1)).first()
        submission = None if row is None else Submission(
            student.nickname, row.lr, row.beta,
            challenge.Result(row.settled_at, row.diverged_at, row.final_loss, row.final_distance))
        refused = None if last is None or last.refused is None else (last.lr, last.beta, last.refused)
        return MyEntry(submission, refused)

    # --- housekeeping ------------------------------------------------------------------------------

    def purge_expired(self) -> int:
        """Delete every room older than a day, with all it held, and the limits' ended windows. Returns how many
        rooms went."""
        r = schema.rooms
        with transaction(self._engine, writes=True) as conn:
            now = self._clock()
            old = list(conn.scalars(sa.select(r.c.id).where(r.c.created_at < now - self._ttl)))
            if old:
                self._delete_children(conn, old)
                conn.execute(sa.delete(r).where(r.c.id.in_(old)))
            limits.purge(conn, now)
        self._last_purge = now
        return len(old)

    def _prepare(self) -> None:
        """Tables first (once per process, again after an outage), then the day-old rooms, every so often,
        whoever asks: no room outlives its day because nobody created another."""
        if not self._ready:
            with self._ready_lock:
                if not self._ready:
                    with transaction(self._engine, writes=True) as conn:
                        schema.ensure(conn, self.backend, SCHEMA_LOCK)
                    self._ready = True
        if self._clock() - self._last_purge >= self._purge_every:
            self._last_purge = self._clock()
            self.purge_expired()

    @contextmanager
    def _writing(self):
        with self._session(writes=True) as conn:
            yield conn

    @contextmanager
    def _reading(self):
        with self._session(writes=False) as conn:
            yield conn

    @contextmanager
    def _session(self, writes: bool):
        try:
            self._prepare()
            with transaction(self._engine, writes=writes) as conn:
                yield conn
        except ClassroomUnavailable:
            self._ready = False  # the tables are checked again when the database is back (it may be a new one)
            raise

    def _delete_children(self, conn, room_ids: list[int]) -> None:
        for table in schema.ROOM_CHILDREN:
            conn.execute(sa.delete(table).where(table.c.room_id.in_(room_ids)))

    def _room(self, conn, code, lock: bool = False):
        """The room that `code` opens, or the one message for every room that is not open to this code
        (unknown, closed, expired): nothing tells them apart."""
        cleaned = tokens.clean_code(code)
        room = None
        if cleaned is not None:
            query = sa.select(schema.rooms).where(schema.rooms.c.code == cleaned)
            if lock and self.backend == "postgresql":
                query = query.with_for_update()  # joins to one room take turns: the cap holds under a rush
            room = conn.execute(query).first()
        if room is None or room.created_at < self._clock() - self._ttl:
            raise ClassroomError(NO_ROOM)
        return room

    def _open_room(self, conn, code, lock: bool = False):
        room = self._room(conn, code, lock)
        if room.closed_at is not None:
            raise ClassroomError(NO_ROOM)
        return room

    def _open_room_or_none(self, conn, code, lock: bool = False):
        try:
            return self._open_room(conn, code, lock)
        except ClassroomUnavailable:
            raise
        except ClassroomError:
            return None

    def _teacher_room(self, conn, code, teacher_token):
        room = self._open_room(conn, code)
        given = tokens.digest(teacher_token)
        if tokens.same_digest(given, room.teacher_digest):
            return room
        o = schema.owners
        if given is not None and conn.scalar(sa.select(sa.func.count()).select_from(o).where(
                o.c.room_id == room.id, o.c.owner_digest == given)):
            return room
        raise ClassroomError(NOT_TEACHER)

    def _student(self, conn, room_id, token):
        given = tokens.digest(token)
        s = schema.students
        student = None
        if given is not None:
            student = conn.execute(sa.select(s).where(s.c.room_id == room_id, s.c.token_digest == given)).first()
        if student is None or not tokens.same_digest(given, student.token_digest):
            if given is not None and conn.scalar(sa.select(sa.func.count()).select_from(schema.removed).where(
                    schema.removed.c.room_id == room_id, schema.removed.c.token_digest == given)):
                raise ClassroomError(REMOVED)
            raise ClassroomError(NOT_IN_ROOM)
        return student

    def _closed(self, question) -> bool:
        return (question.closed_at is not None or question.revealed_at is not None
                or (question.deadline is not None and self._clock() >= question.deadline))

    def _question(self, conn, room_id, question_id):
        q = schema.questions
        found = None
        if isinstance(question_id, str):
            found = conn.execute(sa.select(q).where(q.c.room_id == room_id, q.c.question_id == question_id)).first()
        if found is None:
            raise ClassroomError(f"This room has no question {str(question_id)[:MAX_ID_LENGTH]!r}: wait for the "
                                 "teacher to ask one.")
        return found

    def _challenge(self, conn, room_id, challenge_id):
        c = schema.challenges
        found = None
        if isinstance(challenge_id, str):
            found = conn.execute(sa.select(c).where(c.c.room_id == room_id, c.c.challenge_id == challenge_id)).first()
        if found is None:
            raise ClassroomError(f"This room has no challenge {str(challenge_id)[:MAX_ID_LENGTH]!r}: wait for the "
                                 "teacher to open one.")
        return found

    def _set_current(self, conn, room_id, kind, item):
        conn.execute(sa.update(schema.rooms).where(schema.rooms.c.id == room_id)
                     .values(current_kind=kind, current_id=item))


def _typed(value) -> str:
    """A setting as the student gave it, short, for the record of entries."""
    return (repr(value) if isinstance(value, float) else str(value))[:40]


def _check_id(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_ID_LENGTH:
        raise ClassroomError(f"A {what} needs a name of 1 to {MAX_ID_LENGTH} characters.")
    return value


def _check_prompt(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_PROMPT_LENGTH:
        raise ClassroomError(f"A question's text must be at most {MAX_PROMPT_LENGTH} characters.")
    return value


def _check_seconds(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 5 <= value <= MAX_TIMER_SECONDS:
        raise ClassroomError(f"A timer runs from 5 seconds to {MAX_TIMER_SECONDS // 60} minutes.")
    return float(value)


def _check_choices(choices: object) -> tuple[str, ...]:
    if isinstance(choices, str):
        raise ClassroomError("Give the answers as a list, e.g. ['A', 'B', 'C'].")
    try:
        found = tuple(choices)
    except TypeError:
        raise ClassroomError("Give the answers as a list, e.g. ['A', 'B', 'C'].") from None
    if not 2 <= len(found) <= MAX_CHOICES:
        raise ClassroomError(f"A question needs 2 to {MAX_CHOICES} answers to choose from.")
    if any(not isinstance(c, str) or not c.strip() or len(c) > MAX_CHOICE_LENGTH for c in found):
        raise ClassroomError(f"Every answer must be text of 1 to {MAX_CHOICE_LENGTH} characters.")
    if len(set(found)) != len(found):
        raise ClassroomError("Two answers are the same: every answer must differ.")
    return found
