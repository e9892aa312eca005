"""The clips of a live session: kept in the spool file, leveled the first time they are read,
the last few read kept in memory; a cached clip known by its length until it is first read."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from guidecast.audio.leveling import level_live
from guidecast.speech.cache import ClipCache
from guidecast.speech.engine import SAMPLE_WIDTH, SpeechClip
from guidecast.speech.spool import ClipSpool, SpooledClip


class Recent:
    """The leveled PCM of the last few clips read: the player reads a clip once per device
    period while it plays, and from the spool file only the first time."""

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._pcm: OrderedDict[Leveled, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, clip: Leveled) -> bytes | None:
        with self._lock:
            pcm = self._pcm.get(clip)
            if pcm is not None:
                self._pcm.move_to_end(clip)
            return pcm

    def put(self, clip: Leveled, pcm: bytes) -> None:
        with self._lock:
            self._pcm[clip] = pcm
            while len(self._pcm) > self.size:
                self._pcm.popitem(last=False)


class Leveled:
    """A spooled clip whose PCM is leveled (loudness.level_live) the first time it is read,
    and spooled again leveled; the last few read are kept in memory (`Recent`).

    Same length as the clip: the limiter never changes a clip's length."""

    __slots__ = ("_clip", "_leveled", "_lock", "_recent", "sample_rate", "samples")

    def __init__(self, clip: SpooledClip | SpeechClip, recent: Recent) -> None:
        self._clip = clip
        self._leveled = False
        self._recent = recent
        self._lock = threading.Lock()
        self.samples = clip.samples
        self.sample_rate = clip.sample_rate

    def secure(self) -> None:
        with self._lock:
            if isinstance(self._clip, Stored):
                self._clip = self._clip.secured()

    @property
    def pcm(self) -> bytes:
        pcm = self._recent.get(self)
        if pcm is not None:
            return pcm
        with self._lock:
            if isinstance(self._clip, Stored):
                self._clip = self._clip.secured()
            if self._leveled:
                pcm = self._clip.pcm
            else:
                leveled = level_live(SpeechClip(self._clip.pcm, self.sample_rate))
                replaced = getattr(self._clip, "replaced", None)
                self._clip = leveled if replaced is None else kept(leveled, replaced)
                self._leveled, pcm = True, leveled.pcm
        self._recent.put(self, pcm)
        return pcm


class Stored:
    """A clip in the cache known by its length alone (`ClipCache.samples`), read when first
    needed (`secured`): into the spool, or kept in memory if there is none."""

    __slots__ = ("_cache", "_key", "sample_rate", "samples", "spool")

    def __init__(self, cache: ClipCache, key: str, samples: int, sample_rate: int) -> None:
        self._cache = cache
        self._key = key
        self.samples = samples
        self.sample_rate = sample_rate
        self.spool: ClipSpool | None = None

    def secured(self) -> SpooledClip | SpeechClip:
        clip = self._cache.get(self._key)
        if clip is None or clip.samples != self.samples:
            # Removed or damaged since its header was read (a `cache clear` in the first
            # seconds of a session): the timeline has its length, so it plays as silence
            # rather than stopping the session.
            clip = SpeechClip(bytes(SAMPLE_WIDTH * self.samples), self.sample_rate)
        return kept(clip, self.spool.add) if self.spool else clip


def kept(clip: SpeechClip, spool: Callable[[SpeechClip], SpooledClip]) -> SpooledClip | SpeechClip:
    """The clip kept in the spool file, or in memory if the file cannot be written (a full
    disk): playback goes on either way."""
    try:
        return spool(clip)
    except OSError:
        return clip
