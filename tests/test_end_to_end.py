"""A real build, heard as a listener would: real espeak-ng speech, real MP3, real decoding."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from mutagen.id3 import ID3

from tests.listening import SILENCE_PEAK, SPEECH_RMS, decode_mp3

ROUTINE = """\
guidecast: 1
title: Test Session / Two Sides
description: A short routine for the end-to-end test.
intro: Welcome to the test.
safety: [Stop if anything hurts.]
outro: That is all.
cues: {countdown: 3}
steps:
  - id: wash
    title: Wash your hands
    say: Wash your hands with warm water.
    duration: 6s
    pause: 4s
  - rounds: 2
    steps:
      - id: circles
        title: Circles
        say: [Make slow circles., Keep your hands soft.]
        duration: 5s
        sides: {names: [left side, right side], pause: 2s}
  - id: rest
    title: Rest
    say: Rest your hands.
    duration: 12s
    cues: {halfway: true, countdown: 0}
"""

MP3_FRAME = 576  # samples per MP3 frame at 22.05 kHz


def run_guidecast(*args: str) -> subprocess.CompletedProcess[str]:
    """The real CLI in a subprocess, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "guidecast", *args], capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("e2e")
    routine = folder / "test.yaml"
    routine.write_text(ROUTINE)
    out = folder / "out"
    result = run_guidecast("build", str(routine), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "Audio saved" not in result.stdout + result.stderr  # pyttsx3's chatter is swallowed
    manifest = json.loads((out / "test-session-two-sides.json").read_text())
    return out, manifest


def test_writes_exactly_the_mp3_manifest_and_cover(built: tuple[Path, dict]) -> None:
    out, manifest = built
    assert sorted(p.name for p in out.iterdir()) == [
        "test-session-two-sides.json",
        "test-session-two-sides.mp3",
        "test-session-two-sides.png",
    ]
    assert manifest["audio"] == "test-session-two-sides.mp3"
    assert manifest["format"] == 1


def test_duration_matches_the_manifest(built: tuple[Path, dict]) -> None:
    out, manifest = built
    audio = decode_mp3(out / manifest["audio"], manifest["sample_rate"])
    assert abs(len(audio.samples) - manifest["samples"]) <= MP3_FRAME
    # The Info frame's delay and padding make it sample-exact for gapless-aware decoders.
    assert len(audio.samples) == manifest["samples"]
    assert manifest["duration_s"] == pytest.approx(manifest["samples"] / manifest["sample_rate"])


def test_speech_is_where_the_manifest_says(built: tuple[Path, dict]) -> None:
    out, manifest = built
    audio = decode_mp3(out / manifest["audio"], manifest["sample_rate"])
    spoken = [c for c in manifest["cues"] if c["text"]]
    assert len(spoken) >= 20
    for cue in spoken:
        assert audio.rms(cue["start_s"], cue["end_s"]) > SPEECH_RMS, cue
        # and the words start at the cue's start: the first 60 ms already carry sound
        assert audio.peak(cue["start_s"], cue["start_s"] + 0.06) > SILENCE_PEAK, cue


def test_silence_between_sounds(built: tuple[Path, dict]) -> None:
    """Every stretch the manifest leaves empty (pauses, perform time) is silent."""
    out, manifest = built
    audio = decode_mp3(out / manifest["audio"], manifest["sample_rate"])
    margin = 0.03  # MP3 smears a transient over a few milliseconds
    position = 0.0
    gaps = []
    for cue in sorted(manifest["cues"], key=lambda c: c["start_s"]):
        if cue["start_s"] - position > 2 * margin + 0.05:
            gaps.append((position + margin, cue["start_s"] - margin))
        position = max(position, cue["end_s"])
    gaps.append((position + margin, manifest["duration_s"]))
    assert sum(b - a for a, b in gaps) > 30  # most of the session is perform time and pauses
    for start, end in gaps:
        assert audio.peak(start, end) <= SILENCE_PEAK, (start, end)


def test_pauses_are_silent(built: tuple[Path, dict]) -> None:
    out, manifest = built
    audio = decode_mp3(out / manifest["audio"], manifest["sample_rate"])
    wash = manifest["steps"][0]
    assert wash["id"] == "wash"
    assert wash["end_s"] - wash["perform_end_s"] == pytest.approx(4.0, abs=1e-4)
    assert audio.peak(wash["perform_end_s"], wash["end_s"] - 0.03) <= SILENCE_PEAK


def test_steps_sides_and_rounds_in_order(built: tuple[Path, dict]) -> None:
    _, manifest = built
    visits = [(s["id"], s.get("side"), s.get("round")) for s in manifest["steps"]]
    assert visits == [
        ("wash", None, None),
        ("circles", "left side", 1),
        ("circles", "right side", 1),
        ("circles", "left side", 2),
        ("circles", "right side", 2),
        ("rest", None, None),
    ]
    texts = [c["text"] for c in manifest["cues"] if c["text"]]
    assert texts[0] == "Welcome to the test."
    assert texts[1].startswith("This session takes about one minute")
    assert texts[2:4] == ["Stop if anything hurts.", "Wash your hands with warm water."]
    assert "Round two of two." in texts
    assert "Now, your right side." in texts
    assert texts[-1] == "That is all."
    kinds = {c["kind"] for c in manifest["cues"]}
    assert {
        "intro",
        "safety",
        "instruction",
        "side",
        "round",
        "countdown",
        "halfway",
        "chime",
        "outro",
    } <= kinds


def test_countdown_ends_with_the_step(built: tuple[Path, dict]) -> None:
    _, manifest = built
    wash = manifest["steps"][0]
    countdown = [c for c in manifest["cues"] if c["kind"] == "countdown" and c["step"] == "wash"]
    assert [c["text"] for c in countdown] == ["three", "two", "one"]
    assert countdown[-1]["start_s"] == pytest.approx(wash["perform_end_s"] - 1.0, abs=1e-4)


def test_id3_tags(built: tuple[Path, dict]) -> None:
    out, manifest = built
    tags = ID3(out / manifest["audio"])
    assert tags["TIT2"].text == ["Test Session / Two Sides"]
    assert tags["TPE1"].text == ["guidecast"]
    assert tags["TALB"].text == ["guidecast sessions"]
    assert tags.getall("COMM")[0].text == ["A short routine for the end-to-end test."]
    assert int(tags["TLEN"].text[0]) == round(manifest["duration_s"] * 1000)


def test_rebuild_is_identical_and_uses_the_cache(built: tuple[Path, dict], tmp_path: Path) -> None:
    out, manifest = built
    routine = out.parent / "test.yaml"
    again = tmp_path / "again"
    result = run_guidecast("build", str(routine), "-o", str(again))
    assert result.returncode == 0, result.stderr
    first = (out / manifest["audio"]).read_bytes()
    second = (again / manifest["audio"]).read_bytes()
    assert first == second


def test_a_voice_that_does_not_exist_is_named_with_close_matches(tmp_path: Path) -> None:
    routine = tmp_path / "voice.yaml"
    routine.write_text(
        "guidecast: 1\ntitle: V\nvoice: {id: en-uss}\n"
        "steps:\n  - {id: a, title: A, say: Hello., duration: 2s}\n"
    )
    result = run_guidecast("build", str(routine), "-o", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr == (  # at the voice's id in the file
        f"{routine}:3:13: voice 'en-uss' does not exist in espeak-ng; close matches: "
        "gmw/en-us, gmw/en-us-nyc, eu (guidecast voices lists all)\n"
    )
    assert not (tmp_path / "out").exists()
