"""Where a catalogue's clips live, so every worker reaches them.

A folder (the default; a shared file system on a real cluster) is the clip cache itself:
content-addressed entries, written atomically (speech/cache.py). An fsspec URL (such as
s3://bucket/clips, with s3fs installed) is a remote store of the same entries: a worker speaks
into its own local cache and uploads the entry; an assembly downloads what its session needs
into its local cache first, checking each entry's checksum. An upload is written under a
temporary name and renamed (a single PUT on an object store, which is all or nothing), so no
reader ever sees a torn clip.
"""

from __future__ import annotations

import contextlib
import uuid
from pathlib import Path
from typing import Any

from guidecast.core.errors import GuidecastError, UsageError
from guidecast.speech.cache import ClipCache, decode_entry, default_cache_dir, entry_header


def is_url(location: str) -> bool:
    return "://" in location


class RemoteClips:
    """Clip entries at an fsspec URL, keyed as the clip cache keys them."""

    def __init__(self, url: str) -> None:
        try:
            import fsspec
        except ImportError:
            raise UsageError(
                "a clip store given by URL needs fsspec: pip install 'guidecast[catalogue]'"
            ) from None
        try:
            self.fs: Any
            self.fs, self.root = fsspec.core.url_to_fs(url)
        except (ImportError, ValueError) as err:  # s3:// without s3fs, an unknown protocol
            raise UsageError(f"cache: {url}: {err}") from None
        self.url = url

    def _path(self, key: str) -> str:
        return f"{self.root.rstrip('/')}/{key[:2]}/{key}.clip"

    def has(self, key: str) -> bool:
        try:
            return bool(self.fs.exists(self._path(key)))
        except OSError as err:
            raise GuidecastError(f"cannot read the clip store {self.url}: {err}") from None

    def upload(self, key: str, local: ClipCache) -> None:
        clip = local.get(key)
        if clip is None:
            raise GuidecastError(f"clip {key} is missing from the local cache {local.root}")
        final = self._path(key)
        temporary = f"{final}.{uuid.uuid4().hex}.part"
        try:
            self.fs.makedirs(final.rsplit("/", 1)[0], exist_ok=True)
            self.fs.pipe_file(temporary, entry_header(clip) + bytes(clip.pcm))
            self.fs.mv(temporary, final)
        except OSError as err:
            with contextlib.suppress(Exception):
                self.fs.rm(temporary)
            raise GuidecastError(f"cannot write the clip store {self.url}: {err}") from None

    def download(self, key: str, local: ClipCache) -> bool:
        """Into the local cache; False if absent or damaged."""
        if local.samples(key) is not None:
            return True
        try:
            data = self.fs.cat_file(self._path(key))
        except FileNotFoundError:
            return False
        except OSError as err:
            raise GuidecastError(f"cannot read the clip store {self.url}: {err}") from None
        clip = decode_entry(data)
        if clip is None:
            return False
        local.put(key, clip)
        return True


def local_cache(location: str) -> ClipCache:
    """The cache a worker speaks into: the shared folder, or (for a URL) its own."""
    return ClipCache(default_cache_dir() if is_url(location) else Path(location))


def remote(location: str) -> RemoteClips | None:
    return RemoteClips(location) if is_url(location) else None
