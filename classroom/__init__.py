"""The live class: rooms, predictions and challenges shared between a teacher's projector and phones.

    from classroom import ClassStore, ClassroomError
    store = ClassStore()        # SAFECRACKER_DATABASE_URL, or SQLite in data/class.db

Pure Python over a database (SQLAlchemy Core): no Streamlit here, so the pages stay thin and the store
is tested on its own against SQLite and PostgreSQL.
"""

from classroom.challenge import Knob, Result, hands, knobs
from classroom.database import URL_SETTING
from classroom.errors import ClassroomError
from classroom.nicknames import MAX_NICKNAME, clean_nickname
from classroom.store import Answer, ClassStore, Current, Room, Submission
from classroom.tokens import CODE_ALPHABET, CODE_LENGTH, clean_code

__all__ = ["CODE_ALPHABET", "CODE_LENGTH", "MAX_NICKNAME", "URL_SETTING", "Answer", "ClassStore", "ClassroomError",
           "Current", "Knob", "Result", "Room", "Submission", "clean_code", "clean_nickname", "hands", "knobs"]
