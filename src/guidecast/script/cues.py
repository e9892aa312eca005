"""The cue kinds: every sound a session makes inside a step's perform time, defined once.

Each `CueKind` says, in one place, what the script, the timeline and live playback need of it:
- `texts`: every text it may speak in a visit (the script asks the voice for all of them);
- `place`: where it wants to be heard in a perform time (the timeline keeps it if it fits);
- `minimum`: the perform time it needs whole (a count or a countdown never loses a number);
- `structural`: which of its texts decide the session's length (live playback speaks those
  first);
- `fixed` / `waiting`: whether it is heard in a perform time with a clock, and in one that
  waits for the listener (an open step, `duration: {until: done, ...}`, in `guidecast play`).
  A countdown, "halfway", "time left" and "next up" point at an end that is not known while
  the player waits, so they are not said there; reminders are, over and over (see
  `wait_loop`), after the "take your time" line of the `waiting` kind. A built file has no
  waiting: an open step is a fixed step of its nominal time there, every kind as usual.
`KINDS` is in priority order: when two cues want the same moment, the earlier kind keeps it.

Adding a cue kind: an entry here, its setting in routine/model.py (`CueSettings` or `Step`) and
routine/reader.py, the schema, docs/routine-format.md and tests. The lines said before a perform
time (round, instruction, side) and around the session (intro, safety, outro) are made in
script/model.py; the generated sounds are `SOUNDS`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from guidecast.language.phrases import PhraseBank

if TYPE_CHECKING:
    from guidecast.script.model import Visit

# Generated sounds and their exact lengths: the timeline relies on them, and audio/sounds.py
# makes PCM of exactly this length.
SOUND_SECONDS = {"chime": 0.9, "tick": 0.04}

CUE_GAP = 0.25  # the least silence between two cues
HALFWAY_LEAST_S = 8.0  # a shorter perform time has no middle worth announcing
TIME_LEFT_LEAST_S = 3.0  # "30 seconds left" is not said in the first 3 s of the step


def sound_samples(name: str, sample_rate: int) -> int:
    """A sound's exact length in samples; the timeline relies on this, so render must match."""
    return round(SOUND_SECONDS[name] * sample_rate)


@dataclass(frozen=True)
class Room:
    """One perform time, as placement sees it: samples from `low` to `high`, at `rate`, with
    `clip` giving a text's clip length in samples."""

    low: int
    high: int
    rate: int
    clip: Callable[[str], int]

    def s(self, seconds: float) -> int:
        return round(seconds * self.rate)

    @property
    def length(self) -> int:
        return self.high - self.low


@dataclass(frozen=True)
class Wanted:
    """A cue that wants to start at `start`: speech (`text`) or a generated sound (`sound`)."""

    start: int
    text: str | None = None
    sound: str | None = None


Texts = Callable[["Visit", PhraseBank], list[str]]
Place = Callable[["Visit", PhraseBank, Room], Iterator[Wanted]]
Minimum = Callable[["Visit", PhraseBank, Callable[[str], float]], float]


def _none(visit: Visit, bank: PhraseBank) -> list[str]:
    return []


def _no_minimum(visit: Visit, bank: PhraseBank, seconds: Callable[[str], float]) -> float:
    return 0.0


@dataclass(frozen=True)
class CueKind:
    name: str
    texts: Texts
    place: Place
    minimum: Minimum = _no_minimum
    structural: Texts = _none
    reported: bool = True  # a dropped cue of this kind is reported (ticks give way by design)
    rings_on: Callable[[Visit], float] | None = None  # seconds it may sound past the perform time
    fixed: bool = True  # heard in a perform time with a clock
    waiting: bool = False  # heard while an open step waits for the listener


def time_left_text(bank: PhraseBank, seconds: float) -> str:
    return bank.time_left(seconds)


def number_spacing(
    numbers: int, every: float, bank: PhraseBank, seconds: Callable[[str], float]
) -> float:
    """Seconds from one number of a count or countdown (1..`numbers`) to the next: `every`, or
    more when the voice takes longer to say its longest number (Spanish "dos" took 0.88 s where
    English "two" took 0.32 s), so no number is ever dropped for want of room."""
    longest = max(seconds(bank.number(n)) for n in range(1, numbers + 1))
    return max(every, longest + CUE_GAP + 0.001)  # 1 ms: positions round to the sample


def _room_seconds(room: Room) -> Callable[[str], float]:
    return lambda text: room.clip(text) / room.rate


# -- count: "one" ... "four", a number every `every` seconds (the step's own rhythm) -----------
# The first number starts the perform time and number n comes (n - 1) * every later, so
# `count: {to: 4, every: 1s}` over `duration: 4s` marks each of the four seconds and the breath
# stays four seconds long. The last number's clip may ring on past the perform time into the
# pause after it (never into the next sound): the step grows only when the numbers do not fit.
# `every` widens when the voice's longest number and a gap do not fit in it (number_spacing).


def _count_texts(visit: Visit, bank: PhraseBank) -> list[str]:
    count = visit.step.count
    return [bank.number(n) for n in range(1, count.to + 1)] if count else []


def count_every(visit: Visit, bank: PhraseBank, seconds: Callable[[str], float]) -> float:
    """The seconds between a step's count numbers, as the voice says them."""
    count = visit.step.count
    return number_spacing(count.to, count.every, bank, seconds) if count else 0.0


def _count_place(visit: Visit, bank: PhraseBank, room: Room) -> Iterator[Wanted]:
    count = visit.step.count
    if count:
        every = count_every(visit, bank, _room_seconds(room))
        for n in range(1, count.to + 1):
            yield Wanted(room.low + room.s((n - 1) * every), bank.number(n))


def ring_on_seconds(visit: Visit) -> float:
    """How far a count's last number may sound past the perform time: into the silence after
    it, keeping the least gap before the next sound."""
    return max(0.0, visit.pause_after - CUE_GAP)


def _count_minimum(visit: Visit, bank: PhraseBank, seconds: Callable[[str], float]) -> float:
    count = visit.step.count
    if not count:
        return 0.0
    every = count_every(visit, bank, seconds)
    last_start = (count.to - 1) * every
    return last_start + max(0.0, seconds(bank.number(count.to)) - ring_on_seconds(visit))


# -- countdown: "three, two, one", one a second, ending with the perform time -----------------


def _countdown_texts(visit: Visit, bank: PhraseBank) -> list[str]:
    return [bank.number(n) for n in range(1, (visit.cues.countdown or 0) + 1)]


def _countdown_span(visit: Visit, bank: PhraseBank, seconds: Callable[[str], float]) -> float:
    """Seconds from the countdown's first number to the end: a second a number, or more."""
    countdown = visit.cues.countdown or 0
    return countdown * number_spacing(countdown, 1.0, bank, seconds) if countdown else 0.0


def _countdown_place(visit: Visit, bank: PhraseBank, room: Room) -> Iterator[Wanted]:
    countdown = visit.cues.countdown or 0
    if countdown:
        spacing = _countdown_span(visit, bank, _room_seconds(room)) / countdown
        for n in range(countdown, 0, -1):
            yield Wanted(room.high - room.s(n * spacing), bank.number(n))


def _countdown_minimum(visit: Visit, bank: PhraseBank, seconds: Callable[[str], float]) -> float:
    if not visit.cues.countdown:
        return 0.0
    span = _countdown_span(visit, bank, seconds)
    count = visit.step.count
    if not count:
        return span + 0.5
    # A count in the same step: the countdown starts a gap after the count's last number
    # (which cannot ring on: the countdown follows it inside the perform time).
    every = count_every(visit, bank, seconds)
    count_end = (count.to - 1) * every + seconds(bank.number(count.to))
    return max(span + 0.5, count_end + CUE_GAP + span + 0.01)


# -- next_up: "Next up: Strokes.", just before the countdown (or the end) --------------------


def _next_up_texts(visit: Visit, bank: PhraseBank) -> list[str]:
    if visit.cues.next_up and visit.next_title and bank.says("next_up"):
        return [bank.say("next_up", title=visit.next_title)]
    return []


def _next_up_place(visit: Visit, bank: PhraseBank, room: Room) -> Iterator[Wanted]:
    for text in _next_up_texts(visit, bank):
        countdown = visit.cues.countdown
        span = _countdown_span(visit, bank, _room_seconds(room))
        before = room.high - room.s(span) if countdown else room.high
        yield Wanted(before - room.s(1.0 if countdown else 0.5) - room.clip(text), text)


# -- time_left: "Thirty seconds left.", at each mark before the end --------------------------


def _time_left_marks(visit: Visit, bank: PhraseBank) -> tuple[float, ...]:
    return (visit.cues.time_left or ()) if bank.says("time_left") else ()


def _time_left_texts(visit: Visit, bank: PhraseBank) -> list[str]:
    return [time_left_text(bank, mark) for mark in _time_left_marks(visit, bank)]


def _time_left_place(visit: Visit, bank: PhraseBank, room: Room) -> Iterator[Wanted]:
    for mark in _time_left_marks(visit, bank):
        if room.s(mark) <= room.length - room.s(TIME_LEFT_LEAST_S):
            yield Wanted(room.high - room.s(mark), time_left_text(bank, mark))


# -- halfway: "Halfway.", in the middle of a perform time of 8 s or more ---------------------


def _halfway_texts(visit: Visit, bank: PhraseBank) -> list[str]:
    return [bank.say("halfway")] if visit.cues.halfway and bank.says("halfway") else []


def _halfway_place(visit: Visit, bank: PhraseBank, room: Room) -> Iterator[Wanted]:
    if _halfway_texts(visit, bank) and room.length >= room.s(HALFWAY_LEAST_S):
        yield Wanted(room.low + room.length // 2, bank.say("halfway"))


# -- keep_going: the routine's reminders, one every `every` seconds, in turn -----------------


def _keep_going_texts(visit: Visit, bank: PhraseBank) -> list[str]:
    keep_going = visit.cues.keep_going
    return list(keep_going.say) if keep_going else []


def _keep_going_place(visit: Visit, bank: PhraseBank, room: Room) -> Iterator[Wanted]:
    keep_going = visit.cues.keep_going
    if keep_going and visit.waits:
        start, end = wait_loop(visit, bank, _room_seconds(room))
        every = (end - start) / len(keep_going.say)
        for index, line in enumerate(keep_going.say):
            yield Wanted(room.low + room.s(start + index * every), line)
    elif keep_going:
        every, lines = room.s(keep_going.every), keep_going.say
        for index, at in enumerate(range(room.low + every, room.high - every // 2, every)):
            yield Wanted(at, lines[index % len(lines)])


# -- tick: a soft metronome tick, `ticks` a minute; gives way to any speech ------------------


def _tick_place(visit: Visit, bank: PhraseBank, room: Room) -> Iterator[Wanted]:
    if visit.step.ticks:
        interval = 60.0 / visit.step.ticks
        tick = sound_samples("tick", room.rate)
        for k in range(1, math.floor(room.length / room.rate / interval) + 1):
            at = room.low + room.s(k * interval)
            if at + tick <= room.high:
                yield Wanted(at, sound="tick")


# -- waiting: "Take your time...", when an open step's words are said, in `guidecast play` ----
# Then the player waits for "done" (or a key), looping [start, end) of `wait_loop`: one turn of
# the step's reminders, the first one interval after the line, so they come every interval for
# as long as it waits. Without reminders the loop is empty and the player stands still.


def _waiting_texts(visit: Visit, bank: PhraseBank) -> list[str]:
    key = "waiting_listen" if visit.waits == "voice" else "waiting"
    return [bank.say(key)] if visit.waits and bank.says(key) else []


def wait_loop(
    visit: Visit, bank: PhraseBank, seconds: Callable[[str], float]
) -> tuple[float, float]:
    """Where a waiting visit loops, in seconds from its perform time's start: (start, end)."""
    line = sum(seconds(text) + CUE_GAP for text in _waiting_texts(visit, bank))
    keep_going = visit.cues.keep_going
    if not keep_going:
        return line, line
    # A reminder longer than the interval would run into the next one: the interval widens.
    every = max(keep_going.every, max(seconds(text) for text in keep_going.say) + CUE_GAP)
    return line + every, line + every * (1 + len(keep_going.say))


def _waiting_place(visit: Visit, bank: PhraseBank, room: Room) -> Iterator[Wanted]:
    for text in _waiting_texts(visit, bank):
        yield Wanted(room.low, text)


def _waiting_minimum(visit: Visit, bank: PhraseBank, seconds: Callable[[str], float]) -> float:
    return wait_loop(visit, bank, seconds)[1] if visit.waits else 0.0


def _waiting_structural(visit: Visit, bank: PhraseBank) -> list[str]:
    """The line and the reminders: they set the loop, so the perform time."""
    keep_going = visit.cues.keep_going
    reminders = list(keep_going.say) if keep_going and visit.waits else []
    return _waiting_texts(visit, bank) + reminders


KINDS: tuple[CueKind, ...] = (
    # Every number of a count or countdown is structural: the longest sets their spacing.
    CueKind(
        "count",
        _count_texts,
        _count_place,
        _count_minimum,
        _count_texts,
        rings_on=ring_on_seconds,
    ),
    CueKind("countdown", _countdown_texts, _countdown_place, _countdown_minimum, _countdown_texts),
    CueKind("next_up", _next_up_texts, _next_up_place),
    CueKind("time_left", _time_left_texts, _time_left_place),
    CueKind("halfway", _halfway_texts, _halfway_place),
    CueKind("keep_going", _keep_going_texts, _keep_going_place, waiting=True),
    CueKind("tick", _none, _tick_place, reported=False),
    CueKind(
        "waiting",
        _waiting_texts,
        _waiting_place,
        _waiting_minimum,
        _waiting_structural,
        fixed=False,
        waiting=True,
    ),
)
PRIORITY = tuple(kind.name for kind in KINDS)  # which cue keeps its moment: earlier wins
BY_NAME = {kind.name: kind for kind in KINDS}


def kinds_for(visit: Visit) -> tuple[CueKind, ...]:
    """The kinds heard in a visit: those of a perform time with a clock, or of one that waits."""
    return tuple(kind for kind in KINDS if (kind.waiting if visit.waits else kind.fixed))


def visit_texts(visit: Visit, bank: PhraseBank) -> list[str]:
    """Every text a visit may speak: its lead lines, then each kind's cues."""
    texts = [line.text for line in visit.lead]
    for kind in kinds_for(visit):
        texts += kind.texts(visit, bank)
    return texts


def structural_texts(visit: Visit, bank: PhraseBank) -> list[str]:
    """The texts of a visit whose lengths decide the session's length."""
    texts = [line.text for line in visit.lead]
    for kind in kinds_for(visit):
        texts += kind.structural(visit, bank)
    return texts
