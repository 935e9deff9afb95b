"""The scripts the renderer runs inside a page, and the attributes they leave in its DOM.

Kept apart from :mod:`monitor.fetching.browser_page` (what happens to one page) because they are
JavaScript, not Python: the marks of what the browser does not display, the scroll that shows
what scroll-reveal templates hide until a visitor scrolls (issue 19.1), the page that hides itself
until a script from another host runs (anti-flicker snippets), the DOM size count that
keeps a huge DOM from being read back (issue 17.1), and the init script that runs before any
script of the page (no WebRTC, a zh-TW visitor's languages, the note of a timed redirect).
"""

from __future__ import annotations

import json

from monitor.fetching import limits as S

#: The attribute that marks an element the browser does not display.
HIDDEN_ATTRIBUTE = "data-monitor-hidden"

#: Marks what the browser computes as not displayed (one pass, skipping inside hidden subtrees);
#: an element revealed by scrolling (``SCROLL_REVEAL_JS``) is shown unless ``display:none``.
#: ``complete``: the browser had every stylesheet of the page, so these marks are the whole CSS
#: verdict (else the page reader adds what it reads from framework classes itself).
MARK_HIDDEN_JS = """([attr, revealed, complete]) => {
  const root = document.body || document.documentElement;
  if (!root) return 0;
  // The page reader then trusts these marks alone (a stylesheet may show a .d-none again).
  if (complete) document.documentElement.setAttribute('data-monitor-rendered', '');
  else document.documentElement.removeAttribute('data-monitor-rendered');
  let marked = 0;
  const walk = (el) => {
    for (const child of el.children) {
      const style = getComputedStyle(child);
      if (style.display === 'none' || ((style.visibility === 'hidden' ||
          style.visibility === 'collapse') && !child.hasAttribute(revealed))) {
        child.setAttribute(attr, '');
        marked++;
      } else {
        walk(child);
      }
    }
  };
  walk(root);
  return marked;
}"""

#: Whether the page hides itself as a whole: ``<html>`` or ``<body>`` not displayed, invisible or
#: transparent. Anti-flicker snippets (ChartBeat's flicker control, Google Optimize's
#: ``.async-hide``, Adobe Target's) hide the page until a script from another host runs, with
#: a timer that shows it anyway after one to four seconds.
ROOT_HIDDEN_JS = """() => [document.documentElement, document.body].some((el) => {
  if (!el) return false;
  const s = getComputedStyle(el);
  return s.display === 'none' || s.visibility === 'hidden' || s.visibility === 'collapse'
    || s.opacity === '0';
})"""

#: Shows ``<html>`` and ``<body>`` as the page's own script would once it ran (inline
#: ``!important`` outranks the hiding stylesheet); what the page hides inside stays hidden.
SHOW_ROOT_JS = """() => {
  for (const el of [document.documentElement, document.body]) {
    if (!el) continue;
    const s = getComputedStyle(el);
    if (s.display === 'none') el.style.setProperty('display', 'block', 'important');
    if (s.visibility === 'hidden' || s.visibility === 'collapse')
      el.style.setProperty('visibility', 'visible', 'important');
    if (s.opacity === '0') el.style.setProperty('opacity', '1', 'important');
  }
}"""

#: The attribute that marks an element that became visible while the page was scrolled.
REVEALED_ATTRIBUTE = "data-monitor-revealed"

#: Scrolls the page down as a visitor does (bounded in height and time) when something on it is
#: ``visibility:hidden``: scroll-reveal templates (WOW.js, AOS, animate.css, waypoints) show
#: their boxes only when scrolled into view; a box in view still hidden after the pause is
#: waited for (up to ``stepMs``, once per box) before scrolling on. What became visible
#: meanwhile is marked revealed (a library that hides it again on scrolling back up does not
#: undo that: the visitor saw it);
#: a known reveal box still hidden below the depth reached is marked too. ``display:none``
#: (``hidden``, ``.d-none``, a collapsed menu) never enters: only visibility is waited for.
SCROLL_REVEAL_JS = """async ([attr, maxHeight, budgetMs, pauseMs, stepMs, revealSelector]) => {
  const root = document.body;
  if (!root) return 0;
  const invisible = (s) => s.visibility === 'hidden' || s.visibility === 'collapse';
  const view = window.innerHeight || 800;
  const waiting = [];
  const walk = (el) => {
    for (const child of el.children) {
      const style = getComputedStyle(child);
      if (style.display === 'none') continue;
      if (!invisible(style)) { walk(child); continue; }
      // only what lies below the first screen can be waiting for a scroll (a hover menu, a
      // modal or an inactive slide up top is not: no scrolling for those pages)
      if (style.position !== 'fixed' && child.getBoundingClientRect().top >= view * 0.8) {
        waiting.push(child);
      }
    }
  };
  walk(root);
  if (!waiting.length) return 0;
  let revealed = 0;
  const look = () => {
    for (let i = waiting.length - 1; i >= 0; i--) {
      if (!invisible(getComputedStyle(waiting[i]))) {
        waiting[i].setAttribute(attr, '');
        waiting.splice(i, 1);
        revealed++;
      }
    }
  };
  const pause = (ms) => new Promise((done) => setTimeout(done, ms));
  const given = new Set();
  const inView = (el) => {
    const r = el.getBoundingClientRect();
    return r.bottom > 0 && r.top < view;
  };
  const started = performance.now();
  let y = 0;
  while (waiting.length && performance.now() - started < budgetMs) {
    const last = Math.min(document.documentElement.scrollHeight - view, maxHeight);
    if (y >= last) break;
    y = Math.min(y + Math.floor(view * 0.75), last);
    window.scrollTo(0, y);
    await pause(pauseMs);
    look();
    // a box now in view may be shown late (a handler that waits for scrolling to stop, a busy
    // machine): wait for it, within the step's bound, before scrolling past it; a box that
    // stays hidden that long (an inactive slide or tab) is not waited for again
    const late = () => waiting.filter((el) => !given.has(el) && inView(el));
    const stepStarted = performance.now();
    while (late().length && performance.now() - stepStarted < stepMs
           && performance.now() - started < budgetMs) {
      await pause(50);
      look();
    }
    for (const el of late()) given.add(el);
  }
  await pause(pauseMs);
  look();
  for (const el of waiting) {
    const top = el.getBoundingClientRect().top + window.scrollY;
    if (top > y + view && el.matches(revealSelector)) { el.setAttribute(attr, ''); revealed++; }
  }
  window.scrollTo(0, 0);
  return revealed;
}"""

#: CSS selector of the boxes scroll-reveal libraries hide until scrolled to (as
#: :func:`monitor.rules.visibility.is_reveal_box` reads a page without the browser).
REVEAL_SELECTOR = ".wow, .animate-box, .reveal-on-scroll, [data-aos], [data-sr], [data-sr-id]"

#: How big the DOM is, counted without building any string: "" when within both caps, else
#: which cap it passed (a DOM of millions of nodes is never serialised and sent to us).
DOM_SIZE_JS = """([maxElements, maxChars]) => {
  const root = document.documentElement;
  if (!root) return '';
  let elements = 0, chars = 0;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
  for (let n = walker.currentNode; n; n = walker.nextNode()) {
    if (n.nodeType === 1) { if (++elements > maxElements) return 'elements'; }
    else if ((chars += n.length) > maxChars) return 'characters';
  }
  return '';
}"""

#: Run before any script of the page: no peer-to-peer connections (WebRTC) at all; the
#: languages of a Taiwanese visitor's browser (a script choosing ``index_ch.html`` reads them);
#: and a note of when a timer that looks like a redirect is due (a welcome screen that moves to
#: the news page after some seconds), so the renderer knows to wait for it.
INIT_JS = """
for (const name of ['RTCPeerConnection', 'webkitRTCPeerConnection', 'RTCDataChannel']) {
  try { delete window[name]; } catch (e) {}
  try { Object.defineProperty(window, name, {value: undefined}); } catch (e) {}
}
try {
  Object.defineProperty(Navigator.prototype, 'languages',
    {get: () => Object.freeze(__LANGUAGES__), configurable: true});
} catch (e) {}
(() => {
  const NAVIGATES = /location(?:\\.href)?\\s*=[^=]|location\\.(?:assign|replace|reload)\\s*\\(/;
  const navigates = (fn) => {
    try {
      return NAVIGATES.test(typeof fn === 'function' ? Function.prototype.toString.call(fn)
                                                     : String(fn));
    } catch (e) { return false; }
  };
  const note = (due) => {
    window.__monitorRedirectDue = Math.max(window.__monitorRedirectDue || 0, due);
  };
  const setTimeout0 = window.setTimeout, setInterval0 = window.setInterval;
  window.setTimeout = function (fn, delay, ...rest) {
    if (navigates(fn)) note(performance.now() + (Number(delay) || 0));
    return setTimeout0.call(this, fn, delay, ...rest);
  };
  window.setInterval = function (fn, delay, ...rest) {
    // a countdown: when it ends is unknown, so "up to the bound"
    if (navigates(fn)) note(performance.now() + __BOUND_MS__);
    return setInterval0.call(this, fn, delay, ...rest);
  };
})();
""".replace("__LANGUAGES__", json.dumps(list(S.BROWSER_LANGUAGES))).replace(
    "__BOUND_MS__", str(int(S.RENDER_REDIRECT_WAIT * 1000))
)


#: How many visible letters the page shows (whitespace left out); -1 for a frameset page, which
#: has no body text of its own. ``innerText`` leaves out what is not displayed or invisible.
VISIBLE_LETTERS_JS = """() => {
  const b = document.body;
  if (!b || b.tagName === 'FRAMESET') return -1;
  return (b.innerText || '').replace(/\\s+/g, '').length;
}"""
