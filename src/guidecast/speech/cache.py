"""The speech clip cache: shaped clips on disk, keyed by everything that changes their sound.

Shared by all routines and builds. Writes are atomic (temporary file, then rename), so two
builds at once never see half an entry; every entry carries a checksum, so a damaged one is
noticed, removed and made again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import struct
import tempfile
import threading
import warnings
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from guidecast.core.errors import GuidecastWarning
from guidecast.core.interrupts import signals_deferred
from guidecast.speech.engine import SpeechClip, SpeechRequest

MAGIC = b"GCCLIP2\0"
BLOB_MAGIC = b"GCBLOB1\0"
_HEADER = struct.Struct("<8sII32s")  # magic, sample rate, samples, sha256 of all before and PCM
SHAPING_VERSION = 1  # bump when guidecast.speech.shaping changes what it makes


def default_cache_dir() -> Path:
    override = os.environ.get("GUIDECAST_CACHE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("guidecast", appauthor=False)) / "clips"


def _digest(rate: int, samples: int, pcm: bytes) -> bytes:
    """The checksum of an entry: its sample rate and length as well as its PCM."""
    digest = hashlib.sha256(MAGIC + struct.pack("<II", rate, samples))
    digest.update(pcm)
    return digest.digest()


def entry_header(clip: SpeechClip) -> bytes:
    """The header of a stored clip: what it is, its rate and length, and their checksum."""
    digest = _digest(clip.sample_rate, clip.samples, clip.pcm)
    return _HEADER.pack(MAGIC, clip.sample_rate, clip.samples, digest)


def decode_entry(data: bytes) -> SpeechClip | None:
    """A stored clip's bytes (header and PCM) as a clip; None if they are cut short or damaged.
    The same bytes travel to and from a remote clip store (catalogue/store.py)."""
    if len(data) < _HEADER.size:
        return None
    magic, rate, samples, digest = _HEADER.unpack_from(data)
    pcm = data[_HEADER.size :]
    if magic != MAGIC or len(pcm) != samples * 2 or rate <= 0:
        return None
    if _digest(rate, samples, pcm) != digest:
        return None
    return SpeechClip(pcm=pcm, sample_rate=rate)


@contextlib.contextmanager
def _temporary(folder: Path, suffix: str) -> Iterator[tuple[int, str]]:
    """A new temporary file in `folder` (its descriptor and path), removed at the end unless
    renamed. Ctrl-C and SIGTERM wait while it exists, a few milliseconds: an interrupt between
    making it and the clean-up would leave it behind."""
    with signals_deferred():
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=suffix)
        try:
            yield fd, tmp
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


@dataclass(frozen=True)
class CacheInfo:
    path: Path
    entries: int
    bytes: int


_warned: set[Path] = set()  # cache folders already warned about, once per run
_warned_lock = threading.Lock()


class ClipCache:
    """Clips on disk. A cache that cannot be written (a full disk, a read-only folder, a file
    in the way) only costs speed: the first failed write warns once, naming the folder, and
    the cache stops writing; what it can read it still gives."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or default_cache_dir()
        self.writable = True

    def _cannot_write(self, err: OSError) -> None:
        self.writable = False
        with _warned_lock:
            if self.root in _warned:
                return
            _warned.add(self.root)
        reason = err.strerror or str(err)
        warnings.warn(
            GuidecastWarning(
                f"cannot write the speech cache {self.root}: {reason}; going on without it "
                "(speech not cached is made again next time)"
            ),
            stacklevel=3,
        )

    def key(self, engine: str, engine_version: str, request: SpeechRequest, rate: int) -> str:
        material = {
            "engine": engine,
            "engine_version": engine_version,
            "request": asdict(request),
            "sample_rate": rate,
            "shaping": SHAPING_VERSION,
        }
        return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.clip"

    def get(self, key: str) -> SpeechClip | None:
        """The clip, or None when absent or damaged (a damaged entry is removed)."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        clip = decode_entry(data)
        if clip is None:
            with contextlib.suppress(OSError):
                path.unlink()
        return clip

    def samples(self, key: str) -> int | None:
        """A stored clip's length, from its header alone; None when absent or cut short.

        Its audio is checked when it is read (`get`): this is for laying out a long session
        at once, before 1,900 clips are read (`play` of a warm 8-hour session)."""
        try:
            with open(self._path(key), "rb") as file:
                head = file.read(_HEADER.size)
                size = os.fstat(file.fileno()).st_size
        except OSError:
            return None
        if len(head) < _HEADER.size:
            return None
        magic, rate, samples, _ = _HEADER.unpack(head)
        if magic != MAGIC or rate <= 0 or size != _HEADER.size + 2 * samples:
            return None
        return samples

    def put(self, key: str, clip: SpeechClip) -> SpeechClip:
        """Store a clip atomically, and return the clip the cache holds for `key`.

        The first clip stored for a key stays: a build that made the same clip at the same
        time gets the stored one back and uses it, so concurrent builds of one routine agree
        to the sample (espeak-ng's clips can differ by a few milliseconds from run to run).
        A cache that cannot be written only costs speed: the clip given is returned.
        """
        if not self.writable:
            return clip
        path = self._path(key)
        header = entry_header(clip)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with _temporary(path.parent, ".clip") as (fd, tmp):
                with os.fdopen(fd, "wb") as out:
                    out.write(header)
                    out.write(clip.pcm)
                for _ in range(3):
                    try:
                        os.link(tmp, path)  # fails if an entry is there: never replaces one
                        return clip
                    except FileExistsError:
                        stored = self.get(key)  # removes a damaged entry
                        if stored is not None:
                            return stored
                    except OSError:  # no hard links on this file system
                        os.replace(tmp, path)
                        return clip
        except OSError as err:
            self._cannot_write(err)
        return clip

    def get_blob(self, key: str) -> bytes | None:
        """Derived data stored beside the clips (such as a loudness profile), checked."""
        path = self.root / key[:2] / f"{key}.blob"
        # Read in two parts and hashed in place: a bed's loop is 5 MB, and slicing the digest off
        # and prefixing the magic made two more copies of it (the bed build's peak).
        try:
            with path.open("rb") as file:
                digest, payload = file.read(32), file.read()
        except OSError:
            return None
        check = hashlib.sha256(BLOB_MAGIC)
        check.update(payload)
        if len(digest) == 32 and check.digest() == digest:
            return payload
        with contextlib.suppress(OSError):
            path.unlink()
        return None

    def put_blob(self, key: str, payload: bytes) -> None:
        """Store derived data atomically; a cache that cannot be written only costs speed."""
        if not self.writable:
            return
        path = self.root / key[:2] / f"{key}.blob"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with _temporary(path.parent, ".blob") as (fd, tmp):
                with os.fdopen(fd, "wb") as out:
                    out.write(hashlib.sha256(BLOB_MAGIC + payload).digest())
                    out.write(payload)
                os.replace(tmp, path)
        except OSError as err:
            self._cannot_write(err)

    def info(self) -> CacheInfo:
        entries = 0
        size = 0
        if self.root.exists():
            for path in self.root.glob("*/*.clip"):
                entries += 1
                with contextlib.suppress(OSError):
                    size += path.stat().st_size
        return CacheInfo(self.root, entries, size)

    def clear(self) -> int:
        removed = self.info().entries
        if self.root.exists():
            shutil.rmtree(self.root, ignore_errors=True)
        return removed
