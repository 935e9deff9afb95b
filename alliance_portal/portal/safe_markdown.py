"""Render profile Markdown without letting any alliance inject HTML or script into the portal.

Profiles are edited through the intake form by many people; their text is data, not markup.
Raw HTML is shown as text (the HTML block and inline-HTML processors are removed, so
``<script>`` becomes ``&lt;script&gt;``), link targets other than http(s) and mailto are
dropped, and images are replaced by their alt text because the portal makes no third-party
requests.
"""

from __future__ import annotations

import functools
import threading
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})


def is_safe_href(href: str) -> bool:
    """True for http(s)/mailto links and plain fragments; False for javascript:, data: etc."""
    href = "".join(ch for ch in href if ch > " ")  # browsers ignore control chars in schemes
    if href.startswith("#"):
        return True
    try:
        scheme = urlsplit(href).scheme
    except ValueError:
        # http://[::1 or a host with a full-width colon: no browser can follow it, and the
        # parser's error stopped the whole portal's build (one assistant's typo, every page)
        return False
    return scheme.lower() in SAFE_SCHEMES


class _SanitiseTree(Treeprocessor):
    def run(self, root: Element) -> None:
        for parent in root.iter():
            for index, child in enumerate(list(parent)):
                if child.tag == "img":
                    span = Element("span")
                    span.text = child.get("alt", "")
                    span.tail = child.tail
                    parent.remove(child)
                    parent.insert(index, span)
                elif child.tag == "a":
                    href = child.get("href", "")
                    if not is_safe_href(href):
                        child.attrib.pop("href", None)
                    else:
                        child.set("rel", "noopener nofollow")


class SafeExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_SanitiseTree(md), "sanitise", 0)


_local = threading.local()


@functools.lru_cache(maxsize=4096)
def render(text: str) -> str:
    """Markdown to HTML that contains no markup from the profile itself.

    Cached: a build renders each intro for its page and again for the search index.
    """
    md: markdown.Markdown | None = getattr(_local, "md", None)
    if md is None:
        md = markdown.Markdown(extensions=[SafeExtension(), "sane_lists"], output_format="html")
        _local.md = md
    return md.reset().convert(text)
