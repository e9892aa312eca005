"""Builds in the background, a few at a time, each kept under a key of its inputs.

A build's folder is OUT/<group>/<key>/: `key` hashes everything that changes the audio (the
routine file's text, the choices, the audio settings, guidecast's version), so the same inputs
are served from the folder built before; `group` hashes the same without the pace and the
length, so the builds of one routine in one voice at several lengths sit side by side and the
player can offer them as a length picker. Keys are hex: a URL names a folder only through
them, and files only by the names its manifest lists.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from guidecast import __version__
from guidecast.build import AudioSettings, Extras, build
from guidecast.core.errors import GuidecastError
from guidecast.output.page import check_manifest
from guidecast.routine.model import Routine
from guidecast.serve.catalog import problem_lines
from guidecast.serve.choices import Choices, applied

KEY = re.compile(r"[0-9a-f]{16}")
MAX_WAITING = 12  # builds queued at once; more is refused (a phone tapping again and again)
_STAGES = {"speech": (0.0, 0.35), "audio": (0.35, 1.0)}  # share of the progress bar


def _digest(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def keys(routine_digest: str, choices: Choices, audio: AudioSettings) -> tuple[str, str]:
    inputs = {
        "routine": routine_digest,
        "version": __version__,
        "audio": [audio.sample_rate, audio.bitrate, audio.quality, audio.format],
        "loudness": [audio.loudness.target, audio.loudness.ceiling],
        **choices.key(),
    }
    full = _digest(inputs)
    del inputs["pace"], inputs["length"]
    return _digest(inputs), full


@dataclass
class Job:
    group: str
    key: str
    title: str
    state: str = "queued"  # queued, running, done, failed
    stage: str = ""
    progress: float = 0.0  # 0..1
    message: str = ""
    url: str = ""
    seconds: float | None = None
    changed: threading.Event = field(default_factory=threading.Event, repr=False)

    def view(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "changed"}

    def update(self, **values: Any) -> None:
        for name, value in values.items():
            setattr(self, name, value)
        self.changed.set()


class Builds:
    def __init__(self, out: Path, workers: int = 1) -> None:
        self.out = out
        self.audio = AudioSettings()
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="build")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def folder(self, group: str, key: str) -> Path:
        if not (KEY.fullmatch(group) and KEY.fullmatch(key)):
            raise LookupError(f"{group}/{key}")
        return self.out / group / key

    def job(self, key: str) -> Job | None:
        return self._jobs.get(key)

    def submit(self, routine: Routine, digest: str, choices: Choices) -> Job:
        """The build of these inputs: done at once if built before, else queued."""
        group, key = keys(digest, choices, self.audio)
        with self._lock:
            job = self._jobs.get(key)
            if job is not None and job.state in ("queued", "running"):
                return job
            job = Job(group, key, routine.title)
            built = self.manifest(group, key)
            if built is not None:
                job.update(
                    state="done",
                    progress=1.0,
                    url=self.url(group, key),
                    seconds=built["duration_s"],
                )
                self._jobs[key] = job
                return job
            waiting = sum(1 for j in self._jobs.values() if j.state in ("queued", "running"))
            if waiting >= MAX_WAITING:
                raise GuidecastError(
                    f"{waiting} sessions are being made already; try again when they are done"
                )
            self._jobs[key] = job
        self._pool.submit(self._run, job, routine, choices)
        return job

    def _run(self, job: Job, routine: Routine, choices: Choices) -> None:
        job.update(state="running", stage="speech")

        def progress(stage: str, done: int, total: int) -> None:
            low, high = _STAGES.get(stage, (0.0, 1.0))
            job.update(stage=stage, progress=low + (high - low) * done / max(total, 1))

        try:
            result = build(
                applied(routine, choices),
                self.out / job.group / job.key,
                choices.pacing,
                self.audio,
                progress=progress,
                extras=Extras(cover=True),
            )
        except GuidecastError as err:
            job.update(state="failed", message="\n".join(problem_lines(err)))
        except Exception as err:  # a bug: the page says so in one line, the server goes on
            job.update(state="failed", message=f"internal error: {type(err).__name__}: {err}")
        else:
            job.update(
                state="done",
                progress=1.0,
                url=self.url(job.group, job.key),
                seconds=result.session.timeline.seconds,
            )

    @staticmethod
    def url(group: str, key: str) -> str:
        return f"/s/{group}/{key}/"

    def manifest(self, group: str, key: str) -> dict | None:
        """The manifest of a finished build, or None."""
        try:
            folder = self.folder(group, key)
            [path] = folder.glob("*.json")
            data = check_manifest(json.loads(path.read_text(encoding="utf-8")), str(path))
        except (LookupError, ValueError, OSError, GuidecastError):
            return None
        return data if (folder / data["audio"]).is_file() else None

    def siblings(self, group: str) -> list[tuple[str, dict]]:
        """(key, manifest) of every finished build in the group, shortest first."""
        if not KEY.fullmatch(group):
            return []
        found = []
        for folder in (self.out / group).glob("*"):
            data = self.manifest(group, folder.name)
            if data is not None:
                found.append((folder.name, data))
        return sorted(found, key=lambda item: item[1]["duration_s"])

    def file(self, group: str, key: str, name: str) -> Path | None:
        """A file of a finished build, only by a name its manifest lists (no '/' in it)."""
        data = self.manifest(group, key)
        if data is None or "/" in name or "\\" in name:
            return None
        listed = {str(f.get("path")) for f in data.get("files", []) if isinstance(f, dict)}
        if name not in listed:
            return None
        path = self.folder(group, key) / name
        return path if path.is_file() else None

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
