"""The tables. Times are seconds since the epoch (floats), so SQLite and PostgreSQL store them alike.

Only nicknames identify students; tokens are kept as SHA-256 digests, client addresses (for the limits on
failed attempts) as truncated SHA-256 digests. Everything a room holds is deleted when the room is closed
(its row stays, empty, until it expires) or a day after it opened.
"""

from __future__ import annotations

import sqlalchemy as sa

# Bumped when a table changes. Rooms last a day, so a store meeting tables of another version drops them and
# starts afresh (see `ensure`) instead of migrating a day's worth of rows.
VERSION = 2

metadata = sa.MetaData()

versions = sa.Table(
    "class_schema_version", metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
)

rooms = sa.Table(
    "class_rooms", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    # Unique across every stored room; a room's rows are deleted when it expires, freeing its code.
    sa.Column("code", sa.String(12), nullable=False, unique=True),
    # The room's own key (the teacher key a teacher can save to open the room on another computer).
    sa.Column("teacher_digest", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False, index=True),
    sa.Column("closed_at", sa.Float, nullable=True),
    # What the students see now: ("question" | "challenge", its id), or nothing.
    sa.Column("current_kind", sa.String(12), nullable=True),
    sa.Column("current_id", sa.String(64), nullable=True),
)

# The devices that may act as the room's teacher without its key: the one that opened it, and any that
# resumed it with the key. Digests of each device's teacher token.
owners = sa.Table(
    "class_owners", metadata,
    sa.Column("room_id", sa.Integer, sa.ForeignKey("class_rooms.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("owner_digest", sa.String(64), primary_key=True, index=True),
)

students = sa.Table(
    "class_students", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("room_id", sa.Integer, sa.ForeignKey("class_rooms.id", ondelete="CASCADE"), nullable=False),
    sa.Column("nickname", sa.String(100), nullable=False),
    # Two keys, two ways of being the same name: case ("Ana", "ANA") and look-alike letters ("аna", "ana").
    sa.Column("nickname_key", sa.String(100), nullable=False),
    sa.Column("look_alike_key", sa.String(100), nullable=False),
    sa.Column("token_digest", sa.String(64), nullable=False),
    sa.Column("joined_at", sa.Float, nullable=False),
    sa.UniqueConstraint("room_id", "token_digest", name="uq_class_students_token"),
    sa.UniqueConstraint("room_id", "nickname_key", name="uq_class_students_nickname"),
    sa.UniqueConstraint("room_id", "look_alike_key", name="uq_class_students_look_alike"),
)

# Devices the teacher removed: their token may not join the room again.
removed = sa.Table(
    "class_removed", metadata,
    sa.Column("room_id", sa.Integer, sa.ForeignKey("class_rooms.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("token_digest", sa.String(64), primary_key=True),
)

questions = sa.Table(
    "class_questions", metadata,
    sa.Column("room_id", sa.Integer, sa.ForeignKey("class_rooms.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("question_id", sa.String(64), primary_key=True),
    sa.Column("choices", sa.JSON, nullable=False),
    sa.Column("prompt", sa.String(500), nullable=True),
    # The right answer when the teacher's lesson knows it (for the export and "moved to the right answer").
    sa.Column("correct", sa.String(200), nullable=True),
    sa.Column("opened_at", sa.Float, nullable=False),
    # The round being answered now (1, then 2 after "vote again"); every round's answers are kept.
    sa.Column("round", sa.Integer, nullable=False, default=1),
    sa.Column("closed_at", sa.Float, nullable=True),
    # When the current round's timer closes answers (None: no timer).
    sa.Column("deadline", sa.Float, nullable=True),
    sa.Column("spread_shown", sa.Boolean, nullable=False, default=False),
    sa.Column("revealed_at", sa.Float, nullable=True),
)

predictions = sa.Table(
    "class_predictions", metadata,
    sa.Column("room_id", sa.Integer, sa.ForeignKey("class_rooms.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("question_id", sa.String(64), primary_key=True),
    sa.Column("round", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("student_id", sa.Integer, sa.ForeignKey("class_students.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("choice", sa.String(200), nullable=False),
    sa.Column("answered_at", sa.Float, nullable=False),
)

challenges = sa.Table(
    "class_challenges", metadata,
    sa.Column("room_id", sa.Integer, sa.ForeignKey("class_rooms.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("challenge_id", sa.String(64), primary_key=True),
    sa.Column("optimizer", sa.String(32), nullable=False),
    sa.Column("vault", sa.String(64), nullable=False),
    sa.Column("steps", sa.Integer, nullable=False),
    sa.Column("opened_at", sa.Float, nullable=False),
    sa.Column("revealed_at", sa.Float, nullable=True),
)

# Each student's latest accepted setting and what its run did: the leaderboard.
submissions = sa.Table(
    "class_submissions", metadata,
    sa.Column("room_id", sa.Integer, sa.ForeignKey("class_rooms.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("challenge_id", sa.String(64), primary_key=True),
    sa.Column("student_id", sa.Integer, sa.ForeignKey("class_students.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("lr", sa.Float, nullable=False),
    sa.Column("beta", sa.Float, nullable=False),
    sa.Column("settled_at", sa.Integer, nullable=True),
    sa.Column("diverged_at", sa.Integer, nullable=True),
    sa.Column("final_loss", sa.Float, nullable=True),
    sa.Column("final_distance", sa.Float, nullable=True),
    sa.Column("submitted_at", sa.Float, nullable=False),
)

# Every entry a student sent, accepted or refused (with the reason), in order: for the export.
entries = sa.Table(
    "class_entries", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("room_id", sa.Integer, sa.ForeignKey("class_rooms.id", ondelete="CASCADE"), nullable=False),
    sa.Column("challenge_id", sa.String(64), nullable=False),
    sa.Column("student_id", sa.Integer, sa.ForeignKey("class_students.id", ondelete="CASCADE"), nullable=False),
    sa.Column("lr", sa.String(40), nullable=False),
    sa.Column("beta", sa.String(40), nullable=False),
    sa.Column("refused", sa.String(300), nullable=True),
    sa.Column("settled_at", sa.Integer, nullable=True),
    sa.Column("diverged_at", sa.Integer, nullable=True),
    sa.Column("final_distance", sa.Float, nullable=True),
    sa.Column("submitted_at", sa.Float, nullable=False),
)

# Failed code lookups, failed resumes and rooms opened, counted per client address (digest) and time window,
# in the database so that every session and every replica counts together.
attempts = sa.Table(
    "class_attempts", metadata,
    sa.Column("address", sa.String(32), primary_key=True),
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("period", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("count", sa.Integer, nullable=False),
)

# Children first: the order rows of a room are deleted in (no reliance on ON DELETE CASCADE, which SQLite
# only honours with a pragma).
ROOM_CHILDREN = (entries, submissions, predictions, challenges, questions, removed, students, owners)


def ensure(conn, backend: str, lock_id: int) -> None:
    """Create the tables, after dropping a store of another version (rooms last a day: nothing worth a
    migration). Safe when several processes start at once: PostgreSQL holds an advisory lock, SQLite's
    writer lock serialises the transaction."""
    if backend == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(lock_id)))
    present = set(sa.inspect(conn).get_table_names())
    version = conn.scalar(sa.select(sa.func.max(versions.c.version))) if versions.name in present else None
    if version != VERSION and present & set(metadata.tables):
        metadata.drop_all(conn, checkfirst=True)
    metadata.create_all(conn, checkfirst=True)
    if conn.scalar(sa.select(sa.func.count()).select_from(versions)) == 0:
        conn.execute(sa.insert(versions).values(version=VERSION))
