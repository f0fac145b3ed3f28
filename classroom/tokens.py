"""Secrets and room codes: how they are drawn, stored and checked.

Tokens are 256-bit random strings; the database keeps only their SHA-256, so a copy of the database
cannot impersonate anybody, and a check compares digests in constant time.

A browser keeps one device secret (drawn in the browser, kept in its own storage, sent only over the page's
websocket: see ui/device.py). The tokens the store sees are derived from it, one per purpose: the device's
teacher key, and its student token for one room. A room's database row therefore never holds the device's
secret, and two rooms cannot link the same phone by its token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

# No look-alikes a child could misread from the back of the room: none of 0/O/Q/D, 1/I/L, 2/Z, 5/S, 8/B,
# 6/G, U/V. 19 symbols, 6 of them: 47 million codes, against a few hundred open rooms.
CODE_ALPHABET = "ACEFHJKMNPRTWXY3479"
CODE_LENGTH = 6
TOKEN_BYTES = 32
# A device secret as the browser writes it: 32 random bytes in URL-safe base64, without padding.
DEVICE_SECRET = re.compile(r"[A-Za-z0-9_-]{43}")


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


def is_device_secret(value: object) -> bool:
    """Whether `value` has the form of a device secret (anything else from a browser is ignored)."""
    return isinstance(value, str) and DEVICE_SECRET.fullmatch(value) is not None


def device_token(secret: str, purpose: str) -> str:
    """The token `secret`'s device uses for `purpose` ("teacher", or "student:" and a room's code)."""
    mac = hmac.new(secret.encode("ascii"), purpose.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def address_digest(address: str) -> str:
    """A client address as the limits keep it: hashed, so the table of failed attempts lists no addresses."""
    return hashlib.sha256(b"safecracker-address:" + address.encode("utf-8", "surrogatepass")).hexdigest()[:32]
