// Homepage industry filter: without JavaScript the chips link to each industry's page and every
// banner is shown; with it, a chip shows only that industry's banners in place, keeps the page
// where it is, and records the choice in the address (#industry=key) so a reload keeps it.
(function () {
  const chips = [...document.querySelectorAll(".industry-filter a[data-industry]")];
  const groups = [...document.querySelectorAll("section.industry-group")];
  const status = document.getElementById("filter-status");
  if (!chips.length || !groups.length) return;

  function apply(key) {
    if (key && !groups.some((g) => g.dataset.industry === key)) key = "";
    for (const g of groups) g.hidden = Boolean(key) && g.dataset.industry !== key;
    for (const c of chips) {
      if (c.dataset.industry === key) c.setAttribute("aria-current", "true");
      else c.removeAttribute("aria-current");
    }
    const current = chips.find((c) => c.dataset.industry === key);
    status.textContent = key && current ? current.textContent.replace(/\s+/g, " ").trim() : "";
  }

  for (const chip of chips) {
    chip.addEventListener("click", (event) => {
      event.preventDefault();
      const key = chip.dataset.industry;
      history.replaceState(null, "", key ? `#industry=${key}` : location.pathname + location.search);
      apply(key);
    });
  }
  const match = /^#industry=([a-z0-9-]+)$/.exec(location.hash);
  apply(match ? match[1] : "");
})();
