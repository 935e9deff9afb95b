/* Filtering and sorting of the results table. The page works without it: the table is
   complete and ordered worst first; this only adds the controls. No external code. */
(function () {
  "use strict";
  var table = document.getElementById("alliances");
  var form = document.getElementById("filters");
  if (!table || !form) { return; }
  var tbody = table.tBodies[0];
  var rows = Array.prototype.slice.call(tbody.rows);
  var text = document.getElementById("f-text");
  var status = document.getElementById("f-status");
  var check = document.getElementById("f-check");
  var count = document.getElementById("f-count");

  function apply() {
    var q = text.value.trim().toLowerCase();
    var wanted = status.value;
    var key = "data-" + check.value;
    var shown = 0;
    rows.forEach(function (row) {
      var s = row.getAttribute(key);
      var ok = (!q || row.getAttribute("data-search").indexOf(q) !== -1) &&
        (wanted === "all" || (wanted === "problem" ? (s === "warn" || s === "fail") : s === wanted));
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = "顯示 " + shown + " / " + rows.length + " · showing " + shown + " of " + rows.length;
  }

  var headers = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(headers, function (th, index) {
    if (!th.hasAttribute("data-sort-key")) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "sort";
    while (th.firstChild) { button.appendChild(th.firstChild); }
    th.appendChild(button);
    button.addEventListener("click", function () {
      var dir = th.getAttribute("aria-sort") === "descending" ? "ascending" : "descending";
      if (th.getAttribute("data-sort-key") === "name" && !th.hasAttribute("aria-sort")) { dir = "ascending"; }
      Array.prototype.forEach.call(headers, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", dir);
      var sign = dir === "ascending" ? 1 : -1;
      rows.sort(function (a, b) {
        var x = a.cells[index].getAttribute("data-sort");
        var y = b.cells[index].getAttribute("data-sort");
        if (x !== y) { return (x < y ? -1 : 1) * sign; }
        return a.getAttribute("data-slug") < b.getAttribute("data-slug") ? -1 : 1;
      });
      rows.forEach(function (row) { tbody.appendChild(row); });
    });
  });

  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.hidden = false;
  apply();
}());
