// Search page: queries the Pagefind index built next to the site. No third-party requests.
//
// The index holds one record per alliance with both languages (alliance_portal/portal/
// search_index.py explains why). Chinese is spelled there as overlapping character pairs
// (電動車 -> 電動 動車 車); spellQuery() spells the query the same way, so a search matches
// whole pairs. Results are shown in the page's language from each record's "card" metadata,
// re-ordered so that an alliance whose name holds the whole query comes first, and each gets a
// snippet built here: labels and values apart, the matched words marked.
const HAN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+/g;  // = HAN in search_index.py
const IS_HAN = /^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;
const PAGE = 20;      // results shown per "more" click
const RERANK = 30;    // how many of Pagefind's best results are re-ordered by name/field matches

const form = document.querySelector("form[data-pagefind]");
const input = document.getElementById("q");
const industrySelect = document.getElementById("industry");
const statusEl = document.getElementById("search-status");
const list = document.getElementById("search-results");
const more = document.getElementById("search-more");
const lang = document.documentElement.lang === "en" ? "en" : "zh-TW";
const L = lang === "en" ? 1 : 0;  // index into the card's [zh-TW, en] pairs
const colon = lang === "en" ? ": " : "：";

/** The query as the index spells it: Han runs as pairs plus the last character. */
export function spellQuery(query) {
  return query
    .replace(HAN, (run) => {
      if (run.length === 1) return ` ${run} `;
      const pairs = [];
      for (let i = 0; i < run.length - 1; i++) pairs.push(run.slice(i, i + 2));
      // The last character alone is not needed: every pair is matched as a whole word.
      return ` ${pairs.join(" ")} `;
    })
    .replace(/\s+/g, " ")
    .trim();
}

/** Undo pair spelling: "電動 動車 車 與 馬達 達" -> "電動車與馬達" (every Han run ends with its
 *  last character alone), and drop the spaces the spelling put around Han runs. */
export function unspell(text) {
  const out = [];
  let run = "";
  for (const token of text.split(" ")) {
    if (!token) continue;
    if (IS_HAN.test(token) && [...token].length === 2) { run += token[0]; continue; }
    if (IS_HAN.test(token) && [...token].length === 1) { out.push(run + token); run = ""; continue; }
    if (run) { out.push(run); run = ""; }
    out.push(token);
  }
  if (run) out.push(run);
  const tight = /^[\u3000-\u303f\uff00-\uffef\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;
  const tightEnd = /[\u3000-\u303f\uff00-\uffef\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]$/;
  let joined = "";
  for (const part of out) {
    joined += joined && !tightEnd.test(joined) && !tight.test(part) ? ` ${part}` : part;
  }
  return joined;
}

/** The card with its intros read back from the record's text (after the two ¶ marks). */
function withIntros(data) {
  const card = JSON.parse(data.meta.card);
  const parts = (data.content || "").split("\u00b6");
  const clean = (t) => unspell((t || "").replace(/\s+/g, " ").trim().replace(/\s*\.$/, ""));
  card.intro = [clean(parts[1]), clean(parts[2])];
  return card;
}

/** The words a person typed: whole Han runs and Latin words, lower-cased. */
function queryWords(query) {
  const words = [];
  for (const part of query.toLowerCase().split(/\s+/)) {
    if (!part) continue;
    let last = 0;
    for (const m of part.matchAll(HAN)) {
      if (m.index > last) words.push(...latinWords(part.slice(last, m.index)));
      words.push(m[0]);
      last = m.index + m[0].length;
    }
    if (last < part.length) words.push(...latinWords(part.slice(last)));
  }
  return [...new Set(words)];
}
function latinWords(text) {
  return text.split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0);
}

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** A regular expression that finds any query word (Latin words as word prefixes). */
function wordsPattern(words) {
  if (!words.length) return null;
  const alts = words
    .sort((a, b) => b.length - a.length)
    .map((w) => (IS_HAN.test(w) ? escapeRe(w) : `(?<![\\p{L}\\p{N}])${escapeRe(w)}[\\p{L}\\p{N}]*`));
  return new RegExp(alts.join("|"), "giu");
}
function countMatches(text, words) {
  const lower = (text || "").toLowerCase();
  let hits = 0;
  for (const w of words) {
    const re = IS_HAN.test(w) ? new RegExp(escapeRe(w), "g") : new RegExp(`(?<![\\p{L}\\p{N}])${escapeRe(w)}`, "gu");
    const n = (lower.match(re) || []).length;
    if (n) hits += 1;
  }
  return hits;
}

/** Our order: all query words in the name, then university/PI, then the intro; ties keep
 *  Pagefind's order (its score already weighs names over intros). */
function relevance(card, words) {
  if (!words.length) return 0;
  const names = card.name.join(" ");
  const people = [...card.university, ...card.pi].join(" ");
  const intro = card.intro.join(" ");
  const inName = countMatches(names, words);
  const inPeople = countMatches(people, words);
  const inIntro = countMatches(intro, words);
  const whole = (n) => (n === words.length ? 1 : 0);
  return whole(inName) * 1000 + whole(inPeople) * 300 + inName * 50 + inPeople * 20 + inIntro * 5;
}

function markInto(parent, text, pattern) {
  if (!pattern) { parent.append(text); return; }
  let last = 0;
  for (const m of text.matchAll(pattern)) {
    if (m.index > last) parent.append(text.slice(last, m.index));
    const mark = document.createElement("mark");
    mark.textContent = m[0];
    parent.append(mark);
    last = m.index + m[0].length;
  }
  if (last < text.length) parent.append(text.slice(last));
}

/** About 120 characters of ``text`` around the first match, cut at spaces for English. */
function excerpt(text, pattern) {
  if (!text) return "";
  let start = 0;
  if (pattern) {
    pattern.lastIndex = 0;
    const m = pattern.exec(text);
    pattern.lastIndex = 0;
    if (m) start = Math.max(0, m.index - 30);
  }
  let end = Math.min(text.length, start + 130);
  if (start > 0) {
    const sentence = text.lastIndexOf("。", start + 20);
    const space = text.indexOf(" ", start);
    if (sentence >= start - 10 && sentence < start + 20) start = sentence + 1;
    else if (space !== -1 && space < start + 15) start = space + 1;
  }
  if (end < text.length) {
    const space = text.lastIndexOf(" ", end);
    if (space > end - 20 && space > start) end = space;
  }
  return (start > 0 ? "…" : "") + text.slice(start, end).trim() + (end < text.length ? "…" : "");
}

function fact(label, value, pattern) {
  const span = document.createElement("span");
  span.className = "fact";
  const l = document.createElement("span");
  l.className = "fact-label";
  l.textContent = label + colon;
  span.append(l);
  markInto(span, value, pattern);
  return span;
}

function industryName(key) {
  const option = industrySelect && [...industrySelect.options].find((o) => o.value === key);
  return option ? option.textContent.trim() : key;
}

function render(card, pattern, root) {
  const li = document.createElement("li");
  const h = document.createElement("h2");
  const a = document.createElement("a");
  a.href = new URL(card.url[L], root).href;
  markInto(a, card.name[L], pattern);
  h.append(a);
  li.append(h);
  const facts = document.createElement("p");
  facts.className = "result-facts";
  facts.append(fact(list.dataset.labelUniversity, card.university[L], pattern));
  if (card.pi[L]) facts.append(fact(list.dataset.labelPi, card.pi[L], pattern));
  facts.append(fact(list.dataset.labelIndustry, industryName(card.industry), null));
  li.append(facts);
  // The snippet in the page's language; if the words are only in the other language's intro
  // (an English word on the zh-TW page), show that passage, marked as that language.
  let text = card.intro[L];
  let other = false;
  if (pattern) {
    pattern.lastIndex = 0;
    const here = pattern.test(text || "");
    pattern.lastIndex = 0;
    const there = pattern.test(card.intro[1 - L] || "");
    pattern.lastIndex = 0;
    if (!here && there) {
      text = card.intro[1 - L];
      other = true;
    }
  }
  if (text) {
    const p = document.createElement("p");
    p.className = "result-snippet";
    if (other) p.lang = lang === "en" ? "zh-TW" : "en";
    markInto(p, excerpt(text, pattern), pattern);
    li.append(p);
  }
  return li;
}

let pagefindPromise = null;
function loadPagefind() {
  if (!pagefindPromise) {
    const url = new URL(form.dataset.pagefind, document.baseURI).href;
    pagefindPromise = import(url).then(async (pf) => {
      // Names and the other card fields rank through the weighted record text, not through
      // Pagefind's metadata boost (the card is one JSON value).
      await pf.options({ ranking: { metaWeights: { card: 0 } } });
      return pf;
    });
  }
  return pagefindPromise;
}

let pending = [];     // results not shown yet (for "more")
let shownPattern = null;
let seq = 0;

async function run(query, industry) {
  const mine = ++seq;
  query = query.trim();
  syncUrls(query, industry);
  if (!query && !industry) {
    list.replaceChildren();
    statusEl.textContent = "";
    more.hidden = true;
    return;
  }
  const pagefind = await loadPagefind();
  // The industry filter is a word in every record (industry_word() in search_index.py).
  const filterWord = industry ? ` xind${industry.toLowerCase().replace(/[^a-z0-9]/g, "")}x` : "";
  const spelled = spellQuery(query);
  let search = await pagefind.search((spelled + filterWord).trim());
  let partial = false;
  const words = queryWords(query);
  if (search && !search.results.length && spelled.includes(" ")) {
    // Nothing holds every word: fall back to alliances that hold most of them.
    search = await relaxed(pagefind, spelled, filterWord.trim());
    partial = search.results.length > 0;
  }
  if (mine !== seq || !search) return;
  const head = await Promise.all(search.results.slice(0, RERANK).map((r) => r.data()));
  if (mine !== seq) return;
  const cards = head.map((d, i) => ({ card: withIntros(d), i }));
  cards.sort((x, y) => relevance(y.card, words) - relevance(x.card, words) || x.i - y.i);
  // Pagefind also accepts near matches of a word it does not know; say so when no shown
  // alliance really holds every word the person typed.
  const holdsAll = (c) =>
    countMatches([...c.name, ...c.university, ...c.pi, ...c.intro].join(" "), words) === words.length;
  if (words.length > 1 && cards.length && !cards.some((c) => holdsAll(c.card))) partial = true;
  shownPattern = wordsPattern(words);
  list.replaceChildren();
  pending = [...cards.map((c) => Promise.resolve(c.card)), ...search.results.slice(RERANK).map((r) => r.data().then(withIntros))];
  const total = search.results.length;
  const countText = total === 1 ? statusEl.dataset.one : statusEl.dataset.many.replace("{n}", total);
  statusEl.textContent = total
    ? (partial ? statusEl.dataset.partial + " " : "") + countText
    : statusEl.dataset.none;
  await showMore(mine);
}

async function showMore(mine) {
  const root = new URL(form.dataset.siteRoot, document.baseURI);
  const batch = pending.splice(0, PAGE);
  const cards = await Promise.all(batch);
  if (mine !== seq) return;
  for (const card of cards) list.append(render(card, shownPattern, root));
  more.hidden = pending.length === 0;
}

/** Alliances matching at least half of the query's words, most words first. */
async function relaxed(pagefind, spelled, filterWord) {
  const words = spelled.split(" ");
  const hits = new Map();
  for (const w of words.slice(0, 12)) {
    const s = await pagefind.search(`${w} ${filterWord}`.trim());
    for (const r of s.results) {
      const h = hits.get(r.id) || { r, n: 0, score: 0 };
      h.n += 1;
      h.score += r.score;
      hits.set(r.id, h);
    }
  }
  const need = Math.ceil(words.length / 2);
  const results = [...hits.values()]
    .filter((h) => h.n >= need)
    .sort((a, b) => b.n - a.n || b.score - a.score)
    .map((h) => h.r);
  return { results };
}

/** Keep the query in the address bar, and in the language switch (the other page runs it). */
function syncUrls(query, industry) {
  const url = new URL(location.href);
  query ? url.searchParams.set("q", query) : url.searchParams.delete("q");
  industry ? url.searchParams.set("industry", industry) : url.searchParams.delete("industry");
  history.replaceState(null, "", url);
  const sw = document.querySelector("a.lang-switch");
  if (sw) {
    const target = new URL(sw.href);
    target.search = url.search;
    sw.href = target.href;
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  run(input.value, industrySelect?.value || "");
});
let timer = null;
input.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(() => run(input.value, industrySelect?.value || ""), 250);
});
industrySelect?.addEventListener("change", () => run(input.value, industrySelect.value));
more.addEventListener("click", () => showMore(seq));
const params = new URL(location.href).searchParams;
const initial = params.get("q") || "";
const initialIndustry = params.get("industry") || "";
if (industrySelect && initialIndustry) industrySelect.value = initialIndustry;
if (initial || initialIndustry) {
  input.value = initial;
  run(initial, industrySelect?.value || "");
}
