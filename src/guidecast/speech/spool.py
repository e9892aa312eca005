"""A session's clips kept in a private temporary file instead of in memory.

An hour of routine has a few hundred clips, 40 MB of PCM; eight hours, several hundred MB.
Holding them all in memory made a build's memory grow with the routine, so `Voice.clips()`
spools each clip to one unlinked temporary file and hands out `SpooledClip`s, which read their
PCM back when the renderer needs it. The file is private to the build (a cache entry that
another build or `guidecast cache clear` removes in the meantime does not matter), and it goes
away with the last clip that refers to it.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path
from typing import IO

from guidecast.speech.engine import SAMPLE_WIDTH, SpeechClip


class ClipSpool:
    """An append-only store of PCM. Put it next to the cache: on disk, not in a RAM /tmp.

    A write that fails (a full disk) moves the spool on, to a file in the system's temporary
    folder, then to memory: the build goes on, and clips already written stay where they are.
    """

    def __init__(self, folder: Path | None = None) -> None:
        self._store = _first_store(folder)
        self._lock = threading.Lock()

    def add(self, clip: SpeechClip) -> SpooledClip:
        """The clip, written at once (unbuffered: a write that fails does so here, and the clip
        goes to the next store, with no half-written buffer left to fail every later read)."""
        data = memoryview(clip.pcm)
        while True:
            store = self._store
            try:
                offset = store.add(data)
            except OSError:
                with self._lock:
                    if self._store is store:
                        self._store = _next_store(store)
                continue
            return SpooledClip(self, store, offset, clip.samples, clip.sample_rate)


class _FileStore:
    """PCM in an unlinked temporary file (closed when no clip refers to it any more)."""

    def __init__(self, file: IO[bytes], in_temp: bool) -> None:
        self.file = file
        self.in_temp = in_temp  # in the system's temporary folder, not beside the cache
        self._end = 0
        self._lock = threading.Lock()

    def add(self, data: memoryview) -> int:
        with self._lock:
            offset = self._end
            self._end += len(data)
        done = 0
        while done < len(data):
            done += os.pwrite(self.file.fileno(), data[done:], offset + done)
        return offset

    def read(self, offset: int, size: int) -> bytes:
        data = os.pread(self.file.fileno(), size, offset)
        if len(data) != size:
            raise OSError(f"the clip spool file came back short ({len(data)} of {size} bytes)")
        return data


class _MemoryStore:
    """PCM in memory: the last resort, when no temporary file can be written."""

    def __init__(self) -> None:
        self._clips: list[bytes] = []
        self._lock = threading.Lock()

    def add(self, data: memoryview) -> int:
        with self._lock:
            self._clips.append(bytes(data))
            return len(self._clips) - 1

    def read(self, offset: int, size: int) -> bytes:
        return self._clips[offset]


_Store = _FileStore | _MemoryStore


class SpooledClip:
    """A clip whose PCM lives in a `ClipSpool`; it reads like a `SpeechClip`."""

    __slots__ = ("_offset", "_spool", "_store", "sample_rate", "samples")

    def __init__(
        self, spool: ClipSpool, store: _Store, offset: int, samples: int, sample_rate: int
    ) -> None:
        self._spool = spool
        self._store = store
        self._offset = offset
        self.samples = samples
        self.sample_rate = sample_rate

    @property
    def pcm(self) -> bytes:
        return self._store.read(self._offset, self.samples * SAMPLE_WIDTH)

    def replaced(self, clip: SpeechClip) -> SpooledClip:
        """`clip` (a reworked version of this one) kept in the same spool, not in memory."""
        return self._spool.add(clip)

    @property
    def seconds(self) -> float:
        return self.samples / self.sample_rate

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SpooledClip | SpeechClip):
            return NotImplemented
        return (
            self.sample_rate == other.sample_rate
            and self.samples == other.samples
            and self.pcm == other.pcm
        )

    __hash__ = None  # type: ignore[assignment]  # equal by content, like SpeechClip

    def __repr__(self) -> str:
        return f"SpooledClip(samples={self.samples}, sample_rate={self.sample_rate})"


def _first_store(folder: Path | None) -> _Store:
    """A temporary file in `folder`, else in the system's temporary folder, else memory."""
    if folder is not None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            return _FileStore(
                tempfile.TemporaryFile(prefix=".spool-", dir=folder, buffering=0), in_temp=False
            )
        except OSError:
            pass
    return _next_store(None)


def _next_store(failed: _Store | None) -> _Store:
    """Where clips go after `failed` could not take one (None: the cache's folder failed)."""
    if isinstance(failed, _MemoryStore) or (isinstance(failed, _FileStore) and failed.in_temp):
        return _MemoryStore()
    try:
        file = tempfile.TemporaryFile(prefix="guidecast-spool-", buffering=0)  # noqa: SIM115
    except OSError:
        return _MemoryStore()
    return _FileStore(file, in_temp=True)
