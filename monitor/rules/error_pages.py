"""Pages that are only a message, not the site: errors, notices and firewall blocks (RULES.md "loads").

RULES.md fails a homepage that is only an error message (a database or script error), a
maintenance or under-construction notice, or a hosting "account suspended" page, even when the
server answers 200; and a site that refuses the monitor is judged like a firewall's refusal.
:func:`message_page` says which kind a page is, with the text that gave it away.

Error pages are recognised by their **shape**, not by one phrase: PHP, ASP.NET, Java (Tomcat/JSP)
and Python print their errors in fixed forms (``Warning: mysqli_connect(): ... in /var/www/db.php
on line 4``, a stack trace of ``pkg.Class.method(File.java:120)`` frames, ``Server Error in
'/alliance' Application``, ``HTTP Status 500 – Internal Server Error``, ``Fatal error: Uncaught
...``). A page where such diagnostics are the main thing and what is left besides them is short
(「Database connection failed」, 「資料庫無法連線」, whatever the words) is an error page. A real
homepage that prints one PHP warning above its menus, introduction and news has far more text
of its own than the warning, and loads.

Firewall block pages (F5 ASM "Request Rejected ... Your support ID is: ...", Cloudflare "Sorry,
you have been blocked ... Ray ID", FortiWeb "Web Page Blocked ... Attack ID", Imperva "Incapsula
incident ID", Akamai "Access Denied ... Reference #") are short pages that say the request was
refused and give an incident number to quote to the administrator: a block word and such a
number (or a known block title) on a short page is a firewall's page, not the site.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from monitor.rules import vocabulary
from monitor.rules.text_norm import meaningful_length

Kind = Literal["error_page", "maintenance", "suspended", "firewall"]

#: Diagnostics as the PHP, ASP.NET, Java and Python runtimes print them (the visible text is
#: normalised: one space between words, a ``<pre>`` stack trace on one line).
_DIAGNOSTIC_RES: tuple[re.Pattern[str], ...] = (
    # PHP: "Warning: mysqli_connect(): ... in /var/www/html/db.php on line 4"
    re.compile(
        r"(?:PHP )?(?:Warning|Fatal error|Parse error|Notice|Deprecated|Strict Standards"
        r"|Catchable fatal error|Recoverable fatal error)\s?:.{0,600}?\bon line \d+",
        re.IGNORECASE,
    ),
    # PHP: "Fatal error: Uncaught PDOException: SQLSTATE[HY000] [2002] ..."
    re.compile(r"Fatal error\s?: Uncaught [^\n]{0,300}", re.IGNORECASE),
    # PHP stack trace lines: "#0 /var/www/html/index.php(5): include()", "#1 {main}"
    re.compile(r"#\d+ (?:\{main\}|(?:/|[A-Za-z]:\\)[^\s#]*\(\d+\): [^\n#]{0,200})"),
    re.compile(r"Stack trace:|thrown in \S+ on line \d+", re.IGNORECASE),
    # Java frames: "at org.apache.jsp.index_jsp._jspService(index_jsp.java:120)"
    re.compile(
        r"(?:\bat )?(?:[A-Za-z_$][\w$]*\.)+[\w$<>]+\((?:[\w$]+\.(?:java|kt|scala|groovy)(?::\d+)?"
        r"|Native Method|Unknown Source)\)"
    ),
    # .NET frames: "Alliance._Default.Page_Load(Object sender, EventArgs e) in C:\...\Default.aspx.cs:25"
    # and "System.Web.UI.Control.OnLoad(EventArgs e) +95"
    re.compile(
        r"(?:\bat )?(?:[A-Za-z_][\w`]*\.)+[\w`<>]+\([^()\n]{0,120}\)(?: in \S+:(?:line )?\d+| \+\d+)"
    ),
    # exception names with their package: java.lang.NullPointerException, System.Data.SqlClient.SqlException
    re.compile(
        r"(?:[a-z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error)\b(?::[^\n]{0,160}?(?=\s(?:[a-z_$][\w$]*\.)+[\w$<>]+\(|$))?"
    ),
    # .NET: "[NullReferenceException: Object reference not set to an instance of an object.]"
    re.compile(r"\[[A-Z]\w*(?:Exception|Error)(?: \(0x[0-9a-fA-F]+\))?: [^\]]{0,300}\]"),
    # framework headers
    re.compile(r"Server Error in '[^']{0,80}' Application\.?", re.IGNORECASE),
    re.compile(r"HTTP Status [45]\d\d\s?[-–—]?[^\n]{0,60}?(?=\s(?:Type|Message|Description)\b|$)"),
    re.compile(
        r"\b(?:Exception Details|Source Error|Stack Trace|Source File|Version Information)\s?:",
    ),
    re.compile(r"Microsoft \.NET Framework Version:\s?[\d.]+;? ?(?:ASP\.NET Version:\s?[\d.]+)?"),
    re.compile(r"Apache Tomcat/[\d.]+|GlassFish Server[^\n]{0,30}|JBoss[^\n]{0,20}"),
    # Python
    re.compile(r"Traceback \(most recent call last\):"),
    re.compile(r'File "[^"\n]{1,200}", line \d+(?:, in [\w<>]+)?'),
    # database drivers' own forms
    re.compile(r"SQLSTATE\[\w+\](?: \[\d+\])?[^\n]{0,200}"),
    re.compile(
        r"ORA-\d{5}: [^\n]{0,200}|Microsoft OLE DB Provider for [^\n]{0,80}error '[0-9a-f]+'"
    ),
)
#: Of those, the forms that only a runtime error prints (a header like "Stack Trace:" alone
#: could be a tutorial's heading; a page needs one of these to be an error page by its shape).
_SIGNATURE_RE = re.compile(
    r"\bon line \d+|Fatal error\s?: Uncaught|\((?:[\w$]+\.(?:java|kt|scala)(?::\d+)?|Native Method)\)"
    r"|(?:[a-z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error)\b|\[[A-Z]\w*Exception[^\]]*\]"
    r"|Server Error in '[^']{0,80}' Application|HTTP Status 5\d\d|Traceback \(most recent call last\)"
    r"|SQLSTATE\[|ORA-\d{5}:|\.cs:(?:line )?\d+",
    re.IGNORECASE,
)

#: A page with nothing but one short line saying something failed (``die("Connect failed")``).
_BARE_FAILURE_RE = re.compile(
    r"error|failed|failure|exception|cannot connect|could not connect|unable to connect"
    r"|access denied for user|錯誤|失敗|無法連線|無法連接|連線異常",
    re.IGNORECASE,
)
#: At most this many letters/CJK characters: one line of a script's ``die()``.
_BARE_FAILURE_MAX_CHARS = 60

#: Words a firewall's block page uses, and the incident number it asks the visitor to quote.
_BLOCK_WORD_RE = re.compile(
    r"rejected|blocked|access denied|forbidden|not acceptable|request unsuccessful"
    r"|security polic|web application firewall|封鎖|阻擋|拒絕|禁止存取|安全政策",
    re.IGNORECASE,
)
_INCIDENT_ID_RE = re.compile(
    r"(?:support|incident|reference|attack|block|event|request|transaction|message|ray) ?id"
    r"\s?(?:is)?\s?[:#：]?\s?[\w-]{6,}|reference #\s?[\w.]{6,}|事件編號|識別碼\s?[:：]?\s?[\w-]{6,}",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class MessagePage:
    """What kind of message a page is, and the text that shows it (the evidence)."""

    kind: Kind
    shown: str


#: Literals that every match of a diagnostic pattern contains, keyed by the pattern's source: a
#: pattern none of whose literals is in the text cannot match and is not run (a few substring
#: checks cost microseconds; running every pattern over a whole homepage cost ~3 ms, most of
#: its judging: docs/PERFORMANCE.md). Literals of a case-insensitive pattern are looked for in
#: the lower-cased text. A pattern without an entry (or edited since) is always run.
_GATES: dict[str, tuple[str, ...]] = {
    r"(?:PHP )?(?:Warning|Fatal error|Parse error|Notice|Deprecated|Strict Standards"
    r"|Catchable fatal error|Recoverable fatal error)\s?:.{0,600}?\bon line \d+": ("on line ",),
    r"Fatal error\s?: Uncaught [^\n]{0,300}": ("uncaught ",),
    r"Stack trace:|thrown in \S+ on line \d+": ("stack trace:", "thrown in "),
    r"(?:\bat )?(?:[A-Za-z_$][\w$]*\.)+[\w$<>]+\((?:[\w$]+\.(?:java|kt|scala|groovy)(?::\d+)?"
    r"|Native Method|Unknown Source)\)": (
        ".java",
        ".kt",
        ".scala",
        ".groovy",
        "(Native Method)",
        "(Unknown Source)",
    ),
    r"(?:\bat )?(?:[A-Za-z_][\w`]*\.)+[\w`<>]+\([^()\n]{0,120}\)(?: in \S+:(?:line )?\d+| \+\d+)": (
        ") in ",
        ") +",
    ),
    r"(?:[a-z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error)\b(?::[^\n]{0,160}?(?=\s(?:[a-z_$][\w$]*\.)+[\w$<>]+\(|$))?": (
        "Exception",
        "Error",
    ),
    r"Server Error in '[^']{0,80}' Application\.?": ("server error in '",),
    r"\b(?:Exception Details|Source Error|Stack Trace|Source File|Version Information)\s?:": (
        "Exception Details",
        "Source Error",
        "Stack Trace",
        "Source File",
        "Version Information",
    ),
    r"Apache Tomcat/[\d.]+|GlassFish Server[^\n]{0,30}|JBoss[^\n]{0,20}": (
        "Apache Tomcat/",
        "GlassFish Server",
        "JBoss",
    ),
    r"ORA-\d{5}: [^\n]{0,200}|Microsoft OLE DB Provider for [^\n]{0,80}error '[0-9a-f]+'": (
        "ORA-",
        "Microsoft OLE DB Provider for ",
    ),
}
#: Characters that a case-insensitive pattern matches to an ASCII letter but ``str.lower()``
#: does not turn into it (İ ı ſ K): a text holding one runs every case-insensitive pattern.
_ODD_CASE = ("\u0130", "\u0131", "\u017f", "\u212a")


def _may_match(pattern: re.Pattern[str], text: str, lowered: str | None) -> bool:
    """False only when ``pattern`` cannot match ``text`` (none of its gate literals is there)."""
    gate = _GATES.get(pattern.pattern)
    if gate is None:
        return True
    if pattern.flags & re.IGNORECASE:
        if lowered is None:
            return True
        return any(word in lowered for word in gate)
    return any(word in text for word in gate)


def _diagnostics(text: str, lowered: str | None = None) -> tuple[str, int]:
    """The text with every runtime diagnostic cut out, and how many letters were cut.

    ``lowered`` is ``text.lower()`` when the caller has it already.
    """
    spans: list[tuple[int, int]] = []
    if any(c in text for c in _ODD_CASE):
        lowered = None
    elif lowered is None:
        lowered = text.lower()
    for pattern in _DIAGNOSTIC_RES:
        if _may_match(pattern, text, lowered):
            spans.extend(m.span() for m in pattern.finditer(text))
    if not spans:
        return text, 0
    spans.sort()
    kept: list[str] = []
    cut = 0
    pos = 0
    for start, end in spans:
        if end <= pos:
            continue
        start = max(start, pos)
        kept.append(text[pos:start])
        cut += meaningful_length(text[start:end])
        pos = end
    kept.append(text[pos:])
    return " ".join(kept), cut


def _shown(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def message_page(
    title: str, headings: list[str], visible: str, *, lowered: str | None = None
) -> MessagePage | None:
    """The kind of message page this is (error, maintenance, suspended, firewall), or None.

    ``visible`` is the page's normalised visible text, ``title`` its ``<title>`` and
    ``headings`` its first h1/h2 texts. Only pages whose own text (what is left beside runtime
    diagnostics) is short are looked at: a real homepage mentioning 「系統維護」 in a news item,
    or printing a PHP warning above its content, is a real homepage. ``lowered`` is
    ``visible.lower()`` when the caller has it (a page's text is lower-cased once).
    """
    if lowered is None:
        lowered = visible.lower()
    rest, cut = _diagnostics(visible, lowered)
    rest_size = meaningful_length(rest, limit=vocabulary.ERROR_PAGE_MAX_CHARS)
    if rest_size > vocabulary.ERROR_PAGE_MAX_CHARS:
        return None
    firewall = _firewall(title, headings, lowered)
    if firewall:
        return MessagePage("firewall", firewall)
    phrase = _phrase(title, headings, rest)
    if phrase:
        return MessagePage(*phrase)
    signature = _SIGNATURE_RE.search(visible)
    if signature and cut >= rest_size:
        # the runtime's diagnostics are the page: whatever the site's own words beside them
        first = visible.split("\n", 1)[0]
        return MessagePage(
            "error_page", _shown(first if _SIGNATURE_RE.search(first) else signature.group(0))
        )
    lines = [line for line in visible.split("\n") if line.strip()]
    if (
        len(lines) == 1
        and rest_size <= _BARE_FAILURE_MAX_CHARS
        and _BARE_FAILURE_RE.search(lines[0])
        and not title
    ):
        return MessagePage("error_page", _shown(lines[0]))
    return None


def _phrase(title: str, headings: list[str], rest: str) -> tuple[Kind, str] | None:
    """A known phrase of an error, maintenance or suspension page in the title, a top heading
    or the opening of the page's own text."""
    opening = rest.strip().lower().split("\n", 1)[0][: vocabulary.ERROR_PAGE_OPENING_CHARS]
    for kind, phrases in vocabulary.ERROR_PAGE_PHRASES.items():
        for text in (title, *headings):
            low = text.lower()
            for phrase in phrases:
                if phrase in low:
                    return kind, text  # type: ignore[return-value]
        for phrase in phrases:
            if phrase in opening:
                return kind, phrase  # type: ignore[return-value]
    return None


def _firewall(title: str, headings: list[str], lowered: str) -> str:
    """The text showing a firewall's block page, or "".

    A known block title or phrase (``vocabulary.FIREWALL_PHRASES``), or a block word together
    with an incident number to quote ("Your support ID is: 4721093385517732001").
    """
    for text in (title, *headings):
        low = text.lower()
        if any(phrase in low for phrase in vocabulary.FIREWALL_PHRASES):
            return text
    for phrase in vocabulary.FIREWALL_PHRASES:
        if phrase in lowered:
            return phrase
    incident = _INCIDENT_ID_RE.search(lowered)
    if incident and (_BLOCK_WORD_RE.search(lowered) or _BLOCK_WORD_RE.search(title)):
        block = _BLOCK_WORD_RE.search(title) or _BLOCK_WORD_RE.search(lowered)
        assert block is not None
        return f"{block.group(0)} … {incident.group(0)}"
    return ""
