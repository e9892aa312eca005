"""What the player reports: an `Event` for each thing the listener hears or does."""

from __future__ import annotations

from dataclasses import dataclass

from guidecast.timeline.layout import Cue


@dataclass(frozen=True)
class Event:
    """Something the listener hears or does, at a session position.

    `wall` is when the device took that sample (monotonic seconds); `waited` is how long, by
    then, the clock had stood still (paused, or waiting for speech), so that
    `(wall - first_audio - waited) * speed` is the session time the wall clock saw.
    """

    kind: str  # start, step, cue, repeat, pause, resume, seek, wait, stop, end, error,
    # heard (a spoken command; detail: the phrase), tempo (detail: slower or faster),
    # hold (an open step begins to wait for the listener: "done", n or space)
    position: int
    wall: float
    waited: float = 0.0
    step: int | None = None  # index into the timeline's steps, for "step"
    cue: Cue | None = None  # for "cue" and "repeat"
    target: int | None = None  # for "seek": where to
    detail: str = ""
