// The site is built in the browser (a single-page app), as some alliance sites are.
document.addEventListener("DOMContentLoaded", function () {
  fetch("news.json").then(function (r) { return r.json(); }).then(function (items) {
    var app = document.getElementById("app");
    var html = "<header><h1>資訊安全防護產學聯盟</h1><p>Cybersecurity Industry-Academia Alliance</p></header>";
    html += "<section><h2>聯盟簡介</h2><p>協助中小企業建立資安防護、弱點掃描與事件應變能力。</p></section>";
    html += "<section><h2>最新消息</h2><ul>";
    items.forEach(function (it) { html += "<li>" + it.date + " " + it.title + "</li>"; });
    html += "</ul></section><footer><p>本聯盟為國科會補助之產學小聯盟。</p></footer>";
    app.innerHTML = html;
  });
});
