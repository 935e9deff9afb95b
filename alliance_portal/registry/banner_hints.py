"""What to tell a designer whose banner has the wrong size: the fix in their own terms (scale
to 50%, rotate, resize or crop), not only the numbers. Kept apart from
:mod:`alliance_portal.registry.banner_rules` (the checks themselves) so the words can be read
and changed on their own."""

from __future__ import annotations

from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.site_settings import BANNER_HEIGHT, BANNER_WIDTH


def size_hint(width: int, height: int) -> Bilingual:
    """Explain a wrong size in terms a designer can act on."""
    w, h = BANNER_WIDTH, BANNER_HEIGHT
    for factor in (2, 3, 4):
        if (width, height) == (w * factor, h * factor):
            pct = round(100 / factor)
            return Bilingual(
                f"{width}x{height} 剛好是規定尺寸的 {factor} 倍：請縮放為 {pct}%",
                f"{width}x{height} is exactly {factor} times the required size: scale it to {pct}%",
            )
    if (width, height) == (h, w):
        return Bilingual(
            f"{width}x{height} 方向相反：橫幅須為寬 {w}、高 {h}",
            f"{width}x{height} is rotated: the banner must be {w} wide and {h} high",
        )
    return Bilingual(
        f"圖片為 {width}x{height} 像素；須剛好為 {w}x{h}：請在繪圖軟體中把圖片調整（縮放或裁切）為"
        f"寬 {w}、高 {h} 像素後另存為 PNG",
        f"the image is {width}x{height} pixels; it must be exactly {w}x{h}: resize or crop it to "
        f"{w} × {h} pixels in an image editor and export it as PNG",
    )
