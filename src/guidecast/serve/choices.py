"""What the person chose on a routine's page, as the library understands it.

The page sends its controls as JSON; they become the same `Pacing` the command-line options
make (through `pacing_from_options`, so the checks and messages are the same), plus what the
pacing does not hold: the voice (engine and id), and which side a routine with sides starts on.
A personal pacing is saved as a `--pacing` file and read back with `read_pacing_file`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from guidecast.core.durations import TimeRange
from guidecast.core.errors import UsageError
from guidecast.output.files import AtomicOutputs
from guidecast.routine.model import Rounds, Routine, Step, VoiceSettings
from guidecast.routine.pacing import (
    MAX_PACE,
    MIN_PACE,
    Pacing,
    pacing_from_options,
    read_pacing_file,
)


@dataclass(frozen=True)
class Choices:
    pacing: Pacing
    engine: str | None = None
    voice: str | None = None
    other_side_first: bool = False

    def key(self) -> dict[str, Any]:
        """Everything that changes the audio, as plain data (part of a build's key)."""
        p = self.pacing
        return {
            "pace": p.pace,
            "length": p.length,
            "steps": {k: [v.low, v.high] for k, v in sorted(p.times.items())},
            "rate": p.rate,
            "chime": p.chime,
            "engine": self.engine,
            "voice": self.voice,
            "other_side_first": self.other_side_first,
        }


def step_bounds(step: Step) -> tuple[float, float]:
    """The times a step's slider offers: its range, or around an exact time as far as --pace
    could take it."""
    low, high = step.duration.low, step.duration.high
    if step.duration.is_range:
        return low, high
    return low * MIN_PACE, high * MAX_PACE


def choices_from_json(data: Any, routine: Routine) -> Choices:
    """The page's controls, checked; UsageError names the control that is wrong."""
    if not isinstance(data, dict):
        raise UsageError("expected the pacing choices as a JSON object")
    pace = _number(data.get("pace"), "pace")
    length = _number(data.get("length"), "target length")
    rate = _number(data.get("rate"), "speech rate")
    steps = data.get("steps") or {}
    if not isinstance(steps, dict):
        raise UsageError("step times must be an object of step id to seconds")
    by_id = {step.id: step for step in routine.all_steps()}
    sets = []
    for step_id, seconds in steps.items():
        value = _number(seconds, f"time of step {step_id!r}")
        step = by_id.get(str(step_id))
        if step is None:
            raise UsageError(f"no step {str(step_id)[:60]!r} in this routine")
        if value is None:
            continue
        low, high = step_bounds(step)
        if not low - 0.5 <= value <= high + 0.5:
            raise UsageError(
                f"{step.title}: {value:g} s is outside its times, {low:g} to {high:g} s"
            )
        sets.append(f"{step_id}={value:g}s")
    chime = data.get("chime")
    if chime is not None and not isinstance(chime, bool):
        raise UsageError("chime must be true, false or null")
    engine, voice = data.get("engine") or None, data.get("voice") or None
    for value, what in ((engine, "engine"), (voice, "voice")):
        if value is not None and (not isinstance(value, str) or len(value) > 100):
            raise UsageError(f"{what} must be a name")
    pacing = pacing_from_options(
        pace=pace if length is None else None,
        length=None if length is None else f"{length:g}s",
        sets=sets,
        rate=None if rate is None else round(rate),
        chime=chime,
        engine=engine,  # checked: known and installed
    )
    return Choices(
        replace(pacing, engine=None),  # the engine goes with the voice, on the routine
        engine,
        voice,
        bool(data.get("other_side_first")),
    )


def _number(value: Any, what: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise UsageError(f"{what} must be a number, got {value!r}")
    return float(value)


def applied(routine: Routine, choices: Choices) -> Routine:
    """The routine as this person will hear it: their voice, and the sides swapped if asked.

    The engine and voice id go on the routine's own voice together: `speech.voice.voice_for` drops a
    routine's voice id when the pacing switches engine, which would lose the chosen voice."""
    if choices.engine or choices.voice:
        engine = choices.engine or routine.voice.engine
        voice = replace(routine.voice, engine=engine, id=choices.voice)
        if choices.voice is None and engine != routine.voice.engine:
            voice = routine.voice.merged(VoiceSettings(engine=engine))
        routine = replace(routine, voice=voice)
    if choices.other_side_first:
        routine = replace(routine, steps=tuple(_swapped(item) for item in routine.steps))
    return routine


def _swapped(item: Step | Rounds) -> Step | Rounds:
    if isinstance(item, Rounds):
        return replace(item, steps=tuple(_swapped(step) for step in item.steps))  # type: ignore[misc]
    return replace(item, sides=tuple(reversed(item.sides))) if item.sides else item


def first_sides(routine: Routine) -> tuple[str, ...]:
    """The sides of the routine's first step with sides, in the routine's order."""
    return next((step.sides for step in routine.all_steps() if step.sides), ())


# --- personal pacing, as a --pacing file -----------------------------------------------------


def pacing_yaml(pacing: Pacing, title: str) -> str:
    data: dict[str, Any] = {}
    if pacing.length is not None:
        data["length"] = _seconds(pacing.length)
    elif pacing.pace != 1.0:
        data["pace"] = pacing.pace
    if pacing.times:
        data["steps"] = {step: _time(t) for step, t in pacing.times.items()}
    if pacing.rate is not None:
        data["rate"] = pacing.rate
    if pacing.chime is not None:
        data["chime"] = pacing.chime
    head = f"# My pacing for {title}, saved by guidecast serve: use it with --pacing FILE.\n"
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True) if data else "{}\n"
    return head + body


def _seconds(value: float) -> int | float:
    return int(value) if value == int(value) else round(value, 3)


def _time(time: TimeRange) -> int | float | str:
    if not time.is_range:
        return _seconds(time.low)
    return f"{_seconds(time.low)}s-{_seconds(time.high)}s"


def save_pacing(folder: Path, routine_id: str, pacing: Pacing, title: str) -> Path:
    with AtomicOutputs(folder) as outputs:
        outputs.temp_for(f"{routine_id}.yaml").write_text(
            pacing_yaml(pacing, title), encoding="utf-8"
        )
    return folder / f"{routine_id}.yaml"


def saved_pacing(folder: Path, routine_id: str) -> dict[str, Any] | None:
    """The saved pacing as the page's controls, or None if there is none."""
    path = folder / f"{routine_id}.yaml"
    if not path.is_file():
        return None
    pacing = read_pacing_file(path)
    return {
        "pace": None if pacing.length is not None else pacing.pace,
        "length": pacing.length,
        "steps": {step: t.middle for step, t in pacing.times.items()},
        "rate": pacing.rate,
        "chime": pacing.chime,
    }
