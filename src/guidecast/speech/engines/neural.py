"""What the neural engines (hibari, piper) share: install checks, one-thread ONNX sessions,
words-per-minute calibration, and float audio -> a clip.

Nothing here imports numpy or onnxruntime at module level: engines load lazily, inside their
worker processes, and the CLI's own process never pays for them.
"""

from __future__ import annotations

import bisect
import importlib.util
import os
from collections.abc import Sequence
from typing import Any

from guidecast.core import installed
from guidecast.core.errors import EngineNotInstalledError, VoiceNotFoundError
from guidecast.speech.engine import SpeechClip, VoiceInfo

EXTRA = "neural"  # pip install 'guidecast[neural]' installs every neural engine and its voices
ONNX_THREADS = 1  # per worker: workers are processes, and a build runs one per core
PEAK_LIMIT = 0.9  # about -1 dBFS, where espeak-ng peaks: a louder clip is scaled down to it
SENTENCE_GAP_S = 0.35  # between sentences at 160 words per minute, as espeak-ng pauses
GATE_DB = -45.0  # a clip's edges quieter than this, relative to its loudest 10 ms, are not speech


def install_hint(engine: str) -> str:
    return (
        f"the {engine} engine is not installed; install it with: pip install 'guidecast[{EXTRA}]'"
    )


def missing_modules(modules: Sequence[str]) -> list[str]:
    """The modules of `modules` that cannot be imported here (checked without importing them)."""
    missing = []
    for module in modules:
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(module)
    return missing


def require(engine: str, modules: Sequence[str]) -> None:
    if missing_modules(modules):
        raise EngineNotInstalledError(install_hint(engine))


def dist_version(distribution: str) -> str:
    return installed.version(distribution) or "missing"


def onnx_session_options() -> Any:
    """onnxruntime options for one thread: a worker is one process on one core."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = ONNX_THREADS
    options.inter_op_num_threads = ONNX_THREADS
    options.log_severity_level = 3  # warnings about unused initializers are not the user's
    return options


class SpeedCurve:
    """Measured words per minute -> an engine's speed setting, from (setting, wpm) points.

    The points come from `guidecast.speech.measure.calibrate`: the words of a few routine
    sentences divided by how long the trimmed speech lasts, at each setting. Between points the
    setting is interpolated; outside them it is clamped to the engine's range.
    """

    def __init__(self, points: Sequence[tuple[float, float]]) -> None:
        self.points = sorted(points, key=lambda p: p[1])
        self.wpms = [wpm for _, wpm in self.points]

    def setting(self, wpm: float) -> float:
        points, wpms = self.points, self.wpms
        if wpm <= wpms[0]:
            return points[0][0]
        if wpm >= wpms[-1]:
            return points[-1][0]
        i = bisect.bisect_right(wpms, wpm)
        (s0, w0), (s1, w1) = points[i - 1], points[i]
        return round(s0 + (s1 - s0) * (wpm - w0) / (w1 - w0), 4)

    @property
    def range(self) -> tuple[float, float]:
        return self.wpms[0], self.wpms[-1]


# The reference for "words per minute": what espeak-ng (the pyttsx3 engine) really speaks at each
# rate it is asked for, measured on single routine sentences with the edges trimmed (it says
# more words a minute than asked because its rate counts pauses). A neural engine asked for a
# rate aims at the same measured pace, so a routine keeps its length whichever engine speaks.
# Measured by guidecast.speech.measure.words_per_minute: about 1.22 x the rate throughout.
REFERENCE_WPM = (
    (80, 102.1), (100, 121.2), (130, 159.0), (160, 195.9), (200, 244.0), (250, 303.8),
    (300, 362.3), (400, 488.5),
)  # fmt: skip


def target_wpm(rate: int) -> float:
    """The measured words per minute that `rate` means (espeak-ng's pace at that rate)."""
    points = REFERENCE_WPM
    if rate <= points[0][0]:
        return points[0][1] * rate / points[0][0]
    if rate >= points[-1][0]:
        return points[-1][1] * rate / points[-1][0]
    i = bisect.bisect_right([r for r, _ in points], rate)
    (r0, w0), (r1, w1) = points[i - 1], points[i]
    return w0 + (w1 - w0) * (rate - r0) / (r1 - r0)


def sentence_gap(rate: int) -> float:
    """Seconds of silence between sentences: espeak-ng's pause, shorter as the rate rises."""
    return SENTENCE_GAP_S * 160 / rate


def match_voice(
    engine: str, voices: list[VoiceInfo], voice_id: str | None, language: str, default: str
) -> VoiceInfo:
    """The voice to speak with: the one asked for (checked), else one for the language.

    Only voices that work offline are chosen; asking for one that needs a download is an error
    that says so, since guidecast never downloads anything while it builds.
    """
    usable = [v for v in voices if v.offline]
    names = ", ".join(f"{v.id} ({', '.join(v.languages)})" for v in usable) or "none"
    base = language.lower().replace("_", "-").split("-")[0]
    exact = language.lower().replace("_", "-")

    def speaks(voice: VoiceInfo) -> bool:
        return any(lang.lower().replace("_", "-").split("-")[0] == base for lang in voice.languages)

    # A voice reading another language's words with its own letter rules is gibberish to the
    # listener: refuse, naming the languages the engine does speak.
    if not any(speaks(v) for v in usable):
        spoken = sorted({lang for v in usable for lang in v.languages}) or ["none"]
        raise VoiceNotFoundError(
            f"the {engine} engine has no voice for language {language!r}: it speaks "
            f"{', '.join(spoken)} only (voices here: {names}); the default engine, pyttsx3 "
            "(espeak-ng), speaks it"
        )
    if voice_id is not None:
        wanted = voice_id.lower()
        for voice in voices:
            if voice.id.lower() == wanted:
                if not voice.offline:
                    raise VoiceNotFoundError(
                        f"voice {voice_id!r} of the {engine} engine needs a download, and "
                        f"guidecast works offline; voices here: {names}"
                    )
                if not speaks(voice):
                    raise VoiceNotFoundError(
                        f"voice {voice_id!r} of the {engine} engine speaks "
                        f"{', '.join(voice.languages)}, not {language!r}; voices here: {names}"
                    )
                return voice
        raise VoiceNotFoundError(
            f"voice {voice_id!r} does not exist in the {engine} engine; voices here: {names} "
            "(guidecast voices lists all)"
        )
    speaking = [v for v in usable if speaks(v)]
    for voice in speaking:
        if voice.id == default or any(lang.lower() == exact for lang in voice.languages):
            return voice
    return speaking[0]


def float_to_clip(
    parts: Sequence[Any], sample_rate: int, gain: float, gap_s: float = 0.0
) -> SpeechClip:
    """Float audio (one array per sentence, in [-1, 1]) -> one 16-bit clip.

    Each part's noisy edges are gated (neural vocoders leave a faint hiss, about -47 dBFS, where
    there are no words); `gap_s` of silence goes between sentences; `gain` scales the level,
    and a clip that would then peak above PEAK_LIMIT is scaled down to it, so it never clips.
    """
    import numpy as np

    gap = np.zeros(round(gap_s * sample_rate), np.float32)
    pieces = []
    for part in parts:
        trimmed = _gate_edges(np.asarray(part, np.float32), sample_rate)
        if trimmed.size:
            if pieces and gap.size:
                pieces.append(gap)
            pieces.append(trimmed)
    if not pieces:
        return SpeechClip(pcm=b"", sample_rate=sample_rate)
    audio = np.concatenate(pieces) * gain
    peak = float(np.abs(audio).max())
    if peak > PEAK_LIMIT:
        audio *= PEAK_LIMIT / peak
    pcm = (np.clip(audio, -1.0, 1.0) * 32767.0).round().astype("<i2")
    return SpeechClip(pcm=pcm.tobytes(), sample_rate=sample_rate)


def _gate_edges(audio: Any, sample_rate: int) -> Any:
    """The audio from its first to its last 10 ms frame within GATE_DB of its loudest frame,
    with the lead-in and tail outside that set to silence (kept 40 ms each side: soft onsets)."""
    import numpy as np

    frame = max(1, sample_rate // 100)
    n = audio.size // frame
    if n == 0:
        return audio[:0]
    rms = np.sqrt((audio[: n * frame].reshape(n, frame) ** 2).mean(axis=1))
    loudest = float(rms.max())
    if loudest <= 1e-5:
        return audio[:0]
    loud = np.nonzero(rms >= loudest * 10 ** (GATE_DB / 20))[0]
    margin = 4 * frame
    start = max(0, int(loud[0]) * frame - margin)
    end = min(audio.size, (int(loud[-1]) + 1) * frame + margin)
    out = audio[start:end].copy()
    lead = int(loud[0]) * frame - start
    tail = end - (int(loud[-1]) + 1) * frame
    if lead > 0:
        out[:lead] *= np.linspace(0.0, 1.0, lead, dtype=np.float32) ** 2
    if tail > 0:
        out[out.size - tail :] *= np.linspace(1.0, 0.0, tail, dtype=np.float32) ** 2
    return out


def worker_environment() -> None:
    """Keep numeric libraries to one thread in this (worker) process, before they load."""
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, str(ONNX_THREADS))
