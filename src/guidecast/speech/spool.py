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
    """An append-only file of PCM. Put it next to the cache: on disk, not in a RAM /tmp."""

    def __init__(self, folder: Path | None = None) -> None:
        self._file = _temporary_file(folder)  # closed when the spool is garbage
        self._end = 0
        self._lock = threading.Lock()

    def add(self, clip: SpeechClip) -> SpooledClip:
        """The clip, written to the file at once (unbuffered: a write that fails, on a full
        disk say, raises here and leaves no half-written buffer to fail every later read)."""
        data = memoryview(clip.pcm)
        with self._lock:
            offset = self._end
            self._end += len(data)
        done = 0
        while done < len(data):
            done += os.pwrite(self._file.fileno(), data[done:], offset + done)
        return SpooledClip(self, offset, clip.samples, clip.sample_rate)

    def read(self, offset: int, size: int) -> bytes:
        data = os.pread(self._file.fileno(), size, offset)
        if len(data) != size:
            raise OSError(f"the clip spool file came back short ({len(data)} of {size} bytes)")
        return data


class SpooledClip:
    """A clip whose PCM lives in a `ClipSpool`; it reads like a `SpeechClip`."""

    __slots__ = ("_offset", "_spool", "sample_rate", "samples")

    def __init__(self, spool: ClipSpool, offset: int, samples: int, sample_rate: int) -> None:
        self._spool = spool
        self._offset = offset
        self.samples = samples
        self.sample_rate = sample_rate

    @property
    def pcm(self) -> bytes:
        return self._spool.read(self._offset, self.samples * SAMPLE_WIDTH)

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


def _temporary_file(folder: Path | None) -> IO[bytes]:
    """An unlinked temporary file in `folder`, else in the system's temporary folder."""
    if folder is not None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            return tempfile.TemporaryFile(prefix=".spool-", dir=folder, buffering=0)
        except OSError:
            pass
    return tempfile.TemporaryFile(prefix="guidecast-spool-", buffering=0)
