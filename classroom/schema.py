"""The tables. Times are seconds since the epoch (floats), so SQLite and PostgreSQL store them alike.

Only nicknames identify students; tokens are kept as SHA-256 digests.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

rooms = sa.Table(
    "class_rooms", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    # Unique across every stored room; a room's rows are deleted when it expires, freeing its code.
    sa.Column("code", sa.String(12), nullable=False, unique=True),
    sa.Column("teacher_digest", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("closed_at", sa.Float, nullable=True),
    # What the students see now: ("question" | "challenge", its id), or nothing.
    sa.Column("current_kind", sa.String(12), nullable=True),
    sa.Column("current_id", sa.String(64), nullable=True),
)

students = sa.Table(
    "class_students", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("room_id", sa.Integer, sa.ForeignKey("class_rooms.id", ondelete="CASCADE"), nullable=False),
    sa.Column("nickname", sa.String(100), nullable=False),
    sa.Column("nickname_key", sa.String(100), nullable=False),
    sa.Column("token_digest", sa.String(64), nullable=False, unique=True),
    sa.Column("joined_at", sa.Float, nullable=False),
    sa.UniqueConstraint("room_id", "nickname_key", name="uq_class_students_nickname"),
)

questions = sa.Table(
    "class_questions", metadata,
    sa.Column("room_id", sa.Integer, sa.ForeignKey("class_rooms.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("question_id", sa.String(64), primary_key=True),
    sa.Column("choices", sa.JSON, nullable=False),
    sa.Column("opened_at", sa.Float, nullable=False),
    sa.Column("revealed_at", sa.Float, nullable=True),
)

predictions = sa.Table(
    "class_predictions", metadata,
    sa.Column("room_id", sa.Integer, sa.ForeignKey("class_rooms.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("question_id", sa.String(64), primary_key=True),
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

# Children first: the order rows of an expired room are deleted in (no reliance on ON DELETE CASCADE,
# which SQLite only honours with a pragma).
ROOM_CHILDREN = (submissions, predictions, challenges, questions, students)
