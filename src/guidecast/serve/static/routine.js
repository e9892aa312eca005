// A routine's page: pacing controls, the planned timeline (re-planned as they change, no audio
// made), saving a personal pacing, and "Make my session" with live progress.
(function () {
  "use strict";
  var g = window.guidecast;
  var id = document.body.dataset.routine;
  var api = "/api/routines/" + encodeURIComponent(id);
  var $ = function (x) { return document.getElementById(x); };
  var routine = null, voices = [], sliders = {}, timer = null, asked = 0;

  function chosenVoice() {  // "" is the routine's own voice (and Number("") would be 0)
    var value = $("voice").value;
    return value === "" ? null : voices[Number(value)];
  }

  function mode() { return document.querySelector('input[name="mode"]:checked').value; }

  function choices() {
    var c = { steps: {} };
    if (mode() === "length") c.length = Number($("length").value) * 60;
    else c.pace = Number($("pace").value);
    routine.steps.forEach(function (s) {
      var v = Number(sliders[s.id].value);
      if (Math.abs(v - s.value) > 0.01) c.steps[s.id] = v;
    });
    if (Number($("rate").value) !== routine.rate) c.rate = Number($("rate").value);
    if ($("chime").checked !== routine.chime) c.chime = $("chime").checked;
    var voice = chosenVoice();
    if (voice) { c.engine = voice.engine; c.voice = voice.id; }
    var side = document.querySelector('input[name="side"]:checked');
    c.other_side_first = !!side && side.value !== "0";
    return c;
  }

  function outputs() {
    $("pace-out").textContent = "\u00d7" + Number($("pace").value).toFixed(2);
    $("length-out").textContent = $("length").value + " min";
    $("rate-out").textContent = $("rate").value + " words a minute";
    $("pace-field").hidden = mode() !== "pace";
    $("length-field").hidden = mode() !== "length";
    routine.steps.forEach(function (s) {
      $("out-" + s.id).textContent = g.duration(Number(sliders[s.id].value)) +
        (s.sides.length ? " each side" : "");
    });
  }

  function changed() {
    outputs();
    clearTimeout(timer);
    timer = setTimeout(plan, 120);
  }

  function plan() {
    var mine = ++asked;
    $("plan-status").textContent = "Planning…";
    $("plan-status").classList.remove("bad");
    g.post(api + "/plan", choices()).then(function (p) {
      if (mine !== asked) return;  // an answer to an older change
      $("plan-length").textContent = p.clock;
      $("plan-status").textContent = p.notes.join(" ");
      var list = $("timeline");
      list.textContent = "";
      p.steps.forEach(function (s) {
        var li = g.el("li");
        li.appendChild(g.el("span", "when", g.clock(s.start_s) + "\u2013" + g.clock(s.end_s)));
        var extra = [s.side, s.round ? "round " + s.round + " of " + s.rounds : ""].filter(Boolean);
        li.append(s.title + (extra.length ? " (" + extra.join(", ") + ")" : ""));
        list.appendChild(li);
      });
      document.documentElement.dataset.planned = String(p.seconds);
    }, function (err) {
      if (mine !== asked) return;
      $("plan-status").textContent = err.message;
      $("plan-status").classList.add("bad");
    });
  }

  function stepControls() {
    var box = $("steps");
    routine.steps.forEach(function (s) {
      var field = g.el("div", "field step-time");
      var label = g.el("label", "", s.title);
      label.htmlFor = "step-" + s.id;
      var out = g.el("output");
      out.id = "out-" + s.id;
      label.appendChild(out);
      var input = document.createElement("input");
      input.type = "range";
      input.id = "step-" + s.id;
      input.dataset.step = s.id;
      var step = s.max - s.min > 120 ? 5 : 1;
      input.min = String(Math.floor(s.min / step) * step);
      input.max = String(Math.ceil(s.max / step) * step);
      input.step = String(step);
      input.value = String(s.value);
      input.addEventListener("input", changed);
      sliders[s.id] = input;
      field.append(label, input);
      if (!s.range) field.appendChild(g.el("p", "hint", "The routine gives " + g.duration(s.value) + "."));
      else field.appendChild(g.el("p", "hint", "From " + g.duration(s.min) + " to " + g.duration(s.max) + "."));
      box.appendChild(field);
    });
  }

  function sideControls() {
    if (!routine.sides.length) return;
    $("sides").hidden = false;
    var last = routine.last_first_side;
    var pick = last && last === routine.sides[0] ? 1 : 0;
    if (last) $("sides-hint").textContent = "Last time you started on the " + last + ".";
    routine.sides.slice(0, 2).forEach(function (name, i) {
      var label = g.el("label"), input = document.createElement("input");
      input.type = "radio"; input.name = "side"; input.value = String(i); input.checked = i === pick;
      input.addEventListener("change", changed);
      label.append(input, " " + name);
      $("side-choices").appendChild(label);
    });
  }

  function apply(saved) {
    var s = saved || {};
    var byLength = typeof s.length === "number";
    document.querySelector('input[name="mode"][value="' + (byLength ? "length" : "pace") + '"]').checked = true;
    $("pace").value = String(s.pace || 1);
    if (byLength) $("length").value = String(Math.round(s.length / 60));
    routine.steps.forEach(function (st) {
      sliders[st.id].value = String(s.steps && s.steps[st.id] !== undefined ? s.steps[st.id] : st.value);
    });
    $("rate").value = String(s.rate || routine.rate);
    $("chime").checked = typeof s.chime === "boolean" ? s.chime : routine.chime;
  }

  function loadVoices() {
    g.get("/api/voices?language=" + encodeURIComponent(routine.language)).then(function (d) {
      voices = d.voices;
      var remembered = localStorage.getItem("guidecast-voice-" + id);
      voices.forEach(function (v, i) {
        var option = g.el("option", "", v.name + " (" + v.engine + ")");
        option.value = String(i);
        if (remembered === v.engine + " " + v.id) option.selected = true;
        $("voice").appendChild(option);
      });
      if ($("voice").value) changed();
    }, function () { /* the routine's own voice still speaks */ });
  }

  function save() {
    var voice = chosenVoice();
    if (voice) localStorage.setItem("guidecast-voice-" + id, voice.engine + " " + voice.id);
    else localStorage.removeItem("guidecast-voice-" + id);
    g.post(api + "/pacing", choices()).then(function () {
      $("save-status").textContent = "Saved: this page opens with your pacing from now on.";
    }, function (err) { $("save-status").textContent = "Not saved: " + err.message; });
  }

  function make() {
    var also = Array.prototype.map.call(
      document.querySelectorAll('input[name="also"]:checked'), function (b) { return Number(b.value); });
    var body = Object.assign(choices(), { also: also });
    $("make").disabled = true;
    $("jobs").textContent = "";
    g.post(api + "/builds", body).then(function (d) {
      d.jobs.forEach(function (job, i) { follow(job, i === 0); });
    }, function (err) {
      $("make").disabled = false;
      $("jobs").appendChild(g.el("li", "status bad", err.message));
    });
  }

  function follow(job, main) {
    var li = g.el("li"), label = g.el("p", "", main ? "Your session" : "Another length");
    var bar = document.createElement("progress"), note = g.el("p", "status");
    bar.max = 1; bar.value = job.progress;
    li.dataset.key = job.key;
    li.append(label, bar, note);
    $("jobs").appendChild(li);
    function update(j) {
      bar.value = j.progress;
      li.dataset.state = j.state;
      var words = { queued: "Waiting for another session to finish…", running:
        j.stage === "audio" ? "Making the audio… " : "Speaking the lines… " };
      note.textContent = j.state === "failed" ? j.message : j.state === "done" ?
        "Ready: " + g.clock(j.seconds) : (words[j.state] || "") +
        (j.state === "running" ? Math.round(100 * j.progress) + "%" : "");
      note.classList.toggle("bad", j.state === "failed");
      if (j.state === "done") {
        var a = g.el("a", "button", "Open the player");
        a.href = j.url;
        if (!li.querySelector("a")) li.appendChild(a);
        if (main) window.location.assign(j.url);
      }
      if (j.state === "failed" && main) $("make").disabled = false;
    }
    update(job);
    if (job.state === "done" || job.state === "failed") return;
    var events = new EventSource("/api/jobs/" + job.key + "/events");
    events.addEventListener("progress", function (e) {
      var j = JSON.parse(e.data);
      update(j);
      if (j.state === "done" || j.state === "failed") events.close();
    });
  }

  g.get(api).then(function (r) {
    routine = r;
    $("description").textContent = r.description || "";
    $("source").textContent = r.source ? "Source: " + r.source : "";
    $("language").textContent = r.language;
    stepControls();
    sideControls();
    apply(r.saved);
    ["pace", "length", "rate"].forEach(function (x) { $(x).addEventListener("input", changed); });
    ["chime", "voice"].forEach(function (x) { $(x).addEventListener("change", changed); });
    document.querySelectorAll('input[name="mode"]').forEach(function (m) { m.addEventListener("change", changed); });
    $("save").addEventListener("click", save);
    $("reset").addEventListener("click", function () { apply(null); $("voice").value = ""; changed(); });
    $("make").addEventListener("click", make);
    outputs();
    plan();
    loadVoices();
  }, function (err) {
    $("plan-status").textContent = err.message;
    $("plan-status").classList.add("bad");
  });
})();
