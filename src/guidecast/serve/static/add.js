// Your own routine: a file or pasted text, checked by the server; its problems are listed with
// their line and column, as `guidecast validate` prints them. Nothing is kept until it is valid.
(function () {
  "use strict";
  var g = window.guidecast;
  var file = document.getElementById("file");
  var text = document.getElementById("text");
  var status = document.getElementById("status");
  var problems = document.getElementById("problems");
  var fileName = null;

  file.addEventListener("change", function () {
    var chosen = file.files && file.files[0];
    if (!chosen) return;
    fileName = chosen.name;
    chosen.text().then(function (content) { text.value = content; check(); });
  });
  text.addEventListener("input", function () { if (!file.files.length) fileName = null; });

  function check() {
    problems.textContent = "";
    status.classList.remove("bad");
    status.textContent = "Checking…";
    g.post("/api/routines", { text: text.value, name: fileName }).then(function (data) {
      status.textContent = "Added. Opening it…";
      window.location.assign(data.url);
    }, function (err) {
      status.textContent = "Not added: fix these and check again.";
      status.classList.add("bad");
      err.problems.forEach(function (p) { problems.appendChild(g.el("li", "", p)); });
    });
  }
  document.getElementById("check").addEventListener("click", check);
})();
