"""The shipped routines: trustworthy content, and every one builds to what its manifest says."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import miniaudio
import pytest

from guidecast.build import plan
from guidecast.core.defaults import SAMPLE_RATE as DEFAULT_SAMPLE_RATE
from guidecast.routine.library import resolve, routines_dir, shipped_names
from guidecast.routine.model import Rounds, Routine
from guidecast.routine.pacing import Pacing
from guidecast.routine.reader import read_routine_file
from guidecast.script.model import make_script
from guidecast.speech.voice import voice_for

NAMES = shipped_names()
MP3_FRAME = 576


def load(name: str) -> Routine:
    return read_routine_file(routines_dir() / f"{name}.yaml")


def test_every_seed_article_has_routines() -> None:
    assert len(NAMES) >= 5
    sources = {load(name).source for name in NAMES}
    assert {s.split("_")[0] for s in sources if s} == {"000", "001", "002", "003", "004"}


@pytest.mark.parametrize("name", NAMES)
def test_content_is_safe_and_sourced(name: str) -> None:
    routine = load(name)
    assert routine.source and re.fullmatch(r"\d{3}_[0-9a-f]{16}\.txt", routine.source)
    assert routine.version
    header = (routines_dir() / f"{name}.yaml").read_text().splitlines()[0]
    assert (
        header.startswith("#") and routine.source in (routines_dir() / f"{name}.yaml").read_text()
    )
    spoken_intro = " ".join(routine.intro).lower()
    assert "not medical advice" in spoken_intro
    safety = " ".join(routine.safety).lower()
    assert len(routine.safety) >= 3
    assert "stop" in safety
    assert re.search(r"doctor|midwife", safety)
    for step in routine.all_steps():
        assert step.duration.low > 0, step.id  # every step leaves time to do it


@pytest.mark.parametrize("name", NAMES)
def test_no_claims_a_clinician_would_not_sign(name: str) -> None:
    text = (routines_dir() / f"{name}.yaml").read_text().lower()
    spoken = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    for claim in ("tumour", "tumor", "cancer", "mastopathy", "cure", "immun", "without love"):
        assert claim not in spoken, claim


def test_builds_by_name_as_well_as_by_path() -> None:
    assert resolve("lactation-massage") == routines_dir() / "lactation-massage.yaml"


def test_sides_rounds_and_counting_are_used() -> None:
    uses = {name: set() for name in NAMES}
    for name in NAMES:
        routine = load(name)
        for item in routine.steps:
            if isinstance(item, Rounds):
                uses[name].add("rounds")
        for step in routine.all_steps():
            if step.sides:
                uses[name].add("sides")
            if step.count:
                uses[name].add("count")
    assert "sides" in uses["lactation-massage"]  # one breast, then the other
    assert sum(1 for u in uses.values() if u) >= 2


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("shipped")
    result = subprocess.run(
        [sys.executable, "-m", "guidecast", "build-all", "--shipped", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr
    return out


@pytest.mark.parametrize("name", NAMES)
def test_manifest_matches_routine_and_audio(built: Path, name: str) -> None:
    routine = load(name)
    manifest = json.loads((built / f"{routine.slug}.json").read_text())
    expected = [visit.step.id for visit in make_script(routine).visits]
    assert [s["id"] for s in manifest["steps"]] == expected
    voice = voice_for(routine, Pacing(), DEFAULT_SAMPLE_RATE)
    try:
        promised = plan(routine, Pacing(), voice).timeline.length  # all clips come from cache
    finally:
        voice.close()
    assert voice.synthesized == 0
    assert manifest["samples"] == promised
    sound = miniaudio.mp3_read_file_s16(str(built / manifest["audio"]))
    assert sound.sample_rate == manifest["sample_rate"]
    assert abs(sound.num_frames - promised) <= MP3_FRAME


def test_list_shows_every_routine() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "guidecast", "list"], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["name", "title", "length", "steps", "languages", "source"]
    for name in NAMES:
        (row,) = [line for line in lines if line.startswith(name + " ")]
        routine = load(name)
        assert routine.title in row and (routine.source or "") in row
        assert re.search(r"\b\d+:\d\d\b", row)
        assert f" {len(routine.all_steps())} " in row
        assert " en " in row  # the languages it comes in, the original first
