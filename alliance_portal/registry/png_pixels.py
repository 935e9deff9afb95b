"""The pixels of a parsed PNG: bounded decompression and, for one case, exact samples.

Split from :mod:`.png_structure` (which walks the chunks and never touches pixel data):
:func:`inflate` checks that the compressed data inflates to exactly the size the header
promises, bounded so a zlib bomb costs at most one image's worth of memory, and
:func:`decode_samples` exists only for the one case Pillow cannot decode exactly (16-bit
colour with a tRNS colour key).
"""

from __future__ import annotations

import struct
import zlib

from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.png_structure import ADAM7, CHANNELS, PngStructure, fault


def inflate(png: PngStructure) -> bytes:
    """Decompress the image data, refusing anything but exactly the size the header promises.

    The output is bounded to ``raw_size() + 1`` bytes, so a zlib bomb is stopped after one
    image's worth of data. Every row's filter type is checked too (0-4 are the only ones).
    """
    h = png.header
    expected = h.raw_size()
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(png.idat, expected + 1)
        if len(raw) == expected and not inflater.eof:
            # Nothing more may come out: only the end of the deflate stream and its checksum.
            more = inflater.decompress(inflater.unconsumed_tail, 1)
            if more:
                raw += more
    except zlib.error as exc:
        raise fault(
            "corrupt",
            Bilingual("壓縮的影像資料已損壞", f"the compressed image data is damaged ({exc})"),
        ) from exc
    if len(raw) > expected:
        raise fault(
            "corrupt",
            Bilingual(
                f"影像資料超過 {h.width}x{h.height} 影像所需的量（檔案損壞或遭竄改）",
                f"the image data holds more than a {h.width}x{h.height} image needs "
                "(damaged or crafted file)",
            ),
        )
    if len(raw) < expected or not inflater.eof:
        raise fault(
            "corrupt",
            Bilingual(
                f"影像資料不完整：只有 {expected:,} 位元組中的 {len(raw):,}",
                f"the image data stops early: {len(raw):,} of {expected:,} bytes",
            ),
        )
    pos = 0
    for width, height in h.passes():
        stride = 1 + h.row_bytes(width)
        for _ in range(height):
            if raw[pos] > 4:
                raise fault(
                    "corrupt",
                    Bilingual(
                        f"影像的某一列使用不存在的濾波類型 {raw[pos]}",
                        f"a row of the image uses filter type {raw[pos]}, which does not exist",
                    ),
                )
            pos += stride
    return raw


def _unfilter(raw: bytes, pos: int, width: int, height: int, bpp: int, row_len: int) -> list[bytes]:
    """Undo the per-row PNG filters of one (sub-)image. Pure Python: use only for small images."""
    rows: list[bytes] = []
    prior = bytearray(row_len)
    for _ in range(height):
        ftype = raw[pos]
        line = bytearray(raw[pos + 1 : pos + 1 + row_len])
        pos += 1 + row_len
        if ftype == 1:
            for i in range(bpp, row_len):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif ftype == 2:
            for i in range(row_len):
                line[i] = (line[i] + prior[i]) & 0xFF
        elif ftype == 3:
            for i in range(row_len):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prior[i]) >> 1)) & 0xFF
        elif ftype == 4:
            for i in range(row_len):
                a = line[i - bpp] if i >= bpp else 0
                b = prior[i]
                c = prior[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line))
        prior = line
    return rows


def decode_samples(png: PngStructure) -> list[list[tuple[int, ...]]]:
    """Exact samples of an 8- or 16-bit image as rows of per-pixel tuples.

    Pillow reduces 16-bit colour to 8 bits, which loses what a tRNS colour key matches
    against; this slow, exact path is used only for that case (a banner is 222x112).
    """
    h = png.header
    if h.bit_depth not in (8, 16):
        raise ValueError("decode_samples handles 8- and 16-bit images only")
    raw = inflate(png)
    channels = CHANNELS[h.colour_type]
    size = h.bit_depth // 8
    bpp = channels * size
    fmt = ">" + ("H" if size == 2 else "B") * channels
    pixels: list[list[tuple[int, ...]]] = [[() for _ in range(h.width)] for _ in range(h.height)]
    passes = ADAM7 if h.interlaced else ((0, 0, 1, 1),)
    pos = 0
    for x0, y0, dx, dy in passes:
        width = (h.width - x0 + dx - 1) // dx
        height = (h.height - y0 + dy - 1) // dy
        if width <= 0 or height <= 0:
            continue
        row_len = h.row_bytes(width)
        for j, line in enumerate(_unfilter(raw, pos, width, height, bpp, row_len)):
            y = y0 + j * dy
            for i in range(width):
                pixels[y][x0 + i * dx] = struct.unpack_from(fmt, line, i * bpp)
        pos += height * (1 + row_len)
    return pixels
