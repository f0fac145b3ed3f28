"""Nicknames: the only thing about a student the store keeps, so they are cleaned before they are kept.

Cleaning never makes a hostile name safe to render as markup (the pages show nicknames as plain text);
it removes what would make two names look alike or scramble a table: invisible format characters
(zero-width joiners, right-to-left overrides), control characters and runs of blank space. Two names are
the same name in a room when they differ only in case (`nickname_key`) or only in letters that look alike
(`look_alike_key`: "аlice" with a Cyrillic а is "alice").
"""

from __future__ import annotations

import unicodedata

from classroom.errors import ClassroomError
from classroom.lookalikes import skeleton

MAX_NICKNAME = 30


def clean_nickname(typed: object) -> str:
    """The nickname to keep, or ClassroomError saying why it is refused."""
    if not isinstance(typed, str):
        raise ClassroomError("Type a nickname.")
    if len(typed) > 10 * MAX_NICKNAME:
        raise ClassroomError(f"That nickname is too long: keep it to {MAX_NICKNAME} characters.")
    text = unicodedata.normalize("NFKC", typed)
    # Cf: format characters (zero-width, bidi controls); Cc: controls; Co/Cs/Cn: private, broken, unassigned.
    visible = "".join(" " if ch.isspace() else ch for ch in text
                      if unicodedata.category(ch) not in {"Cf", "Cc", "Co", "Cs", "Cn"} or ch.isspace())
    name = " ".join(visible.split())
    if not name:
        raise ClassroomError("Type a nickname (letters or digits you can see).")
    if len(name) > MAX_NICKNAME:
        raise ClassroomError(f"That nickname is too long: keep it to {MAX_NICKNAME} characters.")
    return name


def nickname_key(name: str) -> str:
    """Two nicknames that differ only in case are the same nickname in a room."""
    return name.casefold()


def look_alike_key(name: str) -> str:
    """Two nicknames a reader cannot tell apart on a projector (Cyrillic а for Latin a, 0 for o, I for l)
    are the same nickname in a room."""
    return skeleton(name)
