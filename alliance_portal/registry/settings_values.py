"""How one value of the settings file is read and checked: a number, true/false, text, a path.

Why apart from :mod:`alliance_portal.registry.settings`: these readers are the same for every
section (and for the environment variables), and every error they raise has one shape:
``<file>: [<section>] <key> <what is wrong>; <what to write>``.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

from alliance_portal.registry.errors import UsageError


class ConfigError(UsageError, ValueError):
    """alliance.toml, the environment or a command-line option has a value we cannot use."""


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Source:
    """Where a table of values comes from, for error messages: ``alliance.toml: [crawl]``."""

    where: str

    def error(self, key: str, problem: str, fix: str) -> ConfigError:
        return ConfigError(f"{self.where} {key} {problem}; {fix}")


def number(kind: type[T], minimum: float, example: str) -> Callable[[Source, str, Any], T]:
    def read(src: Source, key: str, value: Any) -> T:
        if isinstance(value, str) and value.strip():  # from the environment
            with suppress(ValueError):
                value = kind(value.strip())  # type: ignore[call-arg]
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if kind is int and isinstance(value, float):
            ok = False
        if not ok:
            raise src.error(
                key, f"must be a number, not {value!r}", f"write e.g. {key} = {example}"
            )
        if value < minimum:
            raise src.error(
                key, f"must be {minimum:g} or more, not {value!r}", f"write e.g. {key} = {example}"
            )
        return cast(T, kind(value))  # type: ignore[call-arg]

    return read


def boolean(src: Source, key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("0", "false", "no", "off"):
        return False
    raise src.error(key, f"must be true or false, not {value!r}", f"write {key} = true or false")


def text(src: Source, key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise src.error(key, f"must be text in quotes, not {value!r}", f'write {key} = "..."')
    return value


def path(src: Source, key: str, value: Any) -> Path:
    written = text(src, key, value)
    if not written.strip():
        raise src.error(
            key, "is empty", f'write a folder or file, e.g. {key} = "var/monitor.sqlite3"'
        )
    return Path(written)
