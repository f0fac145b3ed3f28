"""The session as a spreadsheet: one row per student and question (or challenge), in the order the questions
were asked and the students joined. A question's row has every round's answer and whether it was right; a
challenge's row has every entry the student sent (refused ones with their reason), the setting that counts,
what its run did and its rank.

A cell a spreadsheet would read as a formula (a nickname typed as "=HYPERLINK(...)") is written with a
leading apostrophe, so it is shown as the text it is.
"""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa

from classroom import challenge, schema
from classroom.store import MAX_ROUNDS

ROUND_COLUMNS = [name for k in range(1, MAX_ROUNDS + 1) for name in (f"round {k}", f"right in round {k}")]
COLUMNS = ["nickname", "kind", "item", "asked", *ROUND_COLUMNS, "right answer", "entries", "lr", "knob",
           "knob value", "outcome", "rank"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def rows(conn, room_id: int) -> list[dict]:
    """Every (student, question or challenge) of the room as a dict over COLUMNS."""
    s, q, c = schema.students, schema.questions, schema.challenges
    students = conn.execute(sa.select(s.c.id, s.c.nickname).where(s.c.room_id == room_id).order_by(s.c.id)).all()
    items = [("question", row) for row in conn.execute(sa.select(q).where(q.c.room_id == room_id)).all()]
    items += [("challenge", row) for row in conn.execute(sa.select(c).where(c.c.room_id == room_id)).all()]
    items.sort(key=lambda item: item[1].opened_at)
    table = []
    for kind, item in items:
        per_student = _question_cells(conn, room_id, item) if kind == "question" else \
            _challenge_cells(conn, room_id, item)
        for student in students:
            row = {column: "" for column in COLUMNS}
            row |= {"nickname": student.nickname, "kind": kind}
            row |= per_student.get(student.id, {})
            row |= per_student.get(None, {})
            table.append(row)
    return table


def _question_cells(conn, room_id: int, question) -> dict:
    p = schema.predictions
    cells: dict = {None: {"item": question.question_id, "asked": question.prompt or "",
                          "right answer": question.correct or ""}}
    for row in conn.execute(sa.select(p.c.student_id, p.c.round, p.c.choice)
                            .where(p.c.room_id == room_id, p.c.question_id == question.question_id)).all():
        if 1 <= row.round <= MAX_ROUNDS:
            mine = cells.setdefault(row.student_id, {})
            mine[f"round {row.round}"] = row.choice
            if question.correct is not None:
                mine[f"right in round {row.round}"] = "yes" if row.choice == question.correct else "no"
    return cells


def _challenge_cells(conn, room_id: int, found) -> dict:
    s, e = schema.submissions, schema.entries
    knob = challenge.knobs(found.optimizer)[1]
    cells: dict = {None: {"item": found.challenge_id, "knob": knob.name,
                          "asked": challenge.title(found.optimizer, found.vault, found.steps)}}
    typed: dict[int, list[str]] = {}
    for entry in conn.execute(sa.select(e).where(e.c.room_id == room_id, e.c.challenge_id == found.challenge_id)
                              .order_by(e.c.id)).all():
        if entry.refused is not None:
            what = f"refused: {entry.refused}"
        else:
            what = challenge.outcome_words(challenge.Result(entry.settled_at, entry.diverged_at, None,
                                                            entry.final_distance))
        typed.setdefault(entry.student_id, []).append(f"lr {entry.lr}, {knob.name} {entry.beta}: {what}")
    accepted = conn.execute(sa.select(s).where(s.c.room_id == room_id, s.c.challenge_id == found.challenge_id)
                            .order_by(s.c.submitted_at, s.c.student_id)).all()
    ranked = sorted(accepted, key=lambda row: challenge.rank_key(_result(row)))
    for rank, row in enumerate(ranked, start=1):
        cells[row.student_id] = {"lr": row.lr, "knob value": row.beta, "rank": rank,
                                 "outcome": challenge.outcome_words(_result(row), found.steps)}
    for student_id, lines in typed.items():
        cells.setdefault(student_id, {})["entries"] = " | ".join(lines)
    return cells


def _result(row) -> challenge.Result:
    return challenge.Result(row.settled_at, row.diverged_at, row.final_loss, row.final_distance)


def to_csv(table: list[dict]) -> str:
    """The rows as CSV text (UTF-8, a header row first), safe to open in a spreadsheet."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in table:
        writer.writerow({column: _cell(value) for column, value in row.items()})
    return buffer.getvalue()


def _cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
