"""Every surface tells the same session: the same length and the same step numbering in
validate, build, preview, the manifest, the page in Chromium and play's plain lines.

Real speech (espeak-ng), real MP3s, a real browser (see test_page.py), the real CLI.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

import pytest

from tests.output.test_page import Player, browser  # noqa: F401  (a fixture)

BOX = """\
guidecast: 1
title: Box breathing
intro: Ten minutes of slow, square breathing.
phrases: {round: ""}
chime: false
steps:
  - rounds: 22
    title: Box breathing
    steps:
      - {id: in, title: Breathe in, say: In., duration: 4s, count: {to: 4, every: 1s}}
      - {id: hold-in, title: Hold, say: Hold., duration: 4s, count: {to: 4, every: 1s}}
      - {id: out, title: Breathe out, say: Out., duration: 4s, count: {to: 4, every: 1s}}
      - {id: hold-out, title: Hold empty, say: Hold., duration: 4s, count: {to: 4, every: 1s}}
"""

SIDES_ROUNDS_SILENCE = """\
guidecast: 1
title: Hands and a long rest
intro: Hands first, then a long rest.
cues: {countdown: 3}
steps:
  - id: warm
    title: Warm your hands
    say: Rub your hands together.
    duration: 7.3s
  - rounds: 3
    steps:
      - id: press
        title: Press
        say: Press gently.
        duration: 6.6s
        sides: {names: [left hand, right hand], pause: 1.3s}
  - id: rest
    title: Long rest
    say: Lie still and rest.
    duration: 11m 41.7s
    cues: {countdown: 0}
"""

INTERVALS = """\
guidecast: 1
title: Intervals
steps:
  - rounds: 4
    steps:
      - {id: work, title: Work, say: Go hard., duration: 40s, cues: {countdown: 3}}
      - {id: ease, title: Ease off, say: Ease off., duration: 25.5s}
"""

ROUTINES = {"box": BOX, "sides": SIDES_ROUNDS_SILENCE, "intervals": INTERVALS}


def guidecast(*args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "guidecast", *args], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module", params=sorted(ROUTINES))
def session(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp(request.param)
    routine = folder / "routine.yaml"
    routine.write_text(ROUTINES[request.param])
    built = guidecast("build", str(routine), "-o", str(folder / "out"), "--page")
    [manifest] = (folder / "out").glob("*.json")
    return {
        "routine": routine,
        "data": json.loads(manifest.read_text()),
        "page": folder / "out" / f"{manifest.stem}.html",
        "build": built,
    }


def test_the_cli_says_one_length_and_one_step_count(session: dict) -> None:
    data, routine = session["data"], session["routine"]
    length, steps = data["duration_shown"], data["step_count"]
    assert re.fullmatch(r"\d+:\d\d", length)
    assert session["build"].stdout.splitlines()[0].split()[1:] == [length, str(steps), "steps"]
    validated = guidecast("validate", str(routine))
    assert validated.stdout.strip() == f"ok  {length}"
    assert len(validated.stderr.splitlines()) <= 5  # a handful of warning lines at most
    preview = guidecast("preview", str(routine))
    assert preview.stdout.splitlines()[0].endswith(f"({length})")
    # The manifest's shown length is the one rule applied to its exact length.
    assert data["duration_s"] - 1 < int(length.split(":")[0]) * 60 + int(length[-2:])
    assert int(length.split(":")[0]) * 60 + int(length[-2:]) <= data["duration_s"] + 1


def test_play_prints_the_same_length_and_numbering(session: dict) -> None:
    data = session["data"]
    played = guidecast("play", str(session["routine"]), "--device", "null", "--speed", "100")
    lines = played.stdout.splitlines()
    start = lines[0]
    assert f"({data['duration_shown']}, {data['step_count']} steps)" in start, start
    labels = [line.split(None, 2)[2] for line in lines if line.split()[1] == "step"]
    assert labels == [f"{step['place']}: {step['title']}" for step in data["steps"]]
    # ... and the same from the built MP3 (the manifest read back).
    audio = session["page"].with_suffix(".mp3")
    again = guidecast("play", str(audio), "--device", "null", "--speed", "100")
    assert [line.split(None, 2)[2] for line in again.stdout.splitlines()[1:] if " step " in line][
        : len(labels)
    ] == labels


def test_the_page_shows_the_same_length_numbering_and_chapters(
    browser: Any,  # noqa: F811
    session: dict,
) -> None:
    data = session["data"]
    player = Player(browser, session["page"])
    try:
        assert player.text("#total") == data["duration_shown"]
        assert player.text("#session-left") == data["duration_shown"]
        for index in (0, len(data["steps"]) // 2, len(data["steps"]) - 1):
            step = data["steps"][index]
            player.seek(step["start_s"] + 0.05)
            place = step["place"]
            assert player.text("#step-label") == (place[0].upper() + place[1:]).replace(", ", " · ")
        names = player.js("[...document.querySelectorAll('#steps .name')].map(e => e.textContent)")
        chapters = [c for c in data["chapters"] if c["step"] is not None]
        assert names == [c["title"] for c in chapters]
        assert len(names) <= 15  # a list to scroll on a phone
        metas = player.js("[...document.querySelectorAll('#steps .meta')].map(e => e.textContent)")
        assert metas == [f"{c['start_shown']} · {c['length_shown']}" for c in chapters]
    finally:
        player.close()
    # A manifest from before the shown fields: the page applies the same rule and numbering.
    old = {k: v for k, v in data.items() if k not in ("duration_shown", "step_count")}
    old["steps"] = [{k: v for k, v in s.items() if k != "place"} for s in data["steps"]]
    old["chapters"] = [
        {k: v for k, v in c.items() if not k.endswith("_shown")} for c in data["chapters"]
    ]
    folder = session["page"].parent / "old"
    folder.mkdir(exist_ok=True)
    (folder / data["audio"]).write_bytes((session["page"].parent / data["audio"]).read_bytes())
    (folder / "old.json").write_text(json.dumps(old))
    guidecast("page", str(folder / "old.json"))
    player = Player(browser, folder / session["page"].name)
    try:
        assert player.text("#total") == data["duration_shown"]
        step = data["steps"][-1]
        player.seek(step["start_s"] + 0.05)
        place = step["place"]
        assert player.text("#step-label") == (place[0].upper() + place[1:]).replace(", ", " · ")
        metas = player.js("[...document.querySelectorAll('#steps .meta')].map(e => e.textContent)")
        assert metas == [f"{c['start_shown']} · {c['length_shown']}" for c in chapters]
    finally:
        player.close()


def test_box_breathing_keeps_its_four_second_phases(session: dict) -> None:
    data = session["data"]
    if data["title"] != "Box breathing":
        pytest.skip("box breathing only")
    assert data["notes"] == []
    assert not [c for c in data["cues"] if c["kind"] == "round"]
    for step in data["steps"]:
        assert step["perform_end_s"] - step["perform_start_s"] == pytest.approx(4.0, abs=1e-4)
        counted = [
            c["text"]
            for c in data["cues"]
            if c["kind"] == "count" and step["start_s"] <= c["start_s"] < step["end_s"]
        ]
        assert counted == ["one", "two", "three", "four"]
    assert len([c for c in data["chapters"] if c["step"]]) <= 12
