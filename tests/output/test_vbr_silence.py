"""Small silence (the default; `--cbr` opts out): a mostly quiet session stored small, heard
exactly as the CBR build.

Real speech, real MP3 encoding, decoded by miniaudio (dr_mp3) and ffmpeg as players do."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest

from guidecast.live.show import FileShow
from tests.listening import SILENCE_PEAK, SPEECH_RMS, decode_mp3
from tests.test_end_to_end import run_guidecast

SLEEP = """\
guidecast: 1
title: Quiet Night
intro: Lie down and let your body grow heavy.
outro: Good morning. Stretch slowly before you stand up.
steps:
  - id: settle
    title: Settle
    say: Breathe out slowly, and let your shoulders drop.
    duration: 40s
  - id: rest
    title: Rest
    say: Now rest. You will hear me again when it is time to wake.
    duration: 25m
  - id: wake
    title: Wake
    say: Wiggle your fingers and your toes.
    duration: 20s
"""
SLUG = "quiet-night"


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict]]:
    folder = tmp_path_factory.mktemp("vbr")
    routine = folder / "sleep.yaml"
    routine.write_text(SLEEP)
    found = {}
    for mode, options in (("cbr", ["--cbr"]), ("vbr-silence", []), ("asked", ["--vbr-silence"])):
        out = folder / mode
        result = run_guidecast("build", str(routine), "-o", str(out), "--split", *options)
        assert result.returncode == 0, result.stderr
        found[mode] = (out, json.loads((out / f"{SLUG}.json").read_text()))
    return found


def test_the_manifest_says_which_was_written(builds) -> None:
    assert builds["cbr"][1]["bitrate_mode"] == "cbr"
    assert builds["vbr-silence"][1]["bitrate_mode"] == "vbr-silence"
    assert builds["vbr-silence"][1]["bitrate_kbps"] == 64  # the speech's bitrate
    default, asked = (builds[m][0] / f"{SLUG}.mp3" for m in ("vbr-silence", "asked"))
    assert default.read_bytes() == asked.read_bytes()  # --vbr-silence: the default, asked for


def test_a_quiet_session_is_a_fraction_of_its_cbr_size(builds) -> None:
    cbr = (builds["cbr"][0] / f"{SLUG}.mp3").stat().st_size
    vbr = (builds["vbr-silence"][0] / f"{SLUG}.mp3").stat().st_size
    assert vbr < cbr / 5, (vbr, cbr)


def test_it_decodes_to_the_same_samples_as_the_cbr_build(builds) -> None:
    out, manifest = builds["vbr-silence"]
    rate = manifest["sample_rate"]
    vbr = decode_mp3(out / f"{SLUG}.mp3", rate).samples
    cbr = decode_mp3(builds["cbr"][0] / f"{SLUG}.mp3", rate).samples
    assert len(vbr) == manifest["samples"]
    assert vbr == cbr  # speech frames bit-identical, silent frames silent either way
    ffmpeg = subprocess.run(
        [
            *(imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error"),
            *("-i", str(out / f"{SLUG}.mp3"), "-f", "s16le", "-"),
        ],
        capture_output=True,
        check=True,
    ).stdout
    assert len(ffmpeg) // 2 == manifest["samples"]  # ffmpeg honours the LAME tag too


def test_speech_and_silence_are_where_the_manifest_says(builds) -> None:
    out, manifest = builds["vbr-silence"]
    decoded = decode_mp3(out / f"{SLUG}.mp3", manifest["sample_rate"])
    spoken = [c for c in manifest["cues"] if c["text"]]
    for cue in spoken:
        assert decoded.rms(cue["start_s"], cue["end_s"]) > SPEECH_RMS, cue
    rest = next(s for s in manifest["steps"] if s["id"] == "rest")
    quiet_from = max(
        c["end_s"] for c in manifest["cues"] if c["start_s"] < rest["perform_end_s"] - 60
    )
    assert decoded.peak(quiet_from + 0.1, rest["perform_end_s"] - 0.1) <= SILENCE_PEAK


def test_split_tracks_add_up_exactly(builds) -> None:
    out, manifest = builds["vbr-silence"]
    rate = manifest["sample_rate"]
    tracks = [f["path"] for f in manifest["files"] if f["role"] == "track"]
    lengths = [len(decode_mp3(out / path, rate).samples) for path in tracks]
    expected = [round(c["end_s"] * rate) - round(c["start_s"] * rate) for c in manifest["chapters"]]
    assert lengths == expected and sum(lengths) == manifest["samples"]


def test_play_of_the_built_file_seeks_exactly(builds) -> None:
    out, manifest = builds["vbr-silence"]
    rate = manifest["sample_rate"]
    decoded = np.asarray(decode_mp3(out / f"{SLUG}.mp3", rate).samples, dtype=np.int16)
    show = FileShow(out / f"{SLUG}.json")
    try:
        snap = show.snapshot()
        assert snap.timeline.length == manifest["samples"]
        last = [c for c in manifest["cues"] if c["text"]][-1]  # after 25 quiet minutes
        for start in (round(last["start_s"] * rate) - 1000, round(20 * 60 * rate)):
            heard = np.frombuffer(show.pcm(snap, start, rate), dtype=np.int16)
            assert np.array_equal(heard, decoded[start : start + rate]), start
    finally:
        show.close()


def test_vbr_silence_is_for_mp3_only(tmp_path: Path) -> None:
    result = run_guidecast(
        "build", "baby-daily-back", "-o", str(tmp_path / "out"), "--format", "wav", "--vbr-silence"
    )
    assert result.returncode == 2
    assert result.stderr.startswith("guidecast: --vbr-silence is for MP3 files"), result.stderr
    assert not (tmp_path / "out").exists()
