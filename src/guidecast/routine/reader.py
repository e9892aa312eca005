"""Reading routine files: YAML text -> a validated `Routine`, or every problem at once.

The YAML is composed (safe loader, never constructed into arbitrary objects) into a node tree
that keeps line and column for every value, and checked field by field, so each message can
point at the exact place in the file.
"""

import re
import string
from collections.abc import Callable
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode

from guidecast.core.defaults import ENGINE_NAMES, unknown_engine
from guidecast.core.errors import Problem, RoutineError
from guidecast.core.names import slugify
from guidecast.language.phrases import FIELDS as PHRASE_FIELDS
from guidecast.routine.background import read_background
from guidecast.routine.model import (
    FORMAT_VERSION,
    MAX_RATE,
    MIN_RATE,
    Background,
    Count,
    CueSettings,
    KeepGoing,
    Rounds,
    Routine,
    Step,
    VoiceSettings,
)
from guidecast.routine.nodes import (
    InvalidValue,
    NodeReader,
    as_written,
    cut,
    empty_text,
    yaml_int,
)
from guidecast.routine.until import read_step_duration
from guidecast.routine.yaml_safety import INT_TAG, compose, read_text

MAX_STEPS = 2_000
_STEP_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TOP_KEYS = tuple(
    "guidecast title description language source version voice intro safety outro chime cues "
    "phrases background steps".split()
)
VOICE_KEYS = ("engine", "id", "rate", "volume")
STEP_KEYS = tuple("id title say duration pause sides cues count ticks background".split())
ROUNDS_KEYS = ("rounds", "title", "steps")
CUE_KEYS = ("countdown", "halfway", "time_left", "keep_going", "next_up")
KEEP_GOING_KEYS = ("every", "say")
COUNT_KEYS = ("to", "every")
SIDES_KEYS = ("names", "pause")


def read_routine_file(path: Path, display: str | None = None) -> Routine:
    """Load and validate a routine file. Raises `RoutineError` with every problem found."""
    name = display or str(path)
    text = read_text(path, name)
    return parse_routine(text, name, path=path)


def parse_routine(text: str, name: str, path: Path | None = None) -> Routine:
    root = compose(text, name)
    if root is None:
        raise RoutineError(
            [
                Problem(
                    name,
                    1,
                    1,
                    "file is empty: expected a routine with 'guidecast: 1', 'title' and 'steps'",
                )
            ]
        )
    return _RoutineReader(name).routine(root, path)


class _RoutineReader(NodeReader):
    """The routine format, version 1. `docs/routine-format.md` describes every key."""

    def routine(self, root: Node, path: Path | None) -> Routine:
        self.folder = path.parent if path is not None else None  # for a background's file
        try:
            top = self.mapping(root, "the routine", TOP_KEYS, ("guidecast", "title", "steps"))
        except InvalidValue:
            self.raise_if_any()
            raise
        self.field(top, "guidecast", self._format_version, FORMAT_VERSION)
        self.places.update({k: self.place(top[k].value) for k in ("language",) if k in top})
        title = self.field(top, "title", lambda n: self.string(n, "title"), "")
        steps = self.field(top, "steps", self._steps, ())
        routine = Routine(
            title=title,
            steps=steps,
            path=path,
            slug=slugify(title),
            description=self.field(
                top, "description", lambda n: self.string(n, "description"), None
            ),
            language=self.field(top, "language", self._language, "en"),
            source=self.field(top, "source", lambda n: self.string(n, "source"), None),
            version=self.field(top, "version", lambda n: self.string(n, "version"), None),
            voice=self.field(top, "voice", self._voice, VoiceSettings()),
            intro=self.field(top, "intro", lambda n: self.spoken(n, "intro"), ()),
            safety=self.field(top, "safety", lambda n: self.spoken(n, "safety"), ()),
            outro=self.field(top, "outro", lambda n: self.spoken(n, "outro"), ()),
            chime=self.field(top, "chime", lambda n: self.boolean(n, "chime"), True),
            cues=self.field(top, "cues", lambda n: self._cues(n, "cues"), CueSettings()),
            phrases=self.field(top, "phrases", self._phrases, {}),
            background=self.field(top, "background", self._background("background"), None),
            places=self.places,
        )
        self.raise_if_any()
        return routine

    def _format_version(self, node: Node) -> int:
        scalar = self.scalar(node, "guidecast", f"the format version {FORMAT_VERSION}")
        if scalar.tag != INT_TAG:
            raise self.fail(
                node,
                f"guidecast (the format version) must be {FORMAT_VERSION}, "
                f"got {as_written(scalar)}",
            )
        version = yaml_int(scalar)
        if version is None:
            raise self.fail(
                node,
                f"format version {cut(scalar.value)} is not a format version "
                f"(this guidecast reads version {FORMAT_VERSION})",
            )
        if version != FORMAT_VERSION:
            newer = (
                "newer than this guidecast understands; upgrade guidecast"
                if version > FORMAT_VERSION
                else "not a format version"
            )
            raise self.fail(
                node,
                f"format version {cut(str(version))} is {newer} "
                f"(this guidecast reads version {FORMAT_VERSION})",
            )
        return version

    def _language(self, node: Node) -> str:
        language = self.string(node, "language")
        if not re.fullmatch(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*", language):
            raise self.fail(
                node, f"language must be a language tag such as en or en-GB, got {cut(language)!r}"
            )
        return language

    def _voice(self, node: Node) -> VoiceSettings:
        entries = self.mapping(node, "voice", VOICE_KEYS)
        self.places.update({f"voice.{key}": self.place(e.value) for key, e in entries.items()})
        return VoiceSettings(
            engine=self.field(entries, "engine", self._engine, None),
            id=self.field(entries, "id", lambda n: self.string(n, "voice id"), None),
            rate=self.field(
                entries,
                "rate",
                lambda n: self.integer(n, "voice rate (words per minute)", MIN_RATE, MAX_RATE),
                None,
            ),
            volume=self.field(
                entries, "volume", lambda n: self.number(n, "voice volume", 0.05, 1.0), None
            ),
        )

    def _engine(self, node: Node) -> str:
        # Only named engines: a routine file must never choose a module to import.
        engine = self.string(node, "voice engine")
        if engine not in ENGINE_NAMES:
            raise self.fail(node, unknown_engine(engine))
        return engine

    def _phrases(self, node: Node) -> dict[str, str]:
        entries = self.mapping(node, "phrases", tuple(PHRASE_FIELDS))
        phrases = {}
        for key, located in entries.items():
            if empty_text(located.value):  # `round: ""` turns it off; a bare `round:` is an error
                self.scalar(located.value, f"phrase {key!r}", "text")  # marks it read
                phrases[key] = ""
                continue
            try:
                template = self.string(located.value, f"phrase {key!r}")
                try:
                    fields = [
                        (field, spec, conversion)
                        for _, field, spec, conversion in string.Formatter().parse(template)
                        if field is not None
                    ]
                except ValueError as err:  # "{side" or a lone "}"
                    raise self.fail(
                        located.value,
                        f"phrase {key!r} has a stray brace ({err}); expected fields "
                        "such as {side}, and {{ or }} for a brace itself",
                    ) from None
                for field, spec, conversion in fields:
                    if field not in PHRASE_FIELDS[key] or spec or conversion:
                        used = field + (f"!{conversion}" if conversion else "")
                        used += f":{spec}" if spec else ""
                        allowed = ", ".join("{" + f + "}" for f in PHRASE_FIELDS[key]) or "none"
                        raise self.fail(
                            located.value,
                            f"phrase {key!r} uses {{{cut(used)}}}; "
                            f"the fields it can use: {allowed}",
                        )
                phrases[key] = template
            except InvalidValue:
                continue
        return phrases

    def _cues(self, node: Node, what: str) -> CueSettings:
        entries = self.mapping(node, what, CUE_KEYS)
        return CueSettings(
            countdown=self.field(
                entries, "countdown", lambda n: self.integer(n, f"{what}: countdown", 0, 10), None
            ),
            halfway=self.field(
                entries, "halfway", lambda n: self.boolean(n, f"{what}: halfway"), None
            ),
            time_left=self.field(entries, "time_left", lambda n: self._time_left(n, what), None),
            keep_going=self.field(entries, "keep_going", lambda n: self._keep_going(n, what), None),
            next_up=self.field(
                entries, "next_up", lambda n: self.boolean(n, f"{what}: next_up"), None
            ),
        )

    def _time_left(self, node: Node, what: str) -> tuple[float, ...]:
        items = (
            [node] if isinstance(node, ScalarNode) else self.sequence(node, f"{what}: time_left")
        )
        marks = [self.duration(item, f"{what}: time_left") for item in items]
        return tuple(sorted(set(marks), reverse=True))

    def _keep_going(self, node: Node, what: str) -> KeepGoing:
        entries = self.mapping(node, f"{what}: keep_going", KEEP_GOING_KEYS, ("every", "say"))
        every = self.field(
            entries, "every", lambda n: self.duration(n, f"{what}: keep_going every"), None
        )
        say = self.field(entries, "say", lambda n: self.spoken(n, f"{what}: keep_going say"), ())
        if every is None or not say:
            raise InvalidValue()
        if every < 5:
            raise self.fail(
                entries["every"].value,
                f"{what}: keep_going every must be at least "
                "5 seconds, so reminders do not run together",
            )
        return KeepGoing(every=every, say=say)

    def _steps(self, node: Node) -> tuple[Step | Rounds, ...]:
        items = self.sequence(node, "steps")
        if not items:
            raise self.fail(node, "steps is an empty list: expected at least one step")
        if len(items) > MAX_STEPS:
            raise self.fail(node, f"{len(items)} steps; a routine may have at most {MAX_STEPS}")
        seen: dict[str, int] = {}
        steps: list[Step | Rounds] = []
        for item in items:
            try:
                if isinstance(item, MappingNode) and any(
                    isinstance(k, ScalarNode) and k.value == "rounds" for k, _ in item.value
                ):
                    steps.append(self._rounds(item, seen))
                else:
                    steps.append(self._step(item, seen))
            except InvalidValue:
                continue
        return tuple(steps)

    def _rounds(self, node: MappingNode, seen: dict[str, int]) -> Rounds:
        entries = self.mapping(node, "a rounds block", ROUNDS_KEYS, ("rounds", "steps"))
        times = self.field(
            entries, "rounds", lambda n: self.integer(n, "rounds (how many times)", 1, 100), None
        )
        title = self.field(entries, "title", lambda n: self.string(n, "rounds title"), None)
        inner: list[Step] = []
        if "steps" in entries:
            try:
                for item in self.sequence(entries["steps"].value, "steps of a rounds block"):
                    try:
                        inner.append(self._step(item, seen, in_rounds=True))
                    except InvalidValue:
                        continue
                if not entries["steps"].value.value:
                    raise self.fail(
                        entries["steps"].value,
                        "steps of a rounds block is an empty list: expected at least one step",
                    )
            except InvalidValue:
                pass
        if times is None or not inner:
            raise InvalidValue()
        return Rounds(times=times, steps=tuple(inner), title=title)

    def _step(self, node: Node, seen: dict[str, int], in_rounds: bool = False) -> Step:
        if (
            in_rounds
            and isinstance(node, MappingNode)
            and any(isinstance(k, ScalarNode) and k.value == "rounds" for k, _ in node.value)
        ):
            raise self.fail(node, "rounds blocks cannot be nested")
        entries = self.mapping(node, "a step", STEP_KEYS, ("id", "title", "say", "duration"))
        step_id = self.field(entries, "id", self._step_id, None)
        if step_id is not None:
            if step_id in seen:
                self.fail(
                    entries["id"].value,
                    f"duplicate step id {cut(step_id)!r} (first on line {seen[step_id]})",
                )
            else:
                seen[step_id] = entries["id"].value.start_mark.line + 1
        what = f"step {cut(step_id)!r}" if step_id else "step"
        title = self.field(entries, "title", lambda n: self.string(n, f"{what} title"), None)
        say = self.field(entries, "say", lambda n: self.spoken(n, f"{what} say"), ())
        duration, until_done = read_step_duration(self, entries, what)
        pause = self.field(entries, "pause", lambda n: self.duration(n, f"{what} pause"), 0.0)
        sides, side_pause = self.field(entries, "sides", lambda n: self._sides(n, what), ((), 0.0))
        cues = self.field(entries, "cues", lambda n: self._cues(n, f"{what} cues"), CueSettings())
        count = self.field(entries, "count", lambda n: self._count(n, what), None)
        ticks = self.field(
            entries, "ticks", lambda n: self.number(n, f"{what} ticks (per minute)", 5, 240), None
        )
        background = self.field(entries, "background", self._background(f"{what} background"), None)
        if step_id is None or title is None or not say or duration is None:
            raise InvalidValue()
        return Step(
            id=step_id,
            title=title,
            say=say,
            duration=duration,
            until_done=until_done,
            pause=pause,
            sides=sides,
            side_pause=side_pause,
            cues=cues,
            count=count,
            ticks=ticks,
            background=background,
            line=node.start_mark.line + 1,
            place=self.place(node),
        )

    def _background(self, what: str) -> Callable[[Node], Background]:
        return lambda node: read_background(self, node, what, self.folder)

    def _step_id(self, node: Node) -> str:
        step_id = self.string(node, "step id")
        if not _STEP_ID.match(step_id):
            raise self.fail(
                node,
                f"step id {cut(step_id)!r} must be lowercase letters, digits and "
                "hyphens, such as 'warm-up'",
            )
        return step_id

    def _sides(self, node: Node, what: str) -> tuple[tuple[str, ...], float]:
        pause = 0.0
        names_node = node
        if isinstance(node, MappingNode):
            entries = self.mapping(node, f"{what} sides", SIDES_KEYS, ("names",))
            if "names" not in entries:
                raise InvalidValue()
            pause = self.field(
                entries, "pause", lambda n: self.duration(n, f"{what} sides pause"), 0.0
            )
            names_node = entries["names"].value
        items = self.sequence(names_node, f"{what} sides")
        names = tuple(self.string(item, f"{what} side name") for item in items)
        if len(names) < 2:
            raise self.fail(
                names_node, f"{what} sides must name at least two sides, such as [left, right]"
            )
        if len(set(names)) != len(names):
            raise self.fail(names_node, f"{what} sides names a side twice")
        return names, pause

    def _count(self, node: Node, what: str) -> Count:
        entries = self.mapping(node, f"{what} count", COUNT_KEYS, ("to", "every"))
        to = self.field(entries, "to", lambda n: self.integer(n, f"{what} count to", 1, 200), None)
        every = self.field(
            entries, "every", lambda n: self.duration(n, f"{what} count every"), None
        )
        if to is None or every is None:
            raise InvalidValue()
        if not 0.5 <= every <= 60:
            raise self.fail(
                entries["every"].value, f"{what} count every must be from 0.5 to 60 seconds"
            )
        return Count(to=to, every=every)
