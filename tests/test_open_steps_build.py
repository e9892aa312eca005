"""A routine with an open step (`duration: {until: done, nominal: ...}`), built for real: the
MP3 is the session of a fixed step of the nominal time, to the sample, with every cue a fixed
step has; the manifest, the WebVTT captions and the page say the step is open."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guidecast.build import Extras, build
from guidecast.routine.reader import parse_routine
from tests.listening import SPEECH_RMS, decode_mp3

ROUTINE = """\
guidecast: 1
title: Open Build
intro: A short test of a step that waits.
cues: {countdown: 3, halfway: true}
steps:
  - id: warm
    title: Warm
    say: Put a warm cloth on the breast.
    duration: 6s
  - id: express
    title: Express
    say: Press back, squeeze gently, and release, until the breast feels soft.
    duration: DURATION
    cues: {keep_going: {every: 6s, say: [Press and release.]}}
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict]]:
    out = {}
    for name, duration in (("open", "{until: done, nominal: 20s}"), ("fixed", "20s")):
        folder = tmp_path_factory.mktemp(name)
        routine = parse_routine(ROUTINE.replace("DURATION", duration), f"{name}.yaml")
        build(routine, folder, extras=Extras(captions=True, page=True, cover=False))
        manifest = json.loads((folder / f"{routine.slug}.json").read_text())
        out[name] = (folder, manifest)
    return out


def test_the_built_file_gives_an_open_step_its_nominal_time(built: dict) -> None:
    (folder, manifest), (_, fixed) = built["open"], built["fixed"]
    assert manifest["samples"] == fixed["samples"]
    assert [(c["kind"], c["start_s"], c["text"]) for c in manifest["cues"]] == [
        (c["kind"], c["start_s"], c["text"]) for c in fixed["cues"]
    ]
    express = manifest["steps"][1]
    assert express["until"] == "done" and "until" not in manifest["steps"][0]
    assert "until" not in fixed["steps"][1]
    assert express["perform_end_s"] - express["perform_start_s"] == pytest.approx(20, abs=1e-4)
    kinds = {c["kind"] for c in manifest["cues"] if c["step"] == "express"}
    assert {"countdown", "halfway", "keep_going"} <= kinds  # as a fixed step of 20 s
    assert "waiting" not in kinds  # nothing waits in a file
    decoded = decode_mp3(folder / manifest["audio"], manifest["sample_rate"])
    assert len(decoded.samples) == manifest["samples"]  # the decoded length is the layout's
    for cue in (c for c in manifest["cues"] if c["step"] == "express" and c["text"]):
        assert decoded.rms(cue["start_s"], cue["end_s"]) > SPEECH_RMS, cue  # heard where placed


def test_the_captions_and_the_page_say_the_step_is_open(built: dict) -> None:
    folder, manifest = built["open"]
    vtt = (folder / f"{Path(manifest['audio']).stem}.vtt").read_text()
    (note,) = [block for block in vtt.split("\n\n") if block.startswith("NOTE")]
    assert note.startswith("NOTE until done: step express waits for the listener")
    assert "-->" not in note  # a NOTE may not hold the cue arrow
    blocks = vtt.split("\n\n")
    express_words = next(i for i, b in enumerate(blocks) if "Press and release." in b)
    assert blocks.index(note) < express_words
    fixed_folder, fixed = built["fixed"]
    assert "NOTE" not in (fixed_folder / f"{Path(fixed['audio']).stem}.vtt").read_text()


def test_the_page_lists_the_open_step_as_open(built: dict, tmp_path: Path) -> None:
    """In a real browser: the open step's line in the step list says so; the other does not."""
    from tests.output.test_page import Player, chromium

    for name, expected in (("open", [False, True]), ("fixed", [False, False])):
        folder, manifest = built[name]
        with chromium(tmp_path / name) as context:
            page = Player(context, folder / f"{Path(manifest['audio']).stem}.html")
            metas = page.js(
                "[...document.querySelectorAll('.steps .meta')].map(m => m.textContent)"
            )
            page.close()
        assert ["until done: pause if you need longer" in meta for meta in metas] == expected
