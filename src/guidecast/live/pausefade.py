"""The sound bed under a paused session: it fades out over PAUSE_FADE_S instead of stopping
dead (a bed cut mid-wave clicks, and a listener hears a cut as something gone wrong), and fades
in over the same time when the session resumes. The voice is cut and resumed as before: a line
is said again from where it stopped, so it must not go on into the pause.

While paused the bed goes on from the sample where the session stopped; on resuming, the bed
is faded in under the session's own samples from there (the show's PCM, less the part of the
bed not yet faded in). A resume during the fade-out fades in from the level it had reached.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Protocol

from guidecast.live.show import Snapshot
from guidecast.speech.engine import SAMPLE_WIDTH

if TYPE_CHECKING:
    import numpy as np

PAUSE_FADE_S = 0.3


class BedSource(Protocol):
    def bed_pcm(self, snap: Snapshot, start: int, count: int) -> bytes | None:
        """The bed alone for samples [start, start + count), or None: no bed there."""
        ...


def _curve(first: int, count: int, length: int) -> np.ndarray:
    """Raised cosine from 0 (none of the fade done) to 1 (all of it), at samples `first` to
    `first + count` of the fade: no corner at either end."""
    import numpy as np  # here: a built file's show has no bed of its own, and needs no numpy

    done = np.minimum(np.arange(first, first + count), length)
    return (0.5 - 0.5 * np.cos(math.pi * done / length)).astype(np.float32)


def _faded(pcm: bytes, gain: np.ndarray) -> np.ndarray:
    from guidecast.audio.dsp import to_float

    return to_float(pcm) * gain


class PauseFade:
    """The player's bed fades: told when the session pauses and resumes, asked for the sound."""

    def __init__(self, sample_rate: int) -> None:
        self.length = max(1, round(PAUSE_FADE_S * sample_rate))
        self._out: tuple[int, int] | None = None  # (where it paused, samples faded out so far)
        self._in = self.length  # samples of the fade-in done: all, when none is due

    def paused(self, position: int) -> None:
        level = self._in  # a pause during a fade-in fades out from the level reached
        self._out = (position, self.length - level)
        self._in = self.length

    def resumed(self) -> None:
        done = self.length if self._out is None else self._out[1]
        self._in = self.length - done  # a fade-out cut short: fade in from where it was
        self._out = None

    def tail(self, show: BedSource, snap: Snapshot, frames: int) -> bytes | None:
        """While paused: the bed going on from where the session stopped, fading out; None once
        it has faded (or there is no bed): the device then gets silence."""
        if self._out is None:
            return None
        position, done = self._out
        count = min(frames, self.length - done)
        bed = show.bed_pcm(snap, position + done, count) if count > 0 else None
        if bed is None:
            self._out = (position, self.length)
            return None
        self._out = (position, done + count)
        from guidecast.audio.dsp import to_pcm

        faded = to_pcm(_faded(bed, 1 - _curve(done, count, self.length)))
        return faded + bytes((frames - count) * SAMPLE_WIDTH)

    def into(self, show: BedSource, snap: Snapshot, start: int, pcm: bytes) -> bytes:
        """After a resume: `pcm` (the session's samples from `start`) with its bed fading in."""
        count = min(len(pcm) // SAMPLE_WIDTH, self.length - self._in)
        if count <= 0:
            return pcm
        bed = show.bed_pcm(snap, start, count)
        if bed is None:
            self._in = self.length
            return pcm
        from guidecast.audio.dsp import to_float, to_pcm

        missing = _faded(bed, 1 - _curve(self._in, count, self.length))
        self._in += count
        return to_pcm(to_float(pcm[: count * SAMPLE_WIDTH]) - missing) + pcm[count * SAMPLE_WIDTH :]
