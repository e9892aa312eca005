"""The sound bed under a session spoken just ahead (live/ahead.py), mixed as a build mixes it.

Its loop is made on a thread of its own (about a second for a generated one); until then the
session plays without it, and it then fades in over FADE_IN_S from where it came. It is laid out
again for each snapshot's timeline, so its ducking follows the lines as their lengths arrive.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from guidecast.audio.bed import FADE_IN_S, Bed, bed_layout, check_sources
from guidecast.audio.leveling import TARGET_LUFS
from guidecast.routine.model import Routine
from guidecast.routine.pacing import Pacing
from guidecast.speech.voice import Voice
from guidecast.timeline.layout import Timeline


class LiveBed:
    """The bed of the latest timeline; `failed` is told when its loop cannot be made."""

    def __init__(
        self,
        routine: Routine,
        pacing: Pacing,
        voice: Voice,
        failed: Callable[[BaseException], None],
    ) -> None:
        self.routine = routine
        self.pacing = pacing
        self.sample_rate = voice.sample_rate
        self._last: tuple[Timeline, Bed | None] | None = None  # the bed of the last timeline
        self.ready = threading.Event()
        self._ok = False
        self._from: int | None = None  # where the bed came in, once its loop was made
        threading.Thread(
            target=self._make, args=(voice, failed), name="guidecast-bed", daemon=True
        ).start()

    def _make(self, voice: Voice, failed: Callable[[BaseException], None]) -> None:
        try:
            check_sources(self.routine, self.pacing.background, self.sample_rate, voice.cache)
            self._ok = True
        except BaseException as err:
            failed(err)
        self.ready.set()

    def under(self, timeline: Timeline, start: int) -> Bed | None:
        """The bed under this timeline, at the level a build gives it (the voice is leveled to
        TARGET_LUFS as it plays); None until its loop is made, or if it could not be."""
        if not self.ready.is_set() or not self._ok:
            return None
        if self._last is None or self._last[0] is not timeline:
            layout = bed_layout(self.routine, timeline, self.pacing.background)
            self._last = (timeline, layout.at(TARGET_LUFS) if layout else None)
        bed = self._last[1]
        if bed is not None and self._from is None:
            self._from = start
        if bed is not None and self._from:  # came in late: fade in from there
            bed = bed.faded_in(self._from, round(FADE_IN_S * self.sample_rate))
        return bed
