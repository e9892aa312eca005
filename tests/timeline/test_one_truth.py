"""One truth for lengths and steps, grouped warnings, chapters, counts that keep the breath and
sentences that can be turned off: the placement logic, with a made-up voice (exact and fast).

The same behaviour on real speech, every surface side by side, is in test_surfaces.py.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guidecast.core.errors import RoutineError
from guidecast.language.phrases import FIELDS as PHRASE_FIELDS
from guidecast.routine.pacing import Pacing
from guidecast.routine.reader import parse_routine
from guidecast.script.model import make_script
from guidecast.timeline.chapters import EACH, LEAST_S, chapters
from guidecast.timeline.layout import Timeline, build_timeline
from guidecast.timeline.notes import Note, grouped
from guidecast.timeline.structure import places, step_count

RATE = 10_000


def fake_lengths(texts: list[tuple[str, str]]) -> dict[str, int]:
    """A fake voice: 0.1 s per character ("four" lasts 0.4 s)."""
    return {text: len(text) * RATE // 10 for text, _ in texts}


def timeline_for(yaml_text: str) -> Timeline:
    script = make_script(parse_routine(yaml_text, "test.yaml"))
    assert all(text.strip() for text, _ in script.fixed_texts()), "an empty text reached the voice"
    return build_timeline(script, Pacing(), fake_lengths(script.fixed_texts()), RATE)


def box(rounds: int = 22, seconds: str = "4s", extra: str = "", pause: str | None = None) -> str:
    phases = [("in", "Breathe in"), ("hold-in", "Hold"), ("out", "Breathe out"), ("hold", "Hold")]
    steps = "".join(
        f"      - id: {id_}\n        title: {title}\n        say: {title}.\n"
        f"        duration: {seconds}\n"
        + (f"        pause: {pause}\n" if pause else "")
        + "        count: {to: 4, every: 1s}\n"
        for id_, title in phases
    )
    return (
        f"guidecast: 1\ntitle: Box\nchime: false\n{extra}"
        f"steps:\n  - rounds: {rounds}\n    title: Box breathing\n    steps:\n{steps}"
    )


# -- counting that keeps the breath -----------------------------------------------------------


def test_a_count_of_four_every_second_keeps_a_four_second_breath() -> None:
    timeline = timeline_for(box())
    counts = [c for c in timeline.cues if c.kind == "count"]
    assert len(counts) == 22 * 4 * 4  # no number lost
    for span in timeline.steps:
        assert span.perform_end - span.perform_start == 4 * RATE  # 4-4-4-4, never 4.5
        own = [c for c in counts if span.perform_start <= c.start < span.perform_end]
        assert [c.start - span.perform_start for c in own] == [0, RATE, 2 * RATE, 3 * RATE]
        assert own[-1].end <= span.perform_end
    assert timeline.notes == ()


def test_the_last_number_may_ring_on_into_the_pause_but_not_into_the_next_sound() -> None:
    # 3.2 s for four numbers a second apart: "four" (0.4 s) starts at 3.0 s and ends at 3.4 s.
    with_pause = timeline_for(box(rounds=2, seconds="3.2s", pause="1s"))
    for span in with_pause.steps:
        assert span.perform_end - span.perform_start == round(3.2 * RATE)  # not grown
    assert with_pause.notes == ()
    cues = with_pause.cues
    for before, after in itertools.pairwise(cues):
        assert before.end <= after.start
    # No pause after it: the numbers really do not fit, so the step grows, with one line a step.
    no_pause = timeline_for(box(rounds=22, seconds="3.2s"))
    for span in no_pause.steps:
        assert span.perform_end - span.perform_start == round(3.4 * RATE)
    assert len(no_pause.notes) == 88
    lines = grouped(no_pause.notes)
    assert len(lines) == 4
    assert lines[0] == (
        "step 'in' grew from 3.2s to 3.4s to fit its count or countdown, in each of its 22 rounds"
    )


# -- grouped warnings --------------------------------------------------------------------------


def test_notes_group_by_step_and_kind_and_say_how_often() -> None:
    def note(round_: int | None, text: str = "grew", step: str = "step 'a'") -> Note:
        return Note(text, step, round_, 5 if round_ else None)

    notes = [note(1), note(2), note(4), note(1, "dropped halfway"), note(None, step="step 'b'")]
    assert grouped([*notes, "the session reaches -17.0 LUFS"]) == [
        "step 'a' grew, in 3 of its 5 rounds (1-2, 4)",
        "step 'a' (round 1) dropped halfway",
        "step 'b' grew",
        "the session reaches -17.0 LUFS",
    ]
    assert [note(r) for r in range(1, 6)] and grouped([note(r) for r in range(1, 6)]) == [
        "step 'a' grew, in each of its 5 rounds"
    ]
    sided = Note("grew", "step 'c' (left side)", 2, 3)
    assert str(sided) == "step 'c' (left side, round 2) grew"  # as messages name a visit


# -- one numbering -----------------------------------------------------------------------------

SIDES_AND_ROUNDS = """\
guidecast: 1
title: T
chime: false
steps:
  - id: warm
    title: Warm
    say: Warm up.
    duration: 5s
  - rounds: 2
    steps:
      - id: press
        title: Press
        say: Press.
        duration: 5s
        sides: [left side, right side]
      - id: rest
        title: Rest
        say: Rest.
        duration: 5s
"""


def test_steps_are_numbered_as_the_routine_has_them() -> None:
    timeline = timeline_for(SIDES_AND_ROUNDS)
    assert step_count(timeline.steps) == 3
    assert [str(p) for p in places(timeline.steps)] == [
        "step 1 of 3",
        "step 2 of 3, round 1 of 2, left side",
        "step 2 of 3, round 1 of 2, right side",
        "step 3 of 3, round 1 of 2",
        "step 2 of 3, round 2 of 2, left side",
        "step 2 of 3, round 2 of 2, right side",
        "step 3 of 3, round 2 of 2",
    ]


# -- chapters ----------------------------------------------------------------------------------


def assert_covers(timeline: Timeline, found: list) -> None:
    assert found[0].start == 0 and found[-1].end == timeline.length
    for before, after in itertools.pairwise(found):
        assert before.end == after.start


def test_short_rounds_are_grouped_into_chapters_of_a_minute_or_more() -> None:
    timeline = timeline_for(box())
    found = chapters(timeline)
    assert_covers(timeline, found)
    middle = [c for c in found if c.step]  # no introduction here: none is spoken
    assert 3 <= len(middle) <= 12, [c.title for c in found]  # a list to scroll on a phone
    assert all(c.end - c.start >= LEAST_S * RATE for c in middle)
    assert middle[0].title == "Box breathing (rounds 1 to 3 of 22)"
    assert middle[-1].title.endswith("to 22 of 22)")
    each = chapters(timeline, EACH)  # as before: a chapter a visit
    assert len([c for c in each if c.step]) == 88
    assert each[0].title == "Breathe in (round 1 of 22)" and each[0].start == 0


def test_long_rounds_and_long_visits_get_chapters_of_their_own() -> None:
    per_round = chapters(timeline_for(box(rounds=3, seconds="20s")))
    assert [c.title for c in per_round if c.step] == [
        f"Box breathing (round {n} of 3)" for n in (1, 2, 3)
    ]
    per_visit = chapters(timeline_for(box(rounds=2, seconds="70s")))
    assert len(per_visit) == 8 + 1  # eight visits, and the closing (no intro is spoken)
    assert per_visit[0].start == 0  # the lead-in's silence is no chapter of its own
    assert per_visit[0].title == "Breathe in (round 1 of 2)"


def test_a_steps_short_sides_share_a_chapter_and_long_ones_do_not() -> None:
    short = chapters(timeline_for(SIDES_AND_ROUNDS.replace("rounds: 2", "rounds: 1")))
    assert [c.title for c in short[:-1]] == ["Warm", "Press", "Rest"]
    long = SIDES_AND_ROUNDS.replace("rounds: 2", "rounds: 1").replace(
        "        duration: 5s\n        sides", "        duration: 2m\n        sides"
    )
    assert [c.title for c in chapters(timeline_for(long))[:-1]] == [
        "Warm",
        "Press (left side)",
        "Press (right side)",
        "Rest",
    ]


@settings(max_examples=40, deadline=None)
@given(
    rounds=st.integers(2, 60),
    seconds=st.sampled_from(["2s", "4s", "9s", "30s", "75s"]),
)
def test_chapters_always_cover_the_session_in_order(rounds: int, seconds: str) -> None:
    timeline = timeline_for(box(rounds=rounds, seconds=seconds))
    for rule in ("grouped", EACH):
        found = chapters(timeline, rule)
        assert_covers(timeline, found)
        starts = {span.start for span in timeline.steps} | {timeline.steps[-1].end}
        assert all(c.start in starts for c in found[1:])  # cut only where a visit begins


# -- in the routine's language -----------------------------------------------------------------

LANGUAGES = ["en", "es", "fr", "de", "pt", "it", "ru"]
ENGLISH_WORDS = {"step", "of", "round", "rounds", "to", "Introduction", "Closing"}


def in_language(yaml_text: str, language: str) -> str:
    return yaml_text.replace("guidecast: 1\n", f"guidecast: 1\nlanguage: {language}\n", 1)


def test_numbering_and_chapters_are_in_the_routines_language() -> None:
    timeline = timeline_for(in_language(SIDES_AND_ROUNDS, "es"))
    assert [p.text("es") for p in places(timeline.steps)][:4] == [
        "paso 1 de 3",
        "paso 2 de 3, ronda 1 de 2, left side",  # the side is the routine's own words
        "paso 2 de 3, ronda 1 de 2, right side",
        "paso 3 de 3, ronda 1 de 2",
    ]
    assert places(timeline.steps)[3].parts("ru") == ["шаг 3 из 3", "круг 1 из 2"]
    grouped_box = chapters(timeline_for(in_language(box(), "es")), language="es")
    assert next(c.title for c in grouped_box if c.step) == "Box breathing (rondas 1 a 3 de 22)"
    assert (
        chapters(timeline_for(box(rounds=3)), EACH, "de")[0].title == "Breathe in (Runde 1 von 3)"
    )
    one_group = chapters(timeline_for(box(rounds=2, seconds="2s")), language="ru")
    assert [c.title for c in one_group if c.step] == ["Box breathing (кругов: 2)"]


@pytest.mark.parametrize("language", LANGUAGES[1:])
@pytest.mark.parametrize("rule", ["grouped", EACH])
def test_no_english_numbering_word_in_another_languages_chapters(language: str, rule: str) -> None:
    text = in_language(box(rounds=9, seconds="3s"), language).replace("Box breathing", "X")
    text = text.replace("Breathe in", "X").replace("Breathe out", "X").replace("Hold", "X")
    timeline = timeline_for(text)
    titles = [c.title for c in chapters(timeline, rule, language)]
    shown = [*titles, *(p.text(language) for p in places(timeline.steps))]
    assert shown and all(not ENGLISH_WORDS & set(line.replace("(", " ").split()) for line in shown)


def test_a_slow_voices_count_starts_with_the_perform_time_and_widens_only_when_it_must() -> None:
    """Spanish numbers of 0.1 s a character: "cuatro" (0.6 s) and a gap fit in a second, so the
    box keeps 4-4-4-4 from the perform time's start; a 0.5 s count widens to the longest
    number ("cuatro") and a gap, and says so in one grouped line a step."""
    keeps = timeline_for(in_language(box(rounds=2), "es"))
    for span in keeps.steps:
        own = [
            c
            for c in keeps.cues
            if c.kind == "count"
            and c.step == span.id
            and span.perform_start <= c.start < span.perform_end
        ]
        assert [c.start - span.perform_start for c in own] == [0, RATE, 2 * RATE, 3 * RATE]
        assert span.perform_end - span.perform_start == 4 * RATE
    assert keeps.notes == ()
    fast = in_language(box(rounds=2), "es").replace("every: 1s", "every: 0.5s")
    widened = timeline_for(fast)
    span = widened.steps[0]
    own = [c for c in widened.cues if c.kind == "count" and c.step == span.id][:4]
    gaps = {b.start - a.start for a, b in itertools.pairwise(own)}
    assert own[0].start == span.perform_start and gaps == {round(0.851 * RATE)}  # 0.6 + 0.25
    assert grouped(widened.notes)[0] == (
        "step 'in' counts every 0.9s, not every 0.5s: its numbers take longer to say, "
        "in each of its 2 rounds"
    )


# -- a sentence turned off ---------------------------------------------------------------------


def test_round_announcement_off() -> None:
    on = timeline_for(box(rounds=3))
    off = timeline_for(box(rounds=3, extra='phrases: {round: ""}\n'))
    assert sum(c.kind == "round" for c in on.cues) == 3
    assert sum(c.kind == "round" for c in off.cues) == 0
    assert off.length < on.length


@pytest.mark.parametrize("key", sorted(PHRASE_FIELDS))
def test_any_phrase_can_be_turned_off(key: str) -> None:
    text = (
        "guidecast: 1\ntitle: T\nintro: Hello.\n"
        f'phrases: {{{key}: ""}}\n'
        "cues: {halfway: true, time_left: [5s], next_up: true}\n"
        "steps:\n  - rounds: 2\n    steps:\n"
        "      - {id: a, title: A, say: Do A., duration: 20s, sides: [left, right]}\n"
        "      - {id: b, title: B, say: Do B., duration: 20s}\n"
    )
    routine = parse_routine(text, "test.yaml")
    assert routine.phrases == {key: ""}
    script = make_script(routine)
    timeline = timeline_for(text)
    kind = {"finished": "outro", "session_length": "intro"}.get(key, key)
    said = [c for c in timeline.cues if c.kind == kind]
    if key == "session_length":
        assert not script.tells_length
        assert [c.text for c in said] == ["Hello."]
    else:
        assert said == []
    for before, after in itertools.pairwise(timeline.cues):
        assert before.end <= after.start


def test_a_phrase_left_empty_by_mistake_is_still_an_error() -> None:
    text = (
        "guidecast: 1\ntitle: T\nphrases: {round: }\n"
        "steps:\n  - {id: a, title: A, say: Go., duration: 5s}\n"
    )
    with pytest.raises(RoutineError, match="phrase 'round' is empty"):
        parse_routine(text, "test.yaml")
