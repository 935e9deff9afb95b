"""The banner rules: a banner is a real, single-frame PNG of exactly 222x112 pixels.

This module is the one place that decides whether a banner is acceptable, and the only code
that writes ``banners/<slug>.png``; the registry check, the build, the upload form and
``alliance banner check`` all call it. The rules, cheapest first, so that hostile input costs
little:

1. size on disk at most ``max_bytes`` (default 1 MiB);
2. the PNG signature, then every chunk and its CRC, read from the bytes by
   :mod:`alliance_portal.registry.png_structure` (a JPEG or GIF renamed ``.png`` is named as such);
3. the header's width and height must be 222x112 -- checked *before* any pixel is decoded,
   so a tiny file claiming 100000x100000 costs nothing;
4. one frame only (an APNG with more frames is refused);
5. the image data inflates to exactly the size the header promises (bounded), every row
   filter is valid, and Pillow, restricted to PNG and never given an image over its
   decompression-bomb limit, decodes every pixel.

A banner that passes is stored as a clean re-encoding built from its pixels only: no text,
EXIF, ICC, colour-management or animation chunks survive, and the same input always gives
the same bytes. Palette, greyscale (1-16 bit), RGB, alpha, tRNS transparency and interlaced
inputs are all kept pixel-exact; 16-bit colour is stored as 8-bit, as browsers show it.

Exceptions::

    ValueError
     └── BannerRejected   the banner breaks a rule; ``.report.errors`` says which and why
"""

from __future__ import annotations

import errno
import io
import logging
import os
import re
import stat
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from alliance_portal.registry import png_pixels, png_structure
from alliance_portal.registry.banner_hints import size_hint
from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.errors import UsageError
from alliance_portal.registry.files import atomic_write
from alliance_portal.registry.png_structure import PNG_SIGNATURE, PngFault, PngStructure
from alliance_portal.registry.site_settings import BANNER_HEIGHT, BANNER_WIDTH, SLUG_PATTERN

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "PNG_SIGNATURE",
    "BannerError",
    "BannerRejected",
    "BannerReport",
    "check_banner_bytes",
    "check_banner_file",
    "clean_png",
    "size_hint",
    "store_banner",
]

DEFAULT_MAX_BYTES = 1024 * 1024
#: zlib level of the stored re-encoding. Fixed, so the same banner always gives the same bytes.
STORE_COMPRESS_LEVEL = 9

_SLUG_RE = re.compile(rf"^{SLUG_PATTERN}$")


@dataclass(frozen=True, slots=True)
class BannerError:
    """One reason a banner is refused (a stable ``code``), with what to do about it in both
    languages (``text``, the registry's :class:`Bilingual`)."""

    code: str
    text: Bilingual

    def __str__(self) -> str:
        return self.text.joined()


@dataclass(slots=True)
class BannerReport:
    """What checking a banner found: the measured size (if readable) and every error.

    ``description`` names the PNG flavour ("palette 4-bit, interlaced") and ``removed`` the
    ancillary chunks (text, EXIF, ICC...) the stored copy will not carry.
    """

    width: int | None = None
    height: int | None = None
    errors: list[BannerError] = field(default_factory=list)
    description: str = ""
    removed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class BannerRejected(UsageError, ValueError):
    """Raised by :func:`clean_png` and :func:`store_banner` for a banner that breaks a rule."""

    def __init__(self, report: BannerReport) -> None:
        super().__init__("; ".join(e.text.en for e in report.errors))
        self.report = report

    @property
    def errors(self) -> list[BannerError]:
        return self.report.errors


@dataclass(slots=True)
class _Decoded:
    structure: PngStructure
    image: Image.Image


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
    if data[4:12] in (b"ftypavif", b"ftypheic", b"ftypheix", b"ftypmif1"):
        return "AVIF/HEIC"
    if data.lstrip()[:5].lower() in (b"<?xml", b"<svg ") or b"<svg" in data[:512].lower():
        return "SVG"
    if data.startswith(b"%PDF"):
        return "PDF"
    if data.startswith(b"8BPS"):
        return "Photoshop (PSD)"
    return None


def _too_large(size: int, max_bytes: int) -> BannerError:
    return BannerError(
        "too-large",
        Bilingual(
            f"檔案大小 {size:,} 位元組，超過上限 {max_bytes:,} 位元組：{BANNER_WIDTH}x{BANNER_HEIGHT} "
            "的橫幅不需要這麼大，請去除中繼資料或減少色彩後重新存檔",
            f"the file is {size:,} bytes; the limit is {max_bytes:,} bytes: a {BANNER_WIDTH}x"
            f"{BANNER_HEIGHT} banner needs far less, save it again without metadata or with fewer "
            "colours",
        ),
    )


def _not_png(data: bytes, filename: str | None) -> BannerError | None:
    """The error for a file in another format, or None when it looks like a damaged PNG."""
    real = _sniff_format(data)
    if real is None:
        return None
    if filename and filename.lower().endswith(".png"):
        return BannerError(
            "not-png",
            Bilingual(
                f"這是副檔名為 .png 的 {real} 檔：請另存為 PNG 格式（只改副檔名無效）",
                f"this is a {real} file named .png: export it as PNG (renaming is not enough)",
            ),
        )
    return BannerError(
        "not-png",
        Bilingual(
            f"這是 {real} 檔，不是 PNG：請另存為 PNG",
            f"this is a {real} file, not a PNG: export it as PNG",
        ),
    )


def _decode(structure: PngStructure) -> Image.Image:
    """Decode every pixel with Pillow, restricted to PNG; an image over Pillow's decompression
    bomb limit is refused, not decoded.

    Pillow refuses only twice its ``MAX_IMAGE_PIXELS`` and merely warns above it: this refuses
    from the limit on (not ``warnings.catch_warnings()``, whose process-wide save and restore
    let another console thread drop its "error" filter mid-decode). Pillow sees only the
    critical chunks and tRNS: no metadata parser runs.
    """
    limit, pixels = Image.MAX_IMAGE_PIXELS, structure.header.width * structure.header.height
    if limit is not None and pixels > limit:
        raise Image.DecompressionBombError(f"{pixels:,} pixels; Pillow's limit is {limit:,}")
    image = Image.open(io.BytesIO(structure.minimal_png()), formats=["PNG"])
    image.load()
    return image


def _examine(
    data: bytes, *, max_bytes: int, filename: str | None
) -> tuple[BannerReport, _Decoded | None]:
    """Apply every rule; return the report and, when the banner passes, its decoded image."""
    report = BannerReport()

    def fail(code: str, text: Bilingual) -> tuple[BannerReport, None]:
        report.errors.append(BannerError(code, text))
        return report, None

    if len(data) > max_bytes:
        report.errors.append(_too_large(len(data), max_bytes))
        return report, None
    if not data:
        return fail(
            "empty",
            Bilingual(
                "檔案是空的（0 位元組）：請重新選擇橫幅檔案",
                "the file is empty (0 bytes): choose the banner file again",
            ),
        )
    if not data.startswith(PNG_SIGNATURE):
        other = _not_png(data, filename)
        if other is not None:
            report.errors.append(other)
            return report, None
    try:
        structure = png_structure.parse(data)
    except PngFault as fault:
        return fail(fault.code, fault.text)
    header = structure.header
    report.width, report.height = header.width, header.height
    report.description = header.description
    report.removed = sorted(set(structure.ancillary))
    if structure.frames > 1:
        report.errors.append(
            BannerError(
                "animated",
                Bilingual(
                    f"動態 PNG（APNG，共 {structure.frames} 格）：請只使用單一畫格",
                    f"animated PNG (APNG) with {structure.frames} frames: use a single frame",
                ),
            )
        )
    if (header.width, header.height) != (BANNER_WIDTH, BANNER_HEIGHT):
        hint = size_hint(header.width, header.height)
        report.errors.append(BannerError("wrong-size", Bilingual(hint.zh, hint.en)))
    if report.errors:
        return report, None
    try:
        png_pixels.inflate(structure)
        image = _decode(structure)
    except PngFault as fault:
        return fail(fault.code, fault.text)
    except Exception as exc:  # Pillow raises many types for corrupt files
        # the library's own words help a developer, not the PI who uploads: the log keeps them
        log.debug("banner not decodable by Pillow: %r", exc)
        return fail(
            "corrupt",
            Bilingual(
                "PNG 影像資料已損壞，無法解碼：請用繪圖軟體重新匯出為 PNG",
                "the PNG image data is damaged and cannot be decoded: export it again as PNG"
                " from your drawing program",
            ),
        )
    if header.colour_type == 3:
        highest = image.getextrema()[1]
        assert isinstance(highest, int)
        if highest >= structure.palette_entries:
            return fail(
                "bad-palette",
                Bilingual(
                    f"像素使用第 {highest} 號色，但調色盤只有 {structure.palette_entries} 色："
                    "請重新匯出橫幅",
                    f"pixels use colour {highest} but the palette has only "
                    f"{structure.palette_entries} colours: export the banner again",
                ),
            )
    return report, _Decoded(structure, image)


def check_banner_bytes(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, filename: str | None = None
) -> BannerReport:
    """Check an uploaded or stored banner. Never trusts the file name or the client's type;
    ``filename`` (the name the sender gave) only makes messages clearer."""
    return _examine(data, max_bytes=max_bytes, filename=filename)[0]


def check_banner_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> BannerReport:
    """Check a banner on disk, reading at most ``max_bytes + 1`` bytes of a regular file only
    (a FIFO or device link named ``<slug>.png`` is refused unread, not waited on or streamed)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)  # OSError as before
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not stat.S_ISREG(info.st_mode):
            en, zh = "is not a regular file: use the PNG itself", "不是一般檔案：請換成 PNG 檔"
            return BannerReport(errors=[BannerError("not-a-file", Bilingual(zh, en))])
        if info.st_size > max_bytes:
            return BannerReport(errors=[_too_large(info.st_size, max_bytes)])
        data = fh.read(max_bytes + 1)
    return check_banner_bytes(data, max_bytes=max_bytes, filename=path.name)


def _exact_key_alpha(structure: PngStructure) -> Image.Image:
    """Alpha mask for 16-bit RGB with a tRNS colour key, matched on all 16 bits.

    Pillow keeps only the high byte of each sample, so matching the key there would also make
    near-key colours transparent; browsers match the full value, and so do we.
    """
    assert structure.transparency is not None
    key = struct.unpack(">3H", structure.transparency)
    rows = png_pixels.decode_samples(structure)
    alpha = bytes(0 if px == key else 255 for row in rows for px in row)
    h = structure.header
    return Image.frombytes("L", (h.width, h.height), alpha)


def _clean_image(decoded: _Decoded) -> tuple[Image.Image, dict[str, Any]]:
    """A new image holding only the pixels (and palette/transparency) of the decoded one.

    Building a fresh image, rather than saving the opened one, guarantees no metadata from
    ``Image.info`` (ICC, EXIF, text) can be written back.
    """
    structure, image = decoded.structure, decoded.image
    header = structure.header
    trns = structure.transparency
    params: dict[str, Any] = {}
    mode = image.mode
    if header.colour_type == 0 and header.bit_depth < 8 and trns is not None:
        # Pillow widens 1/2/4-bit grey to 8 bits but leaves the tRNS key at the old scale.
        mode = "L"
        image = image.convert("L") if image.mode != "L" else image
        params["transparency"] = struct.unpack(">H", trns)[0] * (
            255 // ((1 << header.bit_depth) - 1)
        )
    elif header.colour_type in (0, 2) and trns is not None:
        if header.colour_type == 2 and header.bit_depth == 16:
            rgb = Image.frombytes("RGB", image.size, image.tobytes())
            out = rgb.convert("RGBA")
            out.putalpha(_exact_key_alpha(structure))
            return out, params
        values = struct.unpack(f">{len(trns) // 2}H", trns)
        params["transparency"] = values[0] if header.colour_type == 0 else values
    elif header.colour_type == 3 and trns is not None:
        params["transparency"] = trns
    if mode not in ("1", "L", "LA", "I;16", "P", "RGB", "RGBA"):
        raise RuntimeError(f"unexpected decoded mode {mode} for {header.description}")
    out = Image.frombytes(mode, image.size, image.tobytes())
    if mode == "P":
        out.putpalette(structure.palette, "RGB")
    return out, params


def clean_png(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Validate ``data`` and return a clean, deterministic PNG of the same pixels.

    The result has only IHDR, PLTE, tRNS, IDAT and IEND. Raises :class:`BannerRejected`.
    """
    report, decoded = _examine(data, max_bytes=max_bytes, filename=None)
    if decoded is None:
        raise BannerRejected(report)
    image, params = _clean_image(decoded)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=STORE_COMPRESS_LEVEL, optimize=False, **params)
    return out.getvalue()


def store_banner(
    data: bytes, banners_dir: Path, slug: str, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Path:
    """Validate, re-encode and atomically write ``banners_dir/<slug>.png``; return its path.

    Keeping the previous version is the caller's job (see :mod:`alliance_portal.registry.history`).
    Raises :class:`BannerRejected`, or ValueError for a slug that is not ``[a-z0-9-]+``.
    """
    if not _SLUG_RE.match(slug):
        raise ValueError(
            f"{slug!r} is not a valid alliance slug: use lowercase letters, digits and hyphens"
        )
    clean = clean_png(data, max_bytes=max_bytes)
    target = banners_dir / f"{slug}.png"
    atomic_write(target, clean)
    return target
