"""Letters that look like other letters: the table behind "аlice" (Cyrillic а) counting as "alice".

Written for this project from the letters' shapes in common sans-serif fonts (a projector's and a phone's),
for the scripts a class's nicknames actually mix up: Cyrillic and Greek capitals and small letters that
share a Latin letter's shape, a few Armenian, IPA and Latin-extension look-alikes, and the digits and
symbols read as letters (0 as o, 1 and | as l). Full-width and mathematical letters need no entry: NFKC
folds them before this table is read. Each entry maps one character to the plain Latin letter it passes
for; a name's skeleton is the name with every character so replaced.
"""

from __future__ import annotations

# Keys are the look-alikes, values the Latin letter they pass for. Upper-case Latin I is here (it is an l in
# sans-serif); lower-case i is not, its dot tells it apart.
_PAIRS = {
    # Cyrillic capitals
    "А": "a", "В": "b", "Е": "e", "Ѕ": "s", "І": "l", "Ј": "j", "К": "k", "М": "m", "Н": "h", "О": "o",
    "Р": "p", "С": "c", "Т": "t", "Х": "x", "У": "y", "Ү": "y", "Ԛ": "q", "Ԝ": "w", "Ӏ": "l", "Ь": "b",
    "З": "3", "Һ": "h", "Ԁ": "d", "Ꚃ": "s",
    # Cyrillic small letters
    "а": "a", "е": "e", "ѕ": "s", "і": "i", "ј": "j", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y",
    "ԁ": "d", "һ": "h", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ь": "b", "ү": "y", "ɡ": "g", "ѵ": "v", "ԍ": "g",
    # Greek capitals
    "Α": "a", "Β": "b", "Ε": "e", "Ζ": "z", "Η": "h", "Ι": "l", "Κ": "k", "Μ": "m", "Ν": "n", "Ο": "o",
    "Ρ": "p", "Τ": "t", "Υ": "y", "Χ": "x", "Ϲ": "c", "Ϳ": "j",
    # Greek small letters
    "α": "a", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "υ": "u", "χ": "x", "ϲ": "c", "ϳ": "j",
    "ϱ": "p", "ε": "e",
    # Armenian
    "օ": "o", "ս": "u", "հ": "h", "ո": "n", "ց": "g", "Տ": "s", "Օ": "o", "Ս": "u",
    # Latin extensions and IPA that pass for plain letters
    "I": "l", "ı": "i", "ɑ": "a", "ǀ": "l", "ɩ": "i", "ʏ": "y", "ɪ": "i", "ᴏ": "o", "ᴄ": "c", "ᴠ": "v",
    "ᴡ": "w", "ᴢ": "z", "ꞵ": "b", "ɾ": "r", "ʋ": "u",
    # Digits and symbols read as letters
    "0": "o", "1": "l", "|": "l",
}

LOOKALIKES = str.maketrans(_PAIRS)


def skeleton(name: str) -> str:
    """What `name` looks like, letters only as their Latin look-alikes, without case: two names with the same
    skeleton cannot be told apart on a projector. Applied before and after case folding, so a capital whose
    small letter has another shape (Greek Η, small η) is caught in the shape it was typed in."""
    return name.translate(LOOKALIKES).casefold().translate(LOOKALIKES)
