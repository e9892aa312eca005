"""How fast each engine speaks and synthesizes, measured the way a build uses it.

`real_time_factor(engine)` runs the engine in a fresh process of its own (as a speech worker
does: one process, one onnxruntime thread) and reports its load time, real-time factor (seconds
of audio per second of work), words per minute, sample rate and peak memory. `calibrate` finds
the words per minute each speed setting of a neural engine gives: its output is the
`SPEED_CURVE` table in that engine's module. `scripts/engine_speed.py` prints both, and a
benchmark can call these functions directly.
"""

from __future__ import annotations

import array
import contextlib
import math
import multiprocessing
import os
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass

# Sentences like the ones routines say: short instructions, with commas; one sentence each, so
# words per minute measure the voice and not its pauses between sentences.
SENTENCES = (
    "Wash your hands, and rub them together until they are warm and dry.",
    "With the other hand, stroke slowly from the bottom up to the shoulders.",
    "Place your fingers flat on the outer edge of your breast, and make small, slow circles.",
    "Keep your shoulders soft, and breathe out slowly as you press.",
    "Never press on or tap the spine.",
    "Lay your baby on their tummy on a towel, on a firm, flat surface such as the floor.",
)


@dataclass(frozen=True)
class EngineSpeed:
    engine: str
    version: str
    load_s: float  # import and load the engine, and speak a first short clip
    audio_s: float  # seconds of speech made, after trimming
    synth_s: float  # seconds of work it took (after the first clip)
    real_time_factor: float  # audio_s / synth_s: 100 means a minute of speech in 0.6 s
    words_per_minute: float  # words / trimmed seconds, at the engine's default rate
    sample_rate: int
    level_dbfs: float  # RMS of the trimmed speech, at volume 1
    peak_rss_mb: float  # the measuring process's peak memory: one speech worker's

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def real_time_factor(
    engine: str, texts: Sequence[str] = SENTENCES, rate: int | None = None, repeat: int = 2
) -> EngineSpeed:
    """Measure one engine in a fresh process. Raises the engine's error if it is missing."""
    from guidecast.speech.workers import engine_class

    engine_class(engine)  # a missing engine fails here, in one clear line
    return _in_fresh_process(_measure, engine, tuple(texts), rate, repeat)


def calibrate(
    engine: str, settings: Sequence[float], texts: Sequence[str] = SENTENCES
) -> list[tuple[float, float]]:
    """(setting, words per minute) for each speed setting of a neural engine."""
    from guidecast.speech.workers import engine_class

    engine_class(engine)
    return _in_fresh_process(_calibrate, engine, tuple(settings), tuple(texts))


def _in_fresh_process(function, *args):  # type: ignore[no-untyped-def]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(function, *args).result()


@contextlib.contextmanager
def _quiet_stdout():  # type: ignore[no-untyped-def]
    """pyttsx3 prints "Audio saved to ..." from espeak's thread: keep stdout clean."""
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def _energy(pcm: bytes) -> float:
    samples = array.array("h", pcm)
    return float(sum(v * v for v in samples))


def _words(text: str) -> int:
    return len(text.split())


def _measure(engine: str, texts: tuple[str, ...], rate: int | None, repeat: int) -> EngineSpeed:
    import resource

    from guidecast.speech.engine import SpeechRequest
    from guidecast.speech.shaping import shape_clip
    from guidecast.speech.workers import engine_class

    with _quiet_stdout():
        started = time.perf_counter()
        instance = engine_class(engine)().load()
        first = instance.synthesize(SpeechRequest("Breathe in.", rate=rate))
        load_s = time.perf_counter() - started
        audio_s = 0.0
        words = 0
        synth_s = 0.0
        energy = 0.0
        for _ in range(repeat):
            for text in texts:
                began = time.perf_counter()
                clip = instance.synthesize(SpeechRequest(text, rate=rate))
                synth_s += time.perf_counter() - began
                shaped = shape_clip(clip, clip.sample_rate)
                audio_s += shaped.seconds
                energy += _energy(shaped.pcm)
                words += _words(text)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    return EngineSpeed(
        engine=engine,
        version=instance.version(),
        load_s=round(load_s, 3),
        audio_s=round(audio_s, 2),
        synth_s=round(synth_s, 3),
        real_time_factor=round(audio_s / synth_s, 1),
        words_per_minute=round(words / audio_s * 60, 1),
        sample_rate=first.sample_rate,
        level_dbfs=round(10 * math.log10(energy / (audio_s * first.sample_rate) / 32768**2), 1),
        peak_rss_mb=round(peak, 1),
    )


class _Fixed:
    """A speed curve that always gives one setting: for calibrating."""

    def __init__(self, setting: float) -> None:
        self.value = setting

    def setting(self, wpm: float) -> float:
        return self.value


def _calibrate(
    engine: str, settings: tuple[float, ...], texts: tuple[str, ...]
) -> list[tuple[float, float]]:
    import importlib

    from guidecast.speech.engine import SpeechRequest
    from guidecast.speech.shaping import shape_clip
    from guidecast.speech.workers import ENGINES, engine_class

    module = importlib.import_module(ENGINES[engine].partition(":")[0])
    if not hasattr(module, "SPEED_CURVE"):
        raise ValueError(f"the {engine} engine has no speed setting to calibrate")
    instance = engine_class(engine)().load()
    points = []
    for setting in settings:
        module.SPEED_CURVE = _Fixed(setting)
        seconds = sum(
            shape_clip(clip, clip.sample_rate).seconds
            for clip in (instance.synthesize(SpeechRequest(t)) for t in texts)
        )
        points.append((setting, round(sum(map(_words, texts)) / seconds * 60, 1)))
    return points


def words_per_minute(engine: str, rates: Sequence[int], texts: Sequence[str] = SENTENCES):  # type: ignore[no-untyped-def]
    """(asked rate, measured words per minute) for each rate: checks the calibration."""
    from guidecast.speech.workers import engine_class

    engine_class(engine)
    return _in_fresh_process(_words_per_minute, engine, tuple(rates), tuple(texts))


def _words_per_minute(
    engine: str, rates: tuple[int, ...], texts: tuple[str, ...]
) -> list[tuple[int, float]]:
    from guidecast.speech.engine import SpeechRequest
    from guidecast.speech.shaping import shape_clip
    from guidecast.speech.workers import engine_class

    with _quiet_stdout():
        instance = engine_class(engine)().load()
        result = []
        for rate in rates:
            seconds = sum(
                shape_clip(clip, clip.sample_rate).seconds
                for clip in (instance.synthesize(SpeechRequest(t, rate=rate)) for t in texts)
            )
            result.append((rate, round(sum(map(_words, texts)) / seconds * 60, 1)))
    return result
