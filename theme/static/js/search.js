// Search page: queries the Pagefind index built next to the site. No third-party requests.
// Pagefind picks the index for the page's <html lang>, so zh-TW and English are searched apart.
const form = document.querySelector("form[data-pagefind]");
const input = document.getElementById("q");
const statusEl = document.getElementById("search-status");
const list = document.getElementById("search-results");

let pagefindPromise = null;
function loadPagefind() {
  if (!pagefindPromise) {
    const url = new URL(form.dataset.pagefind, document.baseURI).href;
    const root = new URL(form.dataset.siteRoot, document.baseURI).pathname;
    pagefindPromise = import(url).then(async (pf) => {
      await pf.options({ baseUrl: root });
      return pf;
    });
  }
  return pagefindPromise;
}

function show(items) {
  list.replaceChildren();
  for (const item of items) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = item.url;
    a.textContent = item.meta?.title || item.url;
    const p = document.createElement("p");
    // Pagefind excerpts contain only <mark> around matches; rebuild them safely as nodes.
    const parts = (item.excerpt || "").split(/<\/?mark>/);
    parts.forEach((text, i) => {
      const tmp = document.createElement("textarea");
      tmp.innerHTML = text;  // decode entities without interpreting markup
      const node = document.createTextNode(tmp.value);
      if (i % 2 === 1) { const m = document.createElement("mark"); m.append(node); p.append(m); }
      else p.append(node);
    });
    li.append(a, p);
    list.append(li);
  }
}

let seq = 0;
async function run(query) {
  const mine = ++seq;
  query = query.trim();
  if (!query) { list.replaceChildren(); statusEl.textContent = ""; return; }
  const pagefind = await loadPagefind();
  const search = await pagefind.search(query);
  const items = await Promise.all(search.results.slice(0, 20).map((r) => r.data()));
  if (mine !== seq) return;  // a newer query is running
  statusEl.textContent = items.length
    ? `${search.results.length} ${statusEl.dataset.count}`
    : statusEl.dataset.none;
  show(items);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const url = new URL(location.href);
  url.searchParams.set("q", input.value);
  history.replaceState(null, "", url);
  run(input.value);
});
let timer = null;
input.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(() => run(input.value), 250);
});
const initial = new URL(location.href).searchParams.get("q");
if (initial) { input.value = initial; run(initial); }
