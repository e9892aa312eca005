"""The app's HTML pages: small shells the page scripts fill in from the JSON API.

Every value from a routine or the log is escaped here; the scripts set text with
`textContent` only. No inline script or style anywhere: the policy allows the app's own files.
"""

from __future__ import annotations

import html
from typing import Any

from guidecast.core.durations import format_length, format_position
from guidecast.serve.practice import Played


def _e(text: object) -> str:
    return html.escape(str(text))


def layout(
    title: str, body: str, script: str | None = None, data: dict[str, str] | None = None
) -> str:
    attrs = "".join(f' data-{_e(k)}="{_e(v)}"' for k, v in (data or {}).items())
    tail = "".join(
        f'<script src="/static/{_e(name)}" defer></script>\n'
        for name in (["common.js", script] if script else [])
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="color-scheme" content="light dark">
<title>{_e(title)} · guidecast</title>
<link rel="stylesheet" href="/static/app.css">
<link rel="manifest" href="/manifest.webmanifest" crossorigin="use-credentials">
<link rel="icon" href="/static/icon.svg" type="image/svg+xml">
</head>
<body{attrs}>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="home" href="/">guidecast</a>
  <nav aria-label="Sections"><a href="/add">Add a routine</a> <a href="/log">Practice log</a></nav>
</header>
<main id="main">
{body}
</main>
{tail}</body>
</html>
"""


def library_page() -> str:
    body = """<h1>Routines</h1>
<div class="filters">
  <label for="search">Search</label>
  <input id="search" type="search" autocomplete="off" placeholder="Title, step or source">
  <label for="language">Language</label>
  <select id="language"><option value="">All languages</option></select>
</div>
<p class="status" id="status" role="status">Loading the library…</p>
<ul class="cards" id="routines"></ul>
<h2 id="broken-heading" hidden>Files that are not valid routines</h2>
<ul class="problems" id="broken"></ul>
"""
    return layout("Routines", body, "library.js")


def routine_page(routine_id: str, title: str) -> str:
    body = f"""<h1 id="title">{_e(title)}</h1>
<p class="description" id="description"></p>
<p class="source" id="source"></p>
<section class="panel" aria-labelledby="plan-heading">
  <h2 id="plan-heading">Your session</h2>
  <p class="big">Planned length <strong id="plan-length">…</strong></p>
  <p class="status" id="plan-status" role="status"></p>
  <ol class="timeline" id="timeline"></ol>
</section>
<section class="panel" aria-labelledby="pacing-heading">
  <h2 id="pacing-heading">Pacing</h2>
  <fieldset class="mode">
    <legend>Fit the session by</legend>
    <label><input type="radio" name="mode" value="pace" checked> pace</label>
    <label><input type="radio" name="mode" value="length"> target length</label>
  </fieldset>
  <div class="field" id="pace-field">
    <label for="pace">Pace <output id="pace-out" for="pace"></output></label>
    <input type="range" id="pace" min="0.5" max="3" step="0.05" value="1">
  </div>
  <div class="field" id="length-field" hidden>
    <label for="length">Target length <output id="length-out" for="length"></output></label>
    <input type="range" id="length" min="1" max="90" step="1" value="15">
  </div>
  <h3>Each step's time</h3>
  <div id="steps"></div>
  <div class="field">
    <label for="rate">Speech rate <output id="rate-out" for="rate"></output></label>
    <input type="range" id="rate" min="80" max="400" step="5" value="160">
  </div>
  <div class="field">
    <label for="voice">Voice</label>
    <select id="voice"><option value="">The routine's voice</option></select>
  </div>
  <div class="field check">
    <label><input type="checkbox" id="chime"> Chime at each step</label>
  </div>
  <fieldset class="field" id="sides" hidden>
    <legend>Start on</legend>
    <p class="hint" id="sides-hint"></p>
    <div id="side-choices"></div>
  </fieldset>
  <p class="field language">Language: <span id="language"></span></p>
  <div class="buttons">
    <button type="button" id="save">Save as my pacing</button>
    <button type="button" id="reset">Back to the routine's own</button>
  </div>
  <p class="status" id="save-status" role="status"></p>
</section>
<section class="panel" aria-labelledby="make-heading">
  <h2 id="make-heading">Make my session</h2>
  <fieldset class="field">
    <legend>Also make these lengths, to pick from on the player</legend>
    <label><input type="checkbox" name="also" value="300"> 5 minutes</label>
    <label><input type="checkbox" name="also" value="600"> 10 minutes</label>
    <label><input type="checkbox" name="also" value="1200"> 20 minutes</label>
  </fieldset>
  <button type="button" class="primary" id="make">Make my session</button>
  <ul class="jobs" id="jobs" aria-live="polite"></ul>
</section>
"""
    return layout(title, body, "routine.js", {"routine": routine_id})


def add_page() -> str:
    body = """<h1>Add your own routine</h1>
<p>Choose a routine file, or paste one below. It is checked first, and kept only when it is
valid.</p>
<div class="field">
  <label for="file">Routine file (.yaml)</label>
  <input type="file" id="file" accept=".yaml,.yml,text/yaml,text/plain">
</div>
<div class="field">
  <label for="text">Or paste it here</label>
  <textarea id="text" rows="14" spellcheck="false" autocapitalize="off"></textarea>
</div>
<button type="button" class="primary" id="check">Check and add</button>
<p class="status" id="status" role="status"></p>
<ul class="problems" id="problems" role="alert"></ul>
"""
    return layout("Add a routine", body, "add.js")


def log_page(entries: list[Played], streak: int) -> str:
    rows = "".join(
        f"<tr><td>{_e(e.started.astimezone().strftime('%Y-%m-%d %H:%M'))}</td>"
        f"<td>{_e(e.title)}</td><td>{_e(format_position(e.played_s))} of "
        f"{_e(format_length(e.length_s))}</td>"
        f"<td>{'played to the end' if e.finished else 'stopped'}</td>"
        f"<td>{_e(e.first_side or '')}</td></tr>"
        for e in entries
    )
    days = "day" if streak == 1 else "days"
    table = (
        '<table class="log"><thead><tr><th scope="col">When</th><th scope="col">Routine</th>'
        '<th scope="col">Played</th><th scope="col">How it ended</th>'
        f'<th scope="col">Started on</th></tr></thead><tbody id="log-rows">{rows}</tbody></table>'
        if entries
        else "<p>No sessions yet: they appear here once played in the player.</p>"
    )
    body = f"""<h1>Practice log</h1>
<p class="big" id="streak">Streak: <strong>{streak}</strong> {days} in a row</p>
{table}
<p><a class="button" href="/log.csv" download="guidecast-practice.csv">Export as CSV</a></p>
"""
    return layout("Practice log", body)


def app_manifest() -> dict[str, Any]:
    return {
        "name": "guidecast",
        "short_name": "guidecast",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0a4a94",
        "icons": [{"src": "/static/icon.svg", "sizes": "any", "type": "image/svg+xml"}],
    }
