// Live desk pages over server-sent events; the pages work without it (reload to refresh).
(function () {
  "use strict";
  var root = document.querySelector("[data-events]");
  var announce = document.getElementById("announce");

  function refreshAges() {
    var now = Date.now();
    document.querySelectorAll("time[data-age]").forEach(function (el) {
      var s = Math.max(0, Math.floor((now - Date.parse(el.getAttribute("datetime"))) / 1000));
      el.textContent = s < 60 ? s + " s ago" : s < 3600 ? Math.floor(s / 60) + " min ago"
        : s < 86400 ? Math.floor(s / 3600) + " h ago" : Math.floor(s / 86400) + " d ago";
    });
  }
  setInterval(refreshAges, 10000);
  if (!root || !window.EventSource) { return; }

  var rows = document.getElementById("alert-rows");
  var empty = document.getElementById("empty");
  var source = new EventSource(root.getAttribute("data-events"));
  // Browsers hold 6 connections per host over HTTP/1.1: let go of this stream as soon as the page goes.
  window.addEventListener("pagehide", function () { source.close(); });
  function data(e) { return JSON.parse(e.data); }
  function showEmpty() { if (empty && rows) { empty.hidden = rows.children.length > 0; } }

  source.addEventListener("reset", function (e) {
    rows.innerHTML = data(e).html;
    showEmpty();
    refreshAges();
  });
  source.addEventListener("row", function (e) {
    var d = data(e);
    var old = document.getElementById(d.id);
    var tpl = document.createElement("tbody");
    tpl.innerHTML = d.html;
    var row = tpl.firstElementChild;
    row.classList.add("flash");
    if (old) { old.replaceWith(row); } else { rows.insertBefore(row, rows.firstElementChild); }
    if (d.announce && announce) { announce.textContent = d.announce; }
    showEmpty();
    refreshAges();
  });
  source.addEventListener("remove", function (e) {
    var old = document.getElementById(data(e).id);
    if (old) { old.remove(); }
    showEmpty();
  });
  source.addEventListener("status", function (e) {
    var d = data(e);
    if (d.has_article && !root.hasAttribute("data-has-article")) { window.location.reload(); return; }
    var old = document.getElementById("status");
    if (old && old.contains(document.activeElement) && document.activeElement.tagName === "INPUT") {
      return; // someone is typing an assignee: the next change (or their own submit) refreshes it
    }
    var focused = old && old.contains(document.activeElement) ? document.activeElement.id : null;
    var wrap = document.createElement("div");
    wrap.innerHTML = d.html;
    if (old) { old.replaceWith(wrap.firstElementChild); }
    if (focused && document.getElementById(focused)) { document.getElementById(focused).focus(); }
  });
})();
