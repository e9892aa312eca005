"""The shipped library read as a clinician would: every line written is heard, nothing is
dropped, and the safety points a listener needs are spoken where she needs them.

The routines are validated and built for real (espeak-ng speech, MP3, decoding): the manifest
and the decoded audio are what a listener gets.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from guidecast.routine.library import routines_dir, shipped_names
from guidecast.routine.model import Routine, Step
from guidecast.routine.reader import read_routine_file
from tests.listening import SPEECH_RMS, decode_mp3

NAMES = shipped_names()
BABY = [name for name in NAMES if name.startswith("baby-")]


def load(name: str) -> Routine:
    return read_routine_file(routines_dir() / f"{name}.yaml")


def guidecast(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "guidecast", *args], capture_output=True, text=True, timeout=600
    )


def reminders(routine: Routine, step: Step) -> tuple[str, ...]:
    cues = step.cues if (step.count or step.ticks) else step.cues.over(routine.cues)
    return cues.keep_going.say if cues.keep_going else ()


def spoken(routine: Routine) -> str:
    """Every line the file gives to be spoken, as one lowercase text."""
    lines = [*routine.intro, *routine.safety, *routine.outro]
    for step in routine.all_steps():
        lines += [*step.say, *reminders(routine, step)]
    return "\n".join(lines).lower()


@pytest.mark.parametrize("name", NAMES)
def test_validates_with_no_warning(name: str) -> None:
    """A warning means a cue was dropped or a step grew: a line lost or a time unexplained."""
    result = guidecast("validate", name)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert re.fullmatch(r"ok\s+\d+:\d\d\n", result.stdout), result.stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("library")
    result = guidecast("build-all", "--shipped", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr
    return out


def manifest_of(built: Path, name: str) -> dict:
    return json.loads((built / f"{load(name).slug}.json").read_text())


@pytest.mark.parametrize("name", NAMES)
def test_the_manifest_holds_every_line_of_the_file(built: Path, name: str) -> None:
    routine = load(name)
    manifest = manifest_of(built, name)
    assert manifest["notes"] == []
    heard = {(cue["kind"], cue["text"]) for cue in manifest["cues"] if cue["text"]}
    for kind, lines in (("intro", routine.intro), ("safety", routine.safety)):
        assert {(kind, line) for line in lines} <= heard
    assert {("outro", line) for line in routine.outro} <= heard
    for step in routine.all_steps():
        in_step = {c["text"] for c in manifest["cues"] if c["step"] == step.id and c["text"]}
        assert set(step.say) <= in_step, step.id
        # every reminder of the step's list is heard in that step, not only the first few
        assert set(reminders(routine, step)) <= in_step, step.id


@pytest.mark.parametrize("name", NAMES)
def test_every_line_is_heard_where_the_manifest_says(built: Path, name: str) -> None:
    manifest = manifest_of(built, name)
    audio = decode_mp3(built / manifest["audio"], manifest["sample_rate"])
    quiet = [
        c
        for c in manifest["cues"]
        if c["text"] and audio.rms(c["start_s"], c["end_s"]) <= SPEECH_RMS
    ]
    assert quiet == []


def face_down_spells(manifest: dict, routine: Routine) -> list[list[dict]]:
    """The step visits during which the baby lies on its tummy, spell by spell: from a step
    that lays the baby on its tummy to the next step that turns it onto its back."""
    says = {step.id: " ".join(step.say).lower() for step in routine.all_steps()}
    spells: list[list[dict]] = []
    current: list[dict] | None = None
    for span in manifest["steps"]:
        if "onto their back" in says[span["id"]]:
            current = None
        elif "on their tummy" in says[span["id"]] and current is None:
            current = []
            spells.append(current)
        if current is not None:
            current.append(span)
    return spells


@pytest.mark.parametrize("name", BABY)
def test_a_baby_is_face_down_only_in_short_watched_spells(built: Path, name: str) -> None:
    routine = load(name)
    manifest = manifest_of(built, name)
    assert re.search(r"from about \w+ weeks old", " ".join(routine.intro))
    spells = face_down_spells(manifest, routine)
    assert len(spells) >= 1
    for spell in spells:
        length = spell[-1]["end_s"] - spell[0]["start_s"]
        assert length <= 180, (name, spell[0]["id"], length)  # NHS: short spells while awake
        for span in spell[1:]:  # the first step lays the baby down and checks nose and mouth
            lines = [
                c["text"].lower()
                for c in manifest["cues"]
                if c["text"] and span["start_s"] <= c["start_s"] < span["end_s"]
            ]
            assert any("face" in line for line in lines), (name, span["id"], span.get("side"))
    text = spoken(routine)
    assert "never press on the spine" in text
    for banned in ("knead", "tap ", "tapping", "palm flat beside"):
        assert banned not in text, banned


MILK = [name for name in NAMES if "express" in spoken(load(name))]


def storage_lines(name: str) -> tuple[str, ...]:
    (store,) = [step for step in load(name).all_steps() if step.id == "store-milk"]
    return store.say


def test_milk_is_stored_by_one_conservative_set_of_lines() -> None:
    assert {"hand-expression", "lactation-massage", "tight-spot-massage"} <= set(MILK)
    sets = {storage_lines(name) for name in MILK}
    assert len(sets) == 1, "the storage lines differ between routines"
    text = " ".join(sets.pop()).lower()
    for fact in (
        "date and time",
        "four hours",
        "three days",
        "not in the door",
        "six months",
        "two weeks",
        "twelve hours",
        "never freeze it again",
        "born early",
    ):
        assert fact in text, fact
    for name in MILK:
        text = spoken(load(name))
        assert "sterilised container" in text
        assert "wash the container" not in text  # it holds the milk
        assert not re.search(r"express[^.]*(each|every) feed|(each|every) feed[^.]*express", text)


@pytest.mark.parametrize("name", MILK)
def test_expressing_is_taught_where_it_is_done(name: str) -> None:
    """A step that expresses says the rhythm itself, and the hold unless the step before it
    taught it (hand-expression's practice steps); never only in a reminder later on."""
    taught = False
    for step in load(name).all_steps():
        say = " ".join(step.say).lower()
        if "express" in step.id:
            assert "press" in say and "release" in say, step.id
            assert "c shape" in say or taught, step.id
        taught = taught or "letter c" in say or "c shape" in say


@pytest.mark.parametrize("name", NAMES)
def test_each_other_hand_is_named_first(name: str) -> None:
    """'The other hand' heard once needs a hand named before it, in the same step."""
    routine = load(name)
    for step in routine.all_steps():
        lines = [line.lower() for line in (*step.say, *reminders(routine, step))]
        for index, line in enumerate(lines):
            if re.search(r"\b(other|free) hand\b", line):
                before = " ".join(lines[: index + 1])
                assert re.search(r"one hand|same side|left hand|right hand|two hands", before), (
                    step.id,
                    line,
                )


@pytest.mark.parametrize("name", NAMES)
def test_who_it_is_for_when_to_stop_and_ticks_explained(name: str) -> None:
    routine = load(name)
    opening = " ".join((*routine.intro, *routine.safety)).lower()
    assert re.search(r"\bit is for\b|\bfor you if\b|\bare for\b", opening)
    safety = " ".join(routine.safety).lower()
    assert "stop" in safety and re.search(r"doctor|midwife|emergency", safety)
    for step in routine.all_steps():
        if step.ticks:
            assert "tick" in " ".join(step.say).lower(), step.id


def test_every_belly_step_repeats_the_guard() -> None:
    routine = load("postpartum-recovery")
    belly = [s for s in routine.all_steps() if re.search(r"belly|stretch", s.title.lower())]
    assert len(belly) >= 2
    for step in belly:
        say = " ".join(step.say).lower()
        assert "too soon" in say and "scar" in say, step.id
    assert "six week check" in spoken(routine)
