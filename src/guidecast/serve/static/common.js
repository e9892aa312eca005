// Shared by the app's pages: requests with the CSRF value, and small DOM helpers.
(function () {
  "use strict";
  function cookie(name) {
    var found = document.cookie.split("; ").filter(function (c) { return c.indexOf(name + "=") === 0; });
    return found.length ? decodeURIComponent(found[0].slice(name.length + 1)) : "";
  }
  // POST JSON with the CSRF cookie's value in a header, which another site cannot set.
  function post(url, body, options) {
    return fetch(url, Object.assign({
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", "x-guidecast-csrf": cookie("guidecast_csrf") },
      body: JSON.stringify(body)
    }, options || {})).then(answer);
  }
  function get(url) { return fetch(url, { credentials: "same-origin" }).then(answer); }
  function answer(response) {
    return response.text().then(function (text) {
      var data = null;
      try { data = JSON.parse(text); } catch (e) { data = { error: text.trim() || response.statusText }; }
      if (!response.ok) {
        var err = new Error((data && data.error) || response.statusText);
        err.problems = (data && data.problems) || [err.message];
        throw err;
      }
      return data;
    });
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function clock(seconds) {
    var s = Math.max(0, Math.round(seconds));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (h ? h + ":" + String(m).padStart(2, "0") : String(m)) + ":" + String(r).padStart(2, "0");
  }
  function duration(seconds) {  // as a person says it: "2 min 30 s"
    var s = Math.round(seconds), m = Math.floor(s / 60), r = s % 60;
    return m ? m + " min" + (r ? " " + r + " s" : "") : r + " s";
  }
  window.guidecast = { post: post, get: get, el: el, clock: clock, duration: duration, cookie: cookie };
})();
