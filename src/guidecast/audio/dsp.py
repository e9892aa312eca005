"""Signal processing on one clip, numpy only: K-weighting (BS.1770), true peaks, the look-ahead
limiter, energy profiles. The worker processes of a build (core/processes.py) run the two job
functions at the bottom, `clip_profile` and `level_clip`: this module imports nothing but numpy,
so each worker stays small (27 MB).
"""

from __future__ import annotations

import functools
import math

import numpy as np

HOLD_S = 0.008  # limiter look-ahead and hold: long enough not to ripple at voice pitch
OVERSAMPLE = 4  # true peak: BS.1770 asks for at least 4x at 48 kHz
INTERPOLATION_TAPS = 8  # each side: windowed-sinc interpolation for the oversampled peaks
PROFILE_STRIDE = 128  # samples between points of a clip's energy profile (6 ms at 22 kHz)


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
    # Tap by tap, the samples around each loud one (oldest last, as np.convolve takes them)
    # into each phase's sum: plain array steps, where a matrix product would start BLAS
    # threads that fight the other workers for the cores (and take 17 times the memory).
    between = np.zeros((len(kernels), len(where)), dtype=np.float32)
    for tap, offset in enumerate(range(2 * INTERPOLATION_TAPS, -1, -1)):
        around = padded[where + offset]
        for phase, taps in enumerate(kernels):
            between[phase] += around * taps[tap]
    envelope[where] = np.maximum(envelope[where], np.abs(between).max(axis=0))
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
    # float32 sums land a few units in the last place either side: aim that much under
    ceiling = 10 ** (ceiling_db / 20) * (1 - 1e-5)
    envelope = true_peak_envelope(signal, floor=ceiling / 2)
    if len(envelope) == 0 or envelope.max() <= ceiling:
        return signal
    half = max(1, round(HOLD_S * rate))
    width = 2 * half + 1
    # The silence either side needs no limiting, but the windows reaching into it still hold
    # the clip's first and last peaks: work them out too, so the mean at a sample near an end
    # never takes in a gain of 1 that no window around that sample has.
    needed = np.ones(len(envelope) + 2 * half, dtype=np.float32)
    needed[half : half + len(envelope)] = np.minimum(1.0, ceiling / np.maximum(envelope, 1e-12))
    gain = _centered_mean(_sliding_min(needed, width), width)[half : half + len(envelope)]
    return signal * gain


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


def limited_profile(
    energies: np.ndarray, before: np.ndarray, after: np.ndarray, gain: float
) -> np.ndarray:
    """The energy profile of `after` (`before` times `gain`, then limited), made from the
    stride energies of `before`'s profile without K-weighting again.

    K-weighting is linear, and the limiter's gain moves slowly beside the filter's response,
    so each stride's K-weighted energy changes as its plain energy does: over a session the
    loudness comes out within 0.001 LU of filtering the limited clip (measured), at a fifth
    of the work.
    """
    count = len(energies)
    plain, made = _stride_power(before, count), _stride_power(after, count)
    scale = np.full(count, gain * gain)  # silence, and the filter's tail after the clip
    np.divide(made, plain, out=scale, where=plain > 0)
    return np.concatenate([[0.0], np.cumsum(energies * scale)])


def _stride_power(signal: np.ndarray, count: int) -> np.ndarray:
    """The plain energy of each PROFILE_STRIDE samples of `signal`, `count` strides."""
    padded = np.zeros(count * PROFILE_STRIDE, dtype=np.float32)
    padded[: len(signal)] = signal[: len(padded)]
    padded *= padded
    return padded.reshape(-1, PROFILE_STRIDE).sum(axis=1, dtype=np.float64)


def clip_profile(pcm: bytes, rate: int) -> np.ndarray:
    """A clip's energy profile, from its PCM (run in a worker process)."""
    return energy_profile(to_float(pcm), rate)


def level_clip(
    pcm: bytes, rate: int, gain_db: float, ceiling_db: float, profile: np.ndarray | None
) -> tuple[bytes, np.ndarray]:
    """A clip with `gain_db` of gain and its true peaks limited under `ceiling_db`, and the
    energy profile of that, from the clip's own `profile` (made again if None). Run in a
    worker process."""
    original = to_float(pcm)
    if profile is None:
        profile = energy_profile(original, rate)
    factor = 10 ** (gain_db / 20)
    signal = limit(original * factor, ceiling_db, rate)
    return to_pcm(signal), limited_profile(np.diff(profile), original, signal, factor)
