"""`ClassStore`: rooms, questions, predictions and challenges, kept in a real database.

    store = ClassStore("sqlite:///data/class.db")          # or "postgresql://user@host/db"
    room = store.create_room()                             # room.code, room.teacher_token
    store.open_question(room.code, room.teacher_token, "q1", ["A", "B", "C"])
    token = store.join(room.code, "nickname")
    store.predict(room.code, token, "q1", "B")            # again: replaces the earlier answer
    store.tally(room.code, "q1")                           # {"A": 0, "B": 1, "C": 0}

Every refusal is a ClassroomError whose message tells the person what to do. Only the teacher's token
opens, reveals or closes; a student's token answers only for that student. Rooms and everything in them
are deleted a day after they were created.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from classroom import challenge, nicknames, schema, tokens
from classroom.database import configured_url, make_engine
from classroom.errors import ClassroomError
from classroom.limits import JoinLimiter

DAY = 24 * 3600.0
MAX_CHOICES = 8
MAX_CHOICE_LENGTH = 200
MAX_ID_LENGTH = 64
CODE_ATTEMPTS = 20
# Any constant: the advisory lock PostgreSQL holds while two processes create the tables at once.
SCHEMA_LOCK = 7_260_011


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


class ClassStore:
    """The class's shared memory. Safe to share between threads; several processes may open the same URL."""

    def __init__(self, url: str | None = None, *, ttl: float = DAY, clock=time.time):
        self.url = configured_url(url)
        self._engine = make_engine(self.url)
        self._ttl = float(ttl)
        self._clock = clock
        self._limiter = JoinLimiter()
        self._insert = postgresql.insert if self._engine.dialect.name == "postgresql" else sqlite.insert
        self._create_tables()
        self.purge_expired()  # a restart also clears what expired while the server was down

    @property
    def backend(self) -> str:
        return self._engine.dialect.name

    def dispose(self) -> None:
        self._engine.dispose()

    # --- the teacher -------------------------------------------------------------------------------

    def create_room(self) -> Room:
        self.purge_expired()
        teacher_token = tokens.new_token()
        for _ in range(CODE_ATTEMPTS):
            code = tokens.new_code()
            try:
                with self._writing() as conn:
                    conn.execute(sa.insert(schema.rooms).values(
                        code=code, teacher_digest=tokens.digest(teacher_token), created_at=self._clock()))
                return Room(code, teacher_token)
            except sa.exc.IntegrityError:
                continue  # that code is taken: draw another
        raise ClassroomError("Could not find a free room code; try again in a moment.")

    def close_room(self, code: str, teacher_token: str) -> None:
        with self._writing() as conn:
            room = self._teacher_room(conn, code, teacher_token)
            conn.execute(sa.update(schema.rooms).where(schema.rooms.c.id == room.id)
                         .values(closed_at=self._clock()))

    def open_question(self, code: str, teacher_token: str, question_id: str, choices) -> None:
        """Ask every student `question_id`. Asking it again after its reveal starts it afresh."""
        question_id = _check_id(question_id, "question")
        choices = _check_choices(choices)
        q = schema.questions
        with self._writing() as conn:
            room = self._teacher_room(conn, code, teacher_token)
            old = conn.execute(sa.select(q.c.choices, q.c.revealed_at)
                               .where(q.c.room_id == room.id, q.c.question_id == question_id)).first()
            if old is None or list(old.choices) != list(choices) or old.revealed_at is not None:
                conn.execute(sa.delete(schema.predictions).where(schema.predictions.c.room_id == room.id,
                                                                 schema.predictions.c.question_id == question_id))
                conn.execute(sa.delete(q).where(q.c.room_id == room.id, q.c.question_id == question_id))
                conn.execute(sa.insert(q).values(room_id=room.id, question_id=question_id, choices=list(choices),
                                                 opened_at=self._clock()))
            self._set_current(conn, room.id, "question", question_id)

    def reveal(self, code: str, teacher_token: str, question_id: str) -> None:
        """Stop taking answers to `question_id`: the class sees the run and who predicted right."""
        q = schema.questions
        with self._writing() as conn:
            room = self._teacher_room(conn, code, teacher_token)
            self._question(conn, room.id, question_id)
            conn.execute(sa.update(q).where(q.c.room_id == room.id, q.c.question_id == question_id)
                         .values(revealed_at=self._clock()))

    def answers(self, code: str, teacher_token: str, question_id: str) -> list[Answer]:
        """Who answered what, in the order they joined (for the teacher's screen only)."""
        p, s = schema.predictions, schema.students
        with self._reading() as conn:
            room = self._teacher_room(conn, code, teacher_token)
            self._question(conn, room.id, question_id)
            rows = conn.execute(sa.select(s.c.nickname, p.c.choice).join(s, s.c.id == p.c.student_id)
                                .where(p.c.room_id == room.id, p.c.question_id == question_id)
                                .order_by(s.c.id)).all()
        return [Answer(row.nickname, row.choice) for row in rows]

    def roster(self, code: str, teacher_token: str) -> list[str]:
        s = schema.students
        with self._reading() as conn:
            room = self._teacher_room(conn, code, teacher_token)
            return list(conn.scalars(sa.select(s.c.nickname).where(s.c.room_id == room.id).order_by(s.c.id)))

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
                conn.execute(sa.delete(schema.submissions).where(schema.submissions.c.room_id == room.id,
                                                                 schema.submissions.c.challenge_id == challenge_id))
                conn.execute(sa.delete(c).where(c.c.room_id == room.id, c.c.challenge_id == challenge_id))
                conn.execute(sa.insert(c).values(room_id=room.id, challenge_id=challenge_id, optimizer=optimizer,
                                                 vault=vault, steps=steps, opened_at=self._clock()))
            self._set_current(conn, room.id, "challenge", challenge_id)

    def reveal_challenge(self, code: str, teacher_token: str, challenge_id: str) -> None:
        c = schema.challenges
        with self._writing() as conn:
            room = self._teacher_room(conn, code, teacher_token)
            self._challenge(conn, room.id, challenge_id)
            conn.execute(sa.update(c).where(c.c.room_id == room.id, c.c.challenge_id == challenge_id)
                         .values(revealed_at=self._clock()))

    # --- the students ------------------------------------------------------------------------------

    def join(self, code: str, nickname: str, session: str | None = None) -> str:
        """A new student in the room; returns their secret token. `session` names the device's session,
        whose join attempts are rate-limited (a scanner trying codes is slowed down)."""
        self._limiter.attempt(session)
        name = nicknames.clean_nickname(nickname)
        token = tokens.new_token()
        try:
            with self._writing() as conn:
                room = self._open_room(conn, code, wrong=lambda: self._limiter.wrong_code(session))
                conn.execute(sa.insert(schema.students).values(
                    room_id=room.id, nickname=name, nickname_key=nicknames.nickname_key(name),
                    token_digest=tokens.digest(token), joined_at=self._clock()))
        except sa.exc.IntegrityError:
            raise ClassroomError(f"Somebody in this room is already called {name!r}: pick another nickname.") \
                from None
        return token

    def rejoin(self, code: str, token: str) -> str:
        """The nickname the token belongs to, after a refresh or a dropped connection."""
        with self._reading() as conn:
            room = self._open_room(conn, code)
            return self._student(conn, room.id, token).nickname

    def current(self, code: str) -> Current:
        with self._reading() as conn:
            room = self._open_room(conn, code)
            kind, item = room.current_kind, room.current_id
            if kind == "question":
                q = self._question(conn, room.id, item)
                return Current(kind, item, tuple(q.choices), q.revealed_at is not None)
            if kind == "challenge":
                c = self._challenge(conn, room.id, item)
                return Current(kind, item, (), c.revealed_at is not None, c.optimizer, c.vault, c.steps)
            return Current()

    def predict(self, code: str, token: str, question_id: str, choice: str) -> None:
        """The student's answer; a second one replaces the first, until the teacher reveals."""
        p = schema.predictions
        with self._writing() as conn:
            room = self._open_room(conn, code)
            student = self._student(conn, room.id, token)
            question = self._question(conn, room.id, question_id)
            if question.revealed_at is not None:
                raise ClassroomError("The answer has been revealed: answers to this question are closed.")
            if not isinstance(choice, str) or choice not in question.choices:
                raise ClassroomError(f"Choose one of the answers on offer: {', '.join(question.choices)}.")
            now = self._clock()
            upsert = self._insert(p).values(room_id=room.id, question_id=question_id, student_id=student.id,
                                            choice=choice, answered_at=now)
            conn.execute(upsert.on_conflict_do_update(index_elements=[p.c.room_id, p.c.question_id, p.c.student_id],
                                                      set_={"choice": choice, "answered_at": now}))

    def prediction(self, code: str, token: str, question_id: str) -> str | None:
        """The student's own current answer, or None."""
        p = schema.predictions
        with self._reading() as conn:
            room = self._open_room(conn, code)
            student = self._student(conn, room.id, token)
            return conn.scalar(sa.select(p.c.choice).where(p.c.room_id == room.id, p.c.question_id == question_id,
                                                            p.c.student_id == student.id))

    def tally(self, code: str, question_id: str) -> dict[str, int]:
        """How many chose each answer, in the order the choices were given. No names."""
        p = schema.predictions
        with self._reading() as conn:
            room = self._room(conn, code)
            question = self._question(conn, room.id, question_id)
            counts = dict(conn.execute(sa.select(p.c.choice, sa.func.count())
                                       .where(p.c.room_id == room.id, p.c.question_id == question_id)
                                       .group_by(p.c.choice)).all())
        return {choice: int(counts.get(choice, 0)) for choice in question.choices}

    def submit(self, code: str, token: str, challenge_id: str, lr, beta) -> challenge.Result:
        """Run the student's setting with the exact core and keep the result (again: replaces)."""
        with self._reading() as conn:
            room = self._open_room(conn, code)
            self._student(conn, room.id, token)
            found = self._challenge(conn, room.id, challenge_id)
        if found.revealed_at is not None:
            raise ClassroomError("The challenge is over: the results are on the projector.")
        lr, beta = challenge.check_setting(found.optimizer, lr, beta)
        # The run happens outside any transaction, so a slow run never holds the database's write lock.
        result = challenge.result_of(challenge.run(found.optimizer, found.vault, found.steps, lr, beta))
        s = schema.submissions
        with self._writing() as conn:
            room = self._open_room(conn, code)
            student = self._student(conn, room.id, token)
            if self._challenge(conn, room.id, challenge_id).revealed_at is not None:
                raise ClassroomError("The challenge is over: the results are on the projector.")
            values = {"lr": lr, "beta": beta, "settled_at": result.settled_at, "diverged_at": result.diverged_at,
                      "final_loss": result.final_loss, "final_distance": result.final_distance,
                      "submitted_at": self._clock()}
            upsert = self._insert(s).values(room_id=room.id, challenge_id=challenge_id, student_id=student.id,
                                            **values)
            conn.execute(upsert.on_conflict_do_update(index_elements=[s.c.room_id, s.c.challenge_id, s.c.student_id],
                                                      set_=values))
        return result

    def leaderboard(self, code: str, challenge_id: str) -> list[Submission]:
        """Every submission, best first (see `challenge.rank_key`)."""
        s, st = schema.submissions, schema.students
        with self._reading() as conn:
            room = self._room(conn, code)
            self._challenge(conn, room.id, challenge_id)
            rows = conn.execute(sa.select(st.c.nickname, s).join(st, st.c.id == s.c.student_id)
                                .where(s.c.room_id == room.id, s.c.challenge_id == challenge_id)
                                .order_by(s.c.submitted_at)).all()
        entries = [Submission(row.nickname, row.lr, row.beta,
                              challenge.Result(row.settled_at, row.diverged_at, row.final_loss, row.final_distance))
                   for row in rows]
        return sorted(entries, key=lambda entry: challenge.rank_key(entry.result))

    # --- housekeeping ------------------------------------------------------------------------------

    def purge_expired(self) -> int:
        """Delete every room older than a day, with all it held. Returns how many rooms went."""
        r = schema.rooms
        with self._writing() as conn:
            old = list(conn.scalars(sa.select(r.c.id).where(r.c.created_at < self._clock() - self._ttl)))
            if old:
                for table in schema.ROOM_CHILDREN:
                    conn.execute(sa.delete(table).where(table.c.room_id.in_(old)))
                conn.execute(sa.delete(r).where(r.c.id.in_(old)))
        return len(old)

    def _create_tables(self) -> None:
        with self._writing() as conn:
            if self.backend == "postgresql":
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(SCHEMA_LOCK)))
            schema.metadata.create_all(conn)

    @contextmanager
    def _writing(self):
        with self._engine.connect().execution_options(writes=True) as conn, conn.begin():
            yield conn

    @contextmanager
    def _reading(self):
        with self._engine.connect() as conn, conn.begin():
            yield conn

    def _room(self, conn, code, wrong=None):
        cleaned = tokens.clean_code(code)
        room = None
        if cleaned is not None:
            room = conn.execute(sa.select(schema.rooms).where(schema.rooms.c.code == cleaned)).first()
        if room is None:
            if wrong is not None:
                wrong()
            # Only a well-formed code is quoted back: the message must not carry whatever was typed.
            shown = f"code {cleaned}" if cleaned else "that code"
            raise ClassroomError(f"There is no room with {shown}: check the code on the projector "
                                 f"({tokens.CODE_LENGTH} letters and digits).")
        if room.created_at < self._clock() - self._ttl:
            raise ClassroomError("This room has expired (rooms last a day): ask your teacher for a new code.")
        return room

    def _open_room(self, conn, code, wrong=None):
        room = self._room(conn, code, wrong)
        if room.closed_at is not None:
            raise ClassroomError("This room is closed: ask your teacher for a new code.")
        return room

    def _teacher_room(self, conn, code, teacher_token):
        room = self._open_room(conn, code)
        if not tokens.same_digest(tokens.digest(teacher_token), room.teacher_digest):
            raise ClassroomError("Only the teacher who opened this room can do that (the teacher's token "
                                 "does not match).")
        return room

    def _student(self, conn, room_id, token):
        given = tokens.digest(token)
        s = schema.students
        student = None
        if given is not None:
            student = conn.execute(sa.select(s).where(s.c.room_id == room_id, s.c.token_digest == given)).first()
        if student is None or not tokens.same_digest(given, student.token_digest):
            raise ClassroomError("This device is not in the room (its student token is unknown): join again "
                                 "with the code and a nickname.")
        return student

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


def _check_id(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_ID_LENGTH:
        raise ClassroomError(f"A {what} needs a name of 1 to {MAX_ID_LENGTH} characters.")
    return value


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
