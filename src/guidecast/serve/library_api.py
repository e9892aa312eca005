"""The JSON the library, routine and player pages read (blocking: called in worker threads)."""

from __future__ import annotations

import threading
from typing import Any

from guidecast.build import Session
from guidecast.core.defaults import SPEECH_RATE
from guidecast.core.errors import GuidecastError, UsageError
from guidecast.routine.model import Routine
from guidecast.routine.pacing import Pacing
from guidecast.serve.catalog import Catalog, problem_lines
from guidecast.serve.choices import Choices, applied, first_sides, saved_pacing, step_bounds
from guidecast.serve.jobs import Builds
from guidecast.serve.planner import Planner
from guidecast.serve.practice import PracticeLog


class LibraryApi:
    def __init__(
        self, catalog: Catalog, planner: Planner, log: PracticeLog, pacing_dir: Any
    ) -> None:
        self.catalog = catalog
        self.planner = planner
        self.log = log
        self.pacing_dir = pacing_dir
        self._lengths: dict[str, float] = {}  # routine file digest -> planned seconds
        self._voices: list[dict[str, Any]] | None = None
        self._voices_lock = threading.Lock()

    def routines(self) -> dict[str, Any]:
        """Every routine with what the library shows; the length when already planned (the
        page asks for the rest one by one, so the list shows at once)."""
        found, broken = [], []
        for entry in self.catalog.entries():
            try:
                loaded = self.catalog.load(entry.id)
            except GuidecastError as err:
                broken.append(
                    {"id": entry.id, "origin": entry.origin, "problems": problem_lines(err)}
                )
                continue
            r = loaded.routine
            found.append(
                {
                    "id": entry.id,
                    "origin": entry.origin,
                    "title": r.title,
                    "description": r.description,
                    "language": r.language,
                    "source": r.source,
                    "steps": [step.title for step in r.all_steps()],
                    "seconds": self._lengths.get(loaded.digest),
                }
            )
        return {"routines": found, "broken": broken}

    def plan(self, routine: Routine, choices: Choices) -> Session:
        return self.planner.session(applied(routine, choices), choices.pacing)

    def length(self, routine_id: str) -> float:
        loaded = self.catalog.load(routine_id)
        seconds = self.plan(loaded.routine, Choices(Pacing())).timeline.seconds
        self._lengths[loaded.digest] = seconds
        return seconds

    def detail(self, routine_id: str) -> dict[str, Any]:
        loaded = self.catalog.load(routine_id)
        r = loaded.routine
        sides = first_sides(r)
        last = self.log.last_first_side(r.slug) if sides else None
        steps = []
        for step in r.all_steps():
            low, high = step_bounds(step)
            steps.append(
                {
                    "id": step.id,
                    "title": step.title,
                    "sides": list(step.sides),
                    "min": low,
                    "max": high,
                    "value": step.duration.middle,
                    "range": step.duration.is_range,
                }
            )
        return {
            "id": loaded.entry.id,
            "title": r.title,
            "description": r.description,
            "source": r.source,
            "language": r.language,
            "steps": steps,
            "rate": r.voice.rate or SPEECH_RATE,
            "chime": r.chime,
            "sides": list(sides),
            "last_first_side": last,
            "saved": saved_pacing(self.pacing_dir, loaded.entry.id),
        }

    def voices(self, language: str) -> list[dict[str, Any]]:
        """The offline voices of every installed engine that speak the routine's language."""
        with self._voices_lock:
            if self._voices is None:
                self._voices = _all_voices()
        base = language.lower().split("-")[0]
        return [
            v
            for v in self._voices
            if any(lang.lower().split("-")[0] == base for lang in v["languages"])
        ]

    def practice(self, builds: Builds, data: dict[str, Any]) -> dict[str, Any]:
        """`{"session": "/s/G/K/"}` starts a row; `{"id": N, "played": S, "finished": B}`
        records how far it got."""
        if "session" in data:
            parts = str(data["session"]).strip("/").split("/")
            manifest = builds.manifest(*parts[1:3]) if len(parts) == 3 else None
            if manifest is None:
                raise UsageError("no such session")
            side = next((s["side"] for s in manifest["steps"] if s.get("side")), None)
            row = self.log.start(
                manifest.get("slug") or "", manifest["title"], manifest["duration_s"], side
            )
            return {"id": row}
        row, played = data.get("id"), data.get("played")
        if not isinstance(row, int) or not isinstance(played, int | float):
            raise UsageError("expected a session id and the seconds played")
        if not self.log.update(row, float(played), data.get("finished") is True):
            raise UsageError("no such session in the log")
        return {"id": row}


def _all_voices() -> list[dict[str, Any]]:
    from guidecast.speech.workers import SpeechPool, installed_engines

    voices = []
    for engine in installed_engines():
        try:
            with SpeechPool(engine, workers=1) as pool:
                found = pool.voices()
        except GuidecastError:
            continue  # an engine that does not start offers no voices; the default still speaks
        voices += [
            {"engine": engine, "id": v.id, "name": v.name, "languages": list(v.languages)}
            for v in found
            if v.offline
        ]
    return voices
