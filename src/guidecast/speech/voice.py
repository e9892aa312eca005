"""A voice for a session: engine, voice settings and sample rate, with the clip cache in front.

`Voice.clips()` returns a clip for every text, taking cached ones from disk and speaking the
rest in parallel worker processes; nothing is synthesized twice. The clips it returns keep
their PCM in a temporary file (`speech/spool.py`), so memory does not grow with the routine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from guidecast.core.defaults import ENGINE
from guidecast.routine.model import Routine, VoiceSettings
from guidecast.routine.pacing import Pacing
from guidecast.speech.cache import ClipCache
from guidecast.speech.engine import SpeechClip, SpeechRequest
from guidecast.speech.spool import ClipSpool, SpooledClip
from guidecast.speech.workers import SpeechPool, engine_class


@dataclass
class Voice:
    settings: VoiceSettings
    language: str
    sample_rate: int
    cache: ClipCache = field(default_factory=ClipCache)
    pool: SpeechPool | None = None  # shared across builds; made on first need otherwise
    synthesized: int = 0  # clips spoken by the engine (not from the cache), for reports
    spool: ClipSpool | None = field(default=None, repr=False)  # made on first need

    def __post_init__(self) -> None:
        engine_class(self.engine)  # not installed: exit 2 naming the extra, before any work

    @property
    def engine(self) -> str:
        return self.settings.engine or ENGINE

    def request(self, text: str) -> SpeechRequest:
        return SpeechRequest(
            text=text,
            voice_id=self.settings.id,
            rate=self.settings.rate,
            volume=self.settings.volume,
            language=self.language,
        )

    def _pool(self) -> SpeechPool:
        if self.pool is None:
            self.pool = SpeechPool(self.engine, self.sample_rate)
        return self.pool

    def check(self) -> str:
        """The voice id that will speak; raises `SpeechError` naming close matches if unknown."""
        return self._pool().check_voice(self.settings.id, self.language)

    def clips(
        self,
        texts: Sequence[tuple[str, str]],
        progress: Callable[[int, int], None] | None = None,
    ) -> dict[str, SpooledClip]:
        """A clip for each (text, label); the label names the text's step in errors.

        The clips read their PCM from this voice's spool file, which lives as long as they do
        (closing the voice does not end it).
        """
        if self.spool is None:
            self.spool = ClipSpool(self.cache.root)
        spool = self.spool
        version = engine_class(self.engine)().version()
        unique: dict[str, str] = {}
        for text, label in texts:
            unique.setdefault(text, label)
        clips: dict[str, SpooledClip] = {}
        missing: list[tuple[str, str, str]] = []  # text, label, cache key
        for text, label in unique.items():
            key = self.cache.key(self.engine, version, self.request(text), self.sample_rate)
            clip = self.cache.get(key)
            if clip is not None:
                clips[text] = spool.add(clip)
            else:
                missing.append((text, label, key))
        total = len(unique)
        if progress:
            progress(len(clips), total)
        if missing:
            if self.settings.id is not None:
                self.check()

            def store(index: int, clip: SpeechClip) -> None:
                text, _, key = missing[index]
                # The cache's clip: another build's, when it stored the same text first.
                clips[text] = spool.add(self.cache.put(key, clip))
                self.synthesized += 1
                if progress:
                    progress(len(clips), total)

            self._pool().synthesize(
                [(self.request(text), label) for text, label, _ in missing], store
            )
        return clips

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()


def voice_for(routine: Routine, pacing: Pacing, sample_rate: int, **kwargs: object) -> Voice:
    settings = routine.voice.merged(VoiceSettings(engine=pacing.engine, rate=pacing.rate))
    return Voice(settings, routine.language, sample_rate, **kwargs)  # type: ignore[arg-type]
