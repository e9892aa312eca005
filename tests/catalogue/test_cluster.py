"""A catalogue on a real Dask cluster: a `dask scheduler` and two `dask worker` processes on
127.0.0.1, started as an operator starts them. One worker is killed mid-catalogue; every session
still comes out whole; a re-run builds nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from guidecast.catalogue.reader import read_catalogue_file
from guidecast.catalogue.run import Report, run_catalogue
from tests.catalogue.helpers import check_index, write_catalogue

pytestmark = pytest.mark.slow
DASK = str(Path(sys.executable).parent / "dask")


def _start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}  # docs/catalogue.md
    with log.open("wb") as out:
        return subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[str]:
    """The scheduler's address, with two single-thread workers connected to it."""
    address_file = tmp_path / "scheduler.json"
    processes = [
        _start(
            [DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--dashboard-address",
             ":0", "--scheduler-file", str(address_file)],
            tmp_path / "scheduler.log",
        )
    ]  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not address_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert address_file.exists(), (tmp_path / "scheduler.log").read_text()
        for number in range(2):
            processes.append(
                _start(
                    [DASK, "worker", "--scheduler-file", str(address_file), "--nthreads", "1",
                     "--nworkers", "1", "--host", "127.0.0.1", "--dashboard-address", ":0"],
                    tmp_path / f"worker{number}.log",
                )
            )  # fmt: skip
        from distributed import Client

        with Client(scheduler_file=str(address_file), timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
            yield client.scheduler.address
    finally:
        for process in reversed(processes):
            process.send_signal(signal.SIGINT)
        for process in reversed(processes):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_a_catalogue_survives_a_killed_worker_and_reruns_incrementally(
    tmp_path: Path, cluster: str
) -> None:
    from distributed import Client

    catalogue = read_catalogue_file(write_catalogue(tmp_path))
    out = tmp_path / "out"
    killed: list[tuple[int, bool]] = []  # the worker's pid, and whether it had tasks

    with Client(cluster, timeout="30s") as watcher:

        def kill_a_busy_worker(report: Report) -> None:
            """When the first session is done, SIGKILL a worker that is running a task."""
            if killed or report.built < 1:
                return
            pids = watcher.run(os.getpid)
            busy = [address for address, tasks in watcher.processing().items() if tasks]
            victim = pids[(busy or list(pids))[0]]
            os.kill(victim, signal.SIGKILL)
            killed.append((victim, bool(busy)))

        def show(report: Report) -> None:
            threading.Thread(target=kill_a_busy_worker, args=(report,)).start()

        report = run_catalogue(catalogue, out, scheduler=cluster, show=show)

    assert killed and killed[0][1], "no busy worker was killed: the test proved nothing"
    assert report.failures == []
    assert (report.total, report.built, report.skipped) == (8, 8, 0)
    # 2 routines x 2 languages share the rest step's words: spoken once per language.
    assert report.clip_uses > report.clips
    sessions = check_index(out, 8)
    assert {s["id"] for s in sessions} == {
        f"{name}/{tag}/default/{length}"
        for name in ("hands", "shoulders")
        for tag in ("en", "es")
        for length in ("1m", "2m")
    }

    before = {path: path.stat().st_mtime_ns for path in out.rglob("*") if path.is_file()}
    again = run_catalogue(catalogue, out, scheduler=cluster)
    assert (again.built, again.skipped, again.spoken) == (0, 8, 0)
    after = {path: path.stat().st_mtime_ns for path in out.rglob("*") if path.is_file()}
    rebuilt = [p for p in before if p.parent != out and before[p] != after[p]]  # not the index
    assert rebuilt == []


def test_a_worker_that_cannot_start_processes_is_named_with_the_fix(tmp_path: Path) -> None:
    """A `dask worker` started without DASK_DISTRIBUTED__WORKER__DAEMON=False: every session
    fails with the line that says how to start it, as a fault of the setup (exit 1)."""
    import dask
    from distributed import LocalCluster

    file = write_catalogue(tmp_path)
    file.write_text(file.read_text().replace("lengths: [1m, 2m]", "lengths: [1m]"))
    with (
        dask.config.set({"distributed.worker.daemon": True}),
        LocalCluster(n_workers=1, threads_per_worker=1, host="127.0.0.1", dashboard_address=None)
        as cluster,
    ):  # fmt: skip
        report = run_catalogue(
            read_catalogue_file(file), tmp_path / "out", scheduler=cluster.scheduler_address
        )
    assert report.environment_fault
    assert len(report.failures) == 4
    assert all("DASK_DISTRIBUTED__WORKER__DAEMON=False" in f.message for f in report.failures)
