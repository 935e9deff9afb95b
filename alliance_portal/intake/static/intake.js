// Polls the publish status after a save so the alliance sees when its change is live.
// Without JavaScript the status box still shows the state at page load.
(function () {
  "use strict";
  var box = document.getElementById("publish-status");
  if (!box || box.getAttribute("data-status") !== "building") return;
  var url = box.getAttribute("data-url");
  var tries = 0;
  var MAX_TRIES = 150; // 150 x 2 s = 5 minutes, then the page offers a reload instead
  function show(data) {
    box.className = "publish " + data.status;
    box.setAttribute("data-status", data.status);
    box.textContent = "";
    var p = document.createElement("p");
    var zh = document.createElement("span");
    zh.className = "zh";
    zh.textContent = data.zh;
    var en = document.createElement("span");
    en.lang = "en";
    en.className = "en";
    en.textContent = " " + data.en;
    p.appendChild(zh);
    p.appendChild(en);
    box.appendChild(p);
  }
  function poll() {
    tries += 1;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && data.status && data.status !== "none") show(data);
        if ((!data || data.status === "building") && tries < MAX_TRIES) setTimeout(poll, 2000);
      })
      .catch(function () { if (tries < MAX_TRIES) setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1000);
})();
