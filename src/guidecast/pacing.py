"""How a listener shapes a routine's timing without editing it: pace, target length, per-step
times, speech rate. The CLI options and a personal pacing file both become a `Pacing`."""

from __future__ import annotations

from dataclasses import dataclass, field

from guidecast.durations import TimeRange

MIN_PACE, MAX_PACE = 0.5, 3.0


@dataclass(frozen=True)
class Pacing:
    pace: float = 1.0  # multiplies every step's perform time
    length: float | None = None  # seconds: fit the whole session to this
    times: dict[str, TimeRange] = field(default_factory=dict)  # step id -> perform time
    rate: int | None = None  # words per minute, over the routine's voice rate
    chime: bool | None = None  # None: as the routine says
    engine: str | None = None  # speech engine over the routine's (pyttsx3, hibari, piper)
