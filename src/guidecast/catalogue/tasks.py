"""What a Dask worker runs: plain functions of plain data, so the same code runs on a local
cluster and on many machines.

`speak` makes one clip and stores it in the shared clip cache (content-addressed, written
atomically: speech/cache.py); `assemble` builds one session from the cache, into its own
folder. Each worker process keeps one speech process per engine between tasks. A task reports
a `GuidecastError` (a bad routine, an unknown voice) as its result, not as an exception: such a
failure is the session's, and running it again elsewhere would fail the same way.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
from dataclasses import dataclass
from pathlib import Path

from guidecast.build import build
from guidecast.catalogue.jobs import (
    ClipSpec,
    SessionJob,
    session_pacing,
    session_routine,
)
from guidecast.catalogue.model import Catalogue
from guidecast.catalogue.store import local_cache, remote
from guidecast.core.errors import GuidecastError
from guidecast.speech.voice import Voice, voice_for
from guidecast.speech.workers import SpeechPool

DAEMON_HINT = (
    "this Dask worker is a daemon process and cannot start speech processes: start workers "
    "with DASK_DISTRIBUTED__WORKER__DAEMON=False in their environment"
)


@dataclass(frozen=True)
class Spoken:
    key: str
    spoken: bool  # False: it was in the cache already
    error: str | None = None


@dataclass(frozen=True)
class Assembled:
    id: str
    ok: bool
    message: str = ""
    spoken: int = 0  # clips the assembly had to speak (the intro's length sentence)
    worker: int = 0  # the process id that built it


_pools: dict[tuple[str, int], SpeechPool] = {}


def _pool(engine: str, sample_rate: int) -> SpeechPool:
    """This worker process's speech process for an engine, kept between tasks."""
    if multiprocessing.current_process().daemon:  # the worker's setup, not the input: exit 1
        raise RuntimeError(DAEMON_HINT)
    found = _pools.get((engine, sample_rate))
    if found is None:
        if not _pools:
            atexit.register(_close_pools)
        found = _pools[(engine, sample_rate)] = SpeechPool(engine, sample_rate, workers=1)
    return found


def _close_pools() -> None:
    for pool in _pools.values():
        pool.close()
    _pools.clear()


def speak(clip: ClipSpec, location: str) -> Spoken:
    """One clip into the shared cache or store (nothing to do when it is there already)."""
    local, store = local_cache(location), remote(location)
    try:
        if store.has(clip.key) if store else local.samples(clip.key) is not None:
            return Spoken(clip.key, False)
        voice = Voice(
            clip.settings,
            clip.language,
            clip.sample_rate,
            cache=local,
            pool=_pool(clip.engine, clip.sample_rate),
        )
        voice.clips([(clip.text, clip.label)])
        if store:
            store.upload(clip.key, local)
    except GuidecastError as err:
        return Spoken(clip.key, False, str(err))
    return Spoken(clip.key, voice.synthesized > 0)


def assemble(
    catalogue: Catalogue, job: SessionJob, out_root: str, location: str, *clips: Spoken
) -> Assembled:
    """One session, built into `out_root/<id>/` from the clips its `speak` tasks stored."""
    spec = job.spec
    failed = next((clip.error for clip in clips if clip.error), None)
    if failed is not None:
        return Assembled(spec.id, False, failed, worker=os.getpid())
    try:
        local, store = local_cache(location), remote(location)
        if store:
            for key in job.clips:
                store.download(key, local)
        routine = session_routine(spec)
        pacing = session_pacing(catalogue, spec)
        rate = catalogue.audio.sample_rate
        voice = voice_for(routine, pacing, rate, cache=local)
        voice.pool = _pool(voice.engine, rate)
        build(
            routine,
            Path(out_root) / spec.id,
            pacing,
            catalogue.audio,
            voice,
            extras=catalogue.extras,
            manifest_extra={"inputs_hash": job.inputs_hash, "catalogue_id": spec.id},
        )
    except GuidecastError as err:
        return Assembled(spec.id, False, str(err), worker=os.getpid())
    return Assembled(spec.id, True, spoken=voice.synthesized, worker=os.getpid())
