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
import hashlib
import math
import os
from collections.abc import Callable, Mapping, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from guidecast.sounds import sound_pcm
from guidecast.speech.cache import ClipCache
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
INTERPOLATION_TAPS = 8  # each side: windowed-sinc interpolation for the oversampled peaks
PROFILE_STRIDE = 128  # samples between points of a clip's energy profile (6 ms at 22 kHz)
TYPICAL_LUFS = -21.0  # espeak-ng, and the neural engines (leveled to it), as they speak
LIMITER_ALLOWANCE_DB = 0.4  # what the limiter typically takes back from espeak-ng at -16 LUFS
LIMITER_SLOPE = 0.5  # about how many dB louder each dB of gain makes espeak once limited
GAIN_STEP_DB = 0.1  # gains are chosen in these steps, so rebuilds reuse cached clips
LOUDNESS_TOLERANCE = 0.25  # LU from the target before a second pass corrects the gain
LEVEL_VERSION = 2  # bump when the limiter or the meter changes what they make


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
    return np.array(rows, dtype=np.float32)


@functools.cache
def _kernel_spectrum(rate: int, size: int) -> np.ndarray:
    return np.fft.rfft(k_weighting_response(rate), size)


def to_float(pcm: bytes) -> np.ndarray:
    # float32: ample for levels (24-bit precision over 16-bit audio), half the memory
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) * np.float32(1 / 32768)


def to_pcm(signal: np.ndarray) -> bytes:
    return np.clip(np.round(signal * 32768.0), -32768, 32767).astype("<i2").tobytes()


FFT_BLOCK = 1 << 14  # samples per FFT in the K-weighting convolution: memory stays small


def k_energy(signal: np.ndarray, rate: int) -> np.ndarray:
    """The K-weighted signal, squared: what BS.1770 averages (includes the filter's tail).

    An overlap-add convolution in blocks, so a long clip never needs one huge FFT."""
    response = k_weighting_response(rate)
    size = max(FFT_BLOCK, 1 << (2 * len(response) - 1).bit_length())
    step = size - len(response) + 1
    spectrum = _kernel_spectrum(rate, size)
    weighted = np.zeros(len(signal) + len(response) - 1, dtype=np.float32)
    for start in range(0, len(signal), step):
        block = np.fft.irfft(np.fft.rfft(signal[start : start + step], size) * spectrum, size)
        end = min(len(weighted), start + size)
        weighted[start:end] += block[: end - start]
    return weighted * weighted


def true_peak_envelope(signal: np.ndarray, floor: float = 0.0) -> np.ndarray:
    """For each sample, the largest magnitude at it or in the 4x-oversampled points after it.

    With `floor`, points between samples are only worked out next to a sample of at least
    `floor`: a band-limited signal's interpolated peak stays within a few dB of its samples,
    so with a floor 6 dB under the ceiling nothing that matters is missed, at a fraction of
    the work (speech spends most of its time far under its peaks).
    """
    single = signal.astype(np.float32)  # peaks need no more precision: twice as fast
    envelope = np.abs(single)
    kernels = _interpolators()
    if floor <= 0:
        for taps in kernels:  # short kernels: direct convolution beats an FFT here
            between = np.convolve(single, taps)[
                INTERPOLATION_TAPS : INTERPOLATION_TAPS + len(signal)
            ]
            np.maximum(envelope, np.abs(between), out=envelope)
        return envelope
    loud = envelope >= floor
    loud[:-1] |= loud[1:]  # the point after a sample depends on the next sample too
    where = np.flatnonzero(loud)
    if len(where) == 0:
        return envelope
    padded = np.zeros(len(single) + 2 * INTERPOLATION_TAPS, dtype=np.float32)
    padded[INTERPOLATION_TAPS : INTERPOLATION_TAPS + len(single)] = single
    # windows[i] holds the samples around `where[i]`, oldest last, as np.convolve uses them
    offsets = np.arange(2 * INTERPOLATION_TAPS, -1, -1)
    windows = padded[where[:, None] + offsets]
    between = np.abs(windows @ kernels.T).max(axis=1)
    envelope[where] = np.maximum(envelope[where], between)
    return envelope


def true_peak_db(signal: np.ndarray) -> float:
    peak = float(true_peak_envelope(signal).max()) if len(signal) else 0.0
    return 20 * math.log10(peak) if peak > 0 else -math.inf


def _sliding_min(values: np.ndarray, width: int) -> np.ndarray:
    """Minimum over a centered window of odd `width`, in O(n) (van Herk / Gil-Werman)."""
    half = width // 2
    total = len(values) + 2 * half
    total += -total % width
    padded = np.ones(total, dtype=values.dtype)
    padded[half : half + len(values)] = values
    blocks = padded.reshape(-1, width)
    prefix = np.minimum.accumulate(blocks, axis=1).ravel()
    suffix = np.minimum.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].ravel()
    n = len(values)
    return np.minimum(suffix[:n], prefix[width - 1 : width - 1 + n])


def _centered_mean(values: np.ndarray, width: int) -> np.ndarray:
    half = width // 2
    padded = np.ones(len(values) + 2 * half, dtype=np.float64)  # sums need float64
    padded[half : half + len(values)] = values
    sums = np.zeros(len(padded) + 1)
    np.cumsum(padded, out=sums[1:])
    del padded
    return ((sums[width:] - sums[:-width]) / width).astype(values.dtype)


def limit(signal: np.ndarray, ceiling_db: float, rate: int) -> np.ndarray:
    """`signal` with its true peaks brought under `ceiling_db`, by a smooth look-ahead gain.

    The gain at each sample is the mean, over a window, of the lowest gain needed anywhere in
    a window as wide around it: so it never exceeds what that sample needs, falls before a
    peak arrives (look-ahead) and recovers after it, without clipping the waveform.
    """
    ceiling = 10 ** (ceiling_db / 20)
    envelope = true_peak_envelope(signal, floor=ceiling / 2)
    if envelope.max() <= ceiling:
        return signal
    needed = np.minimum(1.0, ceiling / np.maximum(envelope, 1e-12))
    width = 2 * max(1, round(HOLD_S * rate)) + 1
    return signal * _centered_mean(_sliding_min(needed, width), width)


def energy_profile(signal: np.ndarray, rate: int) -> np.ndarray:
    """The clip's cumulative K-weighted energy every PROFILE_STRIDE samples from its start.

    Enough to add the clip's energy into gating bins wherever it is placed (bin edges move by
    under a millisecond), at 1/32 of the memory of the filtered signal.
    """
    energy = k_energy(signal, rate)
    padded = np.zeros(len(energy) + (-len(energy) % PROFILE_STRIDE), dtype=np.float64)
    padded[: len(energy)] = energy
    sums = padded.reshape(-1, PROFILE_STRIDE).sum(axis=1)
    return np.concatenate([[0.0], np.cumsum(sums)])


class SessionMeter:
    """The session's gating bins, filled one clip at a time: no clip's profile is kept."""

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        rate = timeline.sample_rate
        self.bin_size = max(1, round(BIN_S * rate))
        tail = len(k_weighting_response(rate))
        self.bins = np.zeros((timeline.length + tail) // self.bin_size + 8)
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
        rate, bin_size = self.timeline.sample_rate, self.bin_size
        blocks = round((self.timeline.length / rate - 4 * BIN_S) / BIN_S) + 1
        if blocks < 1:
            return -math.inf
        window = np.concatenate([[0.0], np.cumsum(self.bins)])
        z = (window[4 : blocks + 4] - window[:blocks]) / (4 * bin_size)
        with np.errstate(divide="ignore"):
            block_loudness = -0.691 + 10 * np.log10(z)
        above = block_loudness >= ABSOLUTE_GATE
        if not above.any():
            return -math.inf
        relative = -0.691 + 10 * math.log10(z[above].mean()) + RELATIVE_GATE
        gated = above & (block_loudness > relative)
        return -0.691 + 10 * math.log10(z[gated].mean())


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


def level(
    timeline: Timeline,
    clips: MutableMapping[str, Any],
    settings: Loudness,
    cache: ClipCache | None = None,
) -> float:
    """Give the voice one gain for the whole session and limit its peaks, replacing `clips`'
    entries in place (a clip kept on disk stays on disk); returns the loudness (LUFS).

    The gain is chosen from the session's loudness as spoken, plus what the limiter typically
    takes back, in steps of GAIN_STEP_DB: a rebuild after a pacing change lands on the same
    gain, and takes every leveled clip (and every energy profile) from the cache. One more
    pass corrects the gain when the result is further than LOUDNESS_TOLERANCE from the target.
    """
    rate = timeline.sample_rate
    spoken = sorted({cue.text for cue in timeline.cues if cue.text})
    sounds = {cue.sound for cue in timeline.cues if cue.sound}
    originals = {text: clips[text] for text in spoken}
    digests: dict[str, str] = {}

    def profile_of(key: str, signal: Callable[[], np.ndarray]) -> np.ndarray:
        stored = cache.get_blob(key) if cache is not None else None
        if stored is not None:
            return np.frombuffer(stored, dtype="<f8")
        profile = energy_profile(signal(), rate)
        if cache is not None:
            cache.put_blob(key, profile.astype("<f8").tobytes())
        return profile

    def original_profile(text: str) -> np.ndarray:
        pcm = originals[text].pcm  # read once (from the spool file) for its digest and profile
        digests[text] = hashlib.sha256(pcm).hexdigest()
        return profile_of(_key("profile", digests[text], rate), lambda: to_float(pcm))

    def new_meter() -> SessionMeter:
        meter = SessionMeter(timeline)
        for sound in sounds:
            meter.add(f"\0{sound}", energy_profile(to_float(sound_pcm(sound, rate)), rate))
        return meter

    # numpy's FFTs and convolutions release the GIL: clips are worked on side by side; each
    # profile goes into the meter as it comes, and is not kept (memory: an 8-hour session).
    with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
        meter = new_meter()
        for text, profile in zip(spoken, pool.map(original_profile, spoken), strict=True):
            meter.add(text, profile)
        loudness = meter.loudness()
        if settings.target is None or not math.isfinite(loudness):
            return loudness
        ceiling = settings.ceiling - ENCODER_MARGIN_DB
        gain_db = _step(settings.target - loudness + LIMITER_ALLOWANCE_DB)

        def leveled_clip(text: str) -> tuple[Any, np.ndarray]:
            key = _key("level", digests[text], rate, f"{gain_db:.2f}", f"{ceiling:.2f}")
            clip = cache.get(key) if cache is not None else None
            signal = None
            if clip is None:
                factor = 10 ** (gain_db / 20)
                signal = limit(to_float(originals[text].pcm) * factor, ceiling, rate)
                clip = SpeechClip(to_pcm(signal), rate)
                if cache is not None:
                    clip = cache.put(key, clip)
            made = clip
            profile = profile_of(
                _key("profile", key, rate),
                lambda: signal if signal is not None else to_float(made.pcm),
            )
            # A clip kept on disk (speech/spool.py) stays on disk: memory does not grow.
            replaced = getattr(originals[text], "replaced", None)
            return (replaced(clip) if replaced is not None else clip), profile

        leveled: dict[str, Any] = {}
        for attempt in range(2):
            meter = new_meter()
            for text, (clip, profile) in zip(spoken, pool.map(leveled_clip, spoken), strict=True):
                leveled[text] = clip
                meter.add(text, profile)
            loudness = meter.loudness()
            miss = settings.target - loudness
            if attempt or abs(miss) <= LOUDNESS_TOLERANCE:
                break
            gain_db = _step(gain_db + miss / LIMITER_SLOPE)
    clips.update(leveled)
    return loudness


def _step(gain_db: float) -> float:
    return round(gain_db / GAIN_STEP_DB) * GAIN_STEP_DB


def _key(*parts: object) -> str:
    material = ":".join(
        str(p) for p in ("guidecast-level", LEVEL_VERSION, PROFILE_STRIDE, FFT_BLOCK, *parts)
    )
    return hashlib.sha256(material.encode()).hexdigest()


def level_live(clip: SpeechClip, settings: Loudness | None = None) -> SpeechClip:
    """One clip leveled without the whole session: for live playback, which cannot wait.

    Uses the gain a built session typically gets (every engine speaks near TYPICAL_LUFS), with
    the same limiter, so `play` sounds as loud as the built file, within about a decibel.
    """
    settings = settings or Loudness()
    if settings.target is None:
        return clip
    factor = 10 ** ((settings.target - TYPICAL_LUFS + LIMITER_ALLOWANCE_DB) / 20)
    signal = limit(
        to_float(clip.pcm) * factor, settings.ceiling - ENCODER_MARGIN_DB, clip.sample_rate
    )
    return SpeechClip(to_pcm(signal), clip.sample_rate)
