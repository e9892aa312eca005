"""Command recordings for the listening tests: phrases said by real voices, as 16 kHz samples."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy

from guidecast.live.listen import RATE
from guidecast.speech.engine import SpeechRequest
from guidecast.speech.workers import SpeechPool

# The guide's voice in the microphone, relative to the listener's command (a speaker across
# the room, the listener near the device).
ECHO_DB = -12
GAP_S = 1.0  # silence around each command in a recording


def say(engine: str, voice: str, texts: list[str], rate: int = 160) -> list[numpy.ndarray]:
    """Each text spoken at 16 kHz, as float samples."""
    out: dict[int, bytes] = {}
    with SpeechPool(engine, RATE) as pool:
        pool.synthesize(
            [(SpeechRequest(t, voice, rate), t) for t in texts],
            lambda i, clip: out.__setitem__(i, clip.pcm),
        )
    return [numpy.frombuffer(out[i], dtype=numpy.int16).astype(float) for i in range(len(texts))]


def pcm(samples: numpy.ndarray) -> bytes:
    return numpy.clip(samples, -32768, 32767).astype(numpy.int16).tobytes()


def write_wav(path: Path, samples: numpy.ndarray, rate: int = RATE) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm(samples))
