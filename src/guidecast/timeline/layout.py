"""The timeline: where every sound of a session goes, in samples. A pure function.

`build_timeline(script, pacing, lengths, sample_rate)` needs no audio, only each text's clip
length in samples, so it is tested with made-up lengths, and positions are integers that never
drift however long the session.

A step visit is laid out as: [chime] [announcements and instruction] [perform time] [pause].
Coaching cues are spoken inside the perform time, which grows (with a note) when the cues a
step asks for cannot fit in it. Cues never overlap: when two want the same moment, the one of
higher priority keeps it and the other is dropped, with a note saying so.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass

from guidecast.core.durations import TimeRange, format_duration
from guidecast.core.errors import UsageError
from guidecast.routine.pacing import MAX_PACE, MIN_PACE, Pacing
from guidecast.script.cues import CUE_GAP, Room, count_every, kinds_for, sound_samples, wait_loop
from guidecast.script.model import Line, Script, Visit
from guidecast.timeline.limits import MAX_SESSION_S, session_too_long
from guidecast.timeline.notes import Note, note_for
from guidecast.timeline.reminders import Reminders

# Gaps, in seconds. Chosen by ear: long enough to separate thoughts, short enough to flow.
LEAD_IN = 0.4  # silence before the first word: some players clip the very start
AFTER_CHIME = 0.35
BETWEEN_LINES = 0.45
BEFORE_PERFORM = 0.3
AFTER_OPENING = 1.0
BEFORE_CLOSING = 0.6
TAIL = 1.5  # silence after the last word, so the ending is not abrupt
MIN_PERFORM = 1.0


@dataclass(frozen=True)
class Cue:
    """One sound in the session: speech (`text`) or a generated sound (`sound`)."""

    kind: str  # intro, safety, instruction, side, round, countdown, halfway, time_left, ...
    start: int  # sample
    length: int  # samples
    text: str | None = None
    sound: str | None = None
    step: str | None = None  # the step id, for cues inside a step

    @property
    def end(self) -> int:
        return self.start + self.length


@dataclass(frozen=True)
class StepSpan:
    """Where one visit of a step sits: from its chime to the end of its pause."""

    id: str
    title: str
    start: int
    end: int
    perform_start: int
    perform_end: int
    round: int | None = None
    rounds: int | None = None
    side: str | None = None
    block: str | None = None  # its rounds block's title, when the routine gives one
    # An open step waiting for the listener (in play): the player loops [start, end) of the
    # perform time until "done" (script/cues.py, `wait_loop`); at one sample when start == end.
    hold: tuple[int, int] | None = None


@dataclass(frozen=True)
class Timeline:
    sample_rate: int
    length: int  # samples in the whole session
    steps: tuple[StepSpan, ...]
    cues: tuple[Cue, ...]  # sorted by start; none overlap
    notes: tuple[Note, ...] = ()  # what to tell the user (grown steps, dropped cues): notes.py

    @property
    def seconds(self) -> float:
        return self.length / self.sample_rate


class _Placer:
    """Keeps cue intervals apart inside one perform time.

    The placed cues are kept sorted by start. They never overlap, so a new cue can only collide
    with its neighbours on either side: each check is a binary search, not a scan of every cue
    (a day-long step with ticks has hundreds of thousands).
    """

    def __init__(self, gap: int) -> None:
        self.gap = gap
        self.placed: list[Cue] = []
        self._starts: list[int] = []

    def fits(self, start: int, length: int, low: int, high: int) -> bool:
        if start < low or start + length > high:
            return False
        i = bisect.bisect_right(self._starts, start)
        before = self.placed[i - 1] if i else None
        after = self.placed[i] if i < len(self.placed) else None
        return (before is None or before.end + self.gap <= start) and (
            after is None or start + length + self.gap <= after.start
        )

    def add(self, cue: Cue) -> None:
        i = bisect.bisect_right(self._starts, cue.start)
        self._starts.insert(i, cue.start)
        self.placed.insert(i, cue)


def perform_times(
    script: Script, pacing: Pacing, fixed_samples: int, sample_rate: int, minimums: list[float]
) -> list[tuple[float, float]]:
    """(asked, given) seconds of perform time for each visit.

    `asked` follows the step's time and the pacing options; `given` is at least the minimum
    the visit's count or countdown needs.
    """
    ranges = [pacing.times.get(v.step.id, v.step.duration) for v in script.visits]

    def at(p: float | None) -> list[tuple[float, float]]:
        asked = [r.middle * pacing.pace if p is None else _stretch(r, p) for r in ranges]
        return [(a, max(a, m)) for a, m in zip(asked, minimums, strict=True)]

    def waited(times: list[tuple[float, float]]) -> list[tuple[float, float]]:
        # A visit that waits for the listener has no time to pace: its perform time is its
        # words' wait loop. --length is fitted as for the built session (nominal times), so
        # the other steps get the times a built file gives them.
        return [
            (m, m) if v.waits else t for v, t, m in zip(script.visits, times, minimums, strict=True)
        ]

    if pacing.length is None:
        return waited(at(None))
    target = pacing.length - fixed_samples / sample_rate

    def total(p: float) -> float:
        return sum(given for _, given in at(p))

    shortest, longest = total(-1.0), total(2.0)
    if not shortest <= target <= longest:
        fixed = fixed_samples / sample_rate
        raise UsageError(
            f"--length {format_duration(pacing.length)} cannot be reached: this routine runs "
            f"from {format_duration(fixed + shortest)} to {format_duration(fixed + longest)}"
        )
    low, high = -1.0, 2.0
    for _ in range(60):  # bisection: the total grows steadily with p
        middle = (low + high) / 2
        if total(middle) < target:
            low = middle
        else:
            high = middle
    return waited(at(high))


def _stretch(time: TimeRange, p: float) -> float:
    """A perform time along one scale for the whole session: p = -1 is half the shortest time,
    0 the shortest, 1 the longest of a range, 2 three times the longest."""
    if p <= 0:
        return time.low * (1 + p * (1 - MIN_PACE))
    if p <= 1:
        return time.low + p * (time.high - time.low)
    return time.high * (1 + (p - 1) * (MAX_PACE - 1))


def build_timeline(
    script: Script,
    pacing: Pacing,
    lengths: Mapping[str, int],
    sample_rate: int,
    session_length_text: str | None = None,
) -> Timeline:
    """Lay out the whole session. `lengths` gives each text's clip length in samples."""
    layout = _Layout(script, pacing, lengths, sample_rate)
    opening = list(script.opening)
    if session_length_text:
        intro_count = sum(1 for line in opening if line.kind == "intro")
        opening.insert(intro_count, Line("intro", session_length_text))
    minimums = [layout.minimum_perform(v) for v in script.visits]
    fixed = layout.fixed_samples(opening)
    seconds = perform_times(script, pacing, fixed, sample_rate, minimums)
    # Checked before any cue is made: 2,000 day-long steps of ticks would be a billion cues.
    total = fixed / sample_rate + sum(given for _, given in seconds)
    if total > MAX_SESSION_S:
        plain = _Layout(script, Pacing(), lengths, sample_rate).fixed_samples(opening)
        plain_times = perform_times(script, Pacing(), plain, sample_rate, minimums)
        as_written = plain / sample_rate + sum(given for _, given in plain_times)
        given_times = [given for _, given in seconds]
        raise session_too_long(script, pacing, total, given_times, as_written)
    return layout.lay_out(opening, seconds)


class _Layout:
    def __init__(
        self, script: Script, pacing: Pacing, lengths: Mapping[str, int], sample_rate: int
    ) -> None:
        self.script = script
        self.lengths = lengths
        self.rate = sample_rate
        self.chime = script.chime if pacing.chime is None else pacing.chime
        self.bank = script.phrases
        self.owed: dict[tuple[str, ...], int] = {}  # reminder lists -> the line a visit owes

    def s(self, seconds: float) -> int:
        return round(seconds * self.rate)

    def clip(self, text: str) -> int:
        return self.lengths[text]

    def _lines_length(self, lines: tuple[Line, ...] | list[Line]) -> int:
        """Lines said one after another, with the gap between them (none when there are none:
        a sentence turned off under `phrases` leaves a side with no words)."""
        gaps = self.s(BETWEEN_LINES) * max(0, len(lines) - 1)
        return sum(self.clip(line.text) for line in lines) + gaps

    def fixed_samples(self, opening: list[Line]) -> int:
        """Everything but the perform times: speech before steps, pauses, chimes, gaps."""
        total = self.s(LEAD_IN)
        if opening:
            total += self._lines_length(opening) + self.s(AFTER_OPENING)
        for visit in self.script.visits:
            total += self._visit_overhead(visit)
        total += self._closing_length()
        return total

    def _visit_overhead(self, visit: Visit) -> int:
        total = self.s(AFTER_CHIME) + sound_samples("chime", self.rate) if self.chime else 0
        total += self._lines_length(visit.lead) + self.s(BEFORE_PERFORM)
        return total + self.s(self._after(visit))

    def _after(self, visit: Visit) -> float:
        return visit.pause_after

    def _closing_length(self) -> int:
        total = self.s(BEFORE_CLOSING)
        if self.chime:
            total += sound_samples("chime", self.rate) + self.s(AFTER_CHIME)
        total += self._lines_length(self.script.closing)
        return total + self.s(TAIL)

    def minimum_perform(self, visit: Visit) -> float:
        """The shortest perform time that holds every cue a step needs whole (script/cues.py:
        a count's numbers, a countdown)."""

        def seconds(text: str) -> float:
            return self.clip(text) / self.rate

        kinds = kinds_for(visit)
        return max(MIN_PERFORM, *(kind.minimum(visit, self.bank, seconds) for kind in kinds))

    def lay_out(self, opening: list[Line], perform_seconds: list[tuple[float, float]]) -> Timeline:
        cues: list[Cue] = []
        steps: list[StepSpan] = []
        notes: list[Note] = []
        t = self.s(LEAD_IN)
        for index, line in enumerate(opening):
            if index:
                t += self.s(BETWEEN_LINES)
            cues.append(Cue(line.kind, t, self.clip(line.text), text=line.text))
            t += self.clip(line.text)
        if opening:
            t += self.s(AFTER_OPENING)
        for visit, (asked, given) in zip(self.script.visits, perform_seconds, strict=True):
            if given > asked + 0.001:
                notes.append(
                    note_for(
                        visit,
                        f"grew from {format_duration(asked)} to {format_duration(given)} "
                        "to fit its count or countdown",
                    )
                )
            count = visit.step.count
            every = count_every(visit, self.bank, lambda text: self.clip(text) / self.rate)
            if count and every > count.every + 0.001:
                notes.append(
                    note_for(
                        visit,
                        f"counts every {format_duration(every)}, not every "
                        f"{format_duration(count.every)}: its numbers take longer to say",
                    )
                )
            t = self._lay_out_visit(visit, t, self.s(given), cues, steps, notes)
        t += self.s(BEFORE_CLOSING)
        if self.chime:
            cues.append(Cue("chime", t, sound_samples("chime", self.rate), sound="chime"))
            t += sound_samples("chime", self.rate) + self.s(AFTER_CHIME)
        for index, line in enumerate(self.script.closing):
            if index:
                t += self.s(BETWEEN_LINES)
            cues.append(Cue(line.kind, t, self.clip(line.text), text=line.text))
            t += self.clip(line.text)
        t += self.s(TAIL)
        cues.sort(key=lambda c: c.start)
        return Timeline(self.rate, t, tuple(steps), tuple(cues), tuple(notes))

    def _lay_out_visit(
        self,
        visit: Visit,
        t: int,
        perform: int,
        cues: list[Cue],
        steps: list[StepSpan],
        notes: list[Note],
    ) -> int:
        start = t
        step_id = visit.step.id
        if self.chime:
            cues.append(
                Cue("chime", t, sound_samples("chime", self.rate), sound="chime", step=step_id)
            )
            t += sound_samples("chime", self.rate) + self.s(AFTER_CHIME)
        for index, line in enumerate(visit.lead):
            if index:
                t += self.s(BETWEEN_LINES)
            cues.append(Cue(line.kind, t, self.clip(line.text), text=line.text, step=step_id))
            t += self.clip(line.text)
        t += self.s(BEFORE_PERFORM)
        perform_start, perform_end = t, t + perform
        cues += self._perform_cues(visit, perform_start, perform_end, notes)
        hold = None
        if visit.waits:
            loop = wait_loop(visit, self.bank, lambda text: self.clip(text) / self.rate)
            start_at, end_at = (perform_start + self.s(x) for x in loop)
            hold = (start_at, end_at) if end_at > start_at else (perform_end, perform_end)
        t = perform_end + self.s(self._after(visit))
        steps.append(
            StepSpan(
                step_id,
                visit.step.title,
                start,
                t,
                perform_start,
                perform_end,
                visit.round,
                visit.rounds,
                visit.side,
                visit.block,
                hold,
            )
        )
        return t

    def _perform_cues(self, visit: Visit, low: int, high: int, notes: list[Note]) -> list[Cue]:
        """The cues inside one perform time, by priority (script/cues.py), none overlapping."""
        room = Room(low, high, self.rate, self.clip)
        placer = _Placer(self.s(CUE_GAP))
        dropped: dict[str, int] = {}
        # Keep-going reminders say their lines in turn across slots: a line whose slot has no
        # room is said by the next one (timeline/reminders.py), so none of the list is lost.
        lines = visit.cues.keep_going.say if visit.cues.keep_going else ()
        reminders = Reminders(lines, self.owed)
        for kind in kinds_for(visit):
            for wanted in kind.place(visit, self.bank, room):
                text, sound = wanted.text, wanted.sound
                if kind.name == "keep_going":
                    text = reminders.due()
                length = self.clip(text) if text is not None else sound_samples(sound, self.rate)
                cue = Cue(kind.name, wanted.start, length, text, sound, visit.step.id)
                limit = high + (self.s(kind.rings_on(visit)) if kind.rings_on else 0)
                fits = placer.fits(cue.start, cue.length, low, limit)
                if fits:
                    placer.add(cue)
                elif kind.reported:
                    dropped[kind.name] = dropped.get(kind.name, 0) + 1
                if kind.name == "keep_going":
                    reminders.slot(fits)
        for name, count in dropped.items():
            what = name.replace("_", " ") + (f" (x{count})" if count > 1 else "")
            notes.append(note_for(visit, f"dropped {what}: no room beside other cues", ": "))
        return placer.placed
