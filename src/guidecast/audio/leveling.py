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
voice. numpy only (scipy would double the memory of a build); the per-clip work (audio/dsp.py)
runs in worker processes (core/processes.py), so a build's own memory does not grow with the
session. The meter is audio/meter.py; this module holds the gain policy and the cache keys.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from guidecast.audio.dsp import (
    FFT_BLOCK,
    PROFILE_STRIDE,
    clip_profile,
    energy_profile,
    level_clip,
    limit,
    to_float,
    to_pcm,
)
from guidecast.audio.meter import SessionMeter
from guidecast.core.processes import ComputePool
from guidecast.speech.engine import SpeechClip

if TYPE_CHECKING:
    from guidecast.audio.bed import Bed, BedLayout
    from guidecast.speech.cache import ClipCache
    from guidecast.timeline.layout import Timeline

TARGET_LUFS = -16.0
MIN_LUFS, MAX_LUFS = -30.0, -9.0  # quieter is lost in a room; louder cannot stay under the peak
CEILING_DBTP = -1.0
# The limiter aims this far under the ceiling: MP3 encoding moves peaks by a few tenths of a dB.
ENCODER_MARGIN_DB = 0.7
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
    bed: Bed | None = None  # the sound bed at its gains, `level` LU under the voice


@dataclass(frozen=True)
class Loudness:
    """What to aim for. `target=None` leaves the voice as the engine made it."""

    target: float | None = TARGET_LUFS
    ceiling: float = CEILING_DBTP


def level(
    timeline: Timeline,
    clips: MutableMapping[str, Any],
    settings: Loudness,
    cache: ClipCache | None = None,
    pool: ComputePool | None = None,
    bed: BedLayout | None = None,
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

    A sound bed (`bed`) is set `level` LU under the target (or under the voice as spoken,
    without one), measured with the session, and given room under the ceiling: the voice's
    peaks are limited that much lower than the bed's peaks under speech.
    """
    from guidecast.audio.sounds import sound_pcm  # here: the workers need no pydub

    rate = timeline.sample_rate
    spoken = sorted({cue.text for cue in timeline.cues if cue.text})
    sounds = {cue.sound for cue in timeline.cues if cue.sound}
    originals = {text: clips[text] for text in spoken}
    digests: dict[str, str] = {}
    kept: dict[str, np.ndarray] = {}  # the clips' own profiles, when there is no cache for them

    peaks: list[int] = []  # each clip's sample peak: where the voice sits, with its loudness
    made_bed: Bed | None = None  # set once the voice's loudness is known

    def stored_profile(key: str) -> np.ndarray | None:
        stored = cache.get_blob(key) if cache is not None else None
        return None if stored is None else np.frombuffer(stored, dtype="<f8")

    def store_profile(key: str, profile: np.ndarray) -> None:
        if cache is not None:
            cache.put_blob(key, profile.astype("<f8").tobytes())

    def with_sounds(meter: SessionMeter) -> SessionMeter:
        for sound in sounds:
            meter.add(f"\0{sound}", energy_profile(to_float(sound_pcm(sound, rate)), rate))
        if made_bed is not None:
            made_bed.add_energies(meter.bins, meter.bin_size)
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
            voice = as_spoken if math.isfinite(as_spoken) else TYPICAL_LUFS
            made_bed = bed.at(voice) if bed is not None else None
            return Leveling(with_sounds(meter).loudness(), bed=made_bed)
        aim = settings.target
        if bed is not None:
            # What the bed adds to (or, in blocks it lifts over the gate, takes from) the
            # session's loudness, with the bed under the voice as spoken: the gain allows for it.
            bed.at(as_spoken).add_energies(meter.bins, meter.bin_size)
            aim -= meter.loudness() - as_spoken
            made_bed = bed.at(settings.target)
            settings = replace(
                settings, ceiling=_room(settings.ceiling, made_bed.peak_under_speech)
            )
        del meter  # the next pass's meter is made without this one beside it
        ceiling = settings.ceiling - ENCODER_MARGIN_DB
        level_db = _voice_level(as_spoken, peaks)
        gain_db = gain_for(aim, as_spoken, settings.ceiling, level_db)
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
    return Leveling(loudness, capped=short and gain_db >= most, bed=made_bed)


def _room(ceiling_db: float, bed_peak: float) -> float:
    """The ceiling for the voice alone, so that voice and bed together stay under `ceiling_db`
    (the encoder's margin kept): the bed's peak taken off, a quarter of the room at least."""
    room = 10 ** ((ceiling_db - ENCODER_MARGIN_DB) / 20)
    left = max(room - bed_peak, room / 4)
    return 20 * math.log10(left) + ENCODER_MARGIN_DB


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
