"""What every speech engine provides, whatever it is built on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

SAMPLE_WIDTH = 2  # bytes: every clip in guidecast is mono signed 16-bit little-endian PCM


@dataclass(frozen=True)
class SpeechClip:
    """Spoken words as raw PCM: mono, 16-bit, at `sample_rate`."""

    pcm: bytes
    sample_rate: int

    @property
    def samples(self) -> int:
        return len(self.pcm) // SAMPLE_WIDTH

    @property
    def seconds(self) -> float:
        return self.samples / self.sample_rate


@dataclass(frozen=True)
class VoiceInfo:
    id: str
    name: str
    languages: tuple[str, ...]
    engine: str
    offline: bool = True  # False: the engine would have to download it first (never offered)


@dataclass(frozen=True)
class SpeechRequest:
    """Everything that changes the sound of one clip (and so keys the cache)."""

    text: str
    voice_id: str | None = None
    rate: int | None = None  # words per minute
    volume: float | None = None
    language: str = "en"


class SpeechEngine(Protocol):
    """An engine in a worker process: `load()` once, then one clip per `synthesize` call.

    Every engine (pyttsx3, hibari, piper) is used only through this. `requires` names the
    modules it needs (checked before a worker starts, so a missing engine is one clear line);
    `version()` is cheap and names everything that changes the sound, for the cache key;
    `synthesize` honours the request's voice, rate (words per minute, calibrated per engine),
    volume (a gain, 1 = the engine's level matched to the others) and language, and returns
    mono 16-bit PCM at the engine's own rate (`speech.shaping` trims it and resamples it).
    """

    name: str
    requires: tuple[str, ...]

    def load(self) -> SpeechEngine: ...

    def version(self) -> str: ...

    def voices(self) -> list[VoiceInfo]: ...

    def resolve_voice(self, voice_id: str | None, language: str) -> str: ...

    def synthesize(self, request: SpeechRequest) -> SpeechClip: ...
