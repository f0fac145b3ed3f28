"""Secrets and room codes: how they are drawn, stored and checked.

Tokens are 256-bit random strings; the database keeps only their SHA-256, so a copy of the database
cannot impersonate anybody, and a check compares digests in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

# No look-alikes a child could misread from the back of the room: none of 0/O/Q/D, 1/I/L, 2/Z, 5/S, 8/B,
# 6/G, U/V. 19 symbols, 6 of them: 47 million codes, against a few hundred open rooms.
CODE_ALPHABET = "ACEFHJKMNPRTWXY3479"
CODE_LENGTH = 6
TOKEN_BYTES = 32


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def clean_code(typed: object) -> str | None:
    """The code as typed, upper-cased and without spaces or dashes; None when it cannot be a code."""
    if not isinstance(typed, str) or len(typed) > 40:
        return None
    code = "".join(ch for ch in typed.upper() if ch not in " -\t")
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def digest(token: object) -> str | None:
    """The stored form of a token; None for anything that cannot be one of ours."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def same_digest(given: str | None, stored: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), stored.encode())
