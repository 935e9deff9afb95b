"""The banner rules against PngSuite and hand-built PNGs.

The 222x112 inputs are built here, in the source images' ORIGINAL colour type and bit depth,
by a small reference PNG codec written for these tests (Pillow cannot write 2/4-bit grey,
16-bit colour or interlaced files). Stored banners are decoded by the same reference codec,
so "same pixels" is judged independently of Pillow's shortcuts (it widens 16-bit colour to
8 bits and ignores a 2/4-bit grey tRNS key) and of the module's own decoder.
"""

from __future__ import annotations

import base64
import io
import re
import struct
import subprocess
import sys
import textwrap
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from alliance_portal.registry import png_pixels, png_structure
from alliance_portal.registry.banner_rules import (
    BannerRejected,
    check_banner_bytes,
    check_banner_file,
    clean_png,
    store_banner,
)
from alliance_portal.registry.profiles import load_registry

W, H = 222, 112
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
ADAM7 = (
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
)
CLEAN_CHUNKS = {"IHDR", "PLTE", "tRNS", "IDAT", "IEND"}
#: Latin words a zh-TW message may contain: format and chunk names, not English prose.
ZH_ALLOWED_WORDS = {
    "PNG",
    "IHDR",
    "IDAT",
    "IEND",
    "PLTE",
    "tRNS",
    "CRC",
    "RGB",
    "RGBA",
    "FTP",
    "Alpha",
    "APNG",
    "JPEG",
    "GIF",
    "ABCD",
}  # fmt: skip  ABCD: a test chunk


def assert_zh_is_chinese(message_zh: str) -> None:
    words = set(re.findall(r"[A-Za-z]{2,}", message_zh))
    assert words <= ZH_ALLOWED_WORDS, f"English in the zh-TW message: {message_zh}"


# --- a reference PNG codec (tests only) -----------------------------------------------------


@dataclass(frozen=True)
class Raster:
    """Samples exactly as a PNG stores them: rows of per-pixel tuples at the file's depth."""

    colour_type: int
    bit_depth: int
    pixels: tuple[tuple[tuple[int, ...], ...], ...]
    palette: bytes = b""
    trns: bytes | None = None

    @property
    def size(self) -> tuple[int, int]:
        return len(self.pixels[0]), len(self.pixels)


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def chunks_of(data: bytes) -> list[tuple[str, bytes]]:
    out, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack_from(">I", data, pos)
        out.append((data[pos + 4 : pos + 8].decode(), data[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return out


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def _pass_geometry(
    width: int, height: int, interlaced: bool
) -> list[tuple[int, int, int, int, int, int]]:
    out: list[tuple[int, int, int, int, int, int]] = []
    for x0, y0, dx, dy in ADAM7 if interlaced else ((0, 0, 1, 1),):
        w, h = (width - x0 + dx - 1) // dx, (height - y0 + dy - 1) // dy
        if w > 0 and h > 0:
            out.append((x0, y0, dx, dy, w, h))
    return out


def read_png(data: bytes) -> Raster:
    """Decode any valid PNG into its raw samples (slow, simple, independent)."""
    parts = dict.fromkeys(("IHDR", "PLTE", "tRNS"), b"")
    idat = b""
    for kind, body in chunks_of(data):
        if kind == "IDAT":
            idat += body
        elif kind in parts:
            parts[kind] = body
    width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", parts["IHDR"])
    raw = zlib.decompress(idat)
    bits = depth * CHANNELS[ctype]
    bpp = max(1, bits // 8)
    grid: list[list[tuple[int, ...]]] = [[()] * width for _ in range(height)]
    pos = 0
    for x0, y0, dx, dy, w, h in _pass_geometry(width, height, interlace == 1):
        row_len = (w * bits + 7) // 8
        prior = bytearray(row_len)
        for j in range(h):
            ftype, line = raw[pos], bytearray(raw[pos + 1 : pos + 1 + row_len])
            pos += 1 + row_len
            for i in range(row_len):
                a = line[i - bpp] if i >= bpp else 0
                c = prior[i - bpp] if i >= bpp else 0
                pred = (0, a, prior[i], (a + prior[i]) // 2, _paeth(a, prior[i], c))[ftype]
                line[i] = (line[i] + pred) & 0xFF
            prior = line
            if depth >= 8:
                n = depth // 8
                values = [int.from_bytes(line[k : k + n], "big") for k in range(0, w * bpp, n)]
            else:
                values = [
                    (line[k * depth // 8] >> (8 - depth - (k * depth) % 8)) & ((1 << depth) - 1)
                    for k in range(w * CHANNELS[ctype])
                ]
            ch = CHANNELS[ctype]
            for i in range(w):
                grid[y0 + j * dy][x0 + i * dx] = tuple(values[i * ch : (i + 1) * ch])
    return Raster(ctype, depth, tuple(tuple(r) for r in grid), parts["PLTE"], parts["tRNS"] or None)


def _filter_row(ftype: int, line: bytes, prior: bytes, bpp: int) -> bytes:
    out = bytearray(len(line))
    for i, x in enumerate(line):
        a = line[i - bpp] if i >= bpp else 0
        c = prior[i - bpp] if i >= bpp else 0
        pred = (0, a, prior[i], (a + prior[i]) // 2, _paeth(a, prior[i], c))[ftype]
        out[i] = (x - pred) & 0xFF
    return bytes([ftype]) + bytes(out)


def write_png(r: Raster, *, interlace: bool = False, extra: tuple[bytes, ...] = ()) -> bytes:
    """Encode ``r`` at its own colour type and depth, cycling through all five row filters."""
    width, height = r.size
    bits = r.bit_depth * CHANNELS[r.colour_type]
    bpp = max(1, bits // 8)
    rows = []
    for x0, y0, dx, dy, w, h in _pass_geometry(width, height, interlace):
        prior = bytes((w * bits + 7) // 8)
        for j in range(h):
            samples = [s for i in range(w) for s in r.pixels[y0 + j * dy][x0 + i * dx]]
            if r.bit_depth >= 8:
                line = b"".join(s.to_bytes(r.bit_depth // 8, "big") for s in samples)
            else:
                acc, nbits, packed = 0, 0, bytearray()
                for s in samples:
                    acc, nbits = (acc << r.bit_depth) | s, nbits + r.bit_depth
                    if nbits == 8:
                        packed.append(acc)
                        acc, nbits = 0, 0
                if nbits:
                    packed.append(acc << (8 - nbits))
                line = bytes(packed)
            rows.append(_filter_row((y0 + j) % 5, line, prior, bpp))
            prior = line
    ihdr = struct.pack(">IIBBBBB", width, height, r.bit_depth, r.colour_type, 0, 0, int(interlace))
    body = [b"\x89PNG\r\n\x1a\n", chunk(b"IHDR", ihdr), *extra]
    if r.palette:
        body.append(chunk(b"PLTE", r.palette))
    if r.trns is not None:
        body.append(chunk(b"tRNS", r.trns))
    body += [chunk(b"IDAT", zlib.compress(b"".join(rows))), chunk(b"IEND", b"")]
    return b"".join(body)


def to_rgba(r: Raster) -> list[tuple[int, ...]]:
    """What a viewer shows, as 8-bit RGBA (16-bit samples keep their high byte)."""
    maxv = (1 << r.bit_depth) - 1

    def eight(v: int) -> int:
        return v >> 8 if r.bit_depth == 16 else v * 255 // maxv

    key = struct.unpack(f">{len(r.trns) // 2}H", r.trns) if r.trns and r.colour_type != 3 else None
    out: list[tuple[int, ...]] = []
    for row in r.pixels:
        for px in row:
            if r.colour_type == 3:
                i = px[0]
                rgb = tuple(r.palette[3 * i : 3 * i + 3])
                alpha = r.trns[i] if r.trns and i < len(r.trns) else 255
                out.append((*rgb, alpha))
            elif r.colour_type in (0, 2):
                vals = [eight(v) for v in px] * (3 if r.colour_type == 0 else 1)
                out.append((*vals, 0 if key == px else 255))
            elif r.colour_type == 4:
                g = eight(px[0])
                out.append((g, g, g, eight(px[1])))
            else:
                out.append(tuple(eight(v) for v in px))  # type: ignore[arg-type]
    return out


def tile(r: Raster, width: int = W, height: int = H) -> Raster:
    """Repeat the image to fill width x height: no resampling, so no new colours."""
    w, h = r.size
    rows = tuple(tuple(r.pixels[y % h][x % w] for x in range(width)) for y in range(height))
    return replace(r, pixels=rows)


# --- fixtures and helpers ------------------------------------------------------------------


def source(pngsuite: Path, name: str) -> Raster:
    return read_png((pngsuite / f"{name}.png").read_bytes())


def pillow_png(mode: str = "RGBA", size: tuple[int, int] = (W, H), **save: object) -> bytes:
    im = Image.new(mode, size, (10, 120, 200, 255) if mode == "RGBA" else 0)
    im.putpixel((3, 4), (250, 0, 0, 128) if mode == "RGBA" else 1)
    buf = io.BytesIO()
    im.save(buf, "PNG", **save)
    return buf.getvalue()


def codes(data: bytes, **kw: object) -> list[str]:
    return [e.code for e in check_banner_bytes(data, **kw).errors]  # type: ignore[arg-type]


def ihdr_only(width: int, height: int, idat: bytes = b"") -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", idat or zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


# --- PngSuite ------------------------------------------------------------------------------

CORRUPT = {
    "xs1n0g01": "signature-damaged",
    "xs2n0g01": "signature-damaged",
    "xs4n0g01": "signature-damaged",
    "xs7n0g01": "signature-damaged",
    "xcrn0g04": "signature-damaged",
    "xlfn0g04": "signature-damaged",
    "xhdn0g08": "bad-crc",
    "xc1n0g08": "bad-header",
    "xc9n2c08": "bad-header",
    "xd0n2c08": "bad-header",
    "xd3n2c08": "bad-header",
    "xd9n2c08": "bad-header",
    "xdtn0g01": "no-image-data",
    "xcsn0g01": "bad-crc",
}


def test_every_corrupt_pngsuite_file_is_rejected_with_its_reason(pngsuite: Path) -> None:
    found = sorted(p.stem for p in pngsuite.glob("x*.png"))
    assert found == sorted(CORRUPT), "PngSuite's corrupt files changed; update CORRUPT"
    for name, code in CORRUPT.items():
        report = check_banner_file(pngsuite / f"{name}.png")
        assert [e.code for e in report.errors] == [code], name
        err = report.errors[0]
        assert ":" in err.text.en and "：" in err.text.zh, f"{name}: no action in {err}"
        assert_zh_is_chinese(err.text.zh)
    line_endings = check_banner_file(pngsuite / "xcrn0g04.png").errors[0]
    assert "binary mode" in line_endings.text.en and "二進位" in line_endings.text.zh
    assert "IDAT" in check_banner_file(pngsuite / "xcsn0g01.png").errors[0].text.en
    assert "colour type 1" in check_banner_file(pngsuite / "xc1n0g08.png").errors[0].text.en
    assert "bit depth 99" in check_banner_file(pngsuite / "xd9n2c08.png").errors[0].text.en


def test_valid_pngsuite_images_are_rejected_only_for_their_size(pngsuite: Path) -> None:
    valid = [p for p in sorted(pngsuite.glob("*.png")) if not p.name.startswith("x")]
    assert len(valid) > 140
    for path in valid:
        data = path.read_bytes()
        report = check_banner_bytes(data)
        assert [e.code for e in report.errors] == ["wrong-size"], path.name
        assert f"{report.width}x{report.height}" in report.errors[0].text.en
        assert "222x112" in report.errors[0].text.zh
        # The exact-size inflate check must accept every valid layout (odd sizes, Adam7,
        # IDAT split into 1-byte chunks, every filter type).
        png_pixels.inflate(png_structure.parse(data))


def test_reference_codec_reads_interlaced_files_like_their_plain_twins(pngsuite: Path) -> None:
    for name in ("0g01", "0g02", "0g16", "2c16", "3p04", "4a16", "6a08"):
        assert source(pngsuite, f"basi{name}") == source(pngsuite, f"basn{name}")


# --- every colour type, bit depth, palette, transparency, interlacing ----------------------

SOURCES = [
    "basn0g01", "basn0g02", "basn0g04", "basn0g08", "basn0g16",
    "basn2c08", "basn2c16",
    "basn3p01", "basn3p02", "basn3p04", "basn3p08",
    "basn4a08", "basn4a16", "basn6a08", "basn6a16",
    "tbbn0g04", "tbwn0g16", "tbrn2c08", "tbbn2c16", "tbbn3p08", "tm3n3p02",
]  # fmt: skip


def assert_same_pixels(data: bytes, expected: Raster) -> bytes:
    """Store ``data`` and check the stored file: clean chunks, same RGBA, deterministic."""
    assert check_banner_bytes(data).ok, check_banner_bytes(data).errors
    stored = clean_png(data)
    assert {k for k, _ in chunks_of(stored)} <= CLEAN_CHUNKS
    want = to_rgba(expected)
    assert to_rgba(read_png(stored)) == want
    stored_raster = read_png(stored)
    if not (stored_raster.colour_type == 0 and stored_raster.bit_depth == 16):
        # Pillow shows the stored file right too (it clips 16-bit grey, so that case is skipped).
        with Image.open(io.BytesIO(stored)) as im:
            assert im.convert("RGBA").tobytes() == bytes(v for px in want for v in px)
    assert clean_png(data) == stored, "re-encoding is not deterministic"
    assert clean_png(stored) == stored, "re-encoding a clean file changed it"
    return stored


@pytest.mark.parametrize("interlace", [False, True], ids=["plain", "interlaced"])
@pytest.mark.parametrize("name", SOURCES)
def test_every_kind_of_png_is_stored_with_the_same_pixels(
    pngsuite: Path, name: str, interlace: bool
) -> None:
    raster = tile(source(pngsuite, name))
    data = write_png(raster, interlace=interlace)
    report = check_banner_bytes(data)
    assert report.ok, report.errors
    assert report.description.endswith(", interlaced") is interlace
    assert f"{raster.bit_depth}-bit" in report.description
    assert_same_pixels(data, raster)


@pytest.mark.parametrize("depth", [1, 2, 4])
def test_low_bit_grey_with_transparent_key_keeps_its_transparency(depth: int) -> None:
    top = (1 << depth) - 1
    rows = tuple(tuple(((x + y) % (top + 1),) for x in range(W)) for y in range(H))
    raster = Raster(0, depth, rows, trns=struct.pack(">H", top))
    stored = assert_same_pixels(write_png(raster), raster)
    alphas = {px[3] for px in to_rgba(read_png(stored))}
    assert alphas == {0, 255}


def test_16_bit_colour_key_matches_all_16_bits_not_just_the_high_byte() -> None:
    key = (0xFFFF, 0x8000, 0x0000)
    near = (0xFF00, 0x80FF, 0x0001)  # same high bytes as the key, different colour
    rows = tuple(tuple(key if (x + y) % 3 == 0 else near for x in range(W)) for y in range(H))
    raster = Raster(2, 16, rows, trns=struct.pack(">3H", *key))
    for interlace in (False, True):
        stored = assert_same_pixels(write_png(raster, interlace=interlace), raster)
        transparent = sum(1 for px in to_rgba(read_png(stored)) if px[3] == 0)
        assert transparent == sum(1 for row in rows for px in row if px == key)


def test_palette_with_fewer_alpha_entries_than_colours_and_short_palette() -> None:
    palette = bytes([255, 0, 0, 0, 255, 0, 0, 0, 255])
    rows = tuple(tuple(((x // 7 + y) % 3,) for x in range(W)) for y in range(H))
    raster = Raster(3, 2, rows, palette=palette, trns=bytes([0]))
    assert_same_pixels(write_png(raster, interlace=True), raster)


# --- metadata, animation ---------------------------------------------------------------------


def test_text_exif_and_icc_chunks_are_removed_from_the_stored_file() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "secret-author")
    info.add_text("Comment", "zipped-secret", zip=True)
    info.add_itxt("Title", "國際-secret", lang="zh-TW")
    exif = Image.Exif()
    exif[0x010E] = "exif-secret"
    data = pillow_png(pnginfo=info, exif=exif, icc_profile=b"icc-secret" * 20, dpi=(300, 300))
    report = check_banner_bytes(data)
    assert report.ok
    assert {"tEXt", "zTXt", "iTXt", "eXIf", "iCCP", "pHYs"} <= set(report.removed)
    stored = clean_png(data)
    assert [k for k, _ in chunks_of(stored)] == ["IHDR", "IDAT", "IEND"]
    assert b"secret" in data and b"secret" not in stored
    with Image.open(io.BytesIO(stored)) as im, Image.open(io.BytesIO(data)) as orig:
        assert im.info == {}
        assert im.tobytes() == orig.tobytes()


def test_animated_png_with_two_frames_is_rejected() -> None:
    first = Image.new("RGB", (W, H), (255, 0, 0))
    second = Image.new("RGB", (W, H), (0, 0, 255))
    buf = io.BytesIO()
    first.save(buf, "PNG", save_all=True, append_images=[second], duration=500)
    report = check_banner_bytes(buf.getvalue())
    assert [e.code for e in report.errors] == ["animated"]
    assert "use a single frame" in report.errors[0].text.en
    assert "單一畫格" in report.errors[0].text.zh
    with pytest.raises(BannerRejected) as caught:
        clean_png(buf.getvalue())
    assert caught.value.errors[0].code == "animated"


def test_single_frame_apng_is_accepted_and_stored_without_animation_chunks(
    pngsuite: Path,
) -> None:
    raster = tile(source(pngsuite, "basn2c08"))
    actl = chunk(b"acTL", struct.pack(">II", 1, 0))
    fctl = chunk(b"fcTL", struct.pack(">IIIIIHHBB", 0, W, H, 0, 0, 1, 10, 0, 0))
    stored = assert_same_pixels(write_png(raster, extra=(actl, fctl)), raster)
    assert b"acTL" not in stored and b"fcTL" not in stored
    assert {"acTL", "fcTL"} <= set(
        check_banner_bytes(write_png(raster, extra=(actl, fctl))).removed
    )


# --- hostile or broken files ---------------------------------------------------------------


def test_huge_dimensions_are_refused_from_the_header_without_decoding() -> None:
    data = ihdr_only(100_000, 100_000)
    report = check_banner_bytes(data)
    assert [e.code for e in report.errors] == ["wrong-size"]
    assert "100000x100000" in report.errors[0].text.en
    assert (report.width, report.height) == (100_000, 100_000)


def test_huge_dimensions_are_refused_within_a_small_memory_limit(tmp_path: Path) -> None:
    """Decoding 100000x100000 would need 10 GB; the check must run within 1 GB of address space."""
    path = tmp_path / "claims-huge.png"
    path.write_bytes(ihdr_only(100_000, 100_000, zlib.compress(b"\0" * 100_001 * 50)))
    script = textwrap.dedent(
        f"""
        import resource, sys
        from pathlib import Path
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        from alliance_portal.registry.banner_rules import check_banner_file
        print([e.code for e in check_banner_file(Path({str(path)!r})).errors])
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['wrong-size']"


def test_image_data_longer_than_the_image_is_refused() -> None:
    rows = b"".join(b"\0" + b"\x80" * W for _ in range(H))
    bomb = rows + b"\0" * 5_000_000  # inflates far beyond a 222x112 grey image
    ihdr = struct.pack(">IIBBBBB", W, H, 8, 0, 0, 0, 0)
    data = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(bomb, 9))
        + chunk(b"IEND", b"")
    )
    report = check_banner_bytes(data)
    assert [e.code for e in report.errors] == ["corrupt"]
    assert "more than a 222x112 image needs" in report.errors[0].text.en


@pytest.mark.parametrize(
    ("payload", "phrase"),
    [
        (zlib.compress(b"".join(b"\0" + b"\x80" * W for _ in range(H - 1))), "stops early"),
        (zlib.compress(b"".join(b"\x05" + b"\x80" * W for _ in range(H))), "filter type 5"),
        (b"\x78\x9c" + b"not deflate at all" * 10, "damaged"),
    ],
    ids=["short", "bad-filter", "not-zlib"],
)
def test_broken_image_data_is_refused(payload: bytes, phrase: str) -> None:
    ihdr = struct.pack(">IIBBBBB", W, H, 8, 0, 0, 0, 0)
    data = (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", payload) + chunk(b"IEND", b"")
    )
    report = check_banner_bytes(data)
    assert [e.code for e in report.errors] == ["corrupt"]
    assert phrase in report.errors[0].text.en
    assert_zh_is_chinese(report.errors[0].text.zh)


@pytest.mark.parametrize("keep", [0.5, -12, 5, 20])
def test_truncated_file_is_refused(keep: float) -> None:
    data = pillow_png()
    cut = data[: int(len(data) * keep)] if isinstance(keep, float) else data[:keep]
    report = check_banner_bytes(cut)
    assert [e.code for e in report.errors] == ["truncated"]
    assert "cut off" in report.errors[0].text.en and "不完整" in report.errors[0].text.zh
    assert_zh_is_chinese(report.errors[0].text.zh)


def test_bad_crc_is_refused_and_names_the_chunk() -> None:
    data = bytearray(pillow_png())
    idat = data.index(b"IDAT")
    data[idat + 10] ^= 0xFF
    report = check_banner_bytes(bytes(data))
    assert [e.code for e in report.errors] == ["bad-crc"]
    assert "IDAT" in report.errors[0].text.en
    assert "CRC" in report.errors[0].text.zh


@pytest.mark.parametrize("fmt", ["JPEG", "GIF"])
def test_other_formats_renamed_png_are_named(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "banner.png"
    Image.new("RGB", (W, H), (1, 2, 3)).save(path, fmt)
    report = check_banner_file(path)
    assert [e.code for e in report.errors] == ["not-png"]
    assert f"this is a {fmt} file named .png: export it as PNG" in report.errors[0].text.en
    assert fmt in report.errors[0].text.zh


def test_oversize_file_is_refused_with_its_real_size(tmp_path: Path) -> None:
    data = pillow_png()
    big = data + b"\0" * (1024 * 1024 + 1 - len(data))
    path = tmp_path / "big.png"
    path.write_bytes(big)
    report = check_banner_file(path)
    assert [e.code for e in report.errors] == ["too-large"]
    assert "1,048,577 bytes" in report.errors[0].text.en
    assert codes(data, max_bytes=len(data) - 1) == ["too-large"]
    assert codes(data, max_bytes=len(data)) == []


def test_empty_file_is_refused() -> None:
    assert codes(b"") == ["empty"]


@pytest.mark.parametrize(
    ("size", "phrase"),
    [
        ((444, 224), "444x224 is exactly 2 times the required size: scale it to 50%"),
        ((666, 336), "scale it to 33%"),
        ((112, 222), "is rotated"),
        ((220, 112), "it must be exactly 222x112"),
    ],
)
def test_wrong_sizes_get_actionable_hints(size: tuple[int, int], phrase: str) -> None:
    report = check_banner_bytes(pillow_png("L", size))
    assert [e.code for e in report.errors] == ["wrong-size"]
    assert phrase in report.errors[0].text.en


def test_palette_index_outside_the_palette_is_refused() -> None:
    rows = tuple(tuple(((200 if x == 5 else 1),) for x in range(W)) for y in range(H))
    raster = Raster(3, 8, rows, palette=bytes([0, 0, 0, 255, 255, 255]))
    report = check_banner_bytes(write_png(raster))
    assert [e.code for e in report.errors] == ["bad-palette"]
    assert "colour 200" in report.errors[0].text.en


@pytest.mark.parametrize(
    ("extra", "phrase"),
    [
        (chunk(b"ABCD", b"x"), "unknown critical chunk ABCD"),
        (chunk(b"PLTE", bytes(6)), "greyscale image carries a palette"),
        (chunk(b"tRNS", b"\0"), "tRNS chunk is 1 bytes long instead of 2"),
    ],
    ids=["unknown-critical", "palette-in-grey", "short-trns"],
)
def test_structural_errors_are_named(extra: bytes, phrase: str) -> None:
    rows = tuple(tuple((x % 256,) for x in range(W)) for _ in range(H))
    report = check_banner_bytes(write_png(Raster(0, 8, rows), extra=(extra,)))
    assert [e.code for e in report.errors] == ["bad-structure"]
    assert phrase in report.errors[0].text.en
    assert_zh_is_chinese(report.errors[0].text.zh)


# --- storing ------------------------------------------------------------------------------


def _profile(content: Path, slug: str) -> None:
    (content / "alliances").mkdir(parents=True, exist_ok=True)
    (content / "alliances" / f"{slug}.toml").write_text(
        'name = "聯盟"\nuniversity = "大學"\nindustry = "ict"\nwebsite = "https://a.example/"\n',
        encoding="utf-8",
    )


def test_store_banner_writes_a_clean_banner_the_registry_accepts(
    tmp_path: Path, pngsuite: Path
) -> None:
    banners, content = tmp_path / "banners", tmp_path / "content"
    _profile(content, "smart-motor")
    raster = tile(source(pngsuite, "basi3p08"))
    target = store_banner(write_png(raster, interlace=True), banners, "smart-motor")
    assert target == banners / "smart-motor.png"
    assert check_banner_file(target).ok
    assert to_rgba(read_png(target.read_bytes())) == to_rgba(raster)
    result = load_registry(content, banners)
    assert result.errors == []
    assert result.by_slug()["smart-motor"].banner == target
    assert sorted(p.name for p in banners.iterdir()) == ["smart-motor.png"], "temp file left"


def test_store_banner_refuses_bad_input_and_keeps_the_current_banner(tmp_path: Path) -> None:
    banners = tmp_path / "banners"
    good = store_banner(pillow_png(), banners, "a-b")
    before = good.read_bytes()
    with pytest.raises(BannerRejected) as caught:
        store_banner(pillow_png(size=(444, 224)), banners, "a-b")
    assert caught.value.errors[0].code == "wrong-size"
    assert good.read_bytes() == before
    for slug in ("../evil", "Upper", "a/b", ""):
        with pytest.raises(ValueError, match="not a valid alliance slug"):
            store_banner(pillow_png(), banners, slug)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a-b.png", "banners"]


# --- what a browser shows ------------------------------------------------------------------

_CANVAS_JS = """
async (urls) => {
  const out = [];
  for (const url of urls) {
    const img = new Image();
    img.src = url;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.naturalWidth; c.height = img.naturalHeight;
    const ctx = c.getContext('2d', {colorSpace: 'srgb'});
    ctx.drawImage(img, 0, 0);
    out.push(Array.from(ctx.getImageData(0, 0, c.width, c.height).data));
  }
  return out;
}
"""


@pytest.mark.browser
def test_chromium_shows_the_stored_banner_like_the_upload(page, pngsuite: Path) -> None:  # type: ignore[no-untyped-def]
    """Chromium is what visitors use: the stored copy must look the same there."""
    cases = [
        write_png(tile(source(pngsuite, "tbbn0g04")), interlace=True),
        write_png(tile(source(pngsuite, "tm3n3p02"))),
        write_png(tile(source(pngsuite, "basn4a08"))),
        write_png(tile(source(pngsuite, "tbrn2c08")), interlace=True),
        write_png(
            Raster(
                0, 2, tuple(tuple(((x + y) % 4,) for x in range(W)) for y in range(H)), trns=b"\0\3"
            )
        ),
    ]
    page.set_content("<!doctype html><title>banners</title>")
    urls = []
    for data in cases:
        for blob in (data, clean_png(data)):
            urls.append("data:image/png;base64," + base64.b64encode(blob).decode())
    shown = page.evaluate(_CANVAS_JS, urls)
    for i in range(0, len(shown), 2):
        assert shown[i] == shown[i + 1], f"case {i // 2} looks different in Chromium"
        assert len(shown[i]) == W * H * 4


def test_a_file_pillow_cannot_decode_is_explained_without_the_librarys_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pillow's own exception text ("broken data stream ...") means nothing to the PI who
    uploads; the message says what is wrong and what to do, in both languages."""
    from alliance_portal.registry import banner_rules

    def undecodable(_structure: object) -> None:
        raise OSError("broken data stream when reading image file")

    ihdr = struct.pack(">IIBBBBB", W, H, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"".join(b"\0" + b"\x80" * W for _ in range(H)))
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    assert check_banner_bytes(data).ok  # a valid banner, until Pillow fails on it
    monkeypatch.setattr(banner_rules, "_decode", undecodable)
    report = check_banner_bytes(data)
    assert [e.code for e in report.errors] == ["corrupt"]
    text = report.errors[0].text
    assert "broken data stream" not in text.en + text.zh
    assert "export it again as PNG" in text.en and "重新匯出" in text.zh
    assert_zh_is_chinese(text.zh)
