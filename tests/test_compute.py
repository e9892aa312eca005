"""The worker processes that do a build's loudness work (guidecast.compute)."""

from __future__ import annotations

import math
import os
from collections.abc import Iterator

import pytest

from guidecast.compute import ComputePool
from guidecast.errors import AudioError


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
