"""The sound bed under a session: which loop plays where, how loud, and how far it is lowered
under speech, as a function of the session position, so any range renders alone (a build's
stream, live playback, a seek) and memory stays flat however long the session.

`bed_layout(routine, timeline, override)` cuts the session into stretches with one setting
each (the opening follows the routine's `background`, each step its own over it, the closing
the last step's); `BedLayout.at(voice_lufs)` sets the gains once the voice's loudness is known.
Around each spoken line the bed goes down `duck` dB, starting ATTACK_S before the line (the
timeline says when speech comes, so the bed is already down for its first syllable) and
coming back over RELEASE_S after it; lines closer than HOLD_S keep it down between them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from guidecast.audio.beds import Loop, file_loop, generated_loop
from guidecast.routine.model import Background, Routine

if TYPE_CHECKING:
    from guidecast.speech.cache import ClipCache
    from guidecast.timeline.layout import Timeline

ATTACK_S = 0.3
RELEASE_S = 0.8
HOLD_S = 1.5  # a gap between lines shorter than this keeps the bed down
FADE_IN_S = 3.0  # at the start, and after a step with the bed off
CROSSFADE_S = 3.0  # from one bed to another, centered on the step change
FADE_END_S = 10.0  # over the session's last seconds (a third of a shorter stretch)
FADE_OFF_S = 60.0  # before a step with the bed off (a third of a shorter stretch): a sleep
# session's long quiet step ends softly before the spoken wake-up
CLEAR_DB = 15.0  # speech over the bed while it speaks, at least, or the session says so


@dataclass(frozen=True)
class Stretch:
    """Part of the session with one bed setting: samples [start, end)."""

    start: int
    end: int
    setting: Background  # off, or a source with level and duck


@dataclass(frozen=True)
class Run:
    """One bed playing over [start, end), faded in until `full` and out from `fading`."""

    loop: Loop
    setting: Background
    start: int
    full: int
    fading: int
    end: int
    gain: float = 1.0  # linear, set by BedLayout.at

    def amplitude(self, positions: np.ndarray) -> np.ndarray:
        return np.interp(
            positions, (self.start, self.full, self.fading, self.end), (0.0, 1.0, 1.0, 0.0)
        )


def resolve(
    routine: Routine, override: Background | None
) -> tuple[Background, dict[str, Background]]:
    """The routine's bed and each step's, with the command line's choice over them:
    `--background off` silences every step, another sound replaces the routine's, and
    `--background-level` sets every level."""
    base = routine.background or Background(off=True)
    if override is not None:
        base = override.over(base) if (override.source or override.off) else _level(base, override)
    steps: dict[str, Background] = {}
    for step in routine.all_steps():
        own = step.background.over(base) if step.background is not None else base
        if override is not None and override.off:
            own = override
        elif override is not None and override.level is not None:
            own = replace(own, level=override.level)
        steps[step.id] = own
    return base, steps


def _level(base: Background, override: Background) -> Background:
    return replace(base, level=override.level) if override.level is not None else base


def load(setting: Background, rate: int, cache: ClipCache | None = None) -> Loop:
    """The loop a setting plays (generated, or its file decoded), kept once made."""
    if setting.file is not None:
        return file_loop(setting.file, rate, setting.place)
    return generated_loop(setting.sound or "", rate, cache=cache)


def check_sources(
    routine: Routine, override: Background | None, rate: int, cache: ClipCache | None = None
) -> None:
    """Make (or decode, or read from `cache`) every loop the session will play, now: before
    any speech is made, so a file that cannot be used is reported at once."""
    base, steps = resolve(routine, override)
    for setting in dict.fromkeys((base, *steps.values())):
        if setting.source is not None:
            load(setting, rate, cache)


def bed_layout(
    routine: Routine, timeline: Timeline, override: Background | None = None
) -> BedLayout | None:
    """Where each bed plays in this session; None when no part of it has one."""
    base, steps = resolve(routine, override)
    stretches: list[Stretch] = []

    def add(start: int, end: int, setting: Background) -> None:
        if end <= start:
            return
        if stretches and stretches[-1].setting == setting and stretches[-1].end == start:
            stretches[-1] = Stretch(stretches[-1].start, end, setting)
        else:
            stretches.append(Stretch(start, end, setting))

    spans = timeline.steps
    first = spans[0].start if spans else timeline.length
    add(0, first, base)
    for span in spans:
        add(span.start, span.end, steps.get(span.id, base))
    add(
        spans[-1].end if spans else first,
        timeline.length,
        steps.get(spans[-1].id, base) if spans else base,
    )
    if not any(s.setting.source is not None for s in stretches):
        return None
    return BedLayout(timeline, tuple(stretches))


class BedLayout:
    """The runs of bed in a session and where speech lowers them; gains come with `at`."""

    def __init__(self, timeline: Timeline, stretches: tuple[Stretch, ...]) -> None:
        self.rate = rate = timeline.sample_rate
        self.length = timeline.length
        self.stretches = stretches
        self.runs = tuple(self._runs(rate))
        starts, ends = [], []
        hold = round((ATTACK_S + RELEASE_S + HOLD_S) * rate)
        for cue in timeline.cues:  # sorted by start, none overlapping
            if cue.text is None:
                continue  # chimes and ticks are short and soft: the bed stays up under them
            if starts and cue.start - ends[-1] < hold:
                ends[-1] = max(ends[-1], cue.end)
            else:
                starts.append(cue.start)
                ends.append(cue.end)
        self.speech_starts = np.array(starts, dtype=np.int64)
        self.speech_ends = np.array(ends, dtype=np.int64)
        self.attack = max(1, round(ATTACK_S * rate))
        self.release = max(1, round(RELEASE_S * rate))
        self._released = self.speech_ends + self.release  # where each ducking has ended

    def _runs(self, rate: int) -> list[Run]:
        runs: list[Run] = []
        stretches = self.stretches
        for index, stretch in enumerate(stretches):
            if stretch.setting.source is None:
                continue
            before = stretches[index - 1].setting if index else None
            after = stretches[index + 1].setting if index + 1 < len(stretches) else None
            half = round(CROSSFADE_S * rate / 2)
            if before is None or before.source is None:
                start, full = stretch.start, stretch.start + round(FADE_IN_S * rate)
            else:
                start, full = stretch.start - half, stretch.start + half
            third = (stretch.end - stretch.start) // 3  # a short stretch is heard at its level
            if after is None:
                fading, end = stretch.end - min(third, round(FADE_END_S * rate)), stretch.end
            elif after.source is None:
                fading, end = stretch.end - min(third, round(FADE_OFF_S * rate)), stretch.end
            else:
                fading, end = stretch.end - half, stretch.end + half
            start, end = max(0, start), min(self.length, end)
            # A short stretch fades in and out at once: the ramps meet in its middle.
            middle = (start + end) // 2
            full, fading = min(full, middle), max(fading, middle)
            full, fading = max(start, full), min(end, fading)
            runs.append(Run(load(stretch.setting, rate), stretch.setting, start, full, fading, end))
        return runs

    def at(self, voice_lufs: float) -> Bed:
        """The bed for a voice at `voice_lufs`: each run `level` LU under it."""
        runs = tuple(
            replace(run, gain=10 ** ((voice_lufs + run.setting.level_lu - run.loop.loudness) / 20))
            for run in self.runs
        )
        return Bed(self, runs, voice_lufs)

    @property
    def notes(self) -> tuple[str, ...]:
        """A bed so loud under speech that the words may be lost."""
        notes = []
        for setting in dict.fromkeys(run.setting for run in self.runs):
            under = setting.duck_db - setting.level_lu
            if under < CLEAR_DB:
                notes.append(
                    f"the background ({setting.source}) is only {under:g} dB under the voice "
                    f"while it speaks (level {setting.level_lu:g}, duck {setting.duck_db:g}): "
                    f"words may be hard to follow; {CLEAR_DB:g} dB or more keeps them clear"
                )
        return tuple(notes)

    def duck_env(self, positions: np.ndarray) -> np.ndarray:
        """0 where the bed is up, 1 where it is fully down for speech, smooth in between."""
        starts, ends = self.speech_starts, self.speech_ends
        env = np.zeros(len(positions))
        if len(starts) == 0:
            return env
        index = np.searchsorted(starts - self.attack, positions, side="right") - 1
        near = index >= 0
        at = index[near]
        p = positions[near].astype(np.float64)
        up = np.clip((p - (starts[at] - self.attack)) / self.attack, 0.0, 1.0)
        down = np.clip(1.0 - (p - ends[at]) / self.release, 0.0, 1.0)
        env[near] = 0.5 - 0.5 * np.cos(np.pi * np.minimum(up, down))
        return env

    def duck_gain(self, start: int, end: int, duck_db: float) -> np.ndarray | float:
        """The ducking gain over [start, end): a number where it is the same throughout (the
        bed up, or fully down), else made of ready-made ramps pasted where lines begin and
        end. A build asks for it every second of the session: it must cost next to nothing."""
        starts, ends = self.speech_starts, self.speech_ends
        index = int(np.searchsorted(self._released, start, side="right"))
        if index == len(starts) or starts[index] - self.attack >= end:
            return 1.0
        down = 10 ** (-duck_db / 20)
        if starts[index] <= start and end <= ends[index]:
            return down
        gain = np.ones(end - start, dtype=np.float32)
        falling, rising = self._ramps(duck_db)
        while index < len(starts) and starts[index] - self.attack < end:
            first, last = int(starts[index]), int(ends[index])
            _paste(gain, start, first - self.attack, falling)
            low, high = max(first, start), min(last, end)
            if low < high:
                gain[low - start : high - start] = down
            _paste(gain, start, last, rising)
            index += 1
        return gain

    @functools.cache  # noqa: B019 - one layout per session, a duck depth or two
    def _ramps(self, duck_db: float) -> tuple[np.ndarray, np.ndarray]:
        """The gain going down over ATTACK_S and coming back over RELEASE_S (raised cosine
        in dB), made once."""
        down = 0.5 - 0.5 * np.cos(np.pi * np.arange(self.attack) / self.attack)
        up = 0.5 + 0.5 * np.cos(np.pi * np.arange(self.release) / self.release)
        return tuple((10 ** (-duck_db * ramp / 20)).astype(np.float32) for ramp in (down, up))


def _paste(gain: np.ndarray, origin: int, at: int, ramp: np.ndarray) -> None:
    """`ramp`, which starts at sample `at`, into `gain`, which starts at `origin`: the part
    that overlaps."""
    low, high = max(at, origin), min(at + len(ramp), origin + len(gain))
    if low < high:
        gain[low - origin : high - origin] = ramp[low - at : high - at]


class Bed:
    """The bed at its gains: `render(start, count)` gives its samples, float32."""

    def __init__(self, layout: BedLayout, runs: tuple[Run, ...], voice_lufs: float) -> None:
        self.layout = layout
        self.runs = runs
        self.voice_lufs = voice_lufs

    @property
    def peak_under_speech(self) -> float:
        """The bed's largest true peak while the voice speaks (fully ducked then): the room
        the voice's limiter leaves for it. Crossfades are linear, so never more than one run's."""
        return max(
            (run.loop.peak * run.gain * 10 ** (-run.setting.duck_db / 20) for run in self.runs),
            default=0.0,
        )

    def faded_in(self, start: int, length: int) -> Bed:
        """This bed silent before `start` and fading in over `length` samples from there."""
        runs = tuple(
            replace(
                run,
                start=max(run.start, start),
                full=min(run.fading, max(run.full, start + length)),
            )
            for run in self.runs
            if run.end > start
        )
        return Bed(self.layout, runs, self.voice_lufs)

    def render(self, start: int, count: int) -> np.ndarray:
        """Samples [start, start + count) of the bed, ducked and faded."""
        out = np.zeros(count, dtype=np.float32)
        end = start + count
        layout = self.layout
        for run in self.runs:
            low, high = max(start, run.start), min(end, run.end)
            if low >= high:
                continue
            piece = run.loop.take(low, high - low) * np.float32(run.gain)
            if not (run.full <= low and high <= run.fading):
                piece = piece * run.amplitude(np.arange(low, high)).astype(np.float32)
            ducked = layout.duck_gain(low, high, run.setting.duck_db)
            out[low - start : high - start] += piece * (
                np.float32(ducked) if isinstance(ducked, float) else ducked
            )
        return out

    def add_energies(self, bins: np.ndarray, bin_size: int) -> None:
        """Add the bed's K-weighted energy into the meter's `bins` (audio/meter.py), each
        `bin_size` samples from the start: each loop's energy there times the gain squared.
        A block of bins at a time: an 8-hour session has 288,000 of them, and the working
        arrays of all at once came to 30 MB."""
        for first in range(0, len(bins), ENERGY_BLOCK):
            count = min(ENERGY_BLOCK, len(bins) - first)
            edges = (first + np.arange(count + 1, dtype=np.int64)) * bin_size
            centers = edges[:-1] + bin_size // 2
            env = self.layout.duck_env(centers)
            for run in self.runs:
                inside = (centers >= run.start) & (centers < run.end)
                if not inside.any():
                    continue
                gain = run.gain * run.amplitude(centers) * 10 ** (-run.setting.duck_db * env / 20)
                energy = run.loop.energy(edges[:-1], edges[1:]) * gain**2
                bins[first : first + count] += np.where(inside, energy, 0.0).astype(bins.dtype)


ENERGY_BLOCK = 1 << 14  # meter bins at a time (27 minutes of session)
