"""The app in a phone-sized Chromium, end to end, on a real server on 127.0.0.1: the library,
pacing with the live plan, a build with its progress, the player (play, seek, the length
picker, the log), uploads with their line and column, and a cross-site POST refused."""

from __future__ import annotations

import functools
import html
import http.server
import json
import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.output.test_page import ROOT, chromium
from tests.serve.running import SMALL_ROUTINE, Server, serving_a_folder

PHONE = {"width": 390, "height": 844}
SCREENSHOTS = {
    name: ROOT / "docs" / f"serve-{name}.png" for name in ("library", "routine", "player")
}
pytestmark = pytest.mark.slow

# Records what the "Make my session" list shows as it changes, across page loads.
WATCH_JOBS = """
document.addEventListener("DOMContentLoaded", () => {
  const jobs = document.getElementById("jobs");
  if (!jobs) return;
  new MutationObserver(() => {
    jobs.querySelectorAll("li").forEach((li) => {
      const bar = li.querySelector("progress");
      window.seen(`${li.dataset.state}:${bar ? bar.value : ""}:${li.textContent}`);
    });
  }).observe(jobs, { subtree: true, childList: true, attributes: true, characterData: true });
});
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving_a_folder(tmp_path_factory.mktemp("serve-browser")) as running:
        yield running


@pytest.fixture(scope="module")
def phone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with chromium(
        tmp_path_factory.mktemp("chromium-profile"),
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    ) as context:
        yield context


class Tab:
    """One page, failing the test on any script error or policy violation it reports."""

    def __init__(self, context: Any, url: str) -> None:
        self.page = context.new_page()
        self.problems: list[str] = []
        self.seen: list[str] = []
        self.page.on("pageerror", lambda err: self.problems.append(f"error: {err}"))
        self.page.on("console", self._console)
        self.page.on(
            "response",
            lambda r: self.problems.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )
        self.page.expose_function("seen", lambda text: self.seen.append(text))
        self.page.add_init_script(WATCH_JOBS)
        self.page.goto(url)

    def _console(self, message: Any) -> None:
        # Failed loads are recorded with their address by the response handler.
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.problems.append(f"console: {message.text}")

    def js(self, expression: str) -> Any:
        return self.page.evaluate(f"() => ({expression})")

    def wait(self, expression: str, timeout: float = 60_000) -> None:
        self.page.wait_for_function(f"() => ({expression})", timeout=timeout)

    def planned(self) -> float:
        return float(self.js("document.documentElement.dataset.planned || 0"))

    def close(self) -> None:
        self.page.close()
        # A 400 is an answer the page shows (a length the routine cannot reach): not a fault.
        assert not [p for p in self.problems if not p.startswith("400 ")], self.problems


def screenshot(tab: Tab, name: str, tmp_path: Path) -> None:
    shot = tmp_path / f"{name}.png"
    tab.page.screenshot(path=str(shot), full_page=False)
    if not SCREENSHOTS[name].exists() or os.environ.get("GUIDECAST_UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(shot, SCREENSHOTS[name])


def test_the_library_lists_searches_and_filters(server: Server, phone: Any, tmp_path: Path) -> None:
    tab = Tab(phone, server.base + "/")
    tab.wait("document.querySelectorAll('#routines li').length > 1")
    titles = tab.page.locator("#routines .name").all_text_contents()
    assert "Warm hands, calm breath" in titles
    assert "Back massage for your baby" in titles
    # Lengths are planned one by one and filled in.
    tab.wait(
        "![...document.querySelectorAll('#routines .length')].some(e => e.textContent === '…')",
        240_000,
    )
    warm = tab.page.locator("#routines li[data-id=warm]")
    assert re.search(
        r"\d+:\d\d · 3 steps · en · from your folder · source: the serve tests", warm.inner_text()
    )
    tab.page.fill("#search", "calm breath")
    visible = tab.page.locator("#routines li:visible .name").all_text_contents()
    assert visible == ["Warm hands, calm breath"]
    assert tab.page.locator("#status").inner_text() == f"1 of {len(titles)} routines"
    tab.page.fill("#search", "")
    tab.page.select_option("#language", "en")
    assert tab.page.locator("#routines li:visible").count() == len(titles)
    screenshot(tab, "library", tmp_path)
    tab.page.click("text=Warm hands, calm breath")
    tab.page.wait_for_url(re.compile(r"/r/warm$"))
    tab.close()


def test_pace_it_build_it_play_it_and_log_it(server: Server, phone: Any, tmp_path: Path) -> None:
    tab = Tab(phone, server.base + "/r/warm")
    tab.wait("Number(document.documentElement.dataset.planned) > 0")
    before = tab.planned()
    assert tab.page.locator("#plan-length").inner_text() != "…"
    # A step's time, within its range (4-12 s, 8 s in the middle), moves the planned length.
    tab.page.locator("#step-warm").fill("12")
    tab.wait(f"Number(document.documentElement.dataset.planned) !== {before}")
    assert tab.planned() == pytest.approx(before + 4, abs=0.05)
    assert tab.page.locator("#out-warm").inner_text() == "12 s"
    # A target length: the plan fits it.
    tab.page.check("input[name=mode][value=length]")
    tab.page.locator("#length").fill("1")
    tab.wait("Math.abs(Number(document.documentElement.dataset.planned) - 60) < 0.01")
    assert tab.page.locator("#plan-length").inner_text() == "1:00"
    tab.page.locator("#length").fill("20")
    tab.wait("document.getElementById('plan-status').classList.contains('bad')")
    assert "cannot be reached" in tab.page.locator("#plan-status").inner_text()
    tab.page.check("input[name=mode][value=pace]")
    tab.wait(f"Math.abs(Number(document.documentElement.dataset.planned) - {before + 4}) < 0.05")
    tab.page.evaluate("window.scrollTo(0, 0)")
    screenshot(tab, "routine", tmp_path)

    tab.page.click("#make")
    tab.page.wait_for_url(re.compile(r"/s/[0-9a-f]{16}/[0-9a-f]{16}/$"), timeout=240_000)
    states = [s.split(":")[0] for s in tab.seen]
    assert "running" in states and "done" in states, tab.seen
    assert any(re.search(r"Speaking the lines… \d+%|Making the audio… \d+%", s) for s in tab.seen)
    first_player = tab.page.url

    # The player: its length matches the plan; play, seek, play to the end.
    tab.wait("document.getElementById('audio').readyState >= 1")
    duration = tab.js("document.getElementById('audio').duration")
    assert duration == pytest.approx(before + 4, abs=0.1)
    tab.js("(document.getElementById('audio').muted = true)")
    tab.page.click("#play")
    tab.wait(
        "!document.getElementById('audio').paused"
        " && document.getElementById('audio').currentTime > 0.3"
    )
    tab.page.click("#next")
    tab.wait("document.getElementById('step-title').textContent === 'Warm your hands'")
    tab.page.click("#next")
    tab.wait("document.getElementById('step-title').textContent === 'Slow circles'")
    at = tab.js("document.getElementById('audio').currentTime")
    assert at > 10
    screenshot(tab, "player", tmp_path)
    tab.js("(document.getElementById('audio').playbackRate = 8)")
    tab.wait("document.documentElement.dataset.logged === 'ended'", 120_000)

    # The log has it, played to its end, with the side heard first.
    log = Tab(phone, server.base + "/log")
    for _ in range(50):
        if "played to the end" in log.page.locator("body").inner_text():
            break
        log.page.wait_for_timeout(200)
        log.page.reload()
    text = log.page.locator("#log-rows").inner_text()
    assert "Warm hands, calm breath" in text and "played to the end" in text
    assert "left side" in text
    assert "Streak: 1 day in a row" in log.page.locator("#streak").inner_text()
    log.close()

    # The next time, the routine's page offers the other side.
    tab.page.goto(server.base + "/r/warm")
    tab.wait("document.querySelectorAll('input[name=side]').length === 2")
    assert tab.page.locator("#sides-hint").inner_text() == "Last time you started on the left side."
    assert tab.page.is_checked("input[name=side][value='1']")

    # A second length of the same session: the player offers both.
    tab.page.check("input[name=side][value='0']")
    tab.page.locator("#step-warm").fill("12")
    tab.page.check("input[name=mode][value=length]")
    tab.page.locator("#length").fill("1")
    tab.wait("Math.abs(Number(document.documentElement.dataset.planned) - 60) < 0.01")
    tab.page.click("#make")
    tab.page.wait_for_url(re.compile(r"/s/"), timeout=240_000)
    tab.wait("document.querySelectorAll('#lengths a').length === 2")
    picker = tab.page.locator("#lengths a")
    assert picker.all_text_contents() == [f"0:{round(before + 4):02d}", "1:00"] or sorted(
        picker.all_text_contents()
    ) == sorted([f"0:{round(before + 4):02d}", "1:00"])
    assert tab.page.locator("#lengths a[aria-current=page]").inner_text() == "1:00"
    tab.page.locator("#lengths a:not([aria-current])").click()
    tab.page.wait_for_url(first_player)
    tab.close()


def test_the_same_inputs_are_served_from_the_build_before(server: Server, phone: Any) -> None:
    tab = Tab(phone, server.base + "/r/warm")
    tab.wait("Number(document.documentElement.dataset.planned) > 0")
    tab.page.locator("#step-warm").fill("12")
    tab.page.check("input[name=side][value='0']")  # the first session's side, not the other
    tab.page.click("#make")
    tab.page.wait_for_url(re.compile(r"/s/"), timeout=30_000)
    assert not any(s.startswith("running") for s in tab.seen)  # done at once
    tab.close()


def test_a_loaded_session_plays_offline(server: Server, phone: Any) -> None:
    [built] = [p for p in server.out.glob("*/*") if p.is_dir()][:1]
    tab = Tab(phone, f"{server.base}/s/{built.parent.name}/{built.name}/")
    tab.wait("document.documentElement.dataset.offline === 'ready'")
    assert "plays offline too" in tab.page.locator("#wake-hint").inner_text()
    phone.set_offline(True)
    try:
        tab.page.reload()
        tab.wait("document.getElementById('audio').readyState >= 1")
        tab.js("(document.getElementById('audio').muted = true)")
        tab.page.click("#play")
        tab.wait("document.getElementById('audio').currentTime > 0.3")
        tab.page.click("#next")  # a seek: a range cut from the kept audio
        tab.wait("document.getElementById('audio').currentTime > 2")
    finally:
        phone.set_offline(False)
    tab.close()


def test_a_broken_routine_shows_its_line_and_column(server: Server, phone: Any) -> None:
    tab = Tab(phone, server.base + "/add")
    broken = SMALL_ROUTINE.replace("duration: 6s", "duration: six")
    tab.page.fill("#text", broken)
    tab.page.click("#check")
    tab.wait("document.querySelectorAll('#problems li').length > 0")
    problem = tab.page.locator("#problems li").first.inner_text()
    assert problem.startswith("pasted routine:16:15: step 'circles' duration: 'six'")
    assert "Not added" in tab.page.locator("#status").inner_text()
    # A file: named by its own name.
    tab.page.set_input_files(
        "#file",
        files=[{"name": "my-broken.yaml", "mimeType": "text/yaml", "buffer": b"title: [\n"}],
    )
    tab.wait(
        "document.querySelector('#problems li') && "
        "document.querySelector('#problems li').textContent.startsWith('my-broken.yaml:')"
    )
    assert re.match(
        r"my-broken\.yaml:\d+:\d+: ", tab.page.locator("#problems li").first.inner_text()
    )
    assert not (server.data / "routines").exists()  # nothing stored
    # Fixed: stored, and its page opens.
    tab.page.set_input_files(
        "#file",
        files=[
            {"name": "My hands.yaml", "mimeType": "text/yaml", "buffer": SMALL_ROUTINE.encode()}
        ],
    )
    tab.page.wait_for_url(re.compile(r"/r/my-hands$"))
    assert (server.data / "routines" / "my-hands.yaml").read_text() == SMALL_ROUTINE
    tab.close()


@pytest.fixture()
def hostile_site(tmp_path: Path) -> Iterator[str]:
    """Another origin: a plain web server on another port, serving whatever the test writes."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{site.server_address[1]}"
    finally:
        site.shutdown()
        site.server_close()


def test_a_post_from_another_origin_is_refused(
    server: Server, phone: Any, hostile_site: str, tmp_path: Path
) -> None:
    target = f"{server.base}/api/routines"
    payload = json.dumps({"text": SMALL_ROUTINE, "name": "evil.yaml"})
    # A form that submits itself (the classic cross-site request), and a script's fetch.
    (tmp_path / "form.html").write_text(
        f"""<form method="post" action="{target}" enctype="text/plain">
        <input type="hidden" name='{html.escape(payload[:-2])}' value='{html.escape(payload[-2:])}'>
        </form><script>document.forms[0].submit()</script>"""
    )
    (tmp_path / "fetch.html").write_text(
        f"""<script>fetch({json.dumps(target)}, {{method: "POST", mode: "no-cors",
        credentials: "include", headers: {{"content-type": "text/plain",
        "x-guidecast-csrf": "guessed"}}, body: {json.dumps(payload)}}})</script>"""
    )
    page = phone.new_page()
    with page.expect_response(target) as response:
        page.goto(f"{hostile_site}/form.html")
    assert response.value.status == 403
    # The script's request reaches the server, which refuses it; the browser does not even
    # hand the script the (opaque) answer: Cross-Origin-Resource-Policy is same-origin.
    with page.expect_event("requestfailed", lambda r: r.url == target) as failed:
        page.goto(f"{hostile_site}/fetch.html")
    assert "BLOCKED_BY_RESPONSE" in (failed.value.failure or "")
    page.close()
    assert not (server.data / "routines" / "evil.yaml").exists()
