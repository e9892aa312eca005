"""The worker processes that do a build's loudness work (guidecast.core.processes)."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator

import pytest

from guidecast.core.errors import AudioError
from guidecast.core.processes import ComputePool, Errand


def test_every_job_comes_back_once_with_its_tag() -> None:
    with ComputePool(2) as pool:
        got = dict(pool.imap_unordered(math.sqrt, ((n, (n * n,)) for n in range(40))))
        assert got == {n: float(n) for n in range(40)}
        # the workers stay for the next batch
        assert dict(pool.imap_unordered(math.sqrt, [("a", (4,))])) == {"a": 2.0}


def test_jobs_are_read_only_as_workers_come_free() -> None:
    pulled: list[int] = []

    def jobs() -> Iterator[tuple[int, tuple[int]]]:
        for n in range(30):
            pulled.append(n)
            yield n, (n,)

    with ComputePool(2) as pool:
        results = pool.imap_unordered(math.factorial, jobs())
        next(results)
        # two workers, each with a job in hand and one waiting: the rest is not made yet
        assert len(pulled) <= 5
        assert len(list(results)) == 29
    assert len(pulled) == 30


def test_no_worker_starts_when_there_is_nothing_to_do() -> None:
    before = set(_children())
    with ComputePool(2) as pool:
        assert list(pool.imap_unordered(math.sqrt, [])) == []
        assert set(_children()) == before


def test_a_failing_job_names_the_function_and_the_pool_goes_on() -> None:
    with ComputePool(2) as pool:
        with pytest.raises(AudioError, match=r"sqrt failed: ValueError: math domain error"):
            list(pool.imap_unordered(math.sqrt, [(1, (1,)), (2, (-1,)), (3, (9,))]))
        assert dict(pool.imap_unordered(math.sqrt, [(1, (9,))])) == {1: 3.0}


def test_workers_are_gone_after_the_pool_closes() -> None:
    before = set(_children())
    with ComputePool(2) as pool:
        list(pool.imap_unordered(math.sqrt, ((n, (n,)) for n in range(10))))
        assert set(_children()) - before
    assert set(_children()) == before


def _children() -> list[int]:
    """This process's live child processes (Linux /proc; empty elsewhere)."""
    path = f"/proc/{os.getpid()}/task/{os.getpid()}/children"
    if not os.path.exists(path):
        pytest.skip("reads /proc (Linux)")
    with open(path) as file:
        return [int(pid) for pid in file.read().split()]


class _Unpicklable:
    """Pickles fine here, and fails to unpickle in the worker (int("not a number"))."""

    def __reduce__(self) -> tuple[type, tuple[str]]:
        return int, ("not a number",)


def test_a_job_the_worker_cannot_unpickle_fails_instead_of_hanging() -> None:
    with ComputePool(1) as pool:
        with pytest.raises(AudioError, match=r"sqrt failed: ValueError: invalid literal"):
            list(pool.imap_unordered(math.sqrt, [(1, (_Unpicklable(),))]))
        assert dict(pool.imap_unordered(math.sqrt, [(1, (16,))])) == {1: 4.0}


def test_a_worker_that_died_while_idle_is_replaced() -> None:
    with ComputePool(1) as pool:
        list(pool.imap_unordered(math.sqrt, [(1, (1,))]))
        (idle,) = pool._idle
        idle.process.kill()
        idle.process.join()
        assert dict(pool.imap_unordered(math.sqrt, [(1, (25,))])) == {1: 5.0}


def test_closing_the_pool_mid_batch_leaves_no_worker() -> None:
    before = set(_children())
    pool = ComputePool(2)
    results = pool.imap_unordered(math.factorial, ((n, (n,)) for n in range(2)))
    next(results)  # one worker is done with its job, the other soon: neither is busy
    time.sleep(0.2)
    pool.close()
    results.close()  # they must not go back to the closed pool's idle list, alive
    assert set(_children()) == before


# -- An errand: one job in a process of its own -----------------------------------------------


def test_an_errand_runs_elsewhere_and_leaves_no_process() -> None:
    with Errand(os.getpid) as errand:
        worker = errand.result()  # the pid of the process that ran it
        assert worker != os.getpid()
    assert worker not in _children()


def test_an_errand_that_fails_names_its_function() -> None:
    with Errand(math.sqrt, -1) as errand, pytest.raises(AudioError, match=r"sqrt failed: Value"):
        errand.result()


def test_an_errand_whose_process_dies_is_an_error_not_a_hang() -> None:
    with Errand(os._exit, 3) as errand, pytest.raises(AudioError, match="stopped unexpectedly"):
        errand.result()


def test_an_errand_never_collected_is_stopped() -> None:
    with Errand(time.sleep, 30) as errand:
        worker = errand._worker.process.pid  # type: ignore[union-attr]
        assert worker in _children()  # started at once, before anyone waits for it
    assert worker not in _children()
