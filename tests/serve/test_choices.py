"""The page's controls as the library's pacing, the routine as the person will hear it, and a
saved pacing that `--pacing` reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from guidecast.build import AudioSettings
from guidecast.core.durations import TimeRange
from guidecast.core.errors import UsageError
from guidecast.routine.library import resolve
from guidecast.routine.pacing import Pacing, read_pacing_file
from guidecast.routine.reader import parse_routine, read_routine_file
from guidecast.serve.choices import (
    Choices,
    applied,
    choices_from_json,
    first_sides,
    pacing_yaml,
    save_pacing,
    saved_pacing,
)
from guidecast.serve.jobs import keys
from tests.serve.running import SMALL_ROUTINE

ROUTINE = parse_routine(SMALL_ROUTINE, "warm.yaml")


def test_controls_become_the_same_pacing_as_the_options() -> None:
    choices = choices_from_json(
        {"pace": 1.5, "steps": {"warm": 10, "circles": 9}, "rate": 140, "chime": False}, ROUTINE
    )
    assert choices.pacing == Pacing(
        pace=1.5,
        times={"warm": TimeRange(10, 10), "circles": TimeRange(9, 9)},
        rate=140,
        chime=False,
    )
    by_length = choices_from_json({"pace": 2, "length": 600}, ROUTINE)
    assert by_length.pacing.length == 600 and by_length.pacing.pace == 1.0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"pace": 9}, "Pace must be from 0.5 to 3"),
        ({"pace": "fast"}, "pace must be a number"),
        ({"rate": 10}, "rate must be from 80 to 400"),
        ({"steps": {"nope": 3}}, "no step 'nope'"),
        ({"steps": {"warm": 60}}, "outside its times, 4 to 12 s"),
        ({"steps": {"circles": 1}}, "outside its times, 3 to 18 s"),
        ({"steps": [1]}, "step times must be an object"),
        ({"chime": "yes"}, "chime must be true, false or null"),
        ({"engine": "nonesuch"}, "unknown speech engine 'nonesuch'"),
        ({"length": float("nan")}, "target length must be a number"),
        (["pace"], "expected the pacing choices as a JSON object"),
    ],
)
def test_bad_controls_are_one_clear_message(data: object, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        choices_from_json(data, ROUTINE)
    assert message.lower() in str(caught.value).lower().replace("--", "")


def test_the_other_side_first_swaps_every_step_with_sides() -> None:
    routine = read_routine_file(resolve("lactation-massage"))
    swapped = applied(routine, Choices(Pacing(), other_side_first=True))
    assert first_sides(routine) == ("left breast", "right breast")
    assert first_sides(swapped) == ("right breast", "left breast")
    for before, after in zip(routine.all_steps(), swapped.all_steps(), strict=True):
        assert after.sides == tuple(reversed(before.sides))
        assert after.say == before.say


def test_a_chosen_voice_goes_with_its_engine() -> None:
    chosen = applied(ROUTINE, Choices(Pacing(), engine="pyttsx3", voice="gmw/en-us"))
    assert chosen.voice.engine == "pyttsx3" and chosen.voice.id == "gmw/en-us"
    assert applied(ROUTINE, Choices(Pacing())) == ROUTINE


def test_a_saved_pacing_is_a_pacing_file(tmp_path: Path) -> None:
    for data in (
        {"pace": 1.25, "steps": {"warm": 11}, "rate": 150, "chime": False},
        {"length": 90, "steps": {"circles": 4}},
        {},
    ):
        choices = choices_from_json(data, ROUTINE)
        path = save_pacing(tmp_path, "warm", choices.pacing, ROUTINE.title)
        assert read_pacing_file(path) == choices.pacing  # what --pacing reads
        again = choices_from_json(saved_pacing(tmp_path, "warm"), ROUTINE)
        assert again.pacing == choices.pacing
    assert saved_pacing(tmp_path, "other") is None
    assert pacing_yaml(Pacing(), "T").splitlines()[1] == "{}"


def test_build_keys_follow_every_input_and_group_by_all_but_length() -> None:
    audio = AudioSettings()
    base = choices_from_json({"pace": 1.0}, ROUTINE)
    group, key = keys("digest", base, audio)
    assert keys("digest", base, audio) == (group, key)  # stable
    longer = keys("digest", choices_from_json({"length": 120}, ROUTINE), audio)
    assert longer[0] == group and longer[1] != key
    for other in (
        keys("other digest", base, audio),
        keys("digest", choices_from_json({"rate": 150}, ROUTINE), audio),
        keys("digest", choices_from_json({"other_side_first": True}, ROUTINE), audio),
        keys("digest", choices_from_json({"steps": {"warm": 5}}, ROUTINE), audio),
    ):
        assert other[0] != group and other[1] != key
