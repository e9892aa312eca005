// The library: every routine with its title, length, steps, language and source; search and a
// language filter. Lengths are planned one routine at a time and filled in as they come.
(function () {
  "use strict";
  var g = window.guidecast;
  var list = document.getElementById("routines");
  var search = document.getElementById("search");
  var language = document.getElementById("language");
  var status = document.getElementById("status");
  var cards = [];

  function show() {
    var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    var lang = language.value, shown = 0;
    cards.forEach(function (card) {
      var ok = (!lang || card.routine.language === lang) &&
        words.every(function (w) { return card.text.indexOf(w) >= 0; });
      card.li.hidden = !ok;
      if (ok) shown++;
    });
    status.textContent = shown === cards.length ? cards.length + " routines" :
      shown + " of " + cards.length + " routines";
  }

  function card(r) {
    var li = g.el("li"), a = g.el("a");
    a.href = "/r/" + encodeURIComponent(r.id);
    a.appendChild(g.el("span", "name", r.title));
    var length = g.el("span", "length", r.seconds === null ? "…" : g.clock(r.seconds));
    var meta = g.el("span", "meta");
    meta.append(length, " · " + r.steps.length + " steps · " + r.language +
      (r.origin === "shipped" ? "" : r.origin === "mine" ? " · yours" : " · from your folder") +
      (r.source ? " · source: " + r.source : ""));
    a.appendChild(meta);
    a.appendChild(g.el("span", "steps", r.steps.join(" · ")));
    li.appendChild(a);
    li.dataset.id = r.id;
    return { li: li, routine: r, length: length,
      text: [r.title, r.description || "", r.source || "", r.steps.join(" ")].join(" ").toLowerCase() };
  }

  function fillLengths(pending) {
    if (!pending.length) return;
    var c = pending.shift();
    g.get("/api/routines/" + encodeURIComponent(c.routine.id) + "/length").then(function (d) {
      c.length.textContent = g.clock(d.seconds);
    }, function () { c.length.textContent = "length unknown"; }).then(function () { fillLengths(pending); });
  }

  g.get("/api/routines").then(function (data) {
    var languages = {};
    data.routines.forEach(function (r) {
      var c = card(r);
      cards.push(c);
      list.appendChild(c.li);
      languages[r.language] = true;
    });
    Object.keys(languages).sort().forEach(function (lang) {
      var option = g.el("option", "", lang);
      option.value = lang;
      language.appendChild(option);
    });
    if (data.broken.length) {
      document.getElementById("broken-heading").hidden = false;
      var broken = document.getElementById("broken");
      data.broken.forEach(function (b) {
        b.problems.forEach(function (p) { broken.appendChild(g.el("li", "", p)); });
      });
    }
    show();
    fillLengths(cards.filter(function (c) { return c.routine.seconds === null; }));
  }, function (err) {
    status.textContent = "The library could not be read: " + err.message;
    status.classList.add("bad");
  });
  search.addEventListener("input", show);
  language.addEventListener("change", show);
})();
