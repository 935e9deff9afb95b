"""The office password: one shared login for the programme office's status pages.

Only a salted scrypt hash is stored (``var/intake-admin-password``, mode 0600), set with
``alliance intake set-admin-password``. The hash also feeds the office session, so changing
the password logs every office session out.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

from alliance_portal.registry.errors import UsageError
from alliance_portal.registry.files import atomic_write

MIN_PASSWORD_LENGTH = 12


class PasswordError(UsageError, ValueError):
    """A password that is too weak to set; the message says why."""


def set_password(path: Path, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordError(
            f"the password is {len(password)} characters long; use at least {MIN_PASSWORD_LENGTH}"
        )
    if password.strip() != password:
        raise PasswordError("the password starts or ends with a space; remove it")
    atomic_write(
        path, (generate_password_hash(password, method="scrypt") + "\n").encode(), mode=0o600
    )


def stored_hash(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def check_password(path: Path, password: str) -> bool:
    """True when ``password`` matches; always False when no password was ever set."""
    hashed = stored_hash(path)
    if hashed is None:
        return False
    return check_password_hash(hashed, password)


def password_fingerprint(path: Path) -> str:
    """A short value that changes whenever the password does (kept in office sessions)."""
    hashed = stored_hash(path) or ""
    return hmac.new(b"intake-office-session", hashed.encode(), hashlib.sha256).hexdigest()[:16]
