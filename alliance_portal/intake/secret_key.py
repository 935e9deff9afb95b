"""The signing secret behind personal links and session cookies.

It comes from the environment (``ALLIANCE_INTAKE_SECRET``) or from a file outside git
(default ``var/intake-secret``). The file is created with mode 0600 the first time the office
issues links; ``serve`` never creates it, because a server that invents a new secret would
silently invalidate every link already mailed out.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from alliance_portal.intake.config import MIN_SECRET_LENGTH, SECRET_ENV
from alliance_portal.registry.errors import AllianceError


class SecretError(AllianceError):
    """The secret is missing or unusable; the message says how to fix it."""


def _check(value: bytes, where: str) -> bytes:
    value = value.strip()
    if len(value) < MIN_SECRET_LENGTH:
        raise SecretError(
            f"{where}: the intake secret is {len(value)} characters long; at least "
            f"{MIN_SECRET_LENGTH} are needed (delete the file and run `alliance intake links` "
            "to create a random one)"
        )
    return value


def load_secret(secret_file: Path, *, env: Mapping[str, str] | None = None) -> bytes:
    """Return the secret from the environment or ``secret_file``; raise :class:`SecretError`."""
    env = os.environ if env is None else env
    from_env = env.get(SECRET_ENV)
    if from_env:
        return _check(from_env.encode(), f"environment variable {SECRET_ENV}")
    try:
        data = secret_file.read_bytes()
    except FileNotFoundError:
        raise SecretError(
            f"{secret_file}: no intake secret yet; run `alliance intake links` once to create it "
            f"or set {SECRET_ENV}"
        ) from None
    except OSError as exc:
        raise SecretError(f"{secret_file}: cannot be read ({exc.strerror})") from None
    if secret_file.stat().st_mode & 0o077:
        raise SecretError(
            f"{secret_file}: other users can read the intake secret; run `chmod 600 {secret_file}`"
        )
    return _check(data, str(secret_file))


def ensure_secret(secret_file: Path, *, env: Mapping[str, str] | None = None) -> tuple[bytes, bool]:
    """Load the secret, creating a random one (mode 0600) if there is none. Returns (secret, created)."""
    env = os.environ if env is None else env
    if env.get(SECRET_ENV) or secret_file.exists():
        return load_secret(secret_file, env=env), False
    secret_file.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48).encode()
    # O_EXCL: if two office staff run `links` at once, only one secret is ever written.
    try:
        fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return load_secret(secret_file, env=env), False
    with os.fdopen(fd, "wb") as fh:
        fh.write(value + b"\n")
        fh.flush()
        os.fsync(fh.fileno())
    return value, True
