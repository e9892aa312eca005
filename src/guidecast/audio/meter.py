"""The session's loudness without rendering it: each clip's energy profile added at the places
the timeline puts it, in 100 ms bins; the 400 ms gating blocks (BS.1770) are sums of four bins.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from guidecast.audio.dsp import PROFILE_STRIDE, k_weighting_response

if TYPE_CHECKING:
    from guidecast.timeline.layout import Timeline

ABSOLUTE_GATE = -70.0  # LUFS
RELATIVE_GATE = -10.0  # LU below the ungated mean
BIN_S = 0.1  # gating blocks are 400 ms, every 100 ms


class SessionMeter:
    """The session's gating bins, filled one clip at a time: no clip's profile is kept."""

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        rate = timeline.sample_rate
        self.bin_size = max(1, round(BIN_S * rate))
        tail = len(k_weighting_response(rate))
        # float32: ample for a loudness (1e-6 dB), and an 8-hour session's bins are 1 MB
        self.bins = np.zeros((timeline.length + tail) // self.bin_size + 8, dtype=np.float32)
        self.starts: dict[str, list[int]] = {}  # text or sound -> where it is heard
        for cue in timeline.cues:
            self.starts.setdefault(cue.text or f"\0{cue.sound}", []).append(cue.start)

    def add(self, name: str, profile: np.ndarray) -> None:
        """Add the energy of the clip `name` (a text, or "\0" + a sound) wherever it is heard."""
        span = (len(profile) - 1) * PROFILE_STRIDE
        points = np.arange(len(profile), dtype=np.float64)
        for start in self.starts.get(name, ()):
            first, last = start // self.bin_size, (start + span) // self.bin_size + 1
            edges = np.arange(first, last + 1) * self.bin_size - start
            # the cumulative energy at each bin edge, taken as even within a stride
            at_edges = np.interp(edges / PROFILE_STRIDE, points, profile)
            added = np.diff(at_edges)[: max(0, len(self.bins) - first)]
            self.bins[first : first + len(added)] += added

    def loudness(self) -> float:
        """Integrated loudness (LUFS), gated as BS.1770 does."""
        rate = self.timeline.sample_rate
        blocks = round((self.timeline.length / rate - 4 * BIN_S) / BIN_S) + 1
        if blocks < 1:
            return -math.inf
        # Two passes over the blocks' mean squares (each its four bins summed), a window of
        # blocks at a time: the whole session's at once (a 24-hour one has 864,000, and numpy's
        # float64 mean of them) grew the build's peak memory with the session's length.
        absolute = 10 ** ((ABSOLUTE_GATE + 0.691) / 10)
        total, count = self._gated(blocks, absolute)
        if not count:
            return -math.inf
        relative = total / count * 10 ** (RELATIVE_GATE / 10)
        total, count = self._gated(blocks, absolute, relative)
        return -0.691 + 10 * math.log10(total / count) if count else -math.inf

    def _gated(
        self, blocks: int, absolute: float, relative: float | None = None
    ) -> tuple[float, int]:
        """The sum and the number of the blocks' mean squares at or above the `absolute` gate
        (and above the `relative` one, if given)."""
        total, count = 0.0, 0
        for first in range(0, blocks, LOUDNESS_WINDOW):
            z = self._mean_squares(first, min(LOUDNESS_WINDOW, blocks - first))
            kept = z >= absolute
            if relative is not None:
                kept &= z > relative
            total += float(np.sum(z, where=kept, dtype=np.float64))
            count += int(np.count_nonzero(kept))
        return total, count

    def _mean_squares(self, first: int, count: int) -> np.ndarray:
        z = self.bins[first : first + count].copy()
        for shift in range(1, 4):
            z += self.bins[first + shift : first + shift + count]
        z /= 4 * self.bin_size
        return z


LOUDNESS_WINDOW = 1 << 16  # gating blocks at a time (1.8 hours of session)


def session_loudness(
    timeline: Timeline,
    profiles: Mapping[str, np.ndarray],
    sound_profiles: Mapping[str, np.ndarray],
) -> float:
    """Integrated loudness (LUFS) of the rendered session, from every clip's energy profile."""
    meter = SessionMeter(timeline)
    for text, profile in profiles.items():
        meter.add(text, profile)
    for sound, profile in sound_profiles.items():
        meter.add(f"\0{sound}", profile)
    return meter.loudness()
