"""Speech engines in worker processes, so a hang or crash never takes a build down.

Each worker loads one engine and answers one request at a time over a pipe. The parent gives
every request a deadline: a worker that misses it, dies, or breaks the pipe is killed and
replaced, and the request is tried once more before it fails with a message naming the text.
Workers start lazily, so a build whose clips are all cached starts none.
"""

from __future__ import annotations

import importlib
import math
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from guidecast.core.defaults import ENGINE, ENGINE_NAMES, SAMPLE_RATE, unknown_engine
from guidecast.core.errors import (
    EngineNotInstalledError,
    GuidecastError,
    SpeechError,
    UsageError,
    VoiceNotFoundError,
)
from guidecast.core.processes import WorkerProcess, default_workers, ignore_sigint
from guidecast.speech.engine import SpeechClip, SpeechRequest, VoiceInfo
from guidecast.speech.engines.neural import install_hint, missing_modules

ENGINES = {  # each name of core.defaults.ENGINE_NAMES, and its class
    "pyttsx3": "guidecast.speech.engines.espeak:Pyttsx3Engine",
    "hibari": "guidecast.speech.engines.hibari:HibariEngine",  # pip install 'guidecast[neural]'
    "piper": "guidecast.speech.engines.piper:PiperEngine",  # pip install 'guidecast[neural]'
}
assert tuple(ENGINES) == ENGINE_NAMES  # one list of names: core/defaults.py
START_TIMEOUT_S = 30.0
TIMEOUT_VARIABLE = "GUIDECAST_SPEECH_TIMEOUT"
DEFAULT_TIMEOUT_S = 30.0
MAX_TIMEOUT_S = 24 * 3600.0  # a clip is a sentence: a day is no limit, yet a finite one


def request_timeout() -> float:
    """Seconds one clip may take before its worker is deemed hung: GUIDECAST_SPEECH_TIMEOUT,
    else 30. A value that is not a number of seconds is a `UsageError` naming the variable."""
    text = os.environ.get(TIMEOUT_VARIABLE, "").strip()
    if not text:
        return DEFAULT_TIMEOUT_S
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not 0 < seconds <= MAX_TIMEOUT_S:  # NaN too
        raise UsageError(
            f"{TIMEOUT_VARIABLE} must be a number of seconds more than 0 and at most "
            f"{MAX_TIMEOUT_S:g} (such as {DEFAULT_TIMEOUT_S:g}), got {text[:40]!r}"
        )
    return seconds


def check_environment() -> None:
    """Refuse a bad value in an environment variable guidecast reads, before any work."""
    request_timeout()


def engine_class(engine: str) -> Any:
    """The engine class for a name (`pyttsx3`) or a `module:Class` path (used by tests).

    Raises `EngineNotInstalledError` (exit code 2, naming the extra to install) when the
    engine's packages are missing. Importing the class is cheap: engines import their heavy
    libraries in the worker, on first use.
    """
    spec = ENGINES.get(engine, engine)
    if ":" not in spec:
        raise SpeechError(unknown_engine(engine))
    module_name, _, class_name = spec.partition(":")
    module = importlib.import_module(module_name)
    cls = getattr(module, class_name)
    if missing_modules(getattr(cls, "requires", ())):
        raise EngineNotInstalledError(install_hint(engine))
    return cls


def installed_engines() -> list[str]:
    """The named engines whose packages are installed here, the default first."""
    return [
        name
        for name, spec in ENGINES.items()
        if not missing_modules(getattr(_class_of(spec), "requires", ()))
    ]


def _class_of(spec: str) -> Any:
    module_name, _, class_name = spec.partition(":")
    return getattr(importlib.import_module(module_name), class_name)


def _serve(conn: Connection, engine: str, sample_rate: int) -> None:
    """The worker's main loop. Engines print to stdout (pyttsx3 does): send that to /dev/null.

    Ctrl-C in a terminal reaches the whole process group: workers ignore it and leave stopping
    to the parent, which stops them cleanly (a worker would otherwise print a traceback).
    """
    ignore_sigint()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115  (lives as long as the worker)
    try:
        _serve_requests(conn, engine, sample_rate)
    except (EOFError, OSError):  # the parent is gone: nothing left to answer
        return


def _serve_requests(conn: Connection, engine: str, sample_rate: int) -> None:
    from guidecast.speech.shaping import shape_clip

    try:
        instance = engine_class(engine)().load()
    except SpeechError as err:
        conn.send(("fatal", str(err)))
        return
    except ImportError as err:  # a dependency of the engine is not installed
        conn.send(("fatal", f"cannot start the {engine} speech engine: {err}; reinstall guidecast"))
        return
    except Exception as err:  # an engine that cannot start says why, in one line
        conn.send(("fatal", f"cannot start the {engine} speech engine: {err}"))
        return
    conn.send(("ready", None))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        kind, payload = message
        try:
            if kind == "speak":
                clip = instance.synthesize(payload)
                conn.send(("ok", shape_clip(clip, sample_rate)))
            elif kind == "voices":
                conn.send(("ok", instance.voices()))
            elif kind == "check_voice":
                conn.send(("ok", instance.resolve_voice(*payload)))
        except GuidecastError as err:  # sent whole, so its type (and exit code) survives
            conn.send(("error", err))
        except Exception as err:
            conn.send(("error", SpeechError(f"{type(err).__name__}: {err}")))


@dataclass
class _Job:
    index: int
    request: SpeechRequest
    label: str
    attempts: int = 0


class _Worker(WorkerProcess):
    def __init__(self, engine: str, sample_rate: int) -> None:
        super().__init__(_serve, engine, sample_rate)
        self.job: _Job | None = None
        self.deadline = 0.0
        self.ready = False


class SpeechPool:
    """Worker processes for one engine at one session sample rate. Use as a context manager."""

    def __init__(self, engine: str = ENGINE, sample_rate: int = SAMPLE_RATE, workers: int = 0):
        engine_class(engine)  # fail early on an unknown engine
        self.engine = engine
        self.sample_rate = sample_rate
        self.size = workers or default_workers()
        self._workers: list[_Worker] = []
        self._starting: list[_Worker] = []  # started by `prestart`, not yet known to be ready

    def __enter__(self) -> SpeechPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for worker in self._workers:
            worker.stop()
        self._workers.clear()
        for worker in self._starting:
            worker.kill()
        self._starting.clear()

    def prestart(self, count: int = 0) -> None:
        """Start workers now and return at once; the first request waits for them to be ready.

        For a caller that will likely need speech soon, so the workers boot meanwhile."""
        want = min(count or self.size, self.size)
        while len(self._workers) + len(self._starting) < want:
            self._starting.append(_Worker(self.engine, self.sample_rate))

    def _start(self) -> _Worker:
        return self._await_ready(_Worker(self.engine, self.sample_rate))

    def _grow(self, count: int) -> None:
        """Start workers until there are `count`, all at once: starting one takes a few tenths
        of a second, so starting them side by side gets the first clip out sooner."""
        new, self._starting = self._starting, []
        new += [
            _Worker(self.engine, self.sample_rate)
            for _ in range(count - len(self._workers) - len(new))
        ]
        try:
            while new:
                self._workers.append(self._await_ready(new[0]))
                new.pop(0)
        except BaseException:
            for worker in new[1:]:
                worker.kill()
            raise

    def _await_ready(self, worker: _Worker) -> _Worker:
        try:
            if not worker.conn.poll(START_TIMEOUT_S):
                raise SpeechError(f"the {self.engine} speech engine did not start in time")
            try:
                kind, payload = worker.conn.recv()
            except (EOFError, OSError):
                raise SpeechError(
                    f"the {self.engine} speech engine crashed while starting (is espeak-ng data "
                    "missing? reinstall guidecast)"
                ) from None
        except BaseException:  # an interrupt too: a worker not yet in the pool is killed here
            worker.kill()
            raise
        if kind == "fatal":
            worker.kill()
            raise SpeechError(payload)
        worker.ready = True
        return worker

    def _one(self, kind: str, payload: object) -> Any:
        if not self._workers:
            self._grow(1)
        worker = self._workers[0]
        worker.conn.send((kind, payload))
        if not worker.conn.poll(request_timeout()):
            self._replace(worker)
            raise SpeechError(f"the {self.engine} speech engine did not answer")
        try:
            status, result = worker.conn.recv()
        except (EOFError, OSError):
            self._replace(worker)
            raise SpeechError(f"the {self.engine} speech engine crashed") from None
        if status != "ok":
            raise result
        return result

    def voices(self) -> list[VoiceInfo]:
        return self._one("voices", None)

    def check_voice(self, voice_id: str | None, language: str) -> str:
        """The voice id that will speak; a clear error when it does not exist."""
        return self._one("check_voice", (voice_id, language))

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        self._workers.remove(worker)

    def synthesize(
        self,
        requests: Iterable[tuple[SpeechRequest, str]],
        on_clip: Callable[[int, SpeechClip], None],
    ) -> None:
        """Speak every (request, label) pair, in parallel; `on_clip(index, clip)` as each ends.

        The label names the request in errors ("step 'circles'"). A request whose worker hangs
        or dies is retried once on a fresh worker; a second failure raises `SpeechError`.
        """
        queue = deque(_Job(i, request, label) for i, (request, label) in enumerate(requests))
        if not queue:
            return
        timeout = request_timeout()
        self._grow(min(self.size, len(queue)))
        busy: dict[Connection, _Worker] = {}
        try:
            while queue or busy:
                for worker in self._workers:
                    if worker.job is None and queue:
                        job = queue.popleft()
                        job.attempts += 1
                        worker.job = job
                        worker.deadline = time.monotonic() + timeout
                        worker.conn.send(("speak", job.request))
                        busy[worker.conn] = worker
                if not busy:
                    continue
                wait_for = max(0.0, min(w.deadline for w in busy.values()) - time.monotonic())
                for conn in wait(list(busy), timeout=wait_for):
                    worker = busy.pop(conn)  # type: ignore[arg-type]
                    job = worker.job
                    assert job is not None
                    worker.job = None
                    try:
                        status, result = conn.recv()  # type: ignore[union-attr]
                    except (EOFError, OSError):
                        self._retry_or_fail(worker, job, queue, "crashed")
                        continue
                    if status != "ok":
                        if isinstance(result, VoiceNotFoundError):
                            raise result  # the voice's fault, not this text's: no label
                        raise type(result)(f"{job.label}: {result}")
                    on_clip(job.index, result)
                now = time.monotonic()
                for conn, worker in list(busy.items()):
                    if worker.deadline <= now:
                        busy.pop(conn)
                        job = worker.job
                        assert job is not None
                        worker.job = None
                        self._retry_or_fail(worker, job, queue, f"hung for {timeout:g} s")
        except BaseException:
            for worker in list(busy.values()):
                self._replace(worker)  # a worker mid-request cannot be reused
            raise

    def _retry_or_fail(self, worker: _Worker, job: _Job, queue: deque[_Job], what: str) -> None:
        self._replace(worker)
        if job.attempts >= 2:
            raise SpeechError(
                f"{job.label}: the {self.engine} speech engine {what} twice speaking "
                f"{job.request.text[:50]!r}"
            )
        self._workers.append(self._start())
        queue.appendleft(job)
