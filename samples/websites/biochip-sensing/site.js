// Like many CMS templates: one shared footer file, and the news list from a JSON feed.
fetch("footer.html").then(function (r) { return r.text(); }).then(function (html) {
  document.getElementById("footer").innerHTML = html;
});
fetch("news.json").then(function (r) { return r.json(); }).then(function (rows) {
  var list = document.getElementById("news-list");
  list.innerHTML = "";
  rows.forEach(function (row) {
    var li = document.createElement("li");
    li.innerHTML = '<span class="date">' + row.date + "</span> " + row.title;
    list.appendChild(li);
  });
});
