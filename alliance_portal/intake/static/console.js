// Office console: keeps a job page (re-check, publish) current while the job waits or runs,
// and reloads it once the job has finished so the result shows. Without JavaScript a reload
// shows the same.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) return;
  var state = box.getAttribute("data-state");
  if (state !== "waiting" && state !== "running") return;
  var url = box.getAttribute("data-url");
  var tries = 0;
  var MAX_TRIES = 600; // 600 x 1.5 s = 15 minutes, then a reload is left to the reader
  // The console shows one language at a time (office/language.py); the page's class says which.
  var english = document.documentElement.classList.contains("lang-en");
  var LABELS = {
    waiting: ["等候中", "waiting"],
    running: ["執行中", "running"]
  };
  function pick(zh, en) { return english ? (en || zh) : (zh || en); }
  function line(zh, en) {
    var li = document.createElement("li");
    li.textContent = pick(zh, en);
    return li;
  }
  function show(data) {
    var list = document.getElementById("job-steps");
    while (list.children.length < data.steps.length) {
      var step = data.steps[list.children.length];
      list.appendChild(line(step.zh, step.en));
    }
    // a count ("checked 40 of 200") replaces the one before it: the last line changes in place
    var last = data.steps[data.steps.length - 1];
    if (last && list.lastElementChild) list.lastElementChild.textContent = pick(last.zh, last.en);
    var label = LABELS[data.state];
    if (label) {
      document.getElementById("job-state").textContent = pick(label[0], label[1]);
    }
    var waiting = document.getElementById("job-waiting");
    if (waiting && data.waiting_for.length === 0) waiting.parentNode.removeChild(waiting);
  }
  function poll() {
    tries += 1;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { if (tries < MAX_TRIES) setTimeout(poll, 3000); return; }
        if (data.state === "done" || data.state === "failed") { window.location.reload(); return; }
        show(data);
        if (tries < MAX_TRIES) setTimeout(poll, 1500);
      })
      .catch(function () { if (tries < MAX_TRIES) setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
