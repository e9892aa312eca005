"""How a listener shapes a routine's timing without editing it: pace, target length, per-step
times, speech rate, chimes. Command-line options and a personal pacing file both become a
`Pacing`; options given on the command line win over the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from yaml.nodes import MappingNode, Node

from guidecast.core.defaults import ENGINE_NAMES, unknown_engine
from guidecast.core.durations import (
    DurationSyntaxError,
    TimeRange,
    parse_duration,
    parse_time_range,
)
from guidecast.core.errors import (
    GuidecastError,
    Problem,
    RoutineError,
    UsageError,
    VoiceNotFoundError,
)
from guidecast.core.spelling import did_you_mean
from guidecast.routine.background import background_option, read_background
from guidecast.routine.model import MAX_RATE, MIN_RATE, Background, Routine, VoiceSettings
from guidecast.routine.nodes import InvalidValue, NodeReader
from guidecast.routine.yaml_safety import compose, read_text

MIN_PACE, MAX_PACE = 0.5, 3.0
PACING_KEYS = ("pace", "length", "steps", "rate", "chime", "background")


@dataclass(frozen=True)
class Pacing:
    pace: float = 1.0  # multiplies every step's perform time
    length: float | None = None  # seconds: fit the whole session to this
    times: dict[str, TimeRange] = field(default_factory=dict)  # step id -> perform time
    rate: int | None = None  # words per minute, over the routine's voice rate
    chime: bool | None = None  # None: as the routine says
    engine: str | None = None  # speech engine over the routine's (pyttsx3, hibari, piper)
    background: Background | None = None  # --background and --background-level, over the routine's
    # Where each step id in `times` was written ("file:line:col" or "--set ..."), so a step the
    # routine does not have is reported at its place.
    places: dict[str, Problem] = field(default_factory=dict, compare=False, repr=False)
    # Where pace, rate, chime and engine were set: a place in a pacing file, or the option
    # ("--pace 3", line 0), for a problem they cause later (a session over 24 hours).
    origins: dict[str, Problem] = field(default_factory=dict, compare=False, repr=False)


def pacing_from_options(
    pace: float | None = None,
    length: str | None = None,
    sets: list[str] | None = None,
    rate: int | None = None,
    chime: bool | None = None,
    file: Path | None = None,
    engine: str | None = None,
    background: str | None = None,
    background_level: float | None = None,
) -> Pacing:
    """The pacing the user asked for: the pacing file if any, then each option over it."""
    base = read_pacing_file(file) if file is not None else Pacing()
    origins = dict(base.origins)
    bed = background_option(background, background_level)
    if bed is not None:  # over the file's, key by key: --background-level keeps its sound
        base = replace(base, background=bed.over(base.background))
    if engine is not None:
        base = replace(base, engine=_check_engine(engine))
        origins["engine"] = _option(f"--engine {engine}")
    if pace is not None and length is not None:
        raise UsageError("use --pace or --length, not both")
    if pace is not None:
        _check_pace(pace)
        base = replace(base, pace=pace, length=None)  # the option replaces the file's choice
        origins["pace"] = _option(f"--pace {pace:g}")
    if length is not None:
        try:
            base = replace(base, length=parse_duration(length), pace=1.0)
        except DurationSyntaxError as err:
            raise UsageError(f"--length: {err}") from None
    times, places = dict(base.times), dict(base.places)
    for item in sets or []:
        step, sep, value = item.partition("=")
        step = step.strip()
        if not sep or not step:
            raise UsageError(f"--set {item!r}: expected STEP=TIME, e.g. --set circles=2m")
        try:
            times[step] = parse_time_range(value.strip())
        except DurationSyntaxError as err:
            raise UsageError(f"--set {item!r}: {err}") from None
        places[step] = _option(f"--set {item}")
    if rate is not None:
        if not MIN_RATE <= rate <= MAX_RATE:
            raise UsageError(
                f"--rate must be from {MIN_RATE} to {MAX_RATE} words per minute, got {rate}"
            )
        base = replace(base, rate=rate)
        origins["rate"] = _option(f"--rate {rate}")
    if chime is not None:
        base = replace(base, chime=chime)
        origins["chime"] = _option("--chime" if chime else "--no-chime")
    return replace(base, times=times, places=places, origins=origins)


def _option(text: str) -> Problem:
    """An option as the place of a setting (line 0: not in a file)."""
    return Problem(text, 0, 0, "")


def problem_at_origin(place: Problem | None, message: str) -> GuidecastError:
    """`message` at a place: a file's line and column (exit 2), or an option named first."""
    if place is None:
        return UsageError(message)
    if place.line:
        return RoutineError([replace(place, message=message)])
    return UsageError(f"{place.file}: {message}")


def voice_error_at_origin(
    err: VoiceNotFoundError, routine: Routine, pacing: Pacing
) -> GuidecastError:
    """A voice that does not exist, said where it was asked for: the routine's voice `id`;
    else, a language no voice of the engine speaks, at `--engine` or the routine's `language`
    (or its voice `engine`)."""
    settings = routine.voice.merged(VoiceSettings(engine=pacing.engine, rate=pacing.rate))
    if settings.id is not None:
        place = routine.places.get("voice.id")
    else:
        place = pacing.origins.get("engine") or routine.places.get(
            "language", routine.places.get("voice.engine")
        )
    return problem_at_origin(place, str(err))


def _check_engine(engine: str) -> str:
    """A speech engine name that exists (whether it is installed is checked where the voice
    is made: speech/voice.py)."""
    if engine not in ENGINE_NAMES:
        raise UsageError(f"--engine: {unknown_engine(engine)}")
    return engine


def _check_pace(pace: float) -> None:
    if not MIN_PACE <= pace <= MAX_PACE:
        raise UsageError(f"--pace must be from {MIN_PACE:g} to {MAX_PACE:g}, got {pace:g}")


def check_step_ids(pacing: Pacing, step_ids: list[str]) -> None:
    """Every step the pacing names must be in the routine; say where it was named if not."""
    file_problems, option_problems = [], []
    for step in pacing.times:
        if step in step_ids:
            continue
        wrong = f"no step {step!r} in this routine{did_you_mean(step, step_ids)}"
        place = pacing.places.get(step)
        if place is not None and place.line:
            file_problems.append(
                Problem(
                    place.file, place.line, place.column, f"{wrong}; steps: {', '.join(step_ids)}"
                )
            )
        else:
            label = place.file if place is not None else f"--set {step}"
            option_problems.append(f"{label}: {wrong}; steps: {', '.join(step_ids)}")
    if file_problems:
        raise RoutineError(file_problems)
    if option_problems:
        raise UsageError(option_problems[0])


def read_pacing_file(path: Path, display: str | None = None) -> Pacing:
    """A personal pacing file: the same settings as the options, in YAML.

    pace: 1.5                 # or length: 10m (not both)
    steps: {circles: 2m, stroking: 3-4 min}
    rate: 150
    chime: false
    background: {sound: rain, level: -24}   # as a routine's key; a file's path from here
    """
    name = display or str(path)
    root = compose(read_text(path, name, what="a pacing file"), name)
    if root is None:
        raise RoutineError(
            [Problem(name, 1, 1, f"file is empty: expected pacing ({', '.join(PACING_KEYS)})")]
        )
    return _PacingReader(name, path.parent).pacing(root)


class _PacingReader(NodeReader):
    def __init__(self, name: str, folder: Path) -> None:
        super().__init__(name)
        self.folder = folder  # a background file's relative path starts here

    def pacing(self, root: Node) -> Pacing:
        try:
            top = self.mapping(root, "the pacing file", PACING_KEYS)
        except InvalidValue:
            self.raise_if_any()
            raise
        if "pace" in top and "length" in top:
            self.fail(top["length"].key, "give pace or length, not both")
        times, places = self.field(top, "steps", self._steps, ({}, {}))
        pacing = Pacing(
            pace=self.field(top, "pace", lambda n: self.number(n, "pace", MIN_PACE, MAX_PACE), 1.0),
            length=self.field(top, "length", lambda n: self.duration(n, "length"), None),
            times=times,
            rate=self.field(
                top,
                "rate",
                lambda n: self.integer(n, "rate (words per minute)", MIN_RATE, MAX_RATE),
                None,
            ),
            chime=self.field(top, "chime", lambda n: self.boolean(n, "chime"), None),
            background=self.field(
                top,
                "background",
                lambda n: read_background(self, n, "background", self.folder),
                None,
            ),
            places=places,
            origins={
                key: self.place(top[key].value) for key in ("pace", "rate", "chime") if key in top
            },
        )
        self.raise_if_any()
        return pacing

    def _steps(self, node: Node) -> tuple[dict[str, TimeRange], dict[str, Problem]]:
        self._visit(node)
        if not isinstance(node, MappingNode):
            raise self.fail(
                node, "steps must be a mapping of step id to time, such as {circles: 2m}"
            )
        times: dict[str, TimeRange] = {}
        places: dict[str, Problem] = {}
        for key_node, value_node in node.value:
            step = self.string(key_node, "a step id")
            if step in times:
                first = places[step].line
                self.fail(key_node, f"step {step!r} is given twice (first on line {first})")
                continue
            try:
                times[step] = self.time_range(value_node, f"time of step {step!r}")
            except InvalidValue:
                continue
            mark = key_node.start_mark
            places[step] = Problem(self.name, mark.line + 1, mark.column + 1, "")
        return times, places
