"""The timeline, computed from made-up clip lengths: no audio, exact to the sample."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guidecast.core.durations import TimeRange
from guidecast.core.errors import UsageError
from guidecast.routine.pacing import Pacing
from guidecast.routine.reader import parse_routine
from guidecast.script.cues import sound_samples
from guidecast.script.model import make_script
from guidecast.timeline.layout import (
    AFTER_CHIME,
    BEFORE_PERFORM,
    BETWEEN_LINES,
    LEAD_IN,
    Cue,
    Timeline,
    _Placer,
    build_timeline,
)

RATE = 10_000  # samples per second: round numbers make expected positions easy to read


def fake_lengths(texts: list[tuple[str, str]]) -> dict[str, int]:
    """A fake voice: 0.1 s per character, so every clip's length is known in advance."""
    return {text: len(text) * RATE // 10 for text, _ in texts}


def timeline_for(yaml_text: str, pacing: Pacing | None = None) -> Timeline:
    routine = parse_routine(yaml_text, "test.yaml")
    script = make_script(routine)
    return build_timeline(script, pacing or Pacing(), fake_lengths(script.fixed_texts()), RATE)


ONE_STEP = """\
guidecast: 1
title: T
chime: false
steps:
  - id: a
    title: A
    say: Go.
    duration: 10s
    pause: 5s
"""


def assert_well_formed(timeline: Timeline) -> None:
    cues = timeline.cues
    for before, after in itertools.pairwise(cues):
        assert before.end <= after.start, (before, after)
    for before, after in zip(timeline.steps, timeline.steps[1:], strict=False):
        assert before.end == after.start  # contiguous
    for step in timeline.steps:
        assert step.start <= step.perform_start <= step.perform_end <= step.end
    assert cues[-1].end <= timeline.length


def test_a_step_is_its_words_then_its_time_then_its_pause() -> None:
    timeline = timeline_for(ONE_STEP)
    (step,) = timeline.steps
    go = timeline.cues[0]
    assert (go.kind, go.text, go.start, go.length) == ("instruction", "Go.", LEAD_IN * RATE, 3000)
    assert step.perform_start == go.end + BEFORE_PERFORM * RATE
    assert step.perform_end - step.perform_start == 10 * RATE
    assert step.end - step.perform_end == 5 * RATE
    assert_well_formed(timeline)


def test_total_is_the_sum_of_its_parts() -> None:
    timeline = timeline_for(ONE_STEP)
    outro = timeline.cues[-1]
    assert outro.kind == "outro"
    assert timeline.length == outro.end + round(1.5 * RATE)


def test_chime_comes_before_the_words() -> None:
    timeline = timeline_for(ONE_STEP.replace("chime: false", "chime: true"))
    chime, words = timeline.cues[0], timeline.cues[1]
    assert chime.sound == "chime" and chime.step == "a"
    assert words.start == chime.end + AFTER_CHIME * RATE
    assert chime.length == sound_samples("chime", RATE)
    assert timeline.cues[-2].sound == "chime"  # and one at the end, before the outro


def test_pace_scales_perform_time_only() -> None:
    normal = timeline_for(ONE_STEP).steps[0]
    slow = timeline_for(ONE_STEP, Pacing(pace=2.0)).steps[0]
    assert slow.perform_end - slow.perform_start == 20 * RATE
    assert slow.end - slow.perform_end == normal.end - normal.perform_end  # pause unchanged


def test_set_overrides_one_step() -> None:
    step = timeline_for(ONE_STEP, Pacing(times={"a": TimeRange(42, 42)})).steps[0]
    assert step.perform_end - step.perform_start == 42 * RATE


RANGED = """\
guidecast: 1
title: T
chime: false
steps:
  - {id: a, title: A, say: Go., duration: 5-7 min}
  - {id: b, title: B, say: Then this., duration: 1m}
"""


def test_a_range_defaults_to_its_middle() -> None:
    step = timeline_for(RANGED).steps[0]
    assert step.perform_end - step.perform_start == 6 * 60 * RATE


@pytest.mark.parametrize("target", [300.0, 420.0, 480.0, 600.0, 900.0])
def test_length_hits_its_target(target: float) -> None:
    timeline = timeline_for(RANGED, Pacing(length=target))
    assert abs(timeline.seconds - target) < 1.0


def test_length_stretches_ranges_before_fixed_steps() -> None:
    timeline = timeline_for(RANGED, Pacing(length=7 * 60 + 30))
    a, b = timeline.steps
    assert b.perform_end - b.perform_start == 60 * RATE  # the fixed step kept its time
    assert 5 * 60 * RATE < a.perform_end - a.perform_start <= 7 * 60 * RATE


def test_length_out_of_reach_says_shortest_and_longest() -> None:
    with pytest.raises(
        UsageError,
        match=r"--length 1m cannot be reached: this routine runs from "
        r"\d+m\d*s? to \d+m\d*s?",
    ):
        timeline_for(RANGED, Pacing(length=60))


SIDES_AND_ROUNDS = """\
guidecast: 1
title: T
chime: false
steps:
  - rounds: 2
    steps:
      - id: a
        title: A
        say: Press.
        duration: 4s
        sides: {names: [left, right], pause: 2s}
  - {id: b, title: B, say: Rest., duration: 20s, cues: {next_up: true}}
"""


def test_sides_and_rounds_unroll_in_order() -> None:
    timeline = timeline_for(SIDES_AND_ROUNDS)
    assert [(s.id, s.side, s.round) for s in timeline.steps] == [
        ("a", "left", 1),
        ("a", "right", 1),
        ("a", "left", 2),
        ("a", "right", 2),
        ("b", None, None),
    ]
    texts = [c.text for c in timeline.cues if c.text]
    assert texts[:4] == ["Round one of two.", "Press.", "Now, your left.", "Now, your right."]
    left = timeline.steps[0]
    assert left.end - left.perform_end == 2 * RATE  # the pause between sides
    assert_well_formed(timeline)


COACHED = """\
guidecast: 1
title: T
chime: false
steps:
  - id: a
    title: A
    say: Circles.
    duration: 2m
    cues:
      countdown: 3
      halfway: true
      time_left: [1m, 30s]
      keep_going: {every: 20s, say: [Slow circles.]}
      next_up: true
  - {id: b, title: B, say: Rest., duration: 10s}
"""


def test_cue_positions() -> None:
    timeline = timeline_for(COACHED)
    a = timeline.steps[0]
    by_kind: dict[str, list] = {}
    for cue in timeline.cues:
        by_kind.setdefault(cue.kind, []).append(cue)
    assert [c.start for c in by_kind["countdown"]] == [a.perform_end - n * RATE for n in (3, 2, 1)]
    assert [c.text for c in by_kind["countdown"]] == ["three", "two", "one"]
    assert [c.text for c in by_kind["time_left"]] == ["One minute left.", "Thirty seconds left."]
    assert by_kind["time_left"][1].start == a.perform_end - 30 * RATE
    (next_up,) = by_kind["next_up"]
    assert next_up.text == "Next up: B."
    assert next_up.end <= by_kind["countdown"][0].start
    assert_well_formed(timeline)


def test_halfway_is_at_the_middle() -> None:
    timeline = timeline_for(COACHED.replace("time_left: [1m, 30s]", "time_left: [30s]"))
    a = timeline.steps[0]
    (halfway,) = [c for c in timeline.cues if c.kind == "halfway"]
    assert halfway.start == a.perform_start + 60 * RATE


def test_colliding_cues_are_dropped_by_priority_with_a_note() -> None:
    timeline = timeline_for(COACHED)
    kinds = [c.kind for c in timeline.cues]
    # "One minute left" and "Halfway" both want 1:00 into a 2-minute step: time left wins.
    assert "time_left" in kinds and "halfway" not in kinds
    assert any("dropped halfway" in str(note) for note in timeline.notes)
    # keep_going at 1:00 collides too and is dropped; the others stay.
    starts = [
        c.start - timeline.steps[0].perform_start for c in timeline.cues if c.kind == "keep_going"
    ]
    assert 60 * RATE not in starts and 20 * RATE in starts


COUNTING = """\
guidecast: 1
title: T
chime: false
steps:
  - id: taps
    title: Taps
    say: Ten light taps.
    duration: 5s
    count: {to: 10, every: 2s}
"""


def test_a_step_grows_to_fit_its_count_with_a_note() -> None:
    timeline = timeline_for(COUNTING)
    step = timeline.steps[0]
    counts = [c for c in timeline.cues if c.kind == "count"]
    assert [c.text for c in counts] == [
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
    ]
    assert counts[1].start - counts[0].start == 2 * RATE
    assert counts[-1].end <= step.perform_end
    assert step.perform_end - step.perform_start > 5 * RATE
    assert any("grew from 5s" in str(note) for note in timeline.notes)


def test_ticks_keep_tempo_and_give_way_to_speech() -> None:
    timeline = timeline_for(ONE_STEP.replace("pause: 5s", "ticks: 30\n    cues: {halfway: true}"))
    ticks = [c for c in timeline.cues if c.kind == "tick"]
    assert len(ticks) >= 3
    assert all((b.start - a.start) % (2 * RATE) == 0 for a, b in itertools.pairwise(ticks))
    assert_well_formed(timeline)


# Property tests: any routine the format allows lays out with no overlap and no drift.

step_strategy = st.fixed_dictionaries(
    {
        "duration": st.integers(1, 300),
        "pause": st.integers(0, 20),
        "sides": st.booleans(),
        "countdown": st.integers(0, 5),
        "halfway": st.booleans(),
        "keep_going": st.one_of(st.none(), st.integers(5, 60)),
        "count": st.one_of(st.none(), st.tuples(st.integers(1, 12), st.integers(1, 5))),
        "ticks": st.one_of(st.none(), st.integers(5, 120)),
    }
)


def routine_yaml(steps: list[dict], chime: bool, rounds: int) -> str:
    lines = [
        "guidecast: 1",
        "title: Generated",
        f"chime: {str(chime).lower()}",
        "intro: Hello there.",
        "steps:",
    ]
    for index, step in enumerate(steps):
        indent = "  "
        if index == 0 and rounds > 1:
            lines += [f"  - rounds: {rounds}", "    steps:"]
            indent = "      "
        lines += [
            f"{indent}- id: s{index}",
            f"{indent}  title: Step {index}",
            f"{indent}  say: Do step number {index}.",
            f"{indent}  duration: {step['duration']}s",
        ]
        if step["pause"]:
            lines.append(f"{indent}  pause: {step['pause']}s")
        if step["sides"]:
            lines.append(f"{indent}  sides: [left, right]")
        if step["count"]:
            lines.append(f"{indent}  count: {{to: {step['count'][0]}, every: {step['count'][1]}s}}")
        if step["ticks"]:
            lines.append(f"{indent}  ticks: {step['ticks']}")
        cues = [
            f"countdown: {step['countdown']}",
            f"halfway: {str(step['halfway']).lower()}",
            "next_up: true",
        ]
        if step["keep_going"]:
            cues.append(f"keep_going: {{every: {step['keep_going']}s, say: [Keep going.]}}")
        lines.append(f"{indent}  cues: {{{', '.join(cues)}}}")
    return "\n".join(lines) + "\n"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    steps=st.lists(step_strategy, min_size=1, max_size=5),
    chime=st.booleans(),
    rounds=st.integers(1, 3),
    pace=st.sampled_from([0.5, 1.0, 1.7, 3.0]),
)
def test_any_routine_lays_out_cleanly(
    steps: list[dict], chime: bool, rounds: int, pace: float
) -> None:
    timeline = timeline_for(routine_yaml(steps, chime, rounds), Pacing(pace=pace))
    assert_well_formed(timeline)
    first, last = timeline.steps[0], timeline.steps[-1]
    assert first.start > 0 and last.end < timeline.length
    for step in timeline.steps:  # every cue of a step lies inside that step
        for cue in timeline.cues:
            if cue.step == step.id and step.start <= cue.start < step.end:
                assert cue.end <= step.end


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(step_strategy, min_size=1, max_size=4),
    target_minutes=st.floats(0.5, 120),
)
def test_length_hits_target_or_fails_with_the_promised_message(
    steps: list[dict], target_minutes: float
) -> None:
    text = routine_yaml(steps, True, 1)
    try:
        timeline = timeline_for(text, Pacing(length=target_minutes * 60))
    except UsageError as err:
        assert "cannot be reached: this routine runs from" in str(err)
        return
    assert abs(timeline.seconds - target_minutes * 60) < 1.0
    assert_well_formed(timeline)


def test_between_lines_gap_separates_an_instructions_sentences() -> None:
    timeline = timeline_for(SIDES_AND_ROUNDS)
    press, left = timeline.cues[1], timeline.cues[2]
    assert left.start - press.end == BETWEEN_LINES * RATE


@settings(max_examples=300, deadline=None)
@given(
    gap=st.integers(0, 5),
    intervals=st.lists(st.tuples(st.integers(0, 200), st.integers(1, 20)), max_size=40),
)
def test_the_placer_agrees_with_checking_every_placed_cue(
    gap: int, intervals: list[tuple[int, int]]
) -> None:
    """The placer checks only its neighbours (fast); it must decide as a full scan would.

    (Every cue lasts at least a sample: clips are never empty, sounds have a fixed length.)
    """
    placer = _Placer(gap)
    placed: list[Cue] = []
    for start, length in intervals:
        expected = start + length <= 200 and all(
            start + length + gap <= c.start or c.end + gap <= start for c in placed
        )
        assert placer.fits(start, length, 0, 200) == expected
        if expected:
            cue = Cue("tick", start, length)
            placer.add(cue)
            placed.append(cue)
    assert sorted(placer.placed, key=lambda c: c.start) == placer.placed
    assert sorted(placer.placed, key=lambda c: c.start) == sorted(placed, key=lambda c: c.start)


def test_a_day_long_step_of_ticks_and_reminders_is_laid_out() -> None:
    # 331,200 ticks and 16,559 reminders: placing each against every other took hours.
    timeline = timeline_for(
        "guidecast: 1\ntitle: T\nchime: false\nsteps:\n"
        "  - {id: a, title: A, say: Go., duration: 23h, ticks: 240,"
        " cues: {keep_going: {every: 5s, say: On.}}}\n",
        Pacing(),
    )
    kinds = [cue.kind for cue in timeline.cues]
    assert kinds.count("keep_going") == 23 * 720 - 1
    assert 0 < kinds.count("tick") < 23 * 60 * 240
    assert_well_formed(timeline)


def test_a_session_may_last_at_most_a_day() -> None:
    day = "guidecast: 1\ntitle: T\nsteps:\n  - {id: a, title: A, say: Go., duration: 16h}\n"
    assert timeline_for(day).seconds > 16 * 3600
    with pytest.raises(UsageError, match=r"^this session would last 25h\d+m\d+s, more than 24h"):
        timeline_for(day, Pacing(pace=1.6))


SLOW_NUMBERS = """\
guidecast: 1
title: T
language: {language}
chime: false
steps:
  - id: a
    title: A
    say: Go.
    duration: 3s
    count: {{to: 8, every: 0.5s}}
    cues: {{countdown: 5}}
  - id: b
    title: B
    say: Go.
    duration: 4s
    cues: {{countdown: 5}}
"""


@pytest.mark.parametrize("language", ["en", "es", "de", "ru"])
def test_counts_and_countdowns_never_lose_a_number_to_a_slow_voice(language: str) -> None:
    """Fake lengths of 0.1 s a character: "cuatro", "vier", "четыре" outlast a 0.5 s count and
    a 1 s countdown's room; the spacing grows, the step grows, and every number is said."""
    routine = parse_routine(SLOW_NUMBERS.format(language=language), "test.yaml")
    script = make_script(routine)
    lengths = fake_lengths(script.fixed_texts())
    lengths.update({script.phrases.number(n): RATE for n in (2, 4)})  # two numbers of 1 s
    timeline = build_timeline(script, Pacing(), lengths, RATE)
    assert_well_formed(timeline)
    bank = script.phrases
    for step in ("a", "b"):
        said = [c.text for c in timeline.cues if c.step == step and c.kind == "countdown"]
        assert said == [bank.number(n) for n in range(5, 0, -1)], step
    counted = [c.text for c in timeline.cues if c.step == "a" and c.kind == "count"]
    assert counted == [bank.number(n) for n in range(1, 9)]
    notes = [str(n) for n in timeline.notes]
    assert not [n for n in notes if "dropped" in n]
    assert any("step 'a' counts every" in n and "not every 0.5s" in n for n in notes)
    assert any("step 'b' grew from 4s" in n for n in notes)


def test_a_quick_voice_keeps_the_asked_spacing() -> None:
    """English numbers that fit keep the count's own rhythm and a countdown a second apart."""
    routine = parse_routine(SLOW_NUMBERS.format(language="en").replace("0.5s", "2s"), "t.yaml")
    script = make_script(routine)
    timeline = build_timeline(script, Pacing(), fake_lengths(script.fixed_texts()), RATE)
    counts = [c.start for c in timeline.cues if c.kind == "count"]
    assert {b - a for a, b in itertools.pairwise(counts)} == {2 * RATE}
    downs = [c.start for c in timeline.cues if c.step == "b" and c.kind == "countdown"]
    assert {b - a for a, b in itertools.pairwise(downs)} == {RATE}
    assert not [n for n in timeline.notes if "counts every" in str(n)]
