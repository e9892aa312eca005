"""Sound beds as seamless loops: generated ones (no sound files to license) and a user's file.

A generated bed is made on a circle: white noise (from a seed: the same bytes every build) is
shaped in the frequency domain of one loop's length, and every swell, drop and partial is
placed modulo that length, so the loop's last sample runs into its first as any two samples
do. A user's file is decoded with miniaudio (WAV, MP3, OGG, FLAC), mixed to mono at the session
rate, and its end crossfaded into its start. Each loop knows its loudness (BS.1770, measured on
the circle), its true peak, and its K-weighted energy along the loop, for the session meter.
"""

from __future__ import annotations

import functools
import math
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from guidecast.audio.dsp import (
    HOLD_S,
    PROFILE_STRIDE,
    k_energy,
    k_weighting_response,
    limit,
    true_peak_envelope,
)
from guidecast.core.errors import UsageError

if TYPE_CHECKING:
    from guidecast.speech.cache import ClipCache

LOOP_S = 60.0  # long enough that no listener follows the repeat; 5 MB at 22.05 kHz
FILE_MAX_S = 300.0  # a user's file: only its first five minutes are looped (memory stays flat)
FILE_MIN_S = 1.0
CROSSFADE_S = 3.0  # a user's loop: its end fades into its start over this (a quarter at most)
UNIT_LUFS = -20.0  # every loop is made at this loudness; the bed's gain sets its level
CREST_DB = 14.0  # peaks kept this far over the loop's loudness: a drop never pokes out


@dataclass(frozen=True)
class Loop:
    """One period of a bed, float32 mono at `rate`; repeat it end to start without a seam."""

    name: str
    rate: int
    samples: np.ndarray
    loudness: float  # LUFS of the loop played forever
    peak: float  # its largest true peak, linear
    energy_at: np.ndarray  # cumulative K-weighted energy at each PROFILE_STRIDE sample...
    energy_points: np.ndarray  # ...these positions (the loop's end last)

    def energy(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """The K-weighted energy of the endless loop over [start, end), for each pair."""
        n, total = len(self.samples), float(self.energy_at[-1])

        def cumulative(x: np.ndarray) -> np.ndarray:
            turns, within = np.divmod(x.astype(np.float64), n)
            return turns * total + np.interp(within, self.energy_points, self.energy_at)

        return cumulative(end) - cumulative(start)

    def take(self, start: int, count: int) -> np.ndarray:
        """Samples [start, start + count) of the endless loop (slices, no index arrays)."""
        n = len(self.samples)
        offset = start % n
        if offset + count <= n:
            return self.samples[offset : offset + count]
        parts, left = [self.samples[offset:]], count - (n - offset)
        while left > 0:
            parts.append(self.samples[: min(n, left)])
            left -= n
        return np.concatenate(parts)


BED_VERSION = 1  # bump when a generated bed changes: the stored loops are made again
_made: dict[tuple[str, int, int], Loop] = {}  # this process's loops, made or read once


def generated_loop(name: str, rate: int, seed: int = 0, cache: ClipCache | None = None) -> Loop:
    """A generated bed (core.defaults.BED_SOUNDS), the same for the same name, rate and seed.

    Kept in `cache` (the clip cache) once made: a rebuild reads 5 MB instead of working for a
    second. Made in a worker process (core/processes.py): its working arrays (about 80 MB for
    a 60-second loop) never count against the build's own memory."""
    key = (name, rate, seed)
    if key not in _made:
        stored_key = _stored_key(name, rate, seed)
        stored = cache.get_blob(stored_key) if cache is not None else None
        loop = _unpacked(name, rate, stored) if stored is not None else None
        if loop is None:
            from guidecast.core.processes import ComputePool

            with ComputePool(1) as pool:
                ((_, loop),) = list(pool.imap_unordered(make_loop, [(name, key)]))
            if cache is not None:
                cache.put_blob(stored_key, _packed(loop))
        _made[key] = loop
    return _made[key]


def _stored_key(name: str, rate: int, seed: int) -> str:
    import hashlib

    text = f"guidecast-bed:{BED_VERSION}:{LOOP_S}:{UNIT_LUFS}:{CREST_DB}:{name}:{rate}:{seed}"
    return hashlib.sha256(text.encode()).hexdigest()


_HEADER = struct.Struct("<ddq")  # loudness, peak, samples


def _packed(loop: Loop) -> bytes:
    head = _HEADER.pack(loop.loudness, loop.peak, len(loop.samples))
    return head + loop.samples.astype("<f4").tobytes() + loop.energy_at.astype("<f8").tobytes()


def _unpacked(name: str, rate: int, data: bytes) -> Loop | None:
    try:
        loudness, peak, count = _HEADER.unpack_from(data)
        # Read-only, over the stored bytes: no copy of the loop (5 MB) in the build's memory.
        samples = np.frombuffer(data, "<f4", count, _HEADER.size)
        energy = np.frombuffer(data, "<f8", offset=_HEADER.size + 4 * count).copy()
    except (struct.error, ValueError):
        return None
    points = np.append(np.arange(0, count, PROFILE_STRIDE), count).astype(np.float64)
    if len(energy) != len(points) or count != round(LOOP_S * rate):
        return None
    return Loop(name, rate, samples, loudness, peak, energy, points)


def make_loop(name: str, rate: int, seed: int) -> Loop:
    """A generated bed made from its seed (run in a worker process)."""
    return _generated(name, rate, seed)


@functools.lru_cache(maxsize=8)
def _generated(name: str, rate: int, seed: int) -> Loop:
    n = round(LOOP_S * rate)
    rng = np.random.default_rng([zlib.crc32(name.encode()), seed])
    makers = {"pink": _pink, "brown": _brown, "rain": _rain, "waves": _waves, "drone": _drone}
    return _finished(name, rate, makers[name](rng, n, rate))


def file_loop(path: Path, rate: int, place: str = "") -> Loop:
    """A user's sound file as a loop; a file that cannot be used is a `UsageError` naming
    where it was asked for (`place`: file:line:column, or the option)."""
    try:
        stat = path.stat()
    except OSError as err:
        raise UsageError(f"{place or path}: background file {path}: {err.strerror}") from None
    return _from_file(path, stat.st_mtime_ns, stat.st_size, rate, place)


@functools.lru_cache(maxsize=4)
def _from_file(path: Path, _mtime: int, _size: int, rate: int, place: str) -> Loop:
    import miniaudio

    where = f"{place or path}: background file {path}"
    most = round(FILE_MAX_S * rate)
    chunks: list[np.ndarray] = []
    got = 0
    try:
        stream = miniaudio.stream_file(
            str(path),
            output_format=miniaudio.SampleFormat.FLOAT32,
            nchannels=1,
            sample_rate=rate,
            frames_to_read=rate,
        )
        for chunk in stream:
            chunks.append(np.frombuffer(chunk, dtype=np.float32)[: most - got].copy())
            got += len(chunks[-1])
            if got >= most:
                break
    except OSError as err:
        raise UsageError(f"{where}: {err.strerror or err}") from None
    except (miniaudio.MiniaudioError, ValueError):
        raise UsageError(f"{where}: cannot decode it as WAV, MP3, OGG (Vorbis) or FLAC") from None
    audio = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
    if len(audio) < FILE_MIN_S * rate:
        raise UsageError(
            f"{where}: {len(audio) / rate:.2f} s is too short to loop; at least {FILE_MIN_S:g} s"
        )
    if not np.isfinite(audio).all() or float(np.abs(audio).max()) < 1e-4:
        raise UsageError(f"{where}: it is silent")
    return _finished(path.name, rate, crossfaded(audio, rate))


def crossfaded(audio: np.ndarray, rate: int) -> np.ndarray:
    """`audio` as a loop: its last stretch faded into its first (equal power), so the loop
    ends where its original continued. Shorter by the crossfade."""
    fade = min(round(CROSSFADE_S * rate), len(audio) // 4)
    if fade < 2:
        return audio
    t = (np.arange(fade) + 0.5) / fade
    loop = audio[: len(audio) - fade].copy()
    loop[:fade] = audio[:fade] * np.sin(t * math.pi / 2) + audio[-fade:] * np.cos(t * math.pi / 2)
    return loop


def _finished(name: str, rate: int, signal: np.ndarray) -> Loop:
    """The loop at UNIT_LUFS with its peaks held CREST_DB over that, measured on the circle.
    float32 throughout, temporaries dropped as soon as done: a 60-second loop is 1.3 million
    samples, and a build's memory must not grow with it (60 MB less than in float64)."""
    signal = np.asarray(signal, dtype=np.float32)
    signal -= np.float32(signal.mean(dtype=np.float64))
    signal *= np.float32(10 ** ((UNIT_LUFS - _circular_loudness(signal, rate)) / 20))
    samples = _limited(signal, UNIT_LUFS + CREST_DB, rate)
    del signal
    strides = _circular_energy(samples, rate)
    points = np.append(np.arange(0, len(samples), PROFILE_STRIDE), len(samples))
    cumulative = np.concatenate([[0.0], np.cumsum(strides)])
    peak = max(
        float(true_peak_envelope(block).max()) for block in _blocks(samples, 16)
    )  # seams included: each block carries 16 samples of its neighbours, round the circle
    return Loop(
        name,
        rate,
        samples,
        -0.691 + 10 * math.log10(float(cumulative[-1]) / len(samples)),
        peak,
        cumulative,
        points.astype(np.float64),
    )


BLOCK = 1 << 16  # samples: the limiter and the peak meter work on the loop this much at a time


def _blocks(signal: np.ndarray, margin: int):
    """The loop in blocks, each with `margin` samples of its neighbours either side (wrapping
    round the circle), so that work on a block sees what is next to it."""
    n = len(signal)
    for start in range(0, n, BLOCK):
        stop = min(n, start + BLOCK)
        yield np.take(signal, np.arange(start - margin, stop + margin), mode="wrap")


def _limited(signal: np.ndarray, ceiling_db: float, rate: int) -> np.ndarray:
    """The loop with its true peaks under `ceiling_db` (dsp.limit), block by block round the
    circle: the limiter only looks HOLD_S either side, so a margin of four times that makes
    each block's result the same as for the whole loop, in a fraction of the memory."""
    margin = 4 * max(1, round(HOLD_S * rate))
    out = np.empty_like(signal)
    for index, block in enumerate(_blocks(signal, margin)):
        start = index * BLOCK
        limited = limit(block, ceiling_db, rate)[margin:-margin]
        out[start : start + len(limited)] = limited
    return out


def _circular_energy(signal: np.ndarray, rate: int) -> np.ndarray:
    """The K-weighted energy of the loop played forever, summed each PROFILE_STRIDE samples."""
    tail = len(k_weighting_response(rate))
    before = np.resize(signal, tail + len(signal))[-tail:] if len(signal) < tail else signal[-tail:]
    energy = k_energy(np.concatenate([before, signal]), rate)[tail : tail + len(signal)]
    padded = np.zeros(-(-len(energy) // PROFILE_STRIDE) * PROFILE_STRIDE, dtype=np.float32)
    padded[: len(energy)] = energy
    return padded.reshape(-1, PROFILE_STRIDE).sum(axis=1, dtype=np.float64)


def _circular_loudness(signal: np.ndarray, rate: int) -> float:
    energy = float(_circular_energy(signal, rate).sum()) / len(signal)
    return -0.691 + 10 * math.log10(max(1e-20, energy))


# -- the generated beds ------------------------------------------------------------------


def _shaped(rng: np.random.Generator, n: int, rate: int, gain: np.ndarray | None = None):
    """White noise shaped by `gain` (a function of frequency, via `_curve`) on the circle."""
    spectrum = np.fft.rfft(rng.standard_normal(n, dtype=np.float32))
    if gain is not None:
        spectrum *= gain
    return np.fft.irfft(spectrum, n)


def _freqs(n: int, rate: int) -> np.ndarray:
    return np.fft.rfftfreq(n, 1 / rate).astype(np.float32)


def _band(f: np.ndarray, low: float, high: float, order: int = 2) -> np.ndarray:
    """A smooth band-pass magnitude (Butterworth-like skirts)."""
    safe = np.maximum(f, np.float32(1e-3))
    low_skirt = 1 + (np.float32(low) / safe) ** (2 * order)
    high_skirt = 1 + (safe / np.float32(high)) ** (2 * order)
    return 1 / np.sqrt(low_skirt * high_skirt)


def _tilt(f: np.ndarray, power: float) -> np.ndarray:
    """1 / f**power: 0.5 is pink noise, 1 brown (red)."""
    return 1 / np.maximum(f, np.float32(20.0)) ** np.float32(power)


def _pink(rng: np.random.Generator, n: int, rate: int) -> np.ndarray:
    f = _freqs(n, rate)
    return _shaped(rng, n, rate, _tilt(f, 0.5) * _band(f, 30, 8000, 1))


def _brown(rng: np.random.Generator, n: int, rate: int) -> np.ndarray:
    f = _freqs(n, rate)
    return _shaped(rng, n, rate, _tilt(f, 1.0) * _band(f, 25, 4000, 1))


def _rain(rng: np.random.Generator, n: int, rate: int) -> np.ndarray:
    """A steady soft hiss of rain, and drops: short bursts of filtered noise, here and there."""
    f = _freqs(n, rate)
    hiss = _shaped(rng, n, rate, _tilt(f, 0.35) * _band(f, 300, 7000))
    drops = np.zeros(n, dtype=np.float32)
    for center in (1800.0, 3200.0, 5000.0):  # a few kinds of drop: on leaves, glass, ground
        train = np.zeros(n, dtype=np.float32)
        count = int(LOOP_S * 9)
        train[rng.integers(0, n, count)] += rng.lognormal(0.0, 0.6, count)
        length = round(0.012 * rate)
        kernel = rng.standard_normal(length) * np.exp(-np.arange(length) / (0.003 * rate))
        kernel = kernel.astype(np.float32)
        spectrum = np.fft.rfft(train) * np.fft.rfft(kernel, n) * _band(f, center / 2, center * 1.6)
        drops += np.fft.irfft(spectrum, n)
    hiss /= np.sqrt(np.mean(hiss**2))
    drops /= np.sqrt(np.mean(drops**2))
    return hiss + 0.55 * drops


def _waves(rng: np.random.Generator, n: int, rate: int) -> np.ndarray:
    """Swells of deep noise every 8 to 13 seconds, each with a hiss as it breaks; the swells
    tile the loop exactly, so the last one breaks into the first."""
    f = _freqs(n, rate)
    body = _shaped(rng, n, rate, _tilt(f, 0.8) * _band(f, 40, 2500))
    wash = _shaped(rng, n, rate, _band(f, 900, 6000))
    count = max(1, round(LOOP_S / 10.5))
    spans = rng.uniform(8.0, 13.0, count)
    edges = np.concatenate([[0], np.cumsum(spans / spans.sum() * n)]).round().astype(int)
    swell = np.zeros(n, dtype=np.float32)
    for index in range(count):
        start, end = edges[index], edges[index + 1]
        x = np.arange(end - start) / (end - start)
        swell[start:end] = rng.uniform(0.6, 1.0) * np.sin(math.pi * x**0.6) ** 2
    # The swells are smoothed on the circle (a second, wrapping round), so no edge is heard.
    width = rate
    box = np.full(width, 1 / width, dtype=np.float32)
    smooth = np.fft.irfft(np.fft.rfft(swell) * np.fft.rfft(box, n), n)
    smooth = np.roll(smooth, -width // 2)
    body /= np.sqrt(np.mean(body**2))
    wash /= np.sqrt(np.mean(wash**2))
    return body * (0.25 + 0.75 * smooth) + 0.35 * wash * smooth**3


def _drone(rng: np.random.Generator, n: int, rate: int) -> np.ndarray:
    """A soft low chord (A2, E3, A3, E4), each partial beside a twin one cycle a loop away, so
    it breathes slowly; every frequency is a whole number of cycles a loop."""
    chord = []
    for hz, amplitude in ((110.0, 1.0), (165.0, 0.55), (220.0, 0.4), (330.0, 0.15)):
        cycles = round(hz * n / rate)
        phases = rng.uniform(0, 2 * math.pi, 2)
        sway = (int(rng.integers(1, 4)), rng.uniform(0, 6))
        chord.append((cycles, amplitude, phases, sway))
    breath = rng.uniform(0, 2 * math.pi)
    out = np.zeros(n, dtype=np.float32)
    for start in range(0, n, BLOCK):  # a block at a time: float64 phases, but few of them
        t = np.arange(start, min(n, start + BLOCK), dtype=np.float64) / n  # one loop is 0..1
        block = np.zeros(len(t))
        for cycles, amplitude, phases, (turns, offset) in chord:
            partial = sum(
                np.sin(2 * math.pi * (cycles + twin) * t + phases[twin]) for twin in (0, 1)
            )
            block += amplitude * partial * (1 + 0.25 * np.sin(2 * math.pi * turns * t + offset))
        block *= 0.8 + 0.2 * np.sin(2 * math.pi * 2 * t + breath)
        out[start : start + len(t)] = block
    return out
