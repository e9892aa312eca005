"""The catalogue case of scripts/bench (`scripts/bench --only catalogue`): sessions per minute
on a local Dask cluster of 1 and of 2 workers, each from an empty clip cache; the speech dedup
ratio; and the scheduler's overhead per task (no-op tasks through the same cluster).

Three routines, each in English and Spanish, at 10 and 20 minutes: 12 sessions (3 hours of
audio) a run, from an empty clip cache; also the same task code in one process without Dask.
A few minutes in all on a 2-core machine.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROUTINE = """\
guidecast: 1
title: {title}
language: {tag}
intro: {hello}
steps:
{steps}
"""
# Each step's words are its own (a catalogue's routines mostly are); the ending is shared.
STEP = "  - {{id: s{n}, title: {title} {n}, say: [{say} {title} {n}., {end}], duration: 60s}}\n"
TEXTS = {
    "en": ("Welcome.", ["Rub your hands together.", "Rest your hands.", "Breathe out slowly."]),
    "es": ("Bienvenida.", ["Frota las manos.", "Descansa las manos.", "Suelta el aire despacio."]),
}
NAMES = ("hands", "shoulders", "neck")


def write_catalogue(folder: Path) -> Path:
    for index, name in enumerate(NAMES):
        for tag, (hello, says) in TEXTS.items():
            steps = "".join(
                STEP.format(
                    n=n,
                    title=name.title(),
                    say=says[(n + index) % len(says)].rstrip("."),
                    end=says[-1],
                )
                for n in range(12)
            )
            path = folder / "routines" / ("" if tag == "en" else tag) / f"{name}.yaml"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(ROUTINE.format(title=name.title(), tag=tag, hello=hello, steps=steps))
    catalogue = folder / "catalogue.yaml"
    catalogue.write_text(
        'routines: ["routines/*.yaml"]\nlanguages: [en, es]\nlengths: [10m, 20m]\n'
        "output: {cover: false}\n"
    )
    return catalogue


def _noop(x: int) -> int:
    return x


def scheduler_overhead(tasks: int = 2000) -> float:
    """Seconds per no-op task submitted, run and gathered on a local cluster of 2 workers."""
    import dask
    from distributed import Client, LocalCluster

    with (
        dask.config.set({"distributed.worker.daemon": False}),
        LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None)
        as cluster,
        Client(cluster) as client,
    ):  # fmt: skip
        client.gather(client.map(_noop, range(100), pure=False))  # warm
        t0 = time.perf_counter()
        client.gather(client.map(_noop, range(tasks), pure=False))
        return (time.perf_counter() - t0) / tasks


def _catalogue(folder: Path) -> Any:
    from guidecast.catalogue.reader import read_catalogue_file

    file = write_catalogue(folder)
    file.write_text(file.read_text() + f"cache: {folder / 'clips'}\n")  # empty: speech counts
    return read_catalogue_file(file)


def run(workers: int, folder: Path) -> dict:
    """The catalogue on a local cluster started beforehand (its start is timed apart)."""
    import dask
    from distributed import LocalCluster

    from guidecast.catalogue.run import run_catalogue

    catalogue = _catalogue(folder)
    t0 = time.perf_counter()
    with (
        dask.config.set({"distributed.worker.daemon": False}),
        LocalCluster(
            n_workers=workers, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
        ) as cluster,
    ):
        started = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = run_catalogue(catalogue, folder / "out", scheduler=cluster.scheduler_address)
        wall = time.perf_counter() - t0
    return _row(workers, report, started, wall)


def run_without_dask(folder: Path) -> dict:
    """`--workers 0`: the same tasks one after another in this process, no cluster."""
    from guidecast.catalogue.run import run_catalogue

    catalogue = _catalogue(folder)
    t0 = time.perf_counter()
    report = run_catalogue(catalogue, folder / "out", workers=0)
    wall = time.perf_counter() - t0
    return _row("0 (no cluster)", report, 0.0, wall)


def _row(workers: object, report: Any, started: float, wall: float) -> dict:
    assert not report.failures, report.failures
    return {
        "workers": workers,
        "sessions": report.built,
        "cluster_start_s": round(started, 1),
        "wall_s": round(wall, 1),
        "sessions_per_min": round(report.built / wall * 60, 1),
        "unique_clips": report.clips,
        "clip_uses": report.clip_uses,
        "dedup": round(report.dedup, 2),
        "spoken": report.spoken,
    }


def main() -> int:
    results = []
    for workers in (0, 1, 2):
        with tempfile.TemporaryDirectory(prefix="guidecast-bench-catalogue-") as work:
            results.append(run(workers, Path(work)) if workers else run_without_dask(Path(work)))
            print(f"  catalogue, {workers} worker(s): {results[-1]}", file=sys.stderr)
    overhead = scheduler_overhead()
    print("| workers | sessions | cluster start | build | sessions per minute | clips | dedup |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['workers']} | {r['sessions']} | {r['cluster_start_s']} s | {r['wall_s']} s | "
            f"{r['sessions_per_min']} | {r['spoken']} spoken | {r['dedup']} |"
        )
    print(f"\nscheduler overhead: {overhead * 1000:.2f} ms per task (2,000 no-op tasks)")
    print(json.dumps({"runs": results, "overhead_ms": round(overhead * 1000, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
