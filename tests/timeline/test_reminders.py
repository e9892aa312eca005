"""Keep-going reminders never lose a line: a slot with no room passes its line to the next slot.

The placement is checked with a fake voice (exact, fast), then once with real espeak-ng speech,
real MP3 encoding and decoding, on a user routine whose reminder collides with a countdown.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guidecast.timeline.layout import Timeline
from tests.listening import SPEECH_RMS, decode_mp3
from tests.test_end_to_end import run_guidecast
from tests.timeline.test_layout import RATE, assert_well_formed, timeline_for


def reminders(timeline: Timeline, side: str | None = None) -> list[tuple[float, str]]:
    """(seconds into its perform time, text) of each keep-going reminder, in order."""
    said = []
    for span in timeline.steps:
        if side is not None and span.side != side:
            continue
        for cue in timeline.cues:
            if cue.kind == "keep_going" and span.perform_start <= cue.start < span.perform_end:
                said.append(((cue.start - span.perform_start) / RATE, cue.text or ""))
    return said


# "One minute left." wants 1:00 into the step, where the third reminder slot is.
TIME_LEFT = """\
guidecast: 1
title: T
chime: false
steps:
  - id: a
    title: A
    say: Circles.
    duration: 2m
    cues:
      time_left: 1m
      keep_going: {every: 20s, say: [First., Second., Third., Fourth.]}
"""


def test_a_line_whose_slot_collides_is_said_at_the_next_slot() -> None:
    timeline = timeline_for(TIME_LEFT)
    assert reminders(timeline) == [
        (20, "First."),
        (40, "Second."),
        (80, "Third."),  # its own slot, 1:00, belongs to "One minute left."
        (100, "Fourth."),
    ]
    assert tuple(map(str, timeline.notes)) == (
        "step 'a': dropped keep going: no room beside other cues",
    )
    assert_well_formed(timeline)


def test_halfway_and_count_collisions_pass_the_line_on_too() -> None:
    halfway = TIME_LEFT.replace("time_left: 1m", "halfway: true")
    assert [text for _, text in reminders(timeline_for(halfway))] == [
        "First.",
        "Second.",
        "Third.",
        "Fourth.",
    ]
    # A count is its step's rhythm: a reminder goes only where the numbers leave room.
    counted = """\
guidecast: 1
title: T
chime: false
steps:
  - id: a
    title: A
    say: Press.
    duration: 40s
    count: {to: 12, every: 3s}
    cues:
      keep_going: {every: 5s, say: [Go., Steady now., Soft.]}
"""
    timeline = timeline_for(counted)
    texts = [text for _, text in reminders(timeline)]
    assert texts[:3] == ["Go.", "Steady now.", "Soft."]  # in order, whatever slots were lost
    assert any("dropped keep going" in str(note) for note in timeline.notes)
    assert_well_formed(timeline)


# Each side's second reminder slot, 20 s into 30, would run into the countdown at 25 s.
SIDES = """\
guidecast: 1
title: T
chime: false
steps:
  - id: a
    title: A
    say: Circles.
    duration: 30s
    sides: [left, right]
    cues:
      countdown: 5
      keep_going:
        every: 10s
        say:
          - Slow.
          - Watch your baby's face, and keep the nose and mouth clear.
          - Soft.
"""
WATCH = "Watch your baby's face, and keep the nose and mouth clear."


def test_a_line_lost_to_a_countdown_opens_the_next_side() -> None:
    timeline = timeline_for(SIDES)
    assert reminders(timeline, "left") == [(10, "Slow.")]
    assert reminders(timeline, "right") == [(10, WATCH), (20, "Soft.")]
    # the dropped slot is still reported, once, on the side where it happened
    assert tuple(map(str, timeline.notes)) == (
        "step 'a' (left): dropped keep going: no room beside other cues",
    )
    assert_well_formed(timeline)


def test_a_line_owed_at_a_step_end_goes_to_the_next_step_with_the_same_list() -> None:
    routine_wide = """\
guidecast: 1
title: T
chime: false
cues:
  countdown: 5
  keep_going:
    every: 10s
    say: [Slow., "Watch your baby's face, and keep the nose and mouth clear."]
steps:
  - {id: a, title: A, say: Circles., duration: 30s}
  - {id: b, title: B, say: Strokes., duration: 30s, cues: {keep_going: {every: 10s, say: Other.}}}
  - {id: c, title: C, say: Rest., duration: 30s}
"""
    timeline = timeline_for(routine_wide)
    said = [
        (span.id, cue.text)
        for span in timeline.steps
        for cue in timeline.cues
        if cue.kind == "keep_going" and span.perform_start <= cue.start < span.perform_end
    ]
    assert said == [
        ("a", "Slow."),
        ("b", "Other."),  # another list: it has nothing owed
        ("b", "Other."),
        ("c", WATCH),  # the line step a could not say
        ("c", "Slow."),
    ]


def test_without_collisions_each_visit_starts_its_list_from_the_top() -> None:
    """Nothing owed, nothing changes: lines past a step's last slot are not carried over."""
    roomy = SIDES.replace("countdown: 5", "countdown: 0").replace("duration: 30s", "duration: 28s")
    timeline = timeline_for(roomy)
    assert reminders(timeline, "left") == [(10, "Slow."), (20, WATCH)]
    assert reminders(timeline, "right") == [(10, "Slow."), (20, WATCH)]
    assert timeline.notes == ()


# The same collision, built with real speech. "Done." is the outro so every line is distinct.
REAL = """\
guidecast: 1
title: Reminder collision
outro: Done.
cues: {countdown: 3}
steps:
  - id: circles
    title: Circles
    say: Make slow circles.
    duration: 24s
    sides: [left side, right side]
    cues:
      keep_going:
        every: 9s
        say:
          - Slow.
          - Now check that your shoulders are soft and low, and your breathing is easy and slow.
"""
LONG = "Now check that your shoulders are soft and low, and your breathing is easy and slow."


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("keep-going")
    (folder / "r.yaml").write_text(REAL)
    result = run_guidecast("build", str(folder / "r.yaml"), "-o", str(folder), "--no-cover")
    assert result.returncode == 0, result.stderr
    # the dropped slot is reported as before, as a warning line
    assert result.stderr.splitlines() == [
        "warning: step 'circles' (left side): dropped keep going: no room beside other cues"
    ]
    return folder, json.loads((folder / "reminder-collision.json").read_text())


def test_real_speech_hears_the_owed_line_on_the_next_side(real: tuple[Path, dict]) -> None:
    folder, manifest = real
    steps = manifest["steps"]
    said = {
        span["side"]: [
            c["text"]
            for c in manifest["cues"]
            if c["kind"] == "keep_going" and span["perform_start_s"] <= c["start_s"] < span["end_s"]
        ]
        for span in steps
    }
    assert said == {"left side": ["Slow."], "right side": [LONG, "Slow."]}
    audio = decode_mp3(folder / manifest["audio"], manifest["sample_rate"])
    (long_cue,) = [c for c in manifest["cues"] if c["text"] == LONG]
    assert audio.rms(long_cue["start_s"], long_cue["end_s"]) > SPEECH_RMS
    # and it ends before the countdown begins
    (right,) = [s for s in steps if s["side"] == "right side"]
    three = [c for c in manifest["cues"] if c["kind"] == "countdown" and c["text"] == "three"]
    assert long_cue["end_s"] < max(c["start_s"] for c in three) <= right["perform_end_s"]
