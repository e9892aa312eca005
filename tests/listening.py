"""Decoding built audio and measuring it the way a listener hears it."""

from __future__ import annotations

import array
import math
from dataclasses import dataclass
from pathlib import Path

import miniaudio

SILENCE_PEAK = 200  # |sample| at or below this (about -44 dBFS) is silence to a listener
SPEECH_RMS = 300  # speech is far louder: espeak's RMS is in the thousands


@dataclass
class Decoded:
    samples: array.array
    sample_rate: int

    def window(self, start_s: float, end_s: float) -> array.array:
        a = max(0, round(start_s * self.sample_rate))
        b = min(len(self.samples), round(end_s * self.sample_rate))
        return self.samples[a:b]

    def peak(self, start_s: float, end_s: float) -> int:
        w = self.window(start_s, end_s)
        return max((abs(v) for v in w), default=0)

    def rms(self, start_s: float, end_s: float) -> float:
        w = self.window(start_s, end_s)
        return math.sqrt(sum(v * v for v in w) / len(w)) if w else 0.0


def decode_mp3(path: Path, sample_rate: int) -> Decoded:
    """Decode with miniaudio (dr_mp3) at the file's own rate: no resampling."""
    sound = miniaudio.decode_file(
        str(path),
        output_format=miniaudio.SampleFormat.SIGNED16,
        nchannels=1,
        sample_rate=sample_rate,
    )
    assert sound.sample_rate == sample_rate
    return Decoded(sound.samples, sample_rate)
