"""The validated routine: what a routine file means, with no YAML left in it.

Built by `guidecast.routine.reader`; every value here has been checked, so later stages never
validate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from guidecast.core.defaults import BED_DUCK_DB, BED_LEVEL_LU, ENGINE
from guidecast.core.durations import TimeRange
from guidecast.core.errors import Problem

FORMAT_VERSION = 1
MIN_RATE, MAX_RATE = 80, 400  # words per minute: slower drags, faster is hard to follow


@dataclass(frozen=True)
class VoiceSettings:
    """Which voice speaks, and how fast. `None` means the engine's default."""

    engine: str | None = None
    id: str | None = None
    rate: int | None = None  # words per minute
    volume: float | None = None  # 0..1

    def merged(self, other: VoiceSettings) -> VoiceSettings:
        """These settings with every value `other` sets taking precedence.

        A voice id belongs to its engine: when `other` switches to another engine, this id is
        dropped (that engine's default voice speaks); rate and volume mean the same everywhere.
        """
        switched = other.engine is not None and other.engine != (self.engine or ENGINE)
        return VoiceSettings(
            engine=other.engine or self.engine,
            id=other.id if switched else (other.id or self.id),
            rate=other.rate or self.rate,
            volume=self.volume if other.volume is None else other.volume,
        )


@dataclass(frozen=True)
class KeepGoing:
    """Spoken reminders during a step: one line every `every` seconds, cycling through `say`."""

    every: float
    say: tuple[str, ...]


@dataclass(frozen=True)
class CueSettings:
    """Which coaching cues a step gets. `None` means "not set here": inherit the default."""

    countdown: int | None = None  # count "three, two, one" before the step ends; 0 = off
    halfway: bool | None = None
    time_left: tuple[float, ...] | None = None  # seconds before the end
    keep_going: KeepGoing | None = None
    next_up: bool | None = None

    def over(self, defaults: CueSettings) -> CueSettings:
        """These settings with every unset value taken from `defaults`."""
        return CueSettings(
            countdown=defaults.countdown if self.countdown is None else self.countdown,
            halfway=defaults.halfway if self.halfway is None else self.halfway,
            time_left=defaults.time_left if self.time_left is None else self.time_left,
            keep_going=self.keep_going or defaults.keep_going,
            next_up=defaults.next_up if self.next_up is None else self.next_up,
        )


@dataclass(frozen=True)
class Background:
    """A sound bed under the voice: a generated `sound` (core.defaults.BED_SOUNDS) or a `file`
    to loop, `level` LU under the voice, lowered `duck` dB more while the voice speaks.
    `None` means "not set here": a step's setting is taken over the routine's key by key, and
    `off` silences the bed (for a step, or with --background off for the whole session)."""

    sound: str | None = None
    file: Path | None = None
    level: float | None = None  # LU, relative to the voice's loudness
    duck: float | None = None  # dB
    off: bool = False
    place: str = field(default="", compare=False)  # where the file was named, for messages

    @property
    def source(self) -> str | None:
        """What plays, as one name: the sound, the file's path, or None (nothing)."""
        if self.off:
            return None
        return str(self.file) if self.file is not None else self.sound

    def over(self, base: Background | None) -> Background:
        """These settings with every unset value taken from `base`. A step naming only a
        level or a duck keeps the routine's sound; `off` needs nothing from `base`."""
        if base is None or self.off:
            return self
        own = self.sound is not None or self.file is not None
        return Background(
            sound=self.sound if own else base.sound,
            file=self.file if own else base.file,
            level=base.level if self.level is None else self.level,
            duck=base.duck if self.duck is None else self.duck,
            off=False if own else base.off,
            place=self.place if own else base.place,
        )

    @property
    def level_lu(self) -> float:
        return BED_LEVEL_LU if self.level is None else self.level

    @property
    def duck_db(self) -> float:
        return BED_DUCK_DB if self.duck is None else self.duck


@dataclass(frozen=True)
class Count:
    """Counting aloud during a step: "one" ... `to`, one number every `every` seconds."""

    to: int
    every: float


@dataclass(frozen=True)
class Step:
    """One thing to do: the words that say how, then time to do it."""

    id: str
    title: str
    say: tuple[str, ...]
    duration: TimeRange  # time to perform, after the words; per side when there are sides
    # `duration: {until: done, nominal: 3m}`: live playback waits for the listener ("done", a
    # key) instead of a clock; `duration` holds the nominal time a built file gives the step.
    until_done: bool = False
    pause: float = 0.0  # silence after the step
    sides: tuple[str, ...] = ()
    side_pause: float = 0.0  # silence between sides
    cues: CueSettings = field(default_factory=CueSettings)
    count: Count | None = None
    ticks: float | None = None  # metronome ticks per minute during the perform time
    background: Background | None = None  # over the routine's, for this step only
    line: int = 0  # where the step starts in its file, for messages
    # The same place with its file and column, for a message about the whole step.
    place: Problem | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Rounds:
    """A block of steps done `times` times over, announced "Round two of three"."""

    times: int
    steps: tuple[Step, ...]
    title: str | None = None


@dataclass(frozen=True)
class Routine:
    """A whole routine, as its author wrote it (pacing options are applied later)."""

    title: str
    steps: tuple[Step | Rounds, ...]
    path: Path | None = None
    slug: str = "routine"
    description: str | None = None
    language: str = "en"
    source: str | None = None
    version: str | None = None
    voice: VoiceSettings = field(default_factory=VoiceSettings)
    intro: tuple[str, ...] = ()
    safety: tuple[str, ...] = ()
    outro: tuple[str, ...] = ()
    chime: bool = True
    cues: CueSettings = field(default_factory=CueSettings)
    phrases: dict[str, str] = field(default_factory=dict)
    # Where some values were written, for problems found after reading ("voice.id",
    # "voice.engine", "language"); the message of each is empty.
    places: dict[str, Problem] = field(default_factory=dict, compare=False, repr=False)
    background: Background | None = None  # no bed unless the routine or --background asks

    def all_steps(self) -> list[Step]:
        """Every step once, in file order, with the steps inside rounds blocks."""
        steps: list[Step] = []
        for item in self.steps:
            steps.extend(item.steps if isinstance(item, Rounds) else [item])
        return steps
