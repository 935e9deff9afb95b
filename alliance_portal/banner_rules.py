"""The banner rules: a banner is a real, single-frame PNG of exactly 222x112 pixels.

This module is the one place that decides whether a banner is acceptable; the registry check,
the build, the upload form and ``alliance banner check`` all call it.

Only the size and format are checked here so far; the full rules (decompression bombs, CRCs,
animation, clean re-encoding) are tracked by the intake issue.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from alliance_portal.settings import BANNER_HEIGHT, BANNER_WIDTH

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DEFAULT_MAX_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class BannerError:
    """One reason a banner is refused, in English and zh-TW, with what to do about it."""

    code: str
    message_en: str
    message_zh: str

    def __str__(self) -> str:
        return f"{self.message_zh} / {self.message_en}"


@dataclass(slots=True)
class BannerReport:
    """What checking a banner found: the measured size (if readable) and every error."""

    width: int | None = None
    height: int | None = None
    errors: list[BannerError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _sniff_format(data: bytes) -> str | None:
    """Name the real format of a file that is not a PNG, for a helpful message."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "WebP"
    if data.startswith(b"BM"):
        return "BMP"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    if data.lstrip()[:5].lower() in (b"<?xml", b"<svg ") or b"<svg" in data[:512].lower():
        return "SVG"
    if data.startswith(b"%PDF"):
        return "PDF"
    return None


def size_hint(width: int, height: int) -> tuple[str, str]:
    """Explain a wrong size in terms a designer can act on (English, zh-TW)."""
    w, h = BANNER_WIDTH, BANNER_HEIGHT
    for factor in (2, 3, 4):
        if (width, height) == (w * factor, h * factor):
            pct = round(100 / factor)
            return (
                f"{width}x{height} is exactly {factor} times the required size: scale it to {pct}%",
                f"{width}x{height} 剛好是規定尺寸的 {factor} 倍：請縮放為 {pct}%",
            )
    if (width, height) == (h, w):
        return (
            f"{width}x{height} is rotated: the banner must be {w} wide and {h} high",
            f"{width}x{height} 方向相反：橫幅須為寬 {w}、高 {h}",
        )
    return (
        f"the image is {width}x{height} pixels; it must be exactly {w}x{h}",
        f"圖片為 {width}x{height} 像素；須剛好為 {w}x{h}",
    )


def check_banner_bytes(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> BannerReport:
    """Check an uploaded or stored banner. Never trusts the file name or the client's type."""
    report = BannerReport()
    if len(data) > max_bytes:
        report.errors.append(
            BannerError(
                "too-large",
                f"the file is {len(data):,} bytes; the limit is {max_bytes:,} bytes",
                f"檔案大小 {len(data):,} 位元組，超過上限 {max_bytes:,} 位元組",
            )
        )
        return report
    if not data.startswith(PNG_SIGNATURE):
        real = _sniff_format(data)
        if real:
            report.errors.append(
                BannerError(
                    "not-png",
                    f"this is a {real} file, not a PNG: export it as PNG",
                    f"這是 {real} 檔，不是 PNG：請另存為 PNG",
                )
            )
        else:
            report.errors.append(
                BannerError(
                    "not-png",
                    "this is not a PNG file (no PNG signature): export the banner as PNG",
                    "這不是 PNG 檔（缺少 PNG 檔頭）：請將橫幅另存為 PNG",
                )
            )
        return report
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=["PNG"]) as im:
                report.width, report.height = im.size
                if im.size == (BANNER_WIDTH, BANNER_HEIGHT):
                    im.load()
    except Exception as exc:  # Pillow raises many types for corrupt files
        report.errors.append(
            BannerError(
                "corrupt",
                f"the PNG file is damaged and cannot be read ({exc}): export it again",
                f"PNG 檔已損壞，無法讀取（{exc}）：請重新匯出",
            )
        )
        return report
    if (report.width, report.height) != (BANNER_WIDTH, BANNER_HEIGHT):
        assert report.width is not None and report.height is not None
        en, zh = size_hint(report.width, report.height)
        report.errors.append(BannerError("wrong-size", en, zh))
    return report


def check_banner_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> BannerReport:
    """Check a banner on disk (reads at most ``max_bytes + 1`` bytes)."""
    with path.open("rb") as fh:
        data = fh.read(max_bytes + 1)
    return check_banner_bytes(data, max_bytes=max_bytes)
