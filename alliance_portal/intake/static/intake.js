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

// Refuses a banner file over the size limit before it is sent, so nobody waits for a large
// photo to upload only to be told it is too big (the server checks again either way).
(function () {
  "use strict";
  var input = document.getElementById("banner-file");
  if (!input || !input.form) return;
  var max = parseInt(input.getAttribute("data-max-bytes"), 10);
  if (!max) return;
  var box = null;
  function clear() {
    if (box) { box.parentNode.removeChild(box); box = null; }
    input.removeAttribute("aria-invalid");
  }
  function tooLarge(file) {
    clear();
    var size = file.size.toLocaleString("en-US");
    var limit = max.toLocaleString("en-US");
    box = document.createElement("div");
    box.className = "field-error";
    box.id = "banner-file-size-error";
    box.setAttribute("role", "alert");
    var p = document.createElement("p");
    p.appendChild(document.createTextNode(
      "檔案大小 " + size + " 位元組，超過上限 " + limit + " 位元組：222x112 的橫幅不需要這麼大，" +
      "請去除中繼資料或減少色彩後重新存檔 "));
    var en = document.createElement("span");
    en.lang = "en";
    en.textContent = "The file is " + size + " bytes; the limit is " + limit + " bytes: a " +
      "222x112 banner needs far less, save it again without metadata or with fewer colours";
    p.appendChild(en);
    box.appendChild(p);
    input.parentNode.appendChild(box);
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", box.id);
  }
  function check() {
    var file = input.files && input.files[0];
    if (file && file.size > max) { tooLarge(file); return false; }
    clear();
    return true;
  }
  input.addEventListener("change", check);
  input.form.addEventListener("submit", function (event) {
    if (!check()) { event.preventDefault(); input.focus(); }
  });
})();

// Asks before an action that cuts someone off (removing an assistant, revoking every link):
// forms with data-confirm submit only when the person says yes. Without JavaScript they submit.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });
})();
