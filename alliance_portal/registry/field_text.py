"""What text a profile field may hold: plain characters, one line, and website addresses.

Why its own rules: a profile's name becomes a mail subject, a page title, a report cell and a
log line. A line break or control character in it (``聯盟\\nBcc: …``, an ESC sequence, NUL)
breaks mail headers and spreadsheets downstream, so validation refuses it where it enters: the
form, ``alliance import`` and ``alliance check`` all call :func:`control_character`. Website
addresses are checked without letting :func:`urllib.parse.urlsplit` raise (``http://[::1``
does), so every bad address is a field problem, never a crash.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from alliance_portal.registry.bilingual import Bilingual

#: Fields that may hold several lines (Markdown intros); every other text field is one line.
MULTILINE_KEYS: frozenset[str] = frozenset({"intro", "intro_en"})
#: Characters a multi-line field may keep besides printable text.
_MULTILINE_ALLOWED = frozenset("\n\t")


def _is_control(char: str) -> bool:
    # Cc: C0 (NUL, ESC, CR, LF, TAB...), DEL and C1 (U+0080-U+009F, U+0085 NEL);
    # Zl/Zp: U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR (line breaks in JS and mail).
    return unicodedata.category(char) in ("Cc", "Zl", "Zp")


def control_character(text: str, *, multiline: bool = False) -> Bilingual | None:
    """Why ``text`` cannot be stored (its first line break or control character), or None.

    Multi-line fields keep line feeds and tabs; nothing else invisible is allowed anywhere.
    """
    for index, char in enumerate(text, start=1):
        if multiline and char in _MULTILINE_ALLOWED:
            continue
        if _is_control(char):
            code = f"U+{ord(char):04X}"
            if char in "\r\n\u2028\u2029\x85" and not multiline:
                return Bilingual(
                    f"含有換行（{code}，第 {index} 個字）；此欄只能填一行文字",
                    f"contains a line break ({code} at character {index}); "
                    "this field must be one line",
                )
            return Bilingual(
                f"含有看不見的控制字元（{code}，第 {index} 個字），請刪除後重新輸入",
                f"contains an invisible control character ({code} at character {index}); "
                "delete it and type the text again",
            )
    return None


def _label_too_long(label: str) -> bool:
    """Whether one dot-separated part of a host name is over DNS's 63 bytes (as IDNA writes
    it: 中文 is xn--fiq228c). The crawl could never look such a name up."""
    if label.isascii():
        return len(label) > 63
    try:
        return len(label.encode("idna")) > 63
    except UnicodeError:  # the IDNA codec refuses a label it cannot fit in 63 bytes
        return True


def check_website(url: str) -> Bilingual | None:
    """Why ``url`` is not a usable http(s) website address, or None if it is."""
    if any(_is_control(c) for c in url) or "%00" in url:
        return Bilingual("含有控制字元", "contains a control character")
    if any(c.isspace() for c in url):
        return Bilingual("含有空白", "contains spaces")
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:  # "http://[::1": an unclosed IPv6 bracket
        return Bilingual("主機名稱格式錯誤", "has a malformed host name")
    if parts.scheme not in ("http", "https"):
        if not parts.scheme:  # "motor.example.edu.tw": nothing to name but what is missing
            return Bilingual(
                "必須以 http:// 或 https:// 開頭", "must start with http:// or https://"
            )
        found = parts.scheme + ":"
        return Bilingual(
            f"必須以 http:// 或 https:// 開頭（目前為 {found}）",
            f"must start with http:// or https:// (found {found})",
        )
    if not hostname:
        return Bilingual("沒有主機名稱", "has no host name")
    labels = hostname.rstrip(".").split(".")
    if "" in labels:  # www..ntu.edu.tw: no DNS name has an empty part
        return Bilingual(
            "主機名稱中有連續的點（..），請刪除多餘的點", "has two dots in a row in its host name"
        )
    if any(_label_too_long(label) for label in labels):
        return Bilingual(
            "主機名稱中有一段超過 63 個字元，請檢查網址",
            "has a part of its host name over 63 characters",
        )
    try:
        port = parts.port  # raises ValueError on a port that is not a number or over 65535
    except ValueError:
        return Bilingual("連接埠號碼錯誤", "has an invalid port number")
    if port == 0:
        return Bilingual("連接埠號碼錯誤（0）", "has an invalid port number (0)")
    return None


def suggest_website(url: str) -> str | None:
    """The full address someone most likely meant by ``url`` when they left out the scheme
    ("h2.example.edu.tw" -> "https://h2.example.edu.tw/"), or None when there is no such guess.

    People copy a site's address from the browser's address bar, which hides the scheme; the
    error then offers the exact text to write instead of an example.com placeholder."""
    text = url.strip()
    if not text or "://" in text or urlsplit(text).scheme in ("http", "https"):
        return None
    guess = "https://" + text.lstrip("/")
    if check_website(guess) is not None:
        return None
    parts = urlsplit(guess)
    if "." not in (parts.hostname or ""):
        return None
    return guess if parts.path else guess + "/"
