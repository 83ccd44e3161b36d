"""Password hashing (scrypt, standard library) and the unusable password of accounts
that must not log in with one (generated staff, disabled users)."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets

UNUSABLE = "!"
_N, _R, _P = 2**14, 8, 1


def hash_password(password: str, *, cost: int = _N) -> str:
    """A salted scrypt hash carrying its parameters. `cost` (scrypt's N) is the product's always;
    only the tests' fixture accounts use a lower one, to sign in hundreds of times quickly
    (verify_password reads the cost from the stored hash)."""
    if not password:
        raise ValueError("empty password")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=cost, r=_R, p=_P, dklen=32)
    return f"scrypt${cost}${_R}${_P}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt" or not password:
        return False
    expected = base64.b64decode(digest)
    actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r),
                            p=int(p), dklen=len(expected))
    return hmac.compare_digest(actual, expected)


def is_usable(stored: str | None) -> bool:
    """Whether a stored hash can ever match (not the unusable marker, not malformed)."""
    return bool(stored) and stored.startswith("scrypt$") and stored.count("$") == 5


@functools.cache
def dummy_hash() -> str:
    """A hash of a random password nobody knows, made once per process: checking a password
    against it costs what checking a real one costs (unknown and disabled accounts are not faster)."""
    return hash_password(secrets.token_urlsafe(24))
