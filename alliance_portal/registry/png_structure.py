"""Read a PNG file's structure straight from its bytes, before any image library decodes it.

Why a hand-written reader when Pillow reads PNG: an upload is untrusted, and the banner rules
must refuse damaged, animated or absurdly large files *before* a decoder allocates pixels.
This module walks the chunks, verifies every CRC (Pillow skips the IDAT CRCs), validates the
header, and checks that the compressed image data inflates to exactly the size the header
promises (bounded, so a zlib bomb costs at most one image's worth of memory). It never builds an
image; decompressing and unfiltering the pixels is :mod:`.png_pixels`.

Why this module is long: :func:`parse` is one state machine over the chunk order (IHDR
first, PLTE before tRNS and IDAT, IDAT contiguous, animation chunks counted, IEND last) and
reads best whole; every refusal carries its message in zh-TW and English, which roughly
doubles the line count. The pixel side is already split off into :mod:`.png_pixels`.

Exceptions::

    PngFault            a structural problem; ``code`` is stable, messages are bilingual
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.errors import UsageError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

#: Allowed bit depths for each colour type (PNG spec, table 11.1).
BIT_DEPTHS: dict[int, tuple[int, ...]] = {
    0: (1, 2, 4, 8, 16),
    2: (8, 16),
    3: (1, 2, 4, 8),
    4: (8, 16),
    6: (8, 16),
}
#: Samples per pixel for each colour type.
CHANNELS: dict[int, int] = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
COLOUR_TYPE_NAMES: dict[int, str] = {
    0: "greyscale",
    2: "RGB",
    3: "palette",
    4: "greyscale+alpha",
    6: "RGBA",
}
COLOUR_TYPE_NAMES_ZH: dict[int, str] = {
    0: "灰階",
    2: "RGB 彩色",
    3: "調色盤",
    4: "灰階含透明",
    6: "RGBA 彩色含透明",
}
#: The four critical chunks; any other chunk whose first letter is upper case is critical and
#: unknown, and a decoder must refuse the file.
CRITICAL_CHUNKS = frozenset({b"IHDR", b"PLTE", b"IDAT", b"IEND"})
#: Largest chunk length the spec allows (2^31 - 1).
MAX_CHUNK_LENGTH = 0x7FFFFFFF
#: Adam7 passes as (x start, y start, x step, y step).
ADAM7: tuple[tuple[int, int, int, int], ...] = (
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
)

_EXPORT_AGAIN = Bilingual("請重新匯出橫幅", "export the banner again")


class PngFault(UsageError, ValueError):
    """The bytes are not a well-formed PNG. ``code`` is stable for programs; the messages
    say what is wrong and what to do, in English and zh-TW."""

    def __init__(self, code: str, text: Bilingual) -> None:
        super().__init__(text.en)
        self.code = code
        self.text = text


@dataclass(frozen=True, slots=True)
class Header:
    """The IHDR fields that matter for decoding."""

    width: int
    height: int
    bit_depth: int
    colour_type: int
    interlaced: bool

    @property
    def bits_per_pixel(self) -> int:
        return self.bit_depth * CHANNELS[self.colour_type]

    @property
    def description(self) -> str:
        """E.g. "palette 4-bit, interlaced", for reports."""
        text = f"{COLOUR_TYPE_NAMES[self.colour_type]} {self.bit_depth}-bit"
        return text + (", interlaced" if self.interlaced else "")

    def passes(self) -> list[tuple[int, int]]:
        """(width, height) of each non-empty sub-image, in the order the data stores them."""
        if not self.interlaced:
            return [(self.width, self.height)]
        result = []
        for x0, y0, dx, dy in ADAM7:
            w = (self.width - x0 + dx - 1) // dx
            h = (self.height - y0 + dy - 1) // dy
            if w > 0 and h > 0:
                result.append((w, h))
        return result

    def row_bytes(self, width: int) -> int:
        """Bytes of one filtered row of ``width`` pixels, without its filter byte."""
        return (width * self.bits_per_pixel + 7) // 8

    def raw_size(self) -> int:
        """Exact size of the inflated image data (every row plus its filter byte)."""
        return sum(h * (1 + self.row_bytes(w)) for w, h in self.passes())


@dataclass(slots=True)
class PngStructure:
    """What the chunk walk found. ``ancillary`` lists the other chunk types, in file order."""

    header: Header
    palette: bytes = b""
    transparency: bytes | None = None
    idat: bytes = b""
    frames: int = 1
    ancillary: list[str] = field(default_factory=list)
    trailing_bytes: int = 0

    @property
    def palette_entries(self) -> int:
        return len(self.palette) // 3

    def minimal_png(self) -> bytes:
        """The same image with only IHDR, PLTE, tRNS, one IDAT and IEND.

        Handing this to the decoder means no text, EXIF, ICC or animation chunk reaches it.
        """
        h = self.header
        ihdr = struct.pack(
            ">IIBBBBB", h.width, h.height, h.bit_depth, h.colour_type, 0, 0, int(h.interlaced)
        )
        parts = [PNG_SIGNATURE, make_chunk(b"IHDR", ihdr)]
        if self.palette:
            parts.append(make_chunk(b"PLTE", self.palette))
        if self.transparency is not None:
            parts.append(make_chunk(b"tRNS", self.transparency))
        parts.append(make_chunk(b"IDAT", self.idat))
        parts.append(make_chunk(b"IEND", b""))
        return b"".join(parts)


def make_chunk(kind: bytes, data: bytes) -> bytes:
    """One chunk: length, type, data and CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def fault(code: str, text: Bilingual, *, again: bool = True) -> PngFault:
    """A :class:`PngFault` whose messages end with "export the banner again" (unless not)."""
    if again:
        text = Bilingual(f"{text.zh}：{_EXPORT_AGAIN.zh}", f"{text.en}: {_EXPORT_AGAIN.en}")
    return PngFault(code, text)


def check_signature(data: bytes) -> None:
    """Raise a fault explaining how the first 8 bytes differ from a PNG signature.

    A signature with converted line endings or a cleared high bit is the classic sign of a
    text-mode FTP or e-mail transfer; saying so tells the sender what to change.
    """
    head = data[:8]
    if head == PNG_SIGNATURE:
        return
    if len(data) < 8 and PNG_SIGNATURE.startswith(data):
        raise fault(
            "truncated",
            Bilingual(
                f"檔案不完整：只有 {len(data)} 位元組",
                f"the file is cut off after {len(data)} bytes",
            ),
            again=False,
        )
    if head[:4] == PNG_SIGNATURE[:4] and set(head[4:]) - {0x0D, 0x0A} == {0x1A}:
        raise PngFault(
            "signature-damaged",
            Bilingual(
                "PNG 檔頭已損壞：換行位元組被轉換了（FTP 文字模式或郵件傳送常造成此問題）："
                "請以二進位模式重新傳送原始檔案",
                "the PNG signature is damaged: its line-break bytes were converted, as a text-mode "
                "(ASCII) FTP or e-mail transfer does: send the original file again in binary mode",
            ),
        )
    if head[:1] == b"\x09" and head[1:] == PNG_SIGNATURE[1:]:
        raise PngFault(
            "signature-damaged",
            Bilingual(
                "PNG 檔頭已損壞：每個位元組的最高位元遺失（7 位元傳輸）：請以二進位模式重新傳送原始檔案",
                "the PNG signature is damaged: the file lost the high bit of each byte "
                "(a 7-bit transfer): send the original file again in binary mode",
            ),
        )
    matching = sum(a == b for a, b in zip(head, PNG_SIGNATURE, strict=False))
    if matching >= 5 or data[12:16] == b"IHDR":
        raise fault(
            "signature-damaged",
            Bilingual(
                "PNG 檔頭（前 8 個位元組）已損壞", "the PNG signature (first 8 bytes) is damaged"
            ),
        )
    raise PngFault(
        "not-png",
        Bilingual(
            "這不是 PNG 檔（缺少 PNG 檔頭）：請將橫幅另存為 PNG",
            "this is not a PNG file (no PNG signature): export the banner as PNG",
        ),
    )


def _parse_header(data: bytes) -> Header:
    if len(data) != 13:
        raise fault(
            "bad-header",
            Bilingual(
                f"PNG 標頭（IHDR）長度為 {len(data)} 位元組，應為 13",
                f"the PNG header (IHDR) is {len(data)} bytes long instead of 13",
            ),
        )
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(
        ">IIBBBBB", data
    )
    if not (0 < width <= MAX_CHUNK_LENGTH and 0 < height <= MAX_CHUNK_LENGTH):
        raise fault(
            "bad-header",
            Bilingual(
                f"PNG 標頭記載的尺寸 {width}x{height} 不合法",
                f"the PNG header gives an impossible size {width}x{height}",
            ),
        )
    if colour not in BIT_DEPTHS:
        raise fault(
            "bad-header",
            Bilingual(
                f"PNG 標頭的色彩類型 {colour} 不存在（合法值：0、2、3、4、6）",
                f"the PNG header gives colour type {colour}, which does not exist "
                "(valid: 0, 2, 3, 4, 6)",
            ),
        )
    if depth not in BIT_DEPTHS[colour]:
        allowed = ", ".join(str(d) for d in BIT_DEPTHS[colour])
        raise fault(
            "bad-header",
            Bilingual(
                f"PNG 標頭的位元深度 {depth} 不適用於{COLOUR_TYPE_NAMES_ZH[colour]}影像（合法值：{allowed}）",
                f"the PNG header gives bit depth {depth}, which {COLOUR_TYPE_NAMES[colour]} images "
                f"cannot have (valid: {allowed})",
            ),
        )
    if compression != 0 or filtering != 0 or interlace not in (0, 1):
        raise fault(
            "bad-header",
            Bilingual(
                f"PNG 標頭使用未知的方法（壓縮 {compression}、濾波 {filtering}、交錯 {interlace}）",
                f"the PNG header uses an unknown method (compression {compression}, "
                f"filter {filtering}, interlace {interlace})",
            ),
        )
    return Header(width, height, depth, colour, interlace == 1)


def read_header(head: bytes) -> Header | None:
    """The IHDR of a PNG from its first 33 bytes (signature and IHDR chunk), or None when they
    are not a PNG's. For readers that only need the size and keep the rest of the file unread
    (the monthly report's screenshots)."""
    if len(head) < 33 or not head.startswith(PNG_SIGNATURE) or head[12:16] != b"IHDR":
        return None
    try:
        return _parse_header(head[16:29])
    except PngFault:
        return None


def _truncated(offset: int, chunk: str | None = None, start: int = 0) -> PngFault:
    """The file ends at ``offset``: inside ``chunk`` (starting at ``start``) or before IEND."""
    if chunk is None:
        where_en, where_zh = "before the end-of-image chunk IEND", "缺少結尾區塊 IEND"
    else:
        where_en = f"inside the {chunk} chunk that starts at byte {start:,}"
        where_zh = f"位於第 {start:,} 位元組開始的 {chunk} 區塊中"
    return PngFault(
        "truncated",
        Bilingual(
            f"檔案不完整：在第 {offset:,} 位元組處中斷（{where_zh}），可能是上傳或下載未完成："
            "請傳送完整的檔案",
            f"the file is cut off at byte {offset:,} ({where_en}); the upload or download was "
            "probably incomplete: send the complete file",
        ),
    )


def _check_transparency(header: Header, trns: bytes, palette_entries: int) -> bytes:
    """The tRNS chunk as readers use it, or a :class:`PngFault`.

    A grey or RGB colour key wider than the bit depth is masked to it, as libpng does (and so
    browsers and pngcheck): Pillow writes ``transparency=255`` for a 1-bit image as 0x00FF,
    which every reader takes as "white is transparent".
    """
    expected = {0: 2, 2: 6}.get(header.colour_type)
    if header.colour_type in (4, 6):
        raise fault(
            "bad-structure",
            Bilingual(
                "影像已有 Alpha 通道又含 tRNS 透明區塊，PNG 規格不允許",
                "the image has an alpha channel and a tRNS transparency chunk, which PNG forbids",
            ),
        )
    if header.colour_type == 3:
        if len(trns) > palette_entries:
            raise fault(
                "bad-structure",
                Bilingual(
                    f"tRNS 區塊有 {len(trns)} 筆，但調色盤只有 {palette_entries} 色",
                    f"the tRNS chunk has {len(trns)} entries but the palette only {palette_entries}",
                ),
            )
        return trns
    if len(trns) != expected:
        raise fault(
            "bad-structure",
            Bilingual(
                f"tRNS 區塊長度為 {len(trns)} 位元組，應為 {expected}",
                f"the tRNS chunk is {len(trns)} bytes long instead of {expected}",
            ),
        )
    mask = (1 << header.bit_depth) - 1
    values = struct.unpack(f">{expected // 2}H", trns)
    return struct.pack(f">{expected // 2}H", *(v & mask for v in values))


def parse(data: bytes) -> PngStructure:
    """Walk every chunk of ``data``: signature, CRCs, order, header, palette, transparency.

    Cost is one pass over the bytes; nothing is decompressed. Raises :class:`PngFault`.
    """
    check_signature(data)
    view = memoryview(data)
    pos = 8
    header: Header | None = None
    result: PngStructure | None = None
    idat_parts: list[bytes] = []
    idat_state = "before"  # before -> inside -> after
    fctl = 0
    fdat = 0
    actl_frames = 0
    seen_plte = False
    seen_trns = False
    while True:
        if pos + 8 > len(data):
            raise _truncated(len(data))
        length = struct.unpack_from(">I", data, pos)[0]
        kind = bytes(view[pos + 4 : pos + 8])
        name = kind.decode("latin-1")
        if not kind.isalpha() or not kind.isascii():
            raise fault(
                "bad-structure",
                Bilingual(
                    f"第 {pos:,} 位元組應為區塊開頭，但沒有合法的區塊名稱（{kind!r}）",
                    f"byte {pos:,} should start a chunk but holds no valid chunk name ({kind!r})",
                ),
            )
        if length > MAX_CHUNK_LENGTH:
            raise fault(
                "bad-structure",
                Bilingual(
                    f"位於第 {pos:,} 位元組的 {name} 區塊長度 {length:,} 不合法",
                    f"chunk {name} at byte {pos:,} claims an impossible length {length:,}",
                ),
            )
        end = pos + 12 + length
        if end > len(data):
            raise _truncated(len(data), name, pos)
        body = bytes(view[pos + 8 : pos + 8 + length])
        crc = struct.unpack_from(">I", data, pos + 8 + length)[0]
        if zlib.crc32(kind + body) != crc:
            raise fault(
                "bad-crc",
                Bilingual(
                    f"檔案已損壞：位於第 {pos:,} 位元組的 {name} 區塊校驗碼（CRC）錯誤",
                    f"the file is damaged: the checksum (CRC) of the {name} chunk at byte {pos:,} "
                    "is wrong",
                ),
            )
        if header is None and kind != b"IHDR":
            raise fault(
                "bad-structure",
                Bilingual(
                    f"第一個區塊是 {name}，但 PNG 必須以標頭（IHDR）開始",
                    f"the first chunk is {name}, but a PNG must start with its header (IHDR)",
                ),
            )
        if kind == b"IHDR":
            if header is not None:
                raise fault(
                    "bad-structure",
                    Bilingual("檔案有兩個標頭（IHDR）", "the file has two headers (IHDR)"),
                )
            header = _parse_header(body)
            result = PngStructure(header)
        elif idat_state == "inside" and kind != b"IDAT":
            idat_state = "after"
        assert header is not None and result is not None
        if kind == b"IHDR":
            pass
        elif kind == b"IDAT":
            if idat_state == "after":
                raise fault(
                    "bad-structure",
                    Bilingual(
                        f"影像資料被其他區塊隔開（第 {pos:,} 位元組又出現 IDAT）",
                        f"the image data is split by another chunk (IDAT again at byte {pos:,})",
                    ),
                )
            if header.colour_type == 3 and not seen_plte:
                raise fault(
                    "bad-structure",
                    Bilingual(
                        "調色盤影像在影像資料前缺少調色盤（PLTE）",
                        "the palette image has no palette (PLTE) before its image data",
                    ),
                )
            idat_state = "inside"
            idat_parts.append(body)
        elif kind == b"PLTE":
            if seen_plte or idat_state != "before" or seen_trns:
                raise fault(
                    "bad-structure",
                    Bilingual(
                        "調色盤（PLTE）重複或位置錯誤",
                        "the palette (PLTE) is repeated or in the wrong place",
                    ),
                )
            if header.colour_type in (0, 4):
                raise fault(
                    "bad-structure",
                    Bilingual(
                        "灰階影像含有調色盤（PLTE），PNG 規格不允許",
                        "a greyscale image carries a palette (PLTE), which PNG forbids",
                    ),
                )
            entries, rest = divmod(length, 3)
            limit = 1 << header.bit_depth if header.colour_type == 3 else 256
            if rest or not 0 < entries <= min(limit, 256):
                raise fault(
                    "bad-structure",
                    Bilingual(
                        f"調色盤（PLTE）長度 {length} 位元組，不是 1 到 {min(limit, 256)} 色、每色 3 位元組",
                        f"the palette (PLTE) is {length} bytes long, which is not 3 bytes for each "
                        f"of 1 to {min(limit, 256)} colours",
                    ),
                )
            seen_plte = True
            if header.colour_type == 3:
                result.palette = body
        elif kind == b"tRNS":
            if seen_trns or idat_state != "before":
                raise fault(
                    "bad-structure",
                    Bilingual(
                        "透明區塊（tRNS）重複或位於影像資料之後",
                        "the transparency chunk (tRNS) is repeated or after the image data",
                    ),
                )
            if header.colour_type == 3 and not seen_plte:
                raise fault(
                    "bad-structure",
                    Bilingual(
                        "透明區塊（tRNS）位於調色盤（PLTE）之前",
                        "the transparency chunk (tRNS) comes before the palette (PLTE)",
                    ),
                )
            seen_trns = True
            result.transparency = _check_transparency(header, body, len(result.palette) // 3)
        elif kind == b"IEND":
            result.trailing_bytes = len(data) - end
            break
        elif kind == b"acTL":
            if length == 8:
                actl_frames = struct.unpack(">I", body[:4])[0]
            result.ancillary.append(name)
        elif kind in (b"fcTL", b"fdAT"):
            fctl += kind == b"fcTL"
            fdat += kind == b"fdAT"
            result.ancillary.append(name)
        elif kind[0:1].isupper() and kind not in CRITICAL_CHUNKS:
            raise fault(
                "bad-structure",
                Bilingual(
                    f"檔案含有無法處理的未知關鍵區塊 {name}",
                    f"the file has an unknown critical chunk {name} that no viewer can handle",
                ),
            )
        else:
            result.ancillary.append(name)
        pos = end
    assert header is not None and result is not None
    if not idat_parts:
        raise fault(
            "no-image-data",
            Bilingual("檔案沒有影像資料（IDAT 區塊）", "the file has no image data (IDAT chunk)"),
        )
    result.idat = b"".join(idat_parts)
    result.frames = max(actl_frames, fctl, 1 + fdat if fdat else 1)
    return result
