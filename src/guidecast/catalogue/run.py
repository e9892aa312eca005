"""Running a catalogue on Dask distributed: a running cluster (`--scheduler tcp://HOST:8786`)
or, by default, a local cluster of worker processes on this machine. The same task functions
(tasks.py) run on both.

Speech first, one task per unique clip, so a sentence in one voice is spoken once for the whole
catalogue; then one assembly task per session, depending on its clips. A worker that dies
mid-task loses nothing: the scheduler runs its tasks elsewhere (`allowed-failures` times), and
whatever it had stored in the cache is whole (atomic writes).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from guidecast.catalogue.expand import Failure, expand, find_routines, missing_languages
from guidecast.catalogue.index import write_index
from guidecast.catalogue.jobs import ClipSpec, SessionJob, plan_jobs, up_to_date
from guidecast.catalogue.model import Catalogue
from guidecast.catalogue.store import is_url, remote
from guidecast.catalogue.tasks import Assembled, Spoken, assemble, speak
from guidecast.core.errors import GuidecastError, UsageError
from guidecast.core.processes import main_module_hidden
from guidecast.speech.cache import ClipCache, default_cache_dir

DAEMON_SETTING = "distributed.worker.daemon"  # False: workers may start speech processes
_ADDRESS = re.compile(
    r"(?:[a-z]+://)?[^\s/:]+(?::[^\s/:]+)*:[0-9]{1,5}|(?:[a-z]+://)?\[[0-9a-fA-F:]+\]:[0-9]{1,5}"
)


@dataclass
class Report:
    """What a run did, updated as it goes (the terminal shows it)."""

    total: int = 0  # sessions in the matrix
    skipped: int = 0  # up to date: nothing to do
    built: int = 0
    clips: int = 0  # unique clips the sessions to build need
    clip_uses: int = 0  # clips counted once per session that speaks them
    clips_done: int = 0
    spoken: int = 0  # clips the engines made (the rest were cached)
    failures: list[Failure] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # routine: language with no version
    dashboard: str | None = None
    workers: int = 0
    environment_fault: bool = False  # a failure that was not the input's (exit 1, not 2)

    @property
    def done(self) -> int:
        return self.skipped + self.built + len(self.failures)

    @property
    def dedup(self) -> float:
        """Clips a build per session would speak, per clip the catalogue speaks."""
        return self.clip_uses / self.clips if self.clips else 1.0


def cache_location(catalogue: Catalogue) -> str:
    """Where the clips live for every worker: the catalogue's `cache` (a folder relative to
    its file, or an fsspec URL), else the user's clip cache."""
    if catalogue.cache is None:
        return str(default_cache_dir())
    if is_url(catalogue.cache):
        remote(catalogue.cache)  # an unknown protocol or a missing package: said now
        return catalogue.cache
    path = Path(catalogue.cache).expanduser()
    return str(path if path.is_absolute() else (catalogue.file.parent / path).resolve())


def run_catalogue(
    catalogue: Catalogue,
    out_root: Path,
    scheduler: str | None = None,
    workers: int = 2,
    show: Callable[[Report], None] | None = None,
) -> Report:
    if scheduler is not None and not _ADDRESS.fullmatch(scheduler):
        raise UsageError(
            f"--scheduler must be a scheduler's address such as tcp://HOST:8786, got {scheduler!r}"
        )
    most = (os.cpu_count() or 1) * 4
    if not 0 <= workers <= most:
        raise UsageError(f"--workers must be from 0 (no cluster) to {most}, got {workers}")
    out_root = out_root.resolve()
    report = Report()
    sources = find_routines(catalogue)
    specs, failures = expand(catalogue, sources)
    report.missing = missing_languages(catalogue, sources)
    location = cache_location(catalogue)
    jobs, clips, unplanned = plan_jobs(catalogue, specs, ClipCache())
    report.failures = failures + unplanned
    report.total = len(specs) + len(failures)
    pending = [job for job in jobs if not up_to_date(job, out_root)]
    report.skipped = len(jobs) - len(pending)
    needed = {key for job in pending for key in job.clips}
    report.clips = len(needed)
    report.clip_uses = sum(len(job.clips) for job in pending)
    if show:
        show(report)
    work = _Work(catalogue, pending, clips, str(out_root), location, report, show)
    if pending and scheduler is None and workers == 0:
        _run_here(work)
    elif pending:
        with _client(scheduler, workers) as client:
            report.dashboard = _dashboard(client)
            report.workers = len(client.scheduler_info().get("workers", {}))
            work.refresh()  # shows the dashboard's address
            _submit_all(client, work)
    write_index(out_root, catalogue, jobs, report.failures, report.missing)
    return report


@dataclass
class _Work:
    """What is left to build, where, and the report it updates."""

    catalogue: Catalogue
    pending: list[SessionJob]
    clips: dict[str, ClipSpec]
    out_root: str
    location: str  # the clip cache or store
    report: Report
    show: Callable[[Report], None] | None

    def refresh(self) -> None:
        if self.show:
            self.show(self.report)

    def record(self, job: SessionJob | None, result: Spoken | Assembled | None) -> None:
        """A finished task in the report: a clip (no job), or a session built or failed."""
        report = self.report
        if job is None:
            report.clips_done += 1
            report.spoken += int(isinstance(result, Spoken) and result.spoken)
        elif isinstance(result, Assembled) and result.ok:
            report.built += 1
            report.spoken += result.spoken
        else:
            spec = job.spec
            message = result.message if isinstance(result, Assembled) else "not built"
            report.failures.append(Failure(spec.id, spec.routine, spec.language, message))
        self.refresh()


def _submit_all(client: Any, work: _Work) -> None:
    from distributed import as_completed

    needed = dict.fromkeys(key for job in work.pending for key in job.clips)
    spoken = {
        key: client.submit(speak, work.clips[key], work.location, key=f"speak-{key}", pure=False)
        for key in needed
    }
    sessions = {
        client.submit(
            assemble,
            work.catalogue,
            job,
            work.out_root,
            work.location,
            *(spoken[key] for key in job.clips),
            key=f"assemble-{job.inputs_hash}",
            pure=False,
        ): job
        for job in work.pending
    }
    for future in as_completed([*spoken.values(), *sessions]):
        job = sessions.get(future)
        try:
            result = future.result()
        except Exception as err:  # the task itself failed: a worker fault, not the input's
            work.report.environment_fault = True
            result = Assembled(job.spec.id, False, f"{type(err).__name__}: {err}") if job else None
        work.record(job, result)


def _run_here(work: _Work) -> None:
    """`--workers 0`: the same tasks one after another in this process, without Dask."""
    spoken: dict[str, Spoken] = {}
    for key in dict.fromkeys(key for job in work.pending for key in job.clips):
        spoken[key] = speak(work.clips[key], work.location)
        work.record(None, spoken[key])
    for job in work.pending:
        clips = (spoken[key] for key in job.clips)
        work.record(job, assemble(work.catalogue, job, work.out_root, work.location, *clips))


@contextlib.contextmanager
def _client(scheduler: str | None, workers: int) -> Iterator[Any]:
    """A client of the cluster at `scheduler`, or of a local cluster of `workers` processes
    (one thread each: speech and encoding are CPU-bound), bound to 127.0.0.1."""
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        raise UsageError(
            "guidecast catalogue needs Dask: pip install 'guidecast[catalogue]'"
        ) from None
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as err:
            raise GuidecastError(f"--scheduler {scheduler}: cannot connect ({err})") from None
        with client:
            yield client
        return
    # For the whole run: a worker that dies is started again by its nanny, with this setting,
    # and without importing the parent's __main__ again (a script, or typer and rich).
    with dask.config.set({DAEMON_SETTING: False}), main_module_hidden():
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0" if _has_dashboard() else None,
        )
        with cluster, Client(cluster) as client:
            yield client


def _has_dashboard() -> bool:
    import importlib.util

    return importlib.util.find_spec("bokeh") is not None


def _dashboard(client: Any) -> str | None:
    """The dashboard's address, if it answers (a scheduler without bokeh serves only its
    health and metrics pages on that port)."""
    import urllib.request

    with contextlib.suppress(Exception):
        link = str(client.dashboard_link)
        with urllib.request.urlopen(link, timeout=2) as response:  # the scheduler's own port
            if response.status == 200:
                return link
    return None
