"""Draw the sample portal's 222x112 PNG banners from the sample profiles.

Why a script and not hand-made images: the sample registry must show what real banners look
like (one per alliance, industry colours, readable Chinese) without anyone's artwork, and must
be reproducible, so the committed PNGs can be checked against a fresh run byte for byte. The
output therefore depends only on the profiles and the font: no timestamps, no text chunks.

A couple of alliances are deliberately left without a banner (:data:`SKIP_BANNER`) so the
portal's text placeholder is exercised by the demo and the tests.

Usage (from the repository root)::

    .venv/bin/python scripts/draw_sample_banners.py [--content content] [--banners banners]
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from alliance_portal.registry.banner_rules import check_banner_bytes
from alliance_portal.registry.files import atomic_write
from alliance_portal.registry.profiles import Alliance, load_registry
from alliance_portal.registry.site_settings import BANNER_HEIGHT, BANNER_WIDTH, DEFAULT_INDUSTRIES

#: Alliances drawn WITHOUT a banner, so the homepage shows its text placeholder for them.
SKIP_BANNER: frozenset[str] = frozenset({"water-treatment", "ic-test"})

#: Background colour per industry key. Each is dark enough for white text (contrast >= 4.5:1).
INDUSTRY_COLOURS: dict[str, tuple[int, int, int]] = {
    "biomed": (15, 118, 110),
    "chemistry": (180, 83, 9),
    "mechatronics": (29, 78, 216),
    "civil-energy": (21, 128, 61),
    "ict": (109, 40, 217),
    "electronics": (190, 18, 60),
}
FALLBACK_COLOUR = (71, 85, 105)

#: CJK fonts tried in order (Debian/Ubuntu fonts-noto-cjk, then other common locations).
#: In a .ttc collection the face whose family name contains "TC" (Traditional Chinese) is used.
CJK_FONT_CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Bold.ttc",
)

#: Suffixes removed from names to get the short name printed on the banner.
ZH_SUFFIXES: tuple[str, ...] = ("產學小聯盟", "產學聯盟", "小聯盟", "聯盟")
EN_SUFFIXES: tuple[str, ...] = (
    " Industry-Academia Alliance",
    " Industry-Academia Consortium",
    " Alliance",
)

SAMPLE_MARK_CJK = "SAMPLE 範例"
SAMPLE_MARK_LATIN = "SAMPLE"
MARGIN = 10
TITLE_SIZES = tuple(range(30, 17, -1))  # largest first; below 18 px Chinese gets hard to read
SUBTITLE_SIZES = tuple(range(12, 8, -1))
WHITE = (255, 255, 255)

AnyFont = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True, slots=True)
class Fonts:
    """Where to load glyphs from: a CJK font file (and face index), or Pillow's built-in font."""

    path: str | None
    index: int = 0

    @property
    def has_cjk(self) -> bool:
        return self.path is not None

    def get(self, size: int) -> AnyFont:
        if self.path is None:
            return ImageFont.load_default(size)
        return ImageFont.truetype(self.path, size, index=self.index)


def find_cjk_font(candidates: Sequence[str] = CJK_FONT_CANDIDATES) -> Fonts:
    """The first installed CJK font (Traditional Chinese face), or Pillow's default font."""
    for candidate in candidates:
        if not Path(candidate).is_file():
            continue
        for index in range(16):  # a .ttc holds a handful of faces; stop at the first gap
            try:
                family, _style = ImageFont.truetype(candidate, 12, index=index).getname()
            except OSError:
                break
            if family and " TC" in family:
                return Fonts(candidate, index)
        return Fonts(candidate, 0)
    return Fonts(None)


def short_name(name: str, suffixes: Sequence[str]) -> str:
    """The name without a trailing "alliance" word, which every banner would otherwise repeat."""
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)].strip()
    return name.strip()


def text_width(draw: ImageDraw.ImageDraw, text: str, font: AnyFont) -> float:
    left, _top, right, _bottom = draw.textbbox((0, 0), text, font=font)
    return right - left


def fit_lines(
    draw: ImageDraw.ImageDraw, text: str, fonts: Fonts, sizes: Sequence[int], width: int
) -> tuple[list[str], AnyFont]:
    """One line at the largest size that fits; else two balanced lines at the largest size."""
    for size in sizes:
        font = fonts.get(size)
        if text_width(draw, text, font) <= width:
            return [text], font
    words = text.split(" ")
    if len(words) > 1:  # Latin text: break between words
        splits = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    else:  # Chinese text: break between characters
        splits = [(text[:i], text[i:]) for i in range(1, len(text))]
    splits.sort(key=lambda pair: abs(len(pair[0]) - len(pair[1])))
    for size in sizes:
        font = fonts.get(size)
        for first, second in splits[:3]:
            if max(text_width(draw, first, font), text_width(draw, second, font)) <= width:
                return [first, second], font
    font = fonts.get(sizes[-1])
    return [text], font


def shade(colour: tuple[int, int, int], factor: float) -> tuple[int, int, int]:
    """Darken (factor < 1) or lighten towards white (factor > 1) an RGB colour."""
    if factor <= 1:
        return (int(colour[0] * factor), int(colour[1] * factor), int(colour[2] * factor))
    t = factor - 1
    return (
        int(colour[0] + (255 - colour[0]) * t),
        int(colour[1] + (255 - colour[1]) * t),
        int(colour[2] + (255 - colour[2]) * t),
    )


def industry_label(key: str, *, cjk: bool) -> str:
    for industry in DEFAULT_INDUSTRIES:
        if industry.key == key:
            return industry.name_zh if cjk else industry.name_en
    return key


def draw_banner(alliance: Alliance, fonts: Fonts) -> bytes:
    """The banner PNG for one alliance, as bytes (deterministic for the same profile and font)."""
    base = INDUSTRY_COLOURS.get(alliance.industry, FALLBACK_COLOUR)
    image = Image.new("RGB", (BANNER_WIDTH, BANNER_HEIGHT), base)
    draw = ImageDraw.Draw(image)

    # A left-to-right darkening gradient and a light band at the bottom give some depth.
    dark = shade(base, 0.7)
    for x in range(BANNER_WIDTH):
        t = x / (BANNER_WIDTH - 1)
        colour = tuple(round(b + (d - b) * t) for b, d in zip(base, dark, strict=True))
        draw.line([(x, 0), (x, BANNER_HEIGHT - 1)], fill=colour)
    draw.ellipse((150, -40, 262, 72), fill=shade(base, 1.12))
    draw.ellipse((178, -12, 234, 44), fill=shade(base, 1.2))
    draw.rectangle((0, BANNER_HEIGHT - 5, BANNER_WIDTH, BANNER_HEIGHT), fill=shade(base, 1.45))

    # Industry label (top left) and the sample mark (top right).
    small = fonts.get(10)
    draw.text(
        (MARGIN, 7), industry_label(alliance.industry, cjk=fonts.has_cjk), font=small, fill=WHITE
    )
    mark = SAMPLE_MARK_CJK if fonts.has_cjk else SAMPLE_MARK_LATIN
    mark_w = text_width(draw, mark, small)
    box = (BANNER_WIDTH - MARGIN - mark_w - 10, 5, BANNER_WIDTH - MARGIN, 21)
    draw.rounded_rectangle(box, radius=4, fill=shade(base, 0.55), outline=WHITE, width=1)
    draw.text(
        ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2), mark, font=small, fill=WHITE, anchor="mm"
    )

    # The short name, centred; the English short name below it in small type.
    usable = BANNER_WIDTH - 2 * MARGIN
    en = short_name(alliance.display_name_en, EN_SUFFIXES)
    if fonts.has_cjk:
        title = short_name(alliance.name, ZH_SUFFIXES)
        lines, title_font = fit_lines(draw, title, fonts, TITLE_SIZES, usable)
        sub_lines, sub_font = fit_lines(draw, en, fonts, SUBTITLE_SIZES, usable)
        sub_lines = sub_lines[:1] if len(lines) > 1 else sub_lines
    else:
        lines, title_font = fit_lines(draw, en, fonts, tuple(range(20, 11, -1)), usable)
        sub_lines, sub_font = [], small
    title_h = title_font.size if isinstance(title_font, ImageFont.FreeTypeFont) else 12
    sub_h = sub_font.size if isinstance(sub_font, ImageFont.FreeTypeFont) else 10
    gap = 6 if sub_lines else 0
    block = len(lines) * (title_h + 4) - 4 + gap + len(sub_lines) * (sub_h + 3)
    top = 24 + (BANNER_HEIGHT - 5 - 24 - block) / 2
    y = top
    for line in lines:
        draw.text(
            (BANNER_WIDTH / 2, y + title_h / 2), line, font=title_font, fill=WHITE, anchor="mm"
        )
        y += title_h + 4
    y += gap - 4
    for line in sub_lines:
        draw.text(
            (BANNER_WIDTH / 2, y + sub_h / 2),
            line,
            font=sub_font,
            fill=shade(base, 1.8),
            anchor="mm",
        )
        y += sub_h + 3

    out = io.BytesIO()
    # No pnginfo, no timestamps: same profile and font give the same bytes.
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--content", type=Path, default=Path("content"), help="content folder")
    parser.add_argument("--banners", type=Path, default=Path("banners"), help="output folder")
    args = parser.parse_args(argv)

    registry = load_registry(args.content, None)
    for problem in registry.errors:
        print(f"skipped: {problem}", file=sys.stderr)
    fonts = find_cjk_font()
    if fonts.has_cjk:
        print(f"font: {fonts.path} (face {fonts.index})")
    else:
        print(
            "no CJK font found: drawing English names with Pillow's default font", file=sys.stderr
        )
    written = 0
    for alliance in registry.alliances:
        if alliance.slug in SKIP_BANNER:
            print(f"{alliance.slug}: left without a banner on purpose (SKIP_BANNER)")
            continue
        data = draw_banner(alliance, fonts)
        report = check_banner_bytes(data)
        if not report.ok:  # the drawing code is wrong, not the profile: stop loudly
            print(
                f"{alliance.slug}: drawn banner breaks the rules: {report.errors}", file=sys.stderr
            )
            return 1
        atomic_write(args.banners / f"{alliance.slug}.png", data)
        written += 1
    print(f"wrote {written} banners to {args.banners}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
