"""TEMPORARY bridge to the history module and the full banner rules, written in parallel.

``alliance_portal.history.keep_previous_version`` and ``banner_rules.clean_png`` /
``store_banner`` are the real implementations; until they land, equivalent minimal versions
below keep the intake form working. Remove the fallbacks once both modules exist.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
from pathlib import Path

from alliance_portal import banner_rules
from alliance_portal.registry import atomic_write


def keep_previous_version(path: Path, history_dir: Path) -> Path | None:
    try:
        from alliance_portal.history import keep_previous_version as real
    except ImportError:
        pass
    else:
        return real(path, history_dir)
    if not path.exists():
        return None
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    target = history_dir / f"{stamp}{path.suffix}"
    history_dir.mkdir(parents=True, exist_ok=True)
    tmp = history_dir / f".{target.name}.tmp"
    shutil.copy2(path, tmp)
    tmp.replace(target)
    return target


def clean_png(data: bytes) -> bytes:
    real = getattr(banner_rules, "clean_png", None)
    if real is not None:
        return bytes(real(data))
    from PIL import Image

    with Image.open(io.BytesIO(data), formats=["PNG"]) as im:
        im.load()
        out = io.BytesIO()
        im.save(out, format="PNG", optimize=True)
    return out.getvalue()


def store_banner(data: bytes, banners_dir: Path, slug: str) -> Path:
    real = getattr(banner_rules, "store_banner", None)
    if real is not None:
        return Path(real(data, banners_dir, slug))
    report = banner_rules.check_banner_bytes(data)
    if not report.ok:
        raise ValueError("; ".join(e.message_en for e in report.errors))
    target = banners_dir / f"{slug}.png"
    atomic_write(target, clean_png(data))
    return target
