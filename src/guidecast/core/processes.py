"""Number crunching in worker processes: the loudness work of a build (audio/leveling.py).

Threads barely help numpy code made of many small array steps (they take turns on the GIL),
and the arrays they make stay in the build's own memory after they are freed. Plain worker
processes run side by side on every core, and their arrays come and go with them: the build's
memory stays flat at any session length. A worker runs one module-level function at a time;
jobs are handed out only as workers come free, so the arguments (PCM) waiting to be sent are
never all in memory at once.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import queue
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

from guidecast.core.errors import AudioError

Tag = TypeVar("Tag")


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


@contextlib.contextmanager
def main_module_hidden() -> Iterator[None]:
    """A spawned child imports the parent's __main__ again before it runs anything; for the CLI
    that is typer, rich and most of guidecast, a few tenths of a second per worker. A worker
    needs none of it (its code lives in its own module), so hide __main__ while one starts."""
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    saved = {key: main.__dict__[key] for key in ("__file__", "__spec__") if key in main.__dict__}
    main.__dict__.pop("__file__", None)
    if "__spec__" in saved:
        main.__spec__ = None
    try:
        yield
    finally:
        main.__dict__.update(saved)


@contextlib.contextmanager
def sigint_blocked() -> Iterator[None]:
    """Block SIGINT in this thread; a process started meanwhile inherits the block (POSIX)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)  # a Ctrl-C meanwhile arrives now


def ignore_sigint() -> None:
    """For a worker: Ctrl-C in a terminal reaches the whole process group, and the parent
    decides when workers stop (a worker would otherwise print a traceback)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _serve(conn: Connection) -> None:
    """Answer jobs in order. A reader thread takes the next job off the pipe while this one
    runs, so the parent never waits to hand it over and the worker never waits for it. The
    reader only moves bytes: a job that cannot be unpickled is answered with an error here,
    like a job that fails, instead of leaving both sides waiting."""
    ignore_sigint()
    inbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()

    def read() -> None:
        while True:
            try:
                message: bytes | None = conn.recv_bytes()
            except Exception:  # the parent is gone (or no memory for the job): stop, and
                message = None  # the parent sees this worker end
            inbox.put(message)
            if message is None:
                return

    threading.Thread(target=read, daemon=True).start()
    while (message := inbox.get()) is not None:
        try:
            job = pickle.loads(message)
            if job is None:
                return
            function, args = job
            conn.send(("ok", function(*args)))
        except Exception as err:  # sent as text: any exception pickles that way
            conn.send(("error", f"{type(err).__name__}: {err}"))


class WorkerProcess:
    """A spawned process running `target(conn, *args)`, its end of a pipe in `conn`."""

    def __init__(self, target: Callable[..., None], *args: object) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=target, args=(child, *args), daemon=True)
        with main_module_hidden(), sigint_blocked():  # SIGINT blocked until it is ignored
            self.process.start()
        child.close()

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.send(None)
        self.process.join(timeout=2)
        if self.process.is_alive():
            self.kill()
        else:
            self.conn.close()


class ComputePool:
    """Worker processes for numpy work, started on first need. Use as a context manager."""

    def __init__(self, workers: int = 0) -> None:
        self.size = workers or default_workers()
        self._idle: list[WorkerProcess] = []
        self._lent: list[WorkerProcess] = []  # at work for an `imap_unordered` not yet ended
        self._closed = False

    def __enter__(self) -> ComputePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._closed = True
        for worker in self._idle:
            worker.stop()
        for worker in self._lent:  # an `imap_unordered` left unfinished: its jobs are void
            worker.kill()
        self._idle.clear()
        self._lent.clear()

    def _take(self) -> WorkerProcess:
        """An idle worker that is still alive, else a new one."""
        while self._idle:
            worker = self._idle.pop()
            if worker.process.is_alive():
                return worker
            worker.kill()  # died while idle (the OOM killer, say): reap it
        return WorkerProcess(_serve)

    def imap_unordered(
        self, function: Callable[..., Any], jobs: Iterable[tuple[Tag, tuple[Any, ...]]]
    ) -> Iterator[tuple[Tag, Any]]:
        """`(tag, function(*args))` for each `(tag, args)` of `jobs`, as each is done.

        `function` must be defined at a module's top level (it is sent by name). `jobs` is read
        only as workers come free, so it may make each job's arguments as it goes; no worker
        is started for a `jobs` that yields nothing.
        """
        if self._closed:
            raise ValueError("the compute pool is closed")
        pending = iter(jobs)
        workers: list[WorkerProcess] = []  # this call's, each with its tags in order
        queued: dict[Connection, deque[Tag]] = {}
        stopped = f"a worker process stopped unexpectedly in {function.__name__}"
        try:
            while True:
                # Every worker holds one job in hand and one waiting, so it never waits for
                # the next; a worker is started only once there is a job for it.
                while len(workers) < self.size or any(len(queued[w.conn]) < 2 for w in workers):
                    job = next(pending, None)
                    if job is None:
                        break
                    tag, args = job
                    if len(workers) < self.size:
                        worker = self._take()
                        workers.append(worker)
                        self._lent.append(worker)
                        queued[worker.conn] = deque()
                    else:
                        worker = min(workers, key=lambda w: len(queued[w.conn]))
                    queued[worker.conn].append(tag)
                    try:
                        worker.conn.send((function, args))
                    except OSError:  # the worker is gone (its pipe is broken)
                        raise AudioError(stopped) from None
                waiting = [conn for conn, tags in queued.items() if tags]
                if not waiting:
                    return
                for conn in wait(waiting):
                    try:
                        status, result = conn.recv()  # type: ignore[union-attr]
                    except (EOFError, OSError):
                        raise AudioError(stopped) from None
                    tag = queued[conn].popleft()  # type: ignore[index]
                    if status != "ok":
                        raise AudioError(f"{function.__name__} failed: {result}")
                    yield tag, result
        finally:
            for worker in workers:
                if worker in self._lent:
                    self._lent.remove(worker)
                if queued[worker.conn] or self._closed:  # stopped mid-job: not to be reused
                    worker.kill()
                else:
                    self._idle.append(worker)


class Errand:
    """One job in a spawned process of its own: started now, its result collected later.

    For work whose imports the caller's process should never hold (the cover's Pillow and its
    image: 4 to 7 MB in the build's main process, for one picture). Use as a context manager:
    an errand never collected is killed on the way out.
    """

    def __init__(self, function: Callable[..., Any], *args: object) -> None:
        self._name = function.__name__
        self._worker: WorkerProcess | None = WorkerProcess(_serve)
        with contextlib.suppress(OSError):  # a worker gone at once is reported by result()
            self._worker.conn.send((function, args))

    def __enter__(self) -> Errand:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._worker is not None:
            self._worker.kill()
            self._worker = None

    def result(self) -> Any:
        """The function's return value; AudioError if it raised or its process died."""
        worker, self._worker = self._worker, None
        if worker is None:
            raise ValueError("the errand's result was already collected")
        try:
            status, value = worker.conn.recv()
        except (EOFError, OSError):
            worker.kill()
            raise AudioError(f"a worker process stopped unexpectedly in {self._name}") from None
        worker.stop()
        if status != "ok":
            raise AudioError(f"{self._name} failed: {value}")
        return value
