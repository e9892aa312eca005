"""Loudness: the voice brought to a target integrated loudness with a true-peak limiter.

Podcast practice is -16 LUFS integrated (ITU-R BS.1770 / EBU R128 gating) with true peaks at
most -1 dBTP. espeak-ng speaks at about -21 LUFS with peaks near -1 dBFS, so plain gain would
clip: after the gain, a look-ahead limiter lowers only the peaks, smoothly (and takes back about
2 LU of the gain, which the gain allows for: LIMITER_TAKEBACK).

The session's loudness is measured without rendering it: speech sits alone between silences,
so each clip is K-weighted once and its energy added into 100 ms bins at the places the timeline
puts it; the 400 ms gating blocks are sums of four bins. A limited clip is not K-weighted again:
its profile is its own, scaled stride by stride as the limiter scaled its plain energy
(`limited_profile`). Chimes and ticks are measured too but keep their own level, below the
voice. numpy only (scipy would double the memory of a build); the per-clip work runs in worker
processes (compute.py), so a build's own memory does not grow with the session.
"""

from __future__ import annotations

import contextlib
import functools
import math
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from guidecast.core.processes import ComputePool
from guidecast.speech.engine import SpeechClip

if TYPE_CHECKING:  # the worker processes import this module: they need numpy, not the rest
    from guidecast.speech.cache import ClipCache
    from guidecast.timeline.layout import Timeline

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
TYPICAL_PEAK_DB = -3.05  # espeak-ng's median clip peak (shipped routines: -2.9 to -3.2)
# What the limiter takes back (LU) from espeak-ng's loudness at each gain (dB), with the default
# ceiling: measured on the shipped routines, which agree within 0.15 LU. The first gain is
# chosen with it, so a build usually limits its clips once.
LIMITER_TAKEBACK = (
    (0.0, 0.0),
    (1.0, 0.01),
    (2.0, 0.05),
    (3.0, 0.2),
    (4.0, 0.47),
    (5.0, 0.84),
    (6.0, 1.32),
    (7.0, 1.87),
    (8.0, 2.5),
    (10.0, 3.88),
    (12.0, 5.38),
    (14.0, 6.92),
)
GAIN_STEP_DB = 0.1  # gains are chosen in these steps, so rebuilds reuse cached clips
MAX_TAKEBACK_LU = 3.0  # the most the limiter may take back: past it the voice flattens,
# and its MP3's peaks rise over the ceiling (measured: 1.3 dB over at 8 LU, 0.1 dB over at 4,
# 0.26 dB under at 3, the worst of 11 builds)
MAX_CORRECTION_DB = 3.0  # the most the second pass moves the gain
LOUDNESS_TOLERANCE = 0.25  # LU from the target before a second pass corrects the gain
LEVEL_VERSION = 4  # bump when the limiter or the meter changes what they make


@dataclass(frozen=True)
class Leveling:
    """What `level` made: the session's loudness (LUFS), and whether the gain stopped short
    of the target because the limiter would have taken back more than MAX_TAKEBACK_LU."""

    loudness: float
    capped: bool = False


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
        rate, bin_size = self.timeline.sample_rate, self.bin_size
        blocks = round((self.timeline.length / rate - 4 * BIN_S) / BIN_S) + 1
        if blocks < 1:
            return -math.inf
        # Each block's mean square, its four bins summed in place, and the gates as mean
        # squares too: one array the size of the session's blocks (an 8-hour one has 290,000).
        z = self.bins[:blocks].copy()
        for shift in range(1, 4):
            z += self.bins[shift : shift + blocks]
        z /= 4 * bin_size
        above = z >= 10 ** ((ABSOLUTE_GATE + 0.691) / 10)
        if not above.any():
            return -math.inf
        relative = float(np.mean(z, where=above, dtype=np.float64)) * 10 ** (RELATIVE_GATE / 10)
        gated = above & (z > relative)
        return -0.691 + 10 * math.log10(float(np.mean(z, where=gated, dtype=np.float64)))


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


def level(
    timeline: Timeline,
    clips: MutableMapping[str, Any],
    settings: Loudness,
    cache: ClipCache | None = None,
    pool: ComputePool | None = None,
) -> Leveling:
    """Give the voice one gain for the whole session and limit its peaks, replacing `clips`'
    entries in place (a clip kept on disk stays on disk); returns the session's loudness.

    The gain is chosen from the session's loudness as spoken and what the limiter takes back
    at that gain (LIMITER_TAKEBACK), in steps of GAIN_STEP_DB: a rebuild after a pacing change
    lands on the same gain, and takes every leveled clip (and every energy profile) from the
    cache. One more pass corrects the gain when the result is further than LOUDNESS_TOLERANCE
    from the target (a voice that is not espeak-ng's may need it).

    The clips are measured and limited in worker processes (`pool`, or one made here, whose
    workers start only if something is not cached); each profile goes into the meter as it
    comes and is not kept, so memory does not grow with the session.
    """
    from guidecast.audio.sounds import sound_pcm  # here: the workers need no pydub

    rate = timeline.sample_rate
    spoken = sorted({cue.text for cue in timeline.cues if cue.text})
    sounds = {cue.sound for cue in timeline.cues if cue.sound}
    originals = {text: clips[text] for text in spoken}
    digests: dict[str, str] = {}
    kept: dict[str, np.ndarray] = {}  # the clips' own profiles, when there is no cache for them

    peaks: list[int] = []  # each clip's sample peak: where the voice sits, with its loudness

    def stored_profile(key: str) -> np.ndarray | None:
        stored = cache.get_blob(key) if cache is not None else None
        return None if stored is None else np.frombuffer(stored, dtype="<f8")

    def store_profile(key: str, profile: np.ndarray) -> None:
        if cache is not None:
            cache.put_blob(key, profile.astype("<f8").tobytes())

    def with_sounds(meter: SessionMeter) -> SessionMeter:
        for sound in sounds:
            meter.add(f"\0{sound}", energy_profile(to_float(sound_pcm(sound, rate)), rate))
        return meter

    def measure_jobs(meter: SessionMeter) -> Iterator[tuple[str, tuple[bytes, int]]]:
        for text in spoken:
            pcm = originals[text].pcm  # read once (from the spool file) for digest and profile
            digests[text] = _sha256(pcm)
            samples = np.frombuffer(pcm, dtype="<i2")
            peaks.append(max(int(samples.max(initial=0)), -int(samples.min(initial=0))))
            profile = stored_profile(_key("profile", digests[text], rate))
            if profile is None:
                yield text, (pcm, rate)
            else:
                meter.add(text, profile)

    # The voice alone first: the gain is the voice's (a quiet voice would otherwise be measured
    # by its chimes, which keep their own level). The chimes join it only if nothing is leveled.
    meter = SessionMeter(timeline)

    with contextlib.ExitStack() as stack:
        if pool is None:
            pool = stack.enter_context(ComputePool())
        for text, profile in pool.imap_unordered(clip_profile, measure_jobs(meter)):
            store_profile(_key("profile", digests[text], rate), profile)
            if cache is None:
                kept[text] = profile
            meter.add(text, profile)
        as_spoken = meter.loudness()
        if settings.target is None or not math.isfinite(as_spoken):
            return Leveling(with_sounds(meter).loudness())
        del meter  # the next pass's meter is made without this one beside it
        ceiling = settings.ceiling - ENCODER_MARGIN_DB
        level_db = _voice_level(as_spoken, peaks)
        gain_db = gain_for(settings.target, as_spoken, settings.ceiling, level_db)
        leveled: dict[str, Any] = {}

        def use(text: str, clip: Any, profile: np.ndarray, meter: SessionMeter) -> None:
            # A clip kept on disk (speech/spool.py) stays on disk: memory does not grow.
            replaced = getattr(originals[text], "replaced", None)
            leveled[text] = replaced(clip) if replaced is not None else clip
            meter.add(text, profile)

        def level_jobs(meter: SessionMeter) -> Iterator[tuple[tuple[str, str, Any], Any]]:
            for text in spoken:
                key = _key("level", digests[text], rate, f"{gain_db:.2f}", f"{ceiling:.2f}")
                clip = cache.get(key) if cache is not None else None
                profile = stored_profile(_key("profile", key, rate)) if clip is not None else None
                if clip is not None and profile is not None:
                    use(text, clip, profile, meter)
                    continue
                own = kept.get(text)
                if own is None:
                    own = stored_profile(_key("profile", digests[text], rate))
                yield (text, key, clip), (originals[text].pcm, rate, gain_db, ceiling, own)

        for attempt in range(2):
            meter = with_sounds(SessionMeter(timeline))
            jobs = level_jobs(meter)
            for (text, key, clip), (pcm, profile) in pool.imap_unordered(level_clip, jobs):
                if clip is None:  # else the cache had the clip, not its profile
                    clip = SpeechClip(pcm, rate)
                    if cache is not None:
                        clip = cache.put(key, clip)
                store_profile(_key("profile", key, rate), profile)
                use(text, clip, profile, meter)
            loudness = meter.loudness()
            del meter  # the next pass's meter is made without this one beside it
            miss = settings.target - loudness
            if attempt or abs(miss) <= LOUDNESS_TOLERANCE:
                break
            corrected = _corrected(gain_db, miss, level_db, settings.ceiling)
            if corrected == gain_db:  # at the most the limiter may take back already
                break
            gain_db = corrected
    clips.update(leveled)
    most = _step_down(_max_gain(level_db, settings.ceiling))
    short = loudness < settings.target - LOUDNESS_TOLERANCE
    return Leveling(loudness, capped=short and gain_db >= most)


def _takeback(gain_db: float, level_db: float, ceiling_db: float) -> float:
    """What the limiter takes back (LU) from a voice given `gain_db`, the voice sitting
    `level_db` from espeak-ng's as measured for LIMITER_TAKEBACK (`_voice_level`).

    What the limiter takes depends on how far the gain pushes the peaks over the ceiling: a
    quieter voice (a routine's `volume`) limits as espeak-ng does at less gain, and a lower
    ceiling as it does at more."""
    gains, taken = zip(*LIMITER_TAKEBACK, strict=True)
    at = gain_db + level_db + (CEILING_DBTP - ceiling_db)
    if at <= gains[-1]:
        return float(np.interp(at, gains, taken))
    slope = (taken[-1] - taken[-2]) / (gains[-1] - gains[-2])
    return taken[-1] + (at - gains[-1]) * slope


def _net_slope(gain_db: float, level_db: float, ceiling_db: float) -> float:
    """How many LU louder one more dB of gain makes the voice, once limited."""
    above = _takeback(gain_db + 0.5, level_db, ceiling_db)
    return 1 - (above - _takeback(gain_db - 0.5, level_db, ceiling_db))


def gain_for(
    target: float,
    spoken: float = TYPICAL_LUFS,
    ceiling_db: float = CEILING_DBTP,
    level_db: float = 0.0,
) -> float:
    """The gain (dB, in GAIN_STEP_DB steps) that brings a voice spoken at `spoken` LUFS (and
    `level_db` from espeak-ng's, `_voice_level`) to `target` once limited: the gain, less
    what the limiter takes back at it. Never a gain at which the limiter would take back more
    than MAX_TAKEBACK_LU: the session then comes out quieter than asked, and says so
    (build.Session.notes)."""
    louder, most = target - spoken, _max_gain(level_db, ceiling_db)
    low, high = louder, louder + MAX_TAKEBACK_LU  # the limiter only ever takes back
    for _ in range(40):  # bisection: the net gain grows with the gain
        middle = (low + high) / 2
        if middle - _takeback(middle, level_db, ceiling_db) < louder:
            low = middle
        else:
            high = middle
    return _capped(high, most)


def _max_gain(level_db: float, ceiling_db: float) -> float:
    """The gain at which the limiter takes back MAX_TAKEBACK_LU (LIMITER_TAKEBACK inverted)."""
    gains, taken = zip(*LIMITER_TAKEBACK, strict=True)
    at = float(np.interp(MAX_TAKEBACK_LU, taken, gains))
    return at - level_db - (CEILING_DBTP - ceiling_db)


def _corrected(gain_db: float, miss: float, level_db: float, ceiling: float) -> float:
    """The second pass's gain: the first moved by the miss over the local slope, by at most
    MAX_CORRECTION_DB, and never past the gain `gain_for` stops at."""
    step = miss / _net_slope(gain_db, level_db, ceiling)
    step = max(-MAX_CORRECTION_DB, min(MAX_CORRECTION_DB, step))
    return _capped(gain_db + step, _max_gain(level_db, ceiling))


def _capped(gain_db: float, most: float) -> float:
    """`gain_db` in GAIN_STEP_DB steps, never past `most` (rounded down to a step)."""
    return _step(gain_db) if gain_db < most else _step_down(most)


def _voice_level(spoken: float, peaks: list[int]) -> float:
    """Where a voice sits (dB) against espeak-ng's as LIMITER_TAKEBACK was measured: the mean of
    how far its loudness and its median clip's sample peak are from espeak-ng's. Each alone
    missed one of the benchmark's sessions by 0.3 to 0.5 LU (content quieter, or peakier, than
    the shipped routines); their mean lands every session measured, and voices at any
    `volume` down to 0.05, on the first pass."""
    peak = float(np.median(peaks)) if peaks else 0.0
    peak_db = 20 * math.log10(peak / 32768) if peak > 0 else TYPICAL_PEAK_DB
    return ((spoken - TYPICAL_LUFS) + (peak_db - TYPICAL_PEAK_DB)) / 2


def _step(gain_db: float) -> float:
    return round(round(gain_db / GAIN_STEP_DB) * GAIN_STEP_DB, 6)


def _step_down(gain_db: float) -> float:
    return round(math.floor(gain_db / GAIN_STEP_DB + 1e-9) * GAIN_STEP_DB, 6)


def _key(*parts: object) -> str:
    material = ":".join(
        str(p) for p in ("guidecast-level", LEVEL_VERSION, PROFILE_STRIDE, FFT_BLOCK, *parts)
    )
    return _sha256(material.encode())


def _sha256(data: bytes) -> str:
    import hashlib  # here, not at the top: the workers need no OpenSSL (4 MB each)

    return hashlib.sha256(data).hexdigest()


def level_live(clip: SpeechClip, settings: Loudness | None = None) -> SpeechClip:
    """One clip leveled without the whole session: for live playback, which cannot wait.

    Uses the gain a built session typically gets (every engine speaks near TYPICAL_LUFS), with
    the same limiter, so `play` sounds as loud as the built file, within about a decibel.
    """
    settings = settings or Loudness()
    if settings.target is None:
        return clip
    factor = 10 ** (gain_for(settings.target, TYPICAL_LUFS, settings.ceiling) / 20)
    signal = limit(
        to_float(clip.pcm) * factor, settings.ceiling - ENCODER_MARGIN_DB, clip.sample_rate
    )
    return SpeechClip(to_pcm(signal), clip.sample_rate)
