"""The player page: its HTML as written, then played in a real browser.

The browser tests drive Debian's chromium (apt) with Playwright for Python, headless, on pages
opened from the file system, as a user opens them. Without chromium or playwright they skip,
unless GUIDECAST_REQUIRE_BROWSER=1 (CI sets it), when they fail instead.
"""

from __future__ import annotations

import base64
import hashlib
import html
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from guidecast.cli import app
from guidecast.core.errors import UsageError
from guidecast.output.page import check_manifest, page_html, script_json

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("GUIDECAST_CHROMIUM", "/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("GUIDECAST_REQUIRE_BROWSER", "") not in ("", "0")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
SCREENSHOT = ROOT / "docs" / "page-screenshot.png"

ROUTINE = """\
guidecast: 1
title: Warm hands, calm breath
description: A one-minute routine to warm and rest your hands.
intro: Welcome to the page test.
outro: That is all.
steps:
  - id: warm
    title: Warm your hands
    say: Rub your hands together until they feel warm.
    duration: 6s
    pause: 1s
  - id: circles
    title: Slow circles
    say: [Make slow circles with your fingertips., Keep the pressure light.]
    duration: 10s
    sides: {names: [left side, right side], pause: 1s}
    cues: {halfway: true}
  - id: rest
    title: Rest
    say: Rest your hands in your lap and breathe out.
    duration: 6s
"""

EVIL_TITLE = "Evil </script><script>alert(1)</script> <!-- title"
EVIL_ROUTINE = f"""\
guidecast: 1
title: {json.dumps(EVIL_TITLE)}
description: "<img src=x onerror=alert(2)> & friends"
steps:
  - id: only
    title: "<b>Bold</b> & </script><script>alert(3)</script>"
    say: Breathe in, and out.
    duration: 3s
"""


def run_guidecast(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "guidecast", *args], capture_output=True, text=True, timeout=300
    )


def build_with_page(folder: Path, routine_text: str) -> tuple[Path, dict]:
    routine = folder / "routine.yaml"
    routine.write_text(routine_text)
    out = folder / "out"
    result = run_guidecast("build", str(routine), "-o", str(out), "--page")
    assert result.returncode == 0, result.stderr
    [manifest_path] = out.glob("*.json")
    page = Path(result.stdout.strip().splitlines()[-1])
    assert page == out / f"{manifest_path.stem}.html"
    return page, json.loads(manifest_path.read_text())


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    return build_with_page(tmp_path_factory.mktemp("page"), ROUTINE)


@pytest.fixture(scope="module")
def evil(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    return build_with_page(tmp_path_factory.mktemp("evil-page"), EVIL_ROUTINE)


def small_manifest(**changes: Any) -> dict:
    data: dict[str, Any] = {
        "format": 1,
        "title": "Small",
        "slug": "small",
        "description": None,
        "source": None,
        "version": None,
        "duration_s": 20.0,
        "samples": 441000,
        "sample_rate": 22050,
        "audio": "small.mp3",
        "bitrate_kbps": 64,
        "steps": [
            {"id": "a", "title": "A", "start_s": 2.0, "end_s": 10.0},
            {"id": "b", "title": "B", "start_s": 10.0, "end_s": 18.0},
        ],
        "cues": [
            {"step": "a", "kind": "instruction", "text": "Do A.", "start_s": 2.5, "end_s": 3.5},
        ],
        "notes": [],
    }
    data.update(changes)
    return data


def embedded_json(text: str) -> Any:
    match = re.search(
        r'<script type="application/json" id="session-data">(.*?)</script>', text, re.DOTALL
    )
    assert match
    return json.loads(match.group(1))


# --- The HTML as written -------------------------------------------------------------------


def test_routine_text_cannot_end_the_script_or_open_a_comment() -> None:
    hostile = "</script><script>alert(1)</script> <!-- </SCRIPT > ]]> & \u2028"
    data = small_manifest(title=hostile, description=hostile)
    data["steps"][0]["title"] = hostile
    text = page_html(data)
    assert len(re.findall(r"</script", text, re.IGNORECASE)) == 2  # the page's own two
    assert "<!--" not in text
    assert "<script>alert" not in text
    assert f"<title>{html.escape(hostile)}</title>" in text
    assert embedded_json(text) == data
    assert "\\u003c/script\\u003e" in script_json(hostile)


def test_the_policy_allows_exactly_the_pages_own_script_and_style() -> None:
    text = page_html(small_manifest())
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', text)
    assert policy
    for kind in ("script", "style"):
        blocks = re.findall(rf"<{kind}>(.*?)</{kind}>", text, re.DOTALL)
        assert len(blocks) == 1
        digest = base64.b64encode(hashlib.sha256(blocks[0].encode()).digest()).decode()
        assert f"{kind}-src 'sha256-{digest}'" in policy.group(1)
    assert "default-src 'none'" in policy.group(1)


def test_everything_is_inline() -> None:
    text = page_html(small_manifest())
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)
    assert "@import" not in text and "url(" not in text
    assert re.findall(r'\ssrc="([^"]*)"', text) == ["small.mp3"]


def test_the_audio_name_is_a_relative_url() -> None:
    text = page_html(small_manifest(audio="my session #1?.mp3"))
    assert 'src="my%20session%20%231%3F.mp3"' in text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"format": 2}, "expected format 1, found 2"),
        ({"steps": None}, "'steps' is missing or not a list"),
        ({"duration_s": "20"}, "'duration_s' is missing or not a number"),
        ({"audio": "../small.mp3"}, "'audio' must be a file name in the manifest's folder"),
        ({"audio": "/tmp/small.mp3"}, "'audio' must be a file name in the manifest's folder"),
        ({"audio": "c:\\small.mp3"}, "'audio' must be a file name in the manifest's folder"),
        ({"steps": [{"id": "a", "title": "A"}]}, "step 1 needs an id, a title"),
        ({"cues": [{"kind": "intro", "text": 3, "start_s": 0, "end_s": 1}]}, "cue 1 needs"),
    ],
)
def test_a_manifest_the_page_cannot_use(changes: dict, message: str) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        check_manifest(small_manifest(**changes))


def test_the_page_command_writes_beside_the_audio(tmp_path: Path) -> None:
    (tmp_path / "small.mp3").write_bytes(b"\xff\xfb" + bytes(500))
    manifest = tmp_path / "small.json"
    manifest.write_text(json.dumps(small_manifest()))
    (tmp_path / "small.html").write_text("old")
    result = CliRunner().invoke(app, ["page", str(manifest)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(tmp_path / "small.html")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.html", "small.json", "small.mp3"]
    page = tmp_path / "small.html"
    assert page.read_text(encoding="utf-8") == page_html(small_manifest())
    assert page.stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("none", "no manifest"),
        ("not-json", "small.json:1:2: not JSON"),
        ("no-audio", "its audio small.mp3 is not beside it"),
        ("format", "not a guidecast manifest: expected format 1"),
    ],
)
def test_the_page_command_refuses(tmp_path: Path, setup: str, message: str) -> None:
    manifest = tmp_path / "small.json"
    if setup != "none":
        (tmp_path / "small.mp3").write_bytes(b"\xff\xfb" + bytes(500))
    if setup == "not-json":
        manifest.write_text("{nope")
    elif setup == "no-audio":
        manifest.write_text(json.dumps(small_manifest()))
        (tmp_path / "small.mp3").unlink()
    elif setup == "format":
        manifest.write_text(json.dumps(small_manifest(format=7)))
    result = CliRunner().invoke(app, ["page", str(manifest)])
    assert result.exit_code == 2
    assert message in result.output
    assert not list(tmp_path.glob("*.html")) and not list(tmp_path.glob(".*"))


def test_build_page_writes_the_page_beside_the_mp3(built: tuple[Path, dict]) -> None:
    page, manifest = built
    out = page.parent
    slug = manifest["slug"]
    assert sorted(p.name for p in out.iterdir()) == [
        f"{slug}.html",
        f"{slug}.json",
        f"{slug}.mp3",
        f"{slug}.png",
    ]
    text = page.read_text(encoding="utf-8")
    assert embedded_json(text) == manifest
    # The page command makes the same page from the manifest alone.
    page.unlink()
    result = run_guidecast("page", str(out / f"{slug}.json"))
    assert result.returncode == 0, result.stderr
    assert page.read_text(encoding="utf-8") == text


# --- In a real browser ---------------------------------------------------------------------


def _missing_browser() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed (it is in the test extra: pip install -e '.[test]')"
    if not os.access(CHROMIUM, os.X_OK):
        return f"no chromium at {CHROMIUM} (apt-get install chromium)"
    return None


@contextmanager
def chromium(profile: Path, **options: Any) -> Iterator[Any]:
    """A headless chromium with a fresh profile; skips (or fails in CI) when there is none."""
    missing = _missing_browser()
    if missing:
        if REQUIRE_BROWSER:
            pytest.fail(f"{missing}; GUIDECAST_REQUIRE_BROWSER is set", pytrace=False)
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, **options
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with chromium(
        tmp_path_factory.mktemp("chromium-profile"), viewport={"width": 1100, "height": 760}
    ) as context:
        yield context


class Player:
    """One page open in the browser, with what it reported."""

    def __init__(self, context: Any, path: Path, init_script: str | None = None) -> None:
        self.page = context.new_page()
        self.problems: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("pageerror", lambda err: self.problems.append(f"error: {err}"))
        self.page.on(
            "console",
            lambda msg: self.problems.append(f"console: {msg.text}") if msg.type == "error" else 0,
        )
        self.page.on("dialog", self._dialog)
        if init_script:
            self.page.add_init_script(init_script)
        self.page.goto(path.as_uri())
        self.wait("audio.readyState >= 1")
        self.js("audio.muted = true")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def js(self, expression: str, arg: Any = None) -> Any:
        """The value of a JavaScript expression, with `audio`, `$` (querySelector) and `arg`."""
        return self.page.evaluate(
            "(arg) => { const audio = document.getElementById('audio');"
            f" const $ = (s) => document.querySelector(s); return ({expression}); }}",
            arg,
        )

    def wait(self, expression: str) -> None:
        """Wait until a JavaScript expression (with `audio` at hand) is true."""
        # A function, not a string: the page's Content-Security-Policy forbids eval.
        self.page.wait_for_function(
            f"() => {{ const audio = document.getElementById('audio'); return ({expression}); }}"
        )

    def time(self) -> float:
        return self.js("audio.currentTime")

    def seek(self, seconds: float) -> None:
        self.page.evaluate(
            "(t) => new Promise((done) => { const audio = document.getElementById('audio');"
            " audio.addEventListener('seeked', done, {once: true}); audio.currentTime = t; })",
            seconds,
        )

    def wait_seeked(self) -> None:
        self.wait("!audio.seeking")

    def text(self, selector: str) -> str:
        return self.page.inner_text(selector).strip()

    def current_index(self) -> int:
        marked = self.js(
            "[...document.querySelectorAll('[aria-current=step]')].map(b => b.dataset.index)"
        )
        assert len(marked) == 1, marked
        return int(marked[0])

    def playing(self) -> bool:
        return not self.js("audio.paused")

    def close(self) -> None:
        self.page.close()
        assert not self.problems, self.problems
        assert not self.dialogs, self.dialogs


def instruction_of(manifest: dict, index: int) -> str:
    step = manifest["steps"][index]
    return " ".join(
        cue["text"]
        for cue in manifest["cues"]
        if cue["kind"] == "instruction" and cue["step"] == step["id"]
    )


def listed(manifest: dict) -> list[dict]:
    """The page's list: the session's chapters without the introduction and closing."""
    return [c for c in manifest["chapters"] if c["step"] is not None]


def seconds_of(clock: str) -> int:
    minutes, seconds = clock.split(":")
    return int(minutes) * 60 + int(seconds)


@pytest.fixture
def player(browser: Any, built: tuple[Path, dict]) -> Iterator[Player]:
    opened = Player(browser, built[0])
    yield opened
    opened.close()


def test_it_plays_and_shows_the_step_at_the_playhead(player: Player, built: Any) -> None:
    manifest = built[1]
    steps = manifest["steps"]
    assert len(steps) == 4
    assert player.js("audio.duration") == pytest.approx(manifest["duration_s"], abs=0.1)
    assert player.text("#step-title") == "Before you start"  # the introduction
    # One rule for a length: the end label and the time left at the start are the manifest's.
    assert player.text("#total") == manifest["duration_shown"]
    assert player.text("#session-left") == manifest["duration_shown"]
    player.page.click("#play")
    player.wait("audio.currentTime > 0.3")
    assert player.playing()
    assert player.text("#play-label") == "Pause"
    assert player.js("document.documentElement.dataset.wakeLock") != "unsupported"

    step = steps[2]  # Slow circles, right side: its words were said before the left side
    player.seek((step["start_s"] + step["end_s"]) / 2)
    player.page.click("#play")  # pause, so the times below stand still
    t = player.time()
    assert step["start_s"] < t < step["end_s"]
    assert player.text("#step-title") == "Slow circles"
    assert player.text("#step-label") == "Step 2 of 3 · right side"  # sides: one step
    assert player.current_index() == 1  # the list's chapter: both short sides in one
    assert player.text("#instruction") == instruction_of(manifest, 2)
    assert player.text("#instruction") == (
        "Make slow circles with your fingertips. Keep the pressure light."
    )
    assert player.js("$('#live').textContent") == "Step 2 of 3, right side: Slow circles"
    assert player.js("$('#live').getAttribute('aria-live')") == "polite"
    assert abs(seconds_of(player.text("#step-left")) - (step["end_s"] - t)) <= 1
    assert abs(seconds_of(player.text("#session-left")) - (manifest["duration_s"] - t)) <= 1
    metadata = player.js(
        "[navigator.mediaSession.metadata.title, navigator.mediaSession.metadata.artist]"
    )
    assert metadata == ["Slow circles (right side)", "Warm hands, calm breath"]
    assert player.js("Number($('#seek').value)") == pytest.approx(t, abs=0.1)


def test_a_tapped_step_plays_from_its_start(player: Player, built: Any) -> None:
    chapters = listed(built[1])
    assert [c["title"] for c in chapters] == ["Warm your hands", "Slow circles", "Rest"]
    names = player.js("[...document.querySelectorAll('#steps .name')].map(e => e.textContent)")
    assert names == [c["title"] for c in chapters]
    player.page.click("#play")
    player.wait("audio.currentTime > 0.2")
    for index in (1, 2, 0):
        player.page.click(f"#steps button[data-index='{index}']")
        assert player.time() == pytest.approx(chapters[index]["start_s"], abs=0.1)
        player.wait_seeked()
        assert player.current_index() == index
        assert player.text("#step-title") == chapters[index]["title"]
        assert player.playing()


def test_keyboard(player: Player, built: Any) -> None:
    chapters = listed(built[1])
    starts = [chapter["start_s"] for chapter in chapters]
    player.seek((starts[0] + chapters[0]["end_s"]) / 2)
    keys = player.page.keyboard
    for key, index in [("n", 1), ("ArrowRight", 2), ("N", 3), ("p", 2), ("ArrowLeft", 1)]:
        if index == len(chapters):  # past the last chapter: the closing
            keys.press(key)
            assert player.time() == pytest.approx(chapters[-1]["end_s"], abs=0.1), key
            player.wait_seeked()
            continue
        keys.press(key)
        assert player.time() == pytest.approx(starts[index], abs=0.1), key
        player.wait_seeked()
        assert player.current_index() == index, key
    keys.press(" ")
    player.wait("!audio.paused")
    keys.press("k")
    player.wait("audio.paused")
    # Space on a focused step button plays and pauses; Enter jumps to that step.
    player.page.focus("#steps button[data-index='2']")
    keys.press(" ")
    player.wait("!audio.paused")
    assert player.time() < starts[2]
    keys.press("Space")
    player.wait("audio.paused")
    keys.press("Enter")
    assert player.time() == pytest.approx(starts[2], abs=0.1)
    # Tab reaches the controls: they are real buttons with names.
    player.page.focus("#prev")
    keys.press("Tab")
    assert player.js("document.activeElement.id") == "play"
    # The play button's name follows the audio's "pause" event, which may still be on its way
    # on a busy machine: wait for it (a name stuck on "Pause" fails here, by timeout).
    player.wait("document.getElementById('play-label').textContent === 'Play'")
    names = player.js("[...document.querySelectorAll('button')].map(b => b.textContent.trim())")
    assert names[:3] == ["Previous", "Play", "Next"]


WAKE_AND_MEDIA_STUBS = """
window.__actions = {};
const realSet = navigator.mediaSession.setActionHandler.bind(navigator.mediaSession);
navigator.mediaSession.setActionHandler = (name, handler) => {
  window.__actions[name] = handler;
  realSet(name, handler);
};
window.__wake = {requests: 0, releases: 0, sentinel: null};
let hidden = false;
Object.defineProperty(document, "visibilityState", {get: () => (hidden ? "hidden" : "visible")});
window.__setHidden = (value) => {
  hidden = value;
  document.dispatchEvent(new Event("visibilitychange"));
};
Object.defineProperty(navigator, "wakeLock", {value: {request: async (type) => {
  window.__wake.requests++;
  const sentinel = new EventTarget();
  sentinel.type = type;
  sentinel.released = false;
  sentinel.release = async () => {
    if (sentinel.released) return;
    sentinel.released = true;
    window.__wake.releases++;
    sentinel.dispatchEvent(new Event("release"));
  };
  window.__wake.sentinel = sentinel;
  return sentinel;
}}});
"""


def test_wake_lock_and_media_session(browser: Any, built: tuple[Path, dict]) -> None:
    steps = built[1]["steps"]
    player = Player(browser, built[0], WAKE_AND_MEDIA_STUBS)
    state = "document.documentElement.dataset.wakeLock"
    page = player.page
    page.click("#play")
    player.wait(f"{state} === 'on'")
    assert player.js("window.__wake.requests") == 1
    # Hidden, the browser drops the lock; shown again, the page takes it again.
    player.js("window.__setHidden(true)")
    player.js("window.__wake.sentinel.release()")
    player.wait(f"{state} === 'off'")
    player.js("window.__setHidden(false)")
    player.wait(f"{state} === 'on'")
    assert player.js("window.__wake.requests") == 2
    page.click("#play")  # pause: the screen may sleep
    player.wait(f"{state} === 'off' && window.__wake.releases === 2")

    player.seek(0)
    actions = player.js("Object.keys(window.__actions).sort()")
    for action in ("nexttrack", "pause", "play", "previoustrack", "seekto"):
        assert action in actions
    player.js("window.__actions.nexttrack({action: 'nexttrack'})")
    assert player.time() == pytest.approx(steps[0]["start_s"], abs=0.1)
    player.js("window.__actions.nexttrack({action: 'nexttrack'})")
    assert player.time() == pytest.approx(steps[1]["start_s"], abs=0.1)
    player.wait_seeked()
    assert player.js("navigator.mediaSession.metadata.title") == "Slow circles (left side)"
    player.js("window.__actions.previoustrack({action: 'previoustrack'})")
    assert player.time() == pytest.approx(steps[0]["start_s"], abs=0.1)
    player.js("window.__actions.seekto({action: 'seekto', seekTime: arg})", steps[3]["start_s"] + 1)
    player.wait_seeked()
    assert player.current_index() == 2  # Rest, the third chapter
    assert player.js("navigator.mediaSession.metadata.title") == "Rest"
    player.js("window.__actions.play({action: 'play'})")
    player.wait("!audio.paused")
    assert player.js("navigator.mediaSession.playbackState") == "playing"
    player.js("window.__actions.pause({action: 'pause'})")
    player.wait("audio.paused")
    player.close()


def test_routine_text_shows_as_text(browser: Any, evil: tuple[Path, dict]) -> None:
    path, manifest = evil
    player = Player(browser, path)
    assert player.js("document.title") == EVIL_TITLE
    assert player.text("h1") == EVIL_TITLE.strip()
    assert player.text("#description") == "<img src=x onerror=alert(2)> & friends"
    step = manifest["steps"][0]
    player.seek(step["start_s"] + 0.1)
    assert player.text("#step-title") == "<b>Bold</b> & </script><script>alert(3)</script>"
    assert player.text("#steps .name") == step["title"]
    assert player.js("document.scripts.length") == 2
    assert player.js("document.querySelectorAll('img, b, i').length") == 0
    player.page.wait_for_timeout(200)  # give any injected handler a moment to fire
    player.close()  # no dialogs, no errors


def test_screenshots_and_colour_schemes(
    browser: Any, built: tuple[Path, dict], tmp_path: Path
) -> None:
    page_path, manifest = built
    step = manifest["steps"][1]
    halfway = next(
        cue for cue in manifest["cues"] if cue["kind"] == "halfway" and cue["step"] == step["id"]
    )
    player = Player(browser, page_path)
    page = player.page
    player.seek(halfway["start_s"] + 0.5)
    page.emulate_media(color_scheme="light", reduced_motion="reduce")
    assert player.js("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    page.screenshot(path=tmp_path / "page-wide.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=tmp_path / "page-phone.png", full_page=True)
    page.emulate_media(color_scheme="dark")
    assert player.js("getComputedStyle(document.body).backgroundColor") == "rgb(12, 12, 12)"
    page.screenshot(path=tmp_path / "page-phone-dark.png", full_page=True)
    # Large targets: every button at least 48 px each way on a phone.
    sizes = player.js(
        "[...document.querySelectorAll('button')].map(b => b.getBoundingClientRect())"
        ".map(r => [r.width, r.height])"
    )
    assert min(min(size) for size in sizes) >= 48
    player.close()
    for name in ("page-wide.png", "page-phone.png", "page-phone-dark.png"):
        assert (tmp_path / name).stat().st_size > 10_000
    # The README's picture: written when missing, or remade on request.
    if not SCREENSHOT.exists() or os.environ.get("GUIDECAST_UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(tmp_path / "page-wide.png", SCREENSHOT)


# --- In the session's language -------------------------------------------------------------

SPANISH_ROUTINE = """\
guidecast: 1
title: Manos calientes, respiración tranquila
language: es
intro: Hola. Empezamos.
steps:
  - id: calentar
    title: Calienta las manos
    say: Frota las manos hasta que estén calientes.
    duration: 4s
  - id: circulos
    title: Círculos lentos
    say: Haz círculos lentos con las yemas.
    duration: 4s
    sides: {names: [lado izquierdo, lado derecho]}
"""


@pytest.fixture(scope="module")
def spanish(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    return build_with_page(tmp_path_factory.mktemp("spanish-page"), SPANISH_ROUTINE)


def test_a_spanish_page_is_written_in_spanish(spanish: tuple[Path, dict]) -> None:
    page, manifest = spanish
    text = page.read_text(encoding="utf-8")
    assert manifest["language"] == "es"
    assert '<html lang="es">' in text
    for english in ("Before you start", "Keyboard shortcuts", "left in the session", ">Play<"):
        assert english not in text, english
    assert "Antes de empezar" in text and "Atajos de teclado" in text


def test_a_spanish_page_in_the_browser(browser: Any, spanish: tuple[Path, dict]) -> None:
    page, manifest = spanish
    player = Player(browser, page)
    assert player.js("document.documentElement.lang") == "es"
    assert player.text("#step-title") == "Antes de empezar"
    assert player.text("#step-label") == "Introducción"
    assert player.text("#play-label") == "Reproducir"
    steps = manifest["steps"]
    player.seek(steps[2]["start_s"] + 0.5)
    player.wait_seeked()
    # One numbering (the manifest's place): a step's sides are that one step.
    assert steps[2]["place"] == "paso 2 de 2, lado derecho"
    assert player.text("#step-label") == "Paso 2 de 2 · lado derecho"
    assert player.text("#step-left-label") == "para acabar este paso"
    assert player.js("$('#live').textContent") == "Paso 2 de 2, lado derecho: Círculos lentos"
    labels = player.js("[...document.querySelectorAll('#steps button')].map(b => b.ariaLabel)")
    assert labels[0].startswith("Calienta las manos. Empieza en 0:")
    assert re.search(r"dura \d+ segundos\.$", labels[0]), labels[0]
    assert manifest["chapters"][-1]["title"] == "Cierre"
    player.js("audio.play()")
    player.wait("!audio.paused")
    player.wait("document.getElementById('play-label').textContent === 'Pausa'")
    player.js("audio.pause()")
    player.close()
