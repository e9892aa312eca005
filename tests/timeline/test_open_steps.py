"""Open steps (`duration: {until: done, nominal: ...}`) in the timeline, with a fake voice.

A built session gives an open step its nominal time, cue for cue as a fixed step of that length;
in `guidecast play` (a script made with `wait_for`) its perform time is the "take your time"
line and one turn of its reminders, which the player loops until the listener is done.
"""

from __future__ import annotations

import pytest

from guidecast.core.durations import parse_time_range
from guidecast.language.phrases import bank_for
from guidecast.routine.pacing import Pacing
from guidecast.routine.reader import parse_routine
from guidecast.script.cues import CUE_GAP, KINDS, kinds_for
from guidecast.script.model import make_script
from guidecast.timeline.layout import Timeline, build_timeline
from tests.timeline.test_layout import RATE, assert_well_formed, fake_lengths

CUES = """\
cues:
  countdown: 3
  halfway: true
  time_left: 30s
  next_up: true
"""


def routine(duration: str, step_extra: str = "", top: str = CUES, language: str = "en") -> str:
    return f"""\
guidecast: 1
title: T
language: {language}
{top}steps:
  - id: express
    title: Express
    say: Press and release, until the breast feels soft.
    duration: {duration}
    pause: 4s
{step_extra}  - id: rest
    title: Rest
    say: Rest now.
    duration: 20s
"""


def timeline(text: str, wait_for: str | None = None, pacing: Pacing | None = None) -> Timeline:
    script = make_script(parse_routine(text, "test.yaml"), wait_for)
    lengths = fake_lengths(script.fixed_texts())
    return build_timeline(script, pacing or Pacing(), lengths, RATE)


def shape(line: Timeline) -> list[tuple[str, int, int, str | None]]:
    return [(c.kind, c.start, c.length, c.text) for c in line.cues]


@pytest.mark.parametrize("nominal", ["3m", "5s", "2-4 min", "8h"])
def test_a_built_open_step_is_a_fixed_step_of_its_nominal_time(nominal: str) -> None:
    built = timeline(routine(f"{{until: done, nominal: {nominal}}}"))
    fixed = timeline(routine(nominal))
    assert shape(built) == shape(fixed)
    assert built.length == fixed.length
    assert [s.hold for s in built.steps] == [None, None]
    assert_well_formed(built)


def test_set_pace_and_length_shape_the_nominal_time_as_for_a_fixed_step() -> None:
    for pacing in (
        Pacing(times={"express": parse_time_range("90s")}),
        Pacing(pace=1.5),
        Pacing(length=600.0),
    ):
        built = timeline(routine("{until: done, nominal: 3m}"), pacing=pacing)
        assert shape(built) == shape(timeline(routine("3m"), pacing=pacing))


@pytest.mark.parametrize("wait_for", ["keys", "voice"])
def test_in_play_an_open_step_says_take_your_time_and_holds_at_once(wait_for: str) -> None:
    line = timeline(routine("{until: done, nominal: 3m}"), wait_for)
    express, rest = line.steps
    inside = [c for c in line.cues if express.perform_start <= c.start < express.perform_end]
    bank = bank_for("en")
    said = bank.say("waiting_listen" if wait_for == "voice" else "waiting")
    assert [(c.kind, c.text) for c in inside] == [("waiting", said)]
    assert inside[0].start == express.perform_start
    # No countdown, halfway, time left or next up: they point at an end no clock knows.
    assert express.perform_end == inside[0].end + round(CUE_GAP * RATE)
    assert express.hold == (express.perform_end, express.perform_end)
    # The fixed step after it keeps every cue.
    assert {"countdown", "halfway"} <= {
        c.kind for c in line.cues if c.step == "rest" and c.start >= rest.perform_start
    }
    assert rest.hold is None
    assert_well_formed(line)


def test_reminders_loop_at_their_interval_while_it_waits() -> None:
    reminders = (
        "    cues:\n      keep_going: {every: 20s, say: [Keep breathing., Slow and gentle.]}\n"
    )
    line = timeline(routine("{until: done, nominal: 3m}", reminders), "keys")
    express = line.steps[0]
    inside = [c for c in line.cues if express.perform_start <= c.start < express.perform_end]
    waiting, first, second = inside
    assert (first.kind, first.text, second.text) == (
        "keep_going",
        "Keep breathing.",
        "Slow and gentle.",
    )
    every = 20 * RATE
    assert first.start == waiting.end + round(CUE_GAP * RATE) + every
    assert second.start - first.start == every
    # The player loops [hold start, hold end): from the second reminder's slot back to the
    # first one, one interval apart, for as long as it waits.
    assert express.hold == (first.start, first.start + 2 * every)
    assert express.perform_end == express.hold[1]
    assert_well_formed(line)


def test_a_reminder_longer_than_its_interval_widens_the_loop() -> None:
    long_line = "Keep going, slowly and gently, pressing back towards the chest wall and releasing."
    reminders = f"    cues:\n      keep_going: {{every: 5s, say: ['{long_line}']}}\n"
    line = timeline(routine("{until: done, nominal: 3m}", reminders), "keys")
    express = line.steps[0]
    (reminder,) = [c for c in line.cues if c.kind == "keep_going" and c.step == "express"]
    start, end = express.hold
    assert end - start == reminder.length + round(CUE_GAP * RATE)
    assert reminder.start == start


def test_the_waiting_line_may_be_turned_off() -> None:
    line = timeline(routine("{until: done, nominal: 3m}", top='phrases: {waiting: ""}\n'), "keys")
    express = line.steps[0]
    assert not [c for c in line.cues if c.step == "express" and c.kind == "waiting"]
    assert express.hold == (express.perform_end, express.perform_end)
    assert express.perform_end - express.perform_start == RATE  # the least perform time


@pytest.mark.parametrize("language", ["en", "es", "fr", "de", "pt", "it", "ru"])
def test_every_language_says_its_own_waiting_line(language: str) -> None:
    script = make_script(
        parse_routine(routine("{until: done, nominal: 1m}", language=language), "t"), "voice"
    )
    texts = {text for text, _ in script.fixed_texts()}
    bank = bank_for(language)
    assert bank.say("waiting_listen") in texts
    assert bank.say("waiting") not in texts
    assert "done" in bank.say("waiting_listen")  # the command word is English in every language


def test_the_kinds_table_says_which_cues_an_open_step_hears() -> None:
    script = make_script(parse_routine(routine("{until: done, nominal: 3m}"), "t"), "keys")
    waiting, fixed = script.visits
    assert [k.name for k in kinds_for(waiting)] == ["keep_going", "waiting"]
    assert "waiting" not in [k.name for k in kinds_for(fixed)]
    assert len(kinds_for(fixed)) == len(KINDS) - 1


def test_the_intro_tells_the_built_length_in_play_too() -> None:
    script = make_script(parse_routine(routine("{until: done, nominal: 3m}"), "t"), "keys")
    assert not any(v.waits for v in script.built().visits)
    assert script.built().visits[0].step.until_done
