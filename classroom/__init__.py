"""The live class: rooms, predictions and challenges shared between a teacher's projector and phones.

    from classroom import ClassStore, ClassroomError
    store = ClassStore()        # SAFECRACKER_DATABASE_URL, or SQLite in data/class.db

Pure Python over a database (SQLAlchemy Core): no Streamlit here, so the pages stay thin and the store
is tested on its own against SQLite and PostgreSQL.
"""

from classroom.challenge import Knob, Result, hands, knobs
from classroom.database import URL_SETTING
from classroom.errors import ClassroomError, ClassroomUnavailable
from classroom.export import to_csv
from classroom.nicknames import MAX_NICKNAME, clean_nickname
from classroom.store import (
    DEFAULT_ROOM_CAP,
    MAX_ROUNDS,
    Answer,
    ClassStore,
    Current,
    Glance,
    MyEntry,
    Progress,
    Room,
    Rounds,
    Submission,
)
from classroom.tokens import CODE_ALPHABET, CODE_LENGTH, clean_code, device_token, is_device_secret

__all__ = ["CODE_ALPHABET", "CODE_LENGTH", "DEFAULT_ROOM_CAP", "MAX_NICKNAME", "MAX_ROUNDS", "URL_SETTING", "Answer",
           "ClassStore", "ClassroomError", "ClassroomUnavailable", "Current", "Glance", "Knob", "MyEntry", "Progress",
           "Result", "Room", "Rounds", "Submission", "clean_code", "clean_nickname", "device_token", "hands",
           "is_device_secret", "knobs", "to_csv"]
