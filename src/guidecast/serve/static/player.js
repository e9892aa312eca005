// What guidecast serve adds to the player page: a way back to the library, the length picker
// (the other lengths built of the same session), the practice log, and offline use (a service
// worker keeps this page and its audio, where the browser allows one: localhost or https).
(function () {
  "use strict";
  var audio = document.getElementById("audio");
  var session = window.location.pathname;  // /s/GROUP/KEY/
  var parts = session.split("/");
  var csrf = (document.cookie.split("; ").filter(function (c) {
    return c.indexOf("guidecast_csrf=") === 0;
  })[0] || "").slice("guidecast_csrf=".length);

  function post(body, keepalive) {
    return fetch("/api/log", {
      method: "POST", credentials: "same-origin", keepalive: !!keepalive,
      headers: { "content-type": "application/json", "x-guidecast-csrf": decodeURIComponent(csrf) },
      body: JSON.stringify(body)
    }).then(function (r) { return r.ok ? r.json() : null; }, function () { return null; });
  }
  function clock(seconds) {
    var s = Math.round(seconds), m = Math.floor(s / 60), r = s % 60;
    return m + ":" + String(r).padStart(2, "0");
  }

  // A bar above the player: back to the library, then one button per length.
  var bar = document.createElement("nav");
  bar.className = "served";
  bar.setAttribute("aria-label", "Session");
  var back = document.createElement("a");
  back.href = "/";
  back.textContent = "\u2190 Library";
  // The player's own style sheet is hashed into its policy: style this link through the DOM.
  back.style.display = "inline-block";
  back.style.padding = "0.75rem 0";
  back.style.minHeight = "48px";
  back.style.fontWeight = "600";
  bar.appendChild(back);
  var wrap = document.querySelector(".wrap") || document.body;
  wrap.insertBefore(bar, wrap.firstChild);
  fetch("/api/sessions/" + parts[2] + "/" + parts[3], { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : null; }, function () { return null; })
    .then(function (info) {
      if (!info || info.lengths.length < 2) return;
      var group = document.createElement("div");
      group.className = "lengths";
      group.id = "lengths";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Length of the session");
      info.lengths.forEach(function (l) {
        var a = document.createElement("a");
        a.href = l.url;
        a.textContent = clock(l.seconds);
        a.className = "length";
        if (l.current) a.setAttribute("aria-current", "page");
        a.setAttribute("aria-label", "Session of " + Math.round(l.seconds / 60) + " minutes");
        group.appendChild(a);
      });
      bar.appendChild(group);
    });

  // The practice log: a row when playing starts, updated as it plays, on pause, when the page
  // is left, and at the end. Seconds are counted as heard: a seek forward adds nothing.
  var row = null, starting = null, heard = 0, last = null, finished = false;
  function start() {
    if (row !== null || starting) return;
    starting = post({ session: session }).then(function (d) { row = d && d.id; });
  }
  function tick() {
    var t = audio.currentTime;
    // timeupdate comes about 4 times a second: a bigger step is a seek, not listening.
    var most = 2 * Math.max(1, audio.playbackRate || 1);
    if (last !== null && !audio.paused && t > last && t - last < most) heard += t - last;
    last = t;
  }
  function record(keepalive) {
    if (!starting) return;
    starting.then(function () {
      if (row) post({ id: row, played: heard, finished: finished }, keepalive);
    });
  }
  audio.addEventListener("play", function () { last = audio.currentTime; start(); });
  audio.addEventListener("timeupdate", tick);
  audio.addEventListener("seeking", function () { last = null; });
  audio.addEventListener("pause", function () { tick(); record(false); });
  audio.addEventListener("ended", function () {
    tick();
    finished = true;
    record(false);
    document.documentElement.dataset.logged = "ended";
  });
  window.addEventListener("pagehide", function () { record(true); });
  setInterval(function () { if (!audio.paused) record(false); }, 30000);

  // Offline: the service worker keeps this page and its audio once loaded.
  var hint = document.getElementById("wake-hint");
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/sw.js").then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      var files = [session, audio.getAttribute("src")].map(function (u) {
        return new URL(u, window.location.href).pathname;
      });
      reg.active.postMessage({ keep: files.concat(["/static/player.js"]) });
      document.documentElement.dataset.offline = "asked";
    }).catch(function () { /* the page works online as before */ });
    navigator.serviceWorker.addEventListener("message", function (e) {
      if (e.data && e.data.kept) {
        document.documentElement.dataset.offline = "ready";
        if (hint) hint.textContent += " This session is saved on this device: it plays offline too.";
      }
    });
  } else if (hint) {
    hint.textContent += " Offline play needs this page opened over https or on the computer " +
      "itself; here, keep the page open while you play.";
  }
})();
