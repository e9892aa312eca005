"""Loudness: the voice brought to a target integrated loudness with a true-peak limiter.

Podcast practice is -16 LUFS integrated (ITU-R BS.1770 / EBU R128 gating) with true peaks at
most -1 dBTP. espeak-ng speaks at about -20 LUFS with peaks near -1 dBFS, so plain gain would
clip: after the gain, a look-ahead limiter lowers only the peaks, smoothly.

The session's loudness is measured exactly without rendering it: speech sits alone between
silences, so each clip is K-weighted once and its energy added into 100 ms bins at the places
the timeline puts it; the 400 ms gating blocks are sums of four bins. Chimes and ticks are
measured too but keep their own level, below the voice. numpy only (scipy would double the
memory of a build).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from guidecast.sounds import sound_pcm
from guidecast.speech.engine import SpeechClip
from guidecast.timeline import Timeline

TARGET_LUFS = -16.0
MIN_LUFS, MAX_LUFS = -30.0, -9.0  # quieter is lost in a room; louder cannot stay under the peak
CEILING_DBTP = -1.0
# The limiter aims this far under the ceiling: MP3 encoding moves peaks by a few tenths of a dB.
ENCODER_MARGIN_DB = 0.7
ABSOLUTE_GATE = -70.0  # LUFS
RELATIVE_GATE = -10.0  # LU below the ungated mean
BIN_S = 0.1  # gating blocks are 400 ms, every 100 ms
HOLD_S = 0.008  # limiter look-ahead and hold: long enough not to ripple at voice pitch
OVERSAMPLE = 4  # true peak: BS.1770 asks for at least 4x at 48 kHz
INTERPOLATION_TAPS = 16  # each side: windowed-sinc interpolation for the oversampled peaks


@dataclass(frozen=True)
class Loudness:
    """What to aim for. `target=None` leaves the voice as the engine made it."""

    target: float | None = TARGET_LUFS
    ceiling: float = CEILING_DBTP


def _biquads(rate: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The two K-weighting stages (RBJ designs, as pyloudnorm makes them)."""
    stages = []
    for kind, gain_db, q, fc in (("shelf", 4.0, 1 / math.sqrt(2), 1500.0), ("pass", 0, 0.5, 38)):
        a_ = 10 ** (gain_db / 40)
        w0 = 2 * math.pi * fc / rate
        alpha = math.sin(w0) / (2 * q)
        cos = math.cos(w0)
        if kind == "shelf":
            root = 2 * math.sqrt(a_) * alpha
            b = [
                a_ * ((a_ + 1) + (a_ - 1) * cos + root),
                -2 * a_ * ((a_ - 1) + (a_ + 1) * cos),
                a_ * ((a_ + 1) + (a_ - 1) * cos - root),
            ]
            a = [
                (a_ + 1) - (a_ - 1) * cos + root,
                2 * ((a_ - 1) - (a_ + 1) * cos),
                (a_ + 1) - (a_ - 1) * cos - root,
            ]
        else:
            b = [(1 + cos) / 2, -(1 + cos), (1 + cos) / 2]
            a = [1 + alpha, -2 * cos, 1 - alpha]
        stages.append((np.array(b) / a[0], np.array(a) / a[0]))
    return stages


@functools.cache
def k_weighting_response(rate: int) -> np.ndarray:
    """The K-weighting filter's impulse response, long enough to have died away (125 ms)."""
    signal = np.zeros(max(64, rate // 8))
    signal[0] = 1.0
    for b, a in _biquads(rate):
        out = np.zeros_like(signal)
        x1 = x2 = y1 = y2 = 0.0
        for n, x in enumerate(signal):  # a few thousand samples, once per rate
            y = b[0] * x + b[1] * x1 + b[2] * x2 - a[1] * y1 - a[2] * y2
            out[n] = y
            x2, x1, y2, y1 = x1, x, y1, y
        signal = out
    return signal


@functools.cache
def _interpolators() -> np.ndarray:
    """Windowed-sinc filters for the points between samples (1/4, 2/4, 3/4 of the way)."""
    offsets = np.arange(-INTERPOLATION_TAPS, INTERPOLATION_TAPS + 1)
    window = np.kaiser(len(offsets), 8.0)
    rows = []
    for phase in range(1, OVERSAMPLE):
        taps = np.sinc(offsets + phase / OVERSAMPLE) * window
        rows.append(taps / taps.sum())
    return np.array(rows)


@functools.cache
def _kernel_spectrum(rate: int, size: int) -> np.ndarray:
    return np.fft.rfft(k_weighting_response(rate), size)


def to_float(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768.0


def to_pcm(signal: np.ndarray) -> bytes:
    return np.clip(np.round(signal * 32768.0), -32768, 32767).astype("<i2").tobytes()


def k_energy(signal: np.ndarray, rate: int) -> np.ndarray:
    """The K-weighted signal, squared: what BS.1770 averages (includes the filter's tail)."""
    length = len(signal) + len(k_weighting_response(rate)) - 1
    size = 1 << (length - 1).bit_length()
    weighted = np.fft.irfft(np.fft.rfft(signal, size) * _kernel_spectrum(rate, size), size)
    weighted = weighted[:length]
    return weighted * weighted


def true_peak_envelope(signal: np.ndarray) -> np.ndarray:
    """For each sample, the largest magnitude at it or in the 4x-oversampled points after it."""
    envelope = np.abs(signal)
    for taps in _interpolators():  # short kernels: direct convolution beats an FFT here
        between = np.convolve(signal, taps)[INTERPOLATION_TAPS : INTERPOLATION_TAPS + len(signal)]
        np.maximum(envelope, np.abs(between), out=envelope)
    return envelope


def true_peak_db(signal: np.ndarray) -> float:
    peak = float(true_peak_envelope(signal).max()) if len(signal) else 0.0
    return 20 * math.log10(peak) if peak > 0 else -math.inf


def _sliding_min(values: np.ndarray, width: int) -> np.ndarray:
    """Minimum over a centered window of odd `width`, in O(n) (van Herk / Gil-Werman)."""
    half = width // 2
    total = len(values) + 2 * half
    total += -total % width
    padded = np.ones(total)
    padded[half : half + len(values)] = values
    blocks = padded.reshape(-1, width)
    prefix = np.minimum.accumulate(blocks, axis=1).ravel()
    suffix = np.minimum.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].ravel()
    n = len(values)
    return np.minimum(suffix[:n], prefix[width - 1 : width - 1 + n])


def _centered_mean(values: np.ndarray, width: int) -> np.ndarray:
    half = width // 2
    padded = np.concatenate([np.ones(half), values, np.ones(half)])
    sums = np.concatenate([[0.0], np.cumsum(padded)])
    return (sums[width:] - sums[:-width]) / width


def limit(
    signal: np.ndarray, ceiling_db: float, rate: int, envelope: np.ndarray | None = None
) -> np.ndarray:
    """`signal` with its true peaks brought under `ceiling_db`, by a smooth look-ahead gain.

    The gain at each sample is the mean, over a window, of the lowest gain needed anywhere in
    a window as wide around it: so it never exceeds what that sample needs, falls before a
    peak arrives (look-ahead) and recovers after it, without clipping the waveform.
    `envelope` is `true_peak_envelope(signal)` when the caller has it already.
    """
    if envelope is None:
        envelope = true_peak_envelope(signal)
    ceiling = 10 ** (ceiling_db / 20)
    if envelope.max() <= ceiling:
        return signal
    needed = np.minimum(1.0, ceiling / np.maximum(envelope, 1e-12))
    width = 2 * max(1, round(HOLD_S * rate)) + 1
    return signal * _centered_mean(_sliding_min(needed, width), width)


def _binned(energy: np.ndarray, start: int, bin_size: int) -> tuple[int, np.ndarray]:
    """(first bin, per-bin sums) of `energy` placed at sample `start`."""
    first = start // bin_size
    offset = start - first * bin_size
    padded = np.zeros(offset + len(energy) + (-(offset + len(energy)) % bin_size))
    padded[offset : offset + len(energy)] = energy
    return first, padded.reshape(-1, bin_size).sum(axis=1)


def session_loudness(
    timeline: Timeline, energies: Mapping[str, np.ndarray], sound_energies: Mapping[str, np.ndarray]
) -> float:
    """Integrated loudness (LUFS) of the rendered session, gated as BS.1770 does."""
    rate = timeline.sample_rate
    bin_size = max(1, round(BIN_S * rate))
    tail = len(k_weighting_response(rate))
    bins = np.zeros((timeline.length + tail) // bin_size + 8)
    for cue in timeline.cues:
        energy = energies[cue.text] if cue.text else sound_energies[cue.sound or ""]
        first, sums = _binned(energy, cue.start, bin_size)
        bins[first : first + len(sums)] += sums
    blocks = round((timeline.length / rate - 4 * BIN_S) / BIN_S) + 1
    if blocks < 1:
        return -math.inf
    window = np.concatenate([[0.0], np.cumsum(bins)])
    z = (window[4 : blocks + 4] - window[:blocks]) / (4 * bin_size)
    with np.errstate(divide="ignore"):
        block_loudness = -0.691 + 10 * np.log10(z)
    above = block_loudness >= ABSOLUTE_GATE
    if not above.any():
        return -math.inf
    relative = -0.691 + 10 * math.log10(z[above].mean()) + RELATIVE_GATE
    gated = above & (block_loudness > relative)
    return -0.691 + 10 * math.log10(z[gated].mean())


def level(
    timeline: Timeline, clips: Mapping[str, SpeechClip], settings: Loudness
) -> tuple[dict[str, SpeechClip], float]:
    """Clips with one gain for the whole voice and their peaks limited; and the loudness.

    The gain is measured, applied and limited, then measured again and corrected once, since
    the limiter takes a little loudness away from the peaks it lowers.
    """
    rate = timeline.sample_rate
    sounds = {cue.sound for cue in timeline.cues if cue.sound}
    sound_energy = {s: k_energy(to_float(sound_pcm(s, rate)), rate) for s in sounds}
    spoken = {cue.text for cue in timeline.cues if cue.text}
    originals = {text: to_float(clip.pcm) for text, clip in clips.items() if text in spoken}
    energies = {text: k_energy(signal, rate) for text, signal in originals.items()}
    loudness = session_loudness(timeline, energies, sound_energy)
    if settings.target is None or not math.isfinite(loudness):
        return dict(clips), loudness
    gain_db = settings.target - loudness
    ceiling = settings.ceiling - ENCODER_MARGIN_DB
    # The envelope scales with the gain, so it is measured once per clip.
    envelopes = {text: true_peak_envelope(s) for text, s in originals.items()}
    tried: list[tuple[float, float]] = []  # (gain, loudness) after limiting
    leveled: dict[str, np.ndarray] = {}
    for _ in range(4):
        factor = 10 ** (gain_db / 20)
        leveled = {
            text: limit(s * factor, ceiling, rate, envelopes[text] * factor)
            for text, s in originals.items()
        }
        energies = {text: k_energy(s, rate) for text, s in leveled.items()}
        loudness = session_loudness(timeline, energies, sound_energy)
        if abs(settings.target - loudness) < 0.05:
            break
        tried.append((gain_db, loudness))
        if len(tried) == 1:
            gain_db += settings.target - loudness
        else:  # secant: the limiter gives back less than each added dB, so extrapolate
            (g0, l0), (g1, l1) = tried[-2:]
            slope = (l1 - l0) / (g1 - g0) if g1 != g0 else 1.0
            gain_db = g1 + (settings.target - l1) / max(slope, 0.2)
    return {text: SpeechClip(to_pcm(s), rate) for text, s in leveled.items()}, loudness
