"""Decoding fetched bytes and reading the visible text of a page (monitor/rules/page_text.py)."""

from __future__ import annotations

import codecs
import random
import re

import pytest

from monitor.rules import vocabulary
from monitor.rules.page_text import decode_html, normalise, parse_html, read_page, visible_text
from monitor.rules.text_norm import literal_alternation

BIG5_TEXT = "本聯盟由科技部計畫補助。圍棋社「碁」友會、裏面、恒常。"


# --- decode_html ------------------------------------------------------------------------------


def test_big5_without_any_declaration_is_detected_and_keeps_碁() -> None:
    body = f"<html><body><p>{BIG5_TEXT}</p></body></html>".encode("cp950")
    with pytest.raises(UnicodeDecodeError):
        body.decode("big5")  # why we never use Python's big5 codec
    text, encoding = decode_html(body, None)
    assert BIG5_TEXT in text
    assert encoding in ("cp950", "big5hkscs")


@pytest.mark.parametrize("name", ["big5", "BIG5", "big-5", "x-x-big5", "cp950", "Big5-HKSCS"])
def test_every_big5_name_in_the_http_header_reads_碁(name: str) -> None:
    body = f"<p>{BIG5_TEXT}</p>".encode("cp950")
    text, encoding = decode_html(body, f"text/html; charset={name}")
    assert BIG5_TEXT in text
    assert encoding in ("cp950", "big5hkscs")


@pytest.mark.parametrize(
    "meta",
    [
        '<meta charset="big5">',
        '<meta http-equiv="Content-Type" content="text/html; charset=x-x-big5">',
        "<META HTTP-EQUIV='content-type' CONTENT='text/html;charset=BIG-5'>",
    ],
)
def test_meta_declarations_are_read(meta: str) -> None:
    body = f"<html><head>{meta}</head><body>{BIG5_TEXT}</body></html>".encode("cp950")
    text, encoding = decode_html(body, "text/html")
    assert BIG5_TEXT in text
    assert encoding == "cp950"


def test_http_charset_wins_over_meta_when_both_decode() -> None:
    body = '<meta charset="big5"><p>café</p>'.encode()
    text, encoding = decode_html(body, "text/html; charset=utf-8")
    assert "café" in text
    assert encoding == "utf-8"


def test_a_wrong_utf8_header_falls_through_to_the_pages_big5_meta() -> None:
    body = f'<meta charset="big5"><p>{BIG5_TEXT}</p>'.encode("cp950")
    text, encoding = decode_html(body, "text/html; charset=UTF-8")
    assert BIG5_TEXT in text
    assert encoding == "cp950"


def test_a_latin1_server_default_does_not_hide_a_big5_page() -> None:
    """Apache's AddDefaultCharset ISO-8859-1 is a server default, not the page's choice."""
    body = f'<meta charset="big5"><p>{BIG5_TEXT}</p>'.encode("cp950")
    text, _ = decode_html(body, "text/html; charset=ISO-8859-1")
    assert BIG5_TEXT in text


def test_a_page_declared_big5_but_saved_as_utf8_is_read_as_utf8() -> None:
    body = f'<meta charset="big5"><p>{BIG5_TEXT}</p>'.encode()
    text, encoding = decode_html(body, None)
    assert BIG5_TEXT in text
    assert encoding == "utf-8"


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ],
)
def test_a_byte_order_mark_cannot_lie(bom: bytes, codec: str) -> None:
    body = bom + "<p>科技部補助</p>".encode(codec)
    text, _ = decode_html(body, "text/html; charset=iso-8859-1")
    assert "科技部補助" in text
    assert not text.startswith("\ufeff")


def test_gb2312_is_read_with_its_superset() -> None:
    body = '<meta charset="gb2312"><p>科技部补助 镕</p>'.encode("gb18030")
    text, encoding = decode_html(body, None)
    assert "科技部补助 镕" in text
    assert encoding == "gb18030"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"", None),
        (b"\xff\xfe\xfd\x80\x81\x00garbage\xc3", None),
        (b"<p>\x81\x82\x83</p>", "text/html; charset=no-such-charset"),
        (b'<meta charset="x-user-defined"><p>ok \xa4\xa4</p>', "text/html; charset=utf-8"),
        (bytes(range(256)) * 20, "text/html; charset=big5"),
        (b'<?xml version="1.0" encoding="klingon"?><rss/>', "application/rss+xml"),
    ],
)
def test_decoding_never_raises(body: bytes, content_type: str | None) -> None:
    text, encoding = decode_html(body, content_type)
    assert isinstance(text, str)
    assert codecs.lookup(encoding)


def test_xml_declaration_of_a_feed_is_honoured() -> None:
    body = '<?xml version="1.0" encoding="big5"?><rss><channel><title>碁</title></channel></rss>'
    text, encoding = decode_html(body.encode("cp950"), "application/rss+xml")
    assert "<title>碁</title>" in text
    assert encoding == "cp950"


FEED_ITEM = "<item><title>Workshop</title><pubDate>Mon, 02 Nov 2026 18:00:00 GMT</pubDate></item>"


@pytest.mark.parametrize(
    ("codec", "bom"),
    [
        # XML's own detection (XML 1.0 Appendix F): "<?" in UTF-16 or UTF-32, no byte-order
        # mark; an English feed is then also valid UTF-8 (NUL is a character), so the first
        # bytes must decide before any declared or tried charset
        ("utf-16-le", b""),
        ("utf-16-be", b""),
        ("utf-32-le", b""),
        ("utf-32-be", b""),
        # a UTF-32 mark starts with the bytes of the UTF-16 one
        ("utf-32-le", codecs.BOM_UTF32_LE),
        ("utf-32-be", codecs.BOM_UTF32_BE),
    ],
)
def test_a_feed_in_utf16_or_utf32_is_read_by_its_xml_declaration(codec: str, bom: bytes) -> None:
    feed = f'<?xml version="1.0" encoding="{codec[:6]}"?><rss><channel>{FEED_ITEM}</channel></rss>'
    for content_type in (None, "application/rss+xml; charset=utf-8"):
        text, _ = decode_html(bom + feed.encode(codec), content_type)
        assert FEED_ITEM in text
        assert "\x00" not in text and not text.startswith("\ufeff")


# --- normalise --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＭＯＳＴ　ｓｐｏｎｓｏｒｅｄ", "MOST sponsored"),
        ("科技部 計畫\n補助", "科技部計畫補助"),
        ("科技部\u3000計畫\r\n\t補助", "科技部計畫補助"),
        ("科\u200b技\u200c部\u200d計\ufeff畫\u2060補助", "科技部計畫補助"),
        ("科技部\u00a0補助", "科技部補助"),
        ("Sponsored   by\n\nMOST", "Sponsored by MOST"),
        ("２０２６／１１／０３", "2026/11/03"),
        ("指導單位：科技部", "指導單位:科技部"),
        ("  \n ", ""),
        ("由 NSTC 補助", "由 NSTC 補助"),
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


# --- visible text -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "hidden",
    [
        "<script>document.write('SECRET')</script>",
        "<style>.x{content:'SECRET'}</style>",
        "<template><p>SECRET</p></template>",
        "<noscript>SECRET</noscript>",
        "<!-- SECRET -->",
        "<div hidden><p>SECRET</p></div>",
        '<div style="display:none"><p>SECRET</p></div>',
        '<div style="color:red; DISPLAY : NONE"><p>SECRET</p></div>',
        '<span style="visibility: hidden">SECRET</span>',
        '<input type="hidden" value="SECRET">',
        "<dialog><p>SECRET</p></dialog>",
    ],
)
def test_invisible_content_is_left_out(hidden: str) -> None:
    text = visible_text(f"<html><body><p>before</p>{hidden}<p>after</p></body></html>")
    assert "SECRET" not in text
    assert "before" in text and "after" in text


def test_head_and_title_are_not_page_text() -> None:
    text = visible_text(
        "<html><head><title>SECRET</title><meta content='SECRET'></head><body>x</body>"
    )
    assert "SECRET" not in text


@pytest.mark.parametrize(
    "shown",
    [
        '<p aria-hidden="true">SHOWN</p>',
        '<p style="display:block">SHOWN</p>',
        '<p class="hidden-xs">SHOWN</p>',
        "<details><summary>more</summary>SHOWN</details>",
        "<dialog open>SHOWN</dialog>",
    ],
)
def test_visible_content_is_kept(shown: str) -> None:
    assert "SHOWN" in visible_text(f"<body>{shown}</body>")


def test_the_text_after_a_hidden_element_is_still_visible() -> None:
    text = visible_text("<p>科技部<span hidden>xx</span>計畫補助</p>")
    assert "科技部計畫補助" in text


def test_image_alt_and_title_are_read_where_the_image_is() -> None:
    page = read_page('<p>指導單位 <img src="a.png" alt="科技部" title="Ministry logo"></p>')
    assert page.text() == "指導單位科技部 Ministry logo"
    sources = [c.source for c in page.chunks]
    assert sources == ["text", "alt", "title"]
    assert page.images[0].src == "a.png"


def test_inline_tags_join_and_block_tags_break_lines() -> None:
    text = visible_text(
        "<div><span>科技</span><b>部</b>計畫補助</div><div>第二行</div><p>a<br>b</p>"
    )
    assert text.splitlines() == ["科技部計畫補助", "第二行", "a", "b"]


def test_english_words_are_not_glued_across_blocks() -> None:
    text = visible_text("<td>Sponsored</td><td>by</td><td>MOST</td>")
    assert normalise(text) == "Sponsored by MOST"


@pytest.mark.parametrize(
    "html",
    [
        "<p>unclosed <b>bold <i>italic <div>block</p></td></tr> 科技部補助",
        "<<<>>> <p <p> 科技部補助 </b></b></b>",
        "科技部補助",
        "<html><body><table><tr><td>科技部補助</table></body></html></html>",
        '<?xml version="1.0" encoding="big5"?><html><body>科技部補助</body></html>',
        "<p>\x00科技部補助\x00</p>",
        "<body>" + "<div>" * 3000 + "科技部補助" + "</div>" * 3000 + "</body>",
        "<p>科技部補助</p><script>unterminated",
        "<p>科技部補助<!-- unterminated comment",
        "<frameset><noframes><body>科技部補助</body></noframes></frameset>",
    ],
)
def test_malformed_html_never_raises_and_keeps_the_text(html: str) -> None:
    text = visible_text(html)
    assert "科技部補助" in text.replace("\n", "")


@pytest.mark.parametrize("html", ["", "   ", "<!-- only a comment -->", "<?xml version='1.0'?>"])
def test_empty_documents_give_empty_text(html: str) -> None:
    assert visible_text(html) == ""
    assert parse_html(html) is not None


def test_hints_record_list_items_time_and_widgets() -> None:
    page = read_page(
        '<ul class="news"><li><time datetime="2026-01-05">1/5</time> 新聞</li></ul>'
        '<div id="visitor-counter">人數</div><footer>版權</footer>'
    )
    hints = {c.text.strip(): c.hints for c in page.chunks}
    assert {"item", "news", "time"} <= hints["1/5"]
    assert "trap:counter" in hints["人數"]
    assert "footer" in hints["版權"]
    assert page.times[0].value == "2026-01-05"


@pytest.mark.parametrize(
    "raw",
    [
        "ＡＢＣ，１２３：（科技部）！",
        "Ａ\u0301",  # full-width letter then a combining accent: NFKC composes it
        "㈱ ﬁ ｶﾀｶﾅ ①",
        "\uf9d1 兀",  # a CJK compatibility ideograph (as some Big5 decoders give)
        "e\u0301 café",
        "\u3000全形空白\u3000",
    ],
)
def test_normalise_fast_path_agrees_with_plain_nfkc(raw: str) -> None:
    import unicodedata

    reference = unicodedata.normalize("NFKC", raw)
    assert normalise(raw) == normalise(reference)
    assert unicodedata.is_normalized("NFKC", normalise(raw))


def test_the_same_homepage_string_is_parsed_once() -> None:
    """The crawler asks five judges about one homepage: they share one parse."""
    html = "<p>只解析一次</p>" + "x" * 10
    assert read_page(html) is read_page(html[:5] + html[5:])
    assert read_page(html + " ") is not read_page(html)


def test_page_memo_shares_one_parse_and_stays_within_its_bounds() -> None:
    """The judges of one page share a parse; the memo never holds more than its budget."""
    from monitor.rules.page_text import _PageMemo

    memo = _PageMemo(max_pages=3, max_chars=1_000)
    pages = [f"<html><body><p>page {i} {'x' * 200}</p></body></html>" for i in range(6)]
    first = memo.read(pages[0])
    assert memo.read(pages[0]) is first  # second question, same parse
    for html in pages[1:4]:
        memo.read(html)
    assert memo.read(pages[0]) is not first  # evicted by count (3 pages)
    assert "page 0" in memo.read(pages[0]).text()
    memo.clear()
    big = "<p>" + "y" * 900 + "</p>"
    memo.read(pages[1])
    memo.read(big)  # 1,100+ characters in all: the older page goes
    held = memo.read(big)
    assert memo.read(big) is held
    assert list(memo._pages) == [big] and memo._chars == len(big)


@pytest.mark.parametrize(
    "words",
    [
        ["a", "ab", "abc", "b", "bc", "xyz"],
        ["am", "pm", "monday", "sunday", "星期一", "上午", "下午"],
        [w.lower() for w in vocabulary.FINGERPRINT_NOISE_WORDS],
        [],
    ],
)
def test_literal_alternation_matches_like_the_longest_first_alternation(words: list[str]) -> None:
    """The prefix tree finds what ``longest|...|shortest`` finds: the leftmost place, and there
    the longest word (so ``sub`` and ``finditer`` give the same result), on random text made
    of the words' own pieces."""
    flat = re.compile(
        "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) or "(?!)"
    )
    tree = re.compile(literal_alternation(words))
    pieces = [*"abcxyz 。\n", *words, *(w[:2] for w in words)]
    rng = random.Random(19)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 20)))
        assert [m.span() for m in tree.finditer(text)] == [m.span() for m in flat.finditer(text)]
        assert tree.sub("", text) == flat.sub("", text)
