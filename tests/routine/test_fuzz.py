"""Fuzzing the loader and planner: any document is a routine or the project's own error.

Thousands of generated documents go through `read_routine_file`, the script, the timeline (with
a fake voice of known clip lengths, so no speech is made) and the manifest. They are built from
the format's real keys with random values and types, or are the shipped routines mutated: keys
deleted, renamed, duplicated or retyped, bytes spliced, random unicode put in. Each must come out
as a well-formed session or a `GuidecastError`; any other exception is a bug. A few go through
the real `guidecast validate` as well.

Documents are made by `random.Random` from a seed hypothesis draws: far faster than composing
strategies, so thousands fit in well under a minute. A failure prints its seed to replay.
"""

from __future__ import annotations

import itertools
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from guidecast.build import plan
from guidecast.cli import app
from guidecast.core.errors import GuidecastError, RoutineError
from guidecast.language.phrases import FIELDS
from guidecast.output.manifest import manifest
from guidecast.routine.library import routines_dir, shipped_names
from guidecast.routine.pacing import MAX_PACE, MIN_PACE, Pacing
from guidecast.routine.reader import (
    COUNT_KEYS,
    CUE_KEYS,
    ROUNDS_KEYS,
    SIDES_KEYS,
    STEP_KEYS,
    TOP_KEYS,
    VOICE_KEYS,
    read_routine_file,
)
from guidecast.speech.voice import Voice

RATE = 22050
SHIPPED = {name: (routines_dir() / f"{name}.yaml").read_text() for name in shipped_names()}
ALL_KEYS = tuple(
    dict.fromkeys(
        TOP_KEYS + STEP_KEYS + ROUNDS_KEYS + CUE_KEYS + VOICE_KEYS + COUNT_KEYS + SIDES_KEYS
    )
)
YAML_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
seeds = st.integers(0, 2**64 - 1)


def fuzz(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


# --- a fake voice: clip lengths from the text, no speech --------------------------------------


@dataclass(frozen=True)
class FakeClip:
    samples: int


class FakeVoice:
    """What `plan` needs of a voice: 60 ms of "speech" a character."""

    sample_rate = RATE

    def clips(self, texts: Any, progress: Any = None) -> dict[str, FakeClip]:
        return {text: FakeClip(len(text) * RATE * 6 // 100 + 1) for text, _ in texts}

    def close(self) -> None:
        pass


def check(path: Path, data: bytes, pacing: Pacing) -> str:
    """Load and plan `data`: a well-formed session or a `GuidecastError`, nothing else."""
    path.write_bytes(data)
    try:
        routine = read_routine_file(path, display="fuzz.yaml")
        session = plan(routine, pacing, FakeVoice())  # type: ignore[arg-type]
    except RoutineError as err:
        text = data.decode("utf-8", "replace")
        lines = len(YAML_LINE_BREAK.split(text))
        for problem in err.problems:
            assert problem.file == "fuzz.yaml"
            assert 1 <= problem.line <= lines, problem  # a place that exists in the file
            assert problem.column >= 1, problem
            assert problem.message and "\n" not in problem.message, problem  # one line each
            assert len(problem.message) <= 400, problem  # a value quoted in it is cut short
        return "invalid"
    except GuidecastError as err:
        assert str(err) and "\n" not in str(err)
        return type(err).__name__
    timeline = session.timeline
    assert timeline.length > 0 and timeline.steps and timeline.cues
    for before, after in itertools.pairwise(timeline.cues):
        assert before.end <= after.start, (before, after)
    assert timeline.cues[-1].end <= timeline.length
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", routine.slug)
    json.dumps(manifest(routine, timeline, f"{routine.slug}.mp3"), allow_nan=False)
    return "valid"


# --- random documents ------------------------------------------------------------------------

PHRASES = [
    "Go.",
    "Rest your hands.",
    "Make slow circles with two fingers.",
    "Left side",
    "Breathe in, and out.",
    "Now the {side}.",
    "Café au lait, naïve façade.",
    "Drücken Sie sanft.",
    "ゆっくり",
    "١٢٣ كلمات",
    "don't stop",
    "50% done",
    "#1: first",
    "- dash",
    "yes",
    "null",
    "1.0",
    "0x1F",
]
BAD_TEXT = [
    "",
    " ",
    "...",
    "~",
    "." * 700,
    "x" * 5000,
    "!?",
    "{",
    "}",
    "{side",
    "{0}",
    "{side.__class__}",
    "\t",
    "\u200b",
]
DURATIONS = [
    "5s", "45", "30s", "1m", "1m30s", "2 min", "1.5m", "5-7 min", "30s-1m", "1 to 2 min", ".5s",
    "10 seconds", "1h", "2 hours", "90 minutes", "1h 5m",
]  # fmt: skip
BAD_DURATIONS = [
    "0", "-5s", "24h1s", "25h", "3 parsecs", "7-5 min", "5 - ", "1m1m", "1e3", "", " ", "to",
    "5-", "-", "1..2s", "s", "5 s s", "1m-", "0-0", "nan", "inf", "½ min", "٣s", "5–7 min",
]  # fmt: skip
UNICODE_POOLS = [
    "abcdefghijklmnopqrstuvwxyz -.,:!?'\"#&*|>{}[]%@`",
    "\t\r\n\x00\x01\x07\x1b\x7f\x85\x9f\xa0",
    "\u00e9\u00df\u0301\u0308\u200b\u200d\u200e\u202e\u2028\u2029\u2066\ufeff\ufffd\ufffe",
    "\U0001f600\U0001f44d\U00010348\u4e2d\u0627\u05d0\u0939",
]


class Maker:
    """Random routine-like documents from one seed; `noise` is how often a value is junk."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.noise = self.r.choice([0.0, 0.0, 0.02, 0.08, 0.25])

    def chance(self, p: float) -> bool:
        return self.r.random() < p

    def unicode(self, most: int = 12) -> str:
        out = []
        for _ in range(self.r.randint(0, most)):
            if self.chance(0.1):
                code = self.r.randint(0, 0x10FFFF)
                out.append(chr(code) if not 0xD800 <= code <= 0xDFFF else "?")
            else:
                out.append(self.r.choice(self.r.choice(UNICODE_POOLS)))
        return "".join(out)

    def scalar(self) -> Any:
        kind = self.r.randrange(9)
        if kind == 0:
            return None
        if kind == 1:
            return self.chance(0.5)
        if kind == 2:
            return self.r.choice([0, 1, -1, 2, 3, 10, 59, 60, 100, 240, 1000, 2**31, 10**400])
        if kind == 3:
            return self.r.choice([0.0, 0.5, -0.5, 1.5, 1e-9, 1e300, float("inf"), float("nan")])
        if kind == 4:
            return self.r.choice(BAD_DURATIONS + DURATIONS)
        if kind == 5:
            return self.r.choice(BAD_TEXT)
        if kind == 6:
            return self.r.choice(ALL_KEYS)
        return self.unicode() if kind == 7 else self.r.choice(PHRASES)

    def junk(self, depth: int = 0) -> Any:
        """Anything at all: a scalar, or a list or mapping of junk."""
        kind = self.r.randrange(6 if depth < 3 else 4)
        if kind == 4:
            return [self.junk(depth + 1) for _ in range(self.r.randint(0, 3))]
        if kind == 5:
            return {self.key(): self.junk(depth + 1) for _ in range(self.r.randint(0, 3))}
        return self.scalar()

    def key(self) -> Any:
        if self.chance(0.8):
            return self.r.choice(ALL_KEYS)
        return self.r.choice([self.unicode(6), 1, None, True, 1.5, "Title", "durtion"])

    def pick(self, good: list[Any], bad: list[Any]) -> Any:
        """One of `good`, or (as often as the noise says) one of `bad`."""
        return self.r.choice(bad if self.chance(self.noise) else good)

    def fit(self, value: Any) -> Any:
        """`value`, or now and then junk in its place."""
        return self.junk() if self.chance(self.noise) else value

    def text(self) -> str:
        if self.chance(self.noise):
            return self.r.choice([*BAD_TEXT, self.unicode(), "word " * self.r.randint(100, 150)])
        return self.r.choice(PHRASES)

    def words(self) -> Any:
        if self.chance(0.3):
            return [self.text() for _ in range(self.r.randint(0 if self.noise else 1, 3))]
        return self.text()

    def duration(self) -> Any:
        if self.chance(self.noise):
            return self.r.choice(
                [*BAD_DURATIONS, self.r.randint(-5, 90_000), 0.25, self.unicode(4)]
            )
        if self.chance(0.2):
            return self.r.choice([5, 30, 60, 1.5, 90])
        return self.r.choice(DURATIONS)

    def mapping(self, fields: dict[str, Any], required: tuple[str, ...] = ()) -> dict[Any, Any]:
        """Each required key (mostly), some optional ones, now and then a stray key."""
        doc: dict[Any, Any] = {}
        keys = list(fields)
        self.r.shuffle(keys)
        for key in keys:
            wanted = key in required and not self.chance(self.noise)
            if wanted or (key not in required and self.chance(0.3)):
                doc[key] = self.fit(fields[key]())
        if self.chance(self.noise):
            doc[self.key()] = self.junk()
        return doc

    def cues(self) -> dict[Any, Any]:
        return self.mapping(
            {
                "countdown": lambda: self.pick([0, 1, 3, 5, 10], [11, -1]),
                "halfway": lambda: self.chance(0.5),
                "time_left": lambda: (
                    self.duration()
                    if self.chance(0.5)
                    else [self.duration() for _ in range(self.r.randint(1, 3))]
                ),
                "keep_going": lambda: self.mapping(
                    {"every": self.duration, "say": self.words}, ("every", "say")
                ),
                "next_up": lambda: self.chance(0.5),
            }
        )

    def step(self, ids: list[str]) -> dict[Any, Any]:
        def step_id() -> str:
            if self.chance(self.noise) and ids:
                return self.r.choice(ids)  # a duplicate id
            new = self.pick(["a", "b", "c", "warm-up", "rest", "s1", "x-2"], ["Bad Id", "-", "A"])
            new = f"{new}-{len(ids)}" if new in ids else new
            ids.append(new)
            return new

        return self.mapping(
            {
                "id": step_id,
                "title": self.text,
                "say": self.words,
                "duration": self.duration,
                "pause": lambda: self.pick([self.duration()], [0, "0", -1]),  # 0 is refused
                "sides": lambda: (
                    self.sides()
                    if self.chance(0.5)
                    else self.mapping({"names": self.sides, "pause": self.duration}, ("names",))
                ),
                "cues": self.cues,
                "count": lambda: self.mapping(
                    {
                        "to": lambda: self.pick([1, 3, 10, 200], [0, 201]),
                        "every": lambda: self.pick([0.5, 1, 2, "2s", 60], [61, 0.1]),
                    },
                    ("to", "every"),
                ),
                "ticks": lambda: self.pick([5, 30, 60, 240, 12.5], [4, 241]),
            },
            ("id", "title", "say", "duration"),
        )

    def sides(self) -> list[Any]:
        names = self.r.sample(["left", "right", "left breast", "right breast", "top", "back"], 3)
        names = names[: self.r.randint(2, 3)]
        return self.pick([names], [names[:1], [names[0], names[0]], [self.text(), self.text()]])

    def phrases(self) -> dict[Any, Any]:
        phrases: dict[Any, Any] = {}
        for key in self.r.sample(list(FIELDS), self.r.randint(0, 3)):
            fields = " ".join("{" + name + "}" for name in FIELDS[key])
            phrases[key] = self.pick([f"Now {fields}.".replace("  ", " ")], [self.text()])
        if self.chance(self.noise):
            phrases[self.key()] = self.text()
        return phrases

    def steps(self) -> list[Any]:
        ids: list[str] = []
        items: list[Any] = []
        for _ in range(self.r.randint(0 if self.noise else 1, 5)):
            if self.chance(0.2):
                block = self.mapping(
                    {
                        "rounds": lambda: self.pick([1, 2, 3], [0, 101]),
                        "title": self.text,
                        "steps": lambda: [
                            self.step(ids) for _ in range(self.r.randint(not self.noise, 3))
                        ],
                    },
                    ("rounds", "steps"),
                )
                items.append(block)
            else:
                items.append(self.step(ids))
        return items

    def document(self) -> Any:
        if self.chance(self.noise / 4):
            return self.junk()
        return self.mapping(
            {
                "guidecast": lambda: self.pick([1], [2, 0, "1", 1.0]),
                "title": self.text,
                "description": self.text,
                "language": lambda: self.pick(["en", "en-GB", "de", "en_US", "xx-yy"], ["e"]),
                "source": self.text,
                "version": lambda: self.r.choice(["1.0", 1.0, 2, "v2"]),
                "voice": lambda: self.mapping(
                    {
                        "engine": lambda: self.pick(["pyttsx3"], ["espeak", "os:system"]),
                        "id": lambda: self.r.choice(["gmw/en-us", "en", "nope"]),
                        "rate": lambda: self.pick([80, 160, 400], [79, 401]),
                        "volume": lambda: self.pick([0.05, 0.5, 1], [0, 1.5]),
                    }
                ),
                "intro": self.words,
                "safety": self.words,
                "outro": self.words,
                "chime": lambda: self.chance(0.5),
                "cues": self.cues,
                "phrases": self.phrases,
                "steps": self.steps,
            },
            ("guidecast", "title", "steps"),
        )

    def pacing(self) -> Pacing:
        kind = self.r.randrange(4)
        if kind == 1:
            return Pacing(pace=self.r.uniform(MIN_PACE, MAX_PACE))
        if kind == 2:
            return Pacing(length=self.r.choice([1.0, 30.0, 300.0, 3600.0, 86_400.0]))
        if kind == 3:
            return Pacing(rate=self.r.randint(80, 400), chime=self.chance(0.5))
        return Pacing()

    def dump(self, doc: Any) -> str:
        return yaml.dump(
            doc,
            Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
            allow_unicode=self.chance(0.7),
            sort_keys=False,
            default_flow_style=self.r.choice([False, None, True]),
            width=self.r.choice([80, 30, 10_000]),
        )

    # --- the shipped routines, mutated -------------------------------------------------------

    def mutated(self) -> str:
        """A shipped routine with values deleted, retyped, renamed, duplicated or swapped."""
        doc = yaml.safe_load(SHIPPED[self.r.choice(sorted(SHIPPED))])
        for _ in range(self.r.randint(1, 4)):
            paths = [p for p in _paths(doc) if p]
            path = self.r.choice(paths)
            parent, last = _at(doc, path[:-1]), path[-1]
            action = self.r.choice(["delete", "retype", "rename", "duplicate", "swap", "words"])
            if action == "delete":
                del parent[last]
            elif action == "retype":
                parent[last] = self.junk()
            elif action == "words":
                parent[last] = self.r.choice([self.unicode(30), self.duration(), self.text()])
            elif action == "rename" and isinstance(parent, dict):
                parent[self.key()] = parent.pop(last)
            elif action == "duplicate" and isinstance(parent, list):
                parent.insert(last, parent[last])  # the same object twice: an alias in YAML
            elif action == "swap":
                other = self.r.choice(paths)
                if other[: len(path)] != path and path[: len(other)] != other:
                    mine = _at(doc, path)
                    parent[last] = _at(doc, other)
                    _at(doc, other[:-1])[other[-1]] = mine
        return self.dump(doc)

    def spliced(self) -> bytes:
        """A shipped routine's bytes with slices cut, repeated, moved, or replaced by junk."""
        data = bytearray(SHIPPED[self.r.choice(sorted(SHIPPED))].encode())
        for _ in range(self.r.randint(1, 5)):
            start = self.r.randint(0, len(data))
            end = self.r.randint(start, min(len(data), start + 200))
            action = self.r.choice(
                ["cut", "repeat", "unicode", "bytes", "syntax", "move", "number", "long"]
            )
            if action == "cut":
                del data[start:end]
            elif action == "repeat":
                data[start:start] = data[start:end]
            elif action == "unicode":
                data[start:end] = self.unicode(20).encode("utf-8")
            elif action == "bytes":
                data[start:end] = self.r.randbytes(self.r.randint(0, 8))
            elif action == "syntax":  # YAML syntax where a line starts
                line_start = data.rfind(b"\n", 0, start) + 1
                junk = self.r.choice(
                    ["- ", ": ", "  ", "\t", "&a ", "*a ", "!!str ", "? ", "[", "{", "'", '"',
                     "---\n", "...\n", "|\n", ">-\n", "#", "%YAML 1.1\n", "<<: *a\n"]
                )  # fmt: skip
                data[line_start:line_start] = junk.encode()
            elif action in ("number", "long"):  # after a key: a huge number, or long text
                at = data.find(b": ", start)
                if at >= 0:
                    junk = "1" + "0" * 5000 if action == "number" else "w" * 3000
                    data[at + 2 : at + 2] = junk.encode()
            else:
                piece = bytes(data[start:end])
                del data[start:end]
                at = self.r.randint(0, len(data))
                data[at:at] = piece
        return bytes(data)


def _paths(doc: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside `doc` (keys and list positions)."""
    paths = [path]
    if isinstance(doc, dict):
        for key, value in doc.items():
            paths += _paths(value, (*path, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            paths += _paths(value, (*path, i))
    return paths


def _at(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


# --- the tests -------------------------------------------------------------------------------


@fuzz(1200)
@given(seed=seeds)
def test_documents_built_from_the_keys(tmp_path: Path, seed: int) -> None:
    make = Maker(seed)
    check(tmp_path / "fuzz.yaml", make.dump(make.document()).encode(), make.pacing())


@fuzz(400)
@given(seed=seeds)
def test_shipped_routines_with_values_changed(tmp_path: Path, seed: int) -> None:
    make = Maker(seed)
    check(tmp_path / "fuzz.yaml", make.mutated().encode(), make.pacing())


@fuzz(1000)
@given(seed=seeds)
def test_shipped_routines_with_bytes_spliced(tmp_path: Path, seed: int) -> None:
    make = Maker(seed)
    check(tmp_path / "fuzz.yaml", make.spliced(), make.pacing())


def test_the_generators_make_valid_routines_too(tmp_path: Path) -> None:
    """A fuzzer that only makes broken files would never reach the planner."""
    outcomes = []
    for seed in range(200):
        make = Maker(seed)
        outcomes.append(
            check(tmp_path / "fuzz.yaml", make.dump(make.document()).encode(), Pacing())
        )
    assert outcomes.count("valid") >= 40
    assert outcomes.count("invalid") >= 40


@fuzz(20)
@given(seed=seeds)
def test_validate_answers_ok_or_problems(tmp_path: Path, seed: int) -> None:
    make = Maker(seed)
    content = make.r.choice(
        [lambda: make.dump(make.document()).encode(), lambda: make.mutated().encode(), make.spliced]
    )()
    path = tmp_path / "routine.yaml"
    path.write_bytes(content)
    with mock.patch.object(Voice, "clips", FakeVoice.clips):  # no speech
        result = CliRunner().invoke(app, ["validate", str(path)])
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 0:
        assert result.stdout.startswith("ok  ")
    else:
        assert result.stderr
        for line in result.stderr.splitlines():
            assert line.startswith((f"{path}:", "guidecast: ")), line
