"""The routine JSON Schema (for editors) agrees with load.py (the definition of the format)."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import guidecast
from guidecast.core import durations
from guidecast.core.durations import DurationSyntaxError, parse_duration, parse_time_range
from guidecast.core.errors import RoutineError
from guidecast.language.phrases import FIELDS as PHRASE_FIELDS
from guidecast.routine import nodes
from guidecast.routine import reader as load
from guidecast.routine.background import BACKGROUND_KEYS
from guidecast.routine.library import routines_dir, shipped_names
from guidecast.routine.until import UNTIL_KEYS
from guidecast.speech.workers import ENGINES

SCHEMA_PATH = Path(guidecast.__file__).parent / "routine" / "routine.schema.json"
DOCS = Path(__file__).resolve().parents[2] / "docs"
EXAMPLE = DOCS / "example-routine.yaml"
SCHEMA: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)
TOP = SCHEMA["properties"]
DEFS = SCHEMA["definitions"]
STEP = DEFS["step"]["properties"]


def schema_errors(data: object) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in VALIDATOR.iter_errors(data)]


def loads(data: dict) -> bool:
    """Whether load.py accepts the document (written out as YAML, as a person would)."""
    try:
        load.parse_routine(yaml.safe_dump(data, sort_keys=False), "test.yaml")
    except RoutineError:
        return False
    return True


def test_schema_is_valid_draft_07() -> None:
    assert SCHEMA["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(SCHEMA)


# (a) every shipped routine, and the documented example, is valid for both.


@pytest.mark.parametrize("name", shipped_names())
def test_shipped_routine_validates(name: str) -> None:
    path = routines_dir() / f"{name}.yaml"
    assert schema_errors(yaml.safe_load(path.read_text(encoding="utf-8"))) == []


def test_there_are_shipped_routines() -> None:
    assert len(shipped_names()) >= 5


def test_example_routine_validates() -> None:
    load.read_routine_file(EXAMPLE)
    assert schema_errors(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))) == []


def test_example_routine_uses_every_key() -> None:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    items = data["steps"]
    blocks = [item for item in items if "rounds" in item]
    steps = [s for item in items for s in (item["steps"] if "rounds" in item else [item])]
    cue_sets = [data["cues"]] + [s["cues"] for s in steps if "cues" in s]
    keep_going = [c["keep_going"] for c in cue_sets if "keep_going" in c]
    counts = [s["count"] for s in steps if "count" in s]
    long_sides = [s["sides"] for s in steps if isinstance(s.get("sides"), dict)]
    short_sides = [s["sides"] for s in steps if isinstance(s.get("sides"), list)]

    def used(mappings: list[dict]) -> set[str]:
        return {key for mapping in mappings for key in mapping}

    assert set(data) == set(load.TOP_KEYS)
    assert set(data["voice"]) == set(load.VOICE_KEYS)
    assert set(data["phrases"]) == set(PHRASE_FIELDS)
    assert used(steps) == set(load.STEP_KEYS)
    assert used(blocks) == set(load.ROUNDS_KEYS)
    assert used(cue_sets) == set(load.CUE_KEYS)
    assert used(keep_going) == set(load.KEEP_GOING_KEYS)
    assert used(counts) == set(load.COUNT_KEYS)
    assert used(long_sides) == set(load.SIDES_KEYS)
    assert set(data["background"]) == set(BACKGROUND_KEYS)
    assert any("background" in s for s in steps), "a step's background is shown too"
    assert short_sides, "the short form of sides is shown too"


def test_format_doc_contains_the_example_verbatim() -> None:
    doc = (DOCS / "routine-format.md").read_text(encoding="utf-8")
    assert f"```yaml\n{EXAMPLE.read_text(encoding='utf-8')}```" in doc


# (b) the schema's keys are load.py's keys, so the two never drift.

KEY_SETS = {
    "top level": (TOP, load.TOP_KEYS),
    "voice": (TOP["voice"]["properties"], load.VOICE_KEYS),
    "step": (STEP, load.STEP_KEYS),
    "rounds block": (DEFS["rounds_block"]["properties"], load.ROUNDS_KEYS),
    "routine cues": (TOP["cues"]["properties"], load.CUE_KEYS),
    "step cues": (STEP["cues"]["properties"], load.CUE_KEYS),
    "keep_going": (TOP["cues"]["properties"]["keep_going"]["properties"], load.KEEP_GOING_KEYS),
    "count": (STEP["count"]["properties"], load.COUNT_KEYS),
    "sides long form": (STEP["sides"]["properties"], load.SIDES_KEYS),
    "phrases": (TOP["phrases"]["properties"], tuple(PHRASE_FIELDS)),
    "background": (DEFS["background"]["anyOf"][1]["properties"], BACKGROUND_KEYS),
    "open duration": (DEFS["open_duration"]["properties"], UNTIL_KEYS),
}


@pytest.mark.parametrize("where", KEY_SETS)
def test_property_names_match_load(where: str) -> None:
    properties, keys = KEY_SETS[where]
    assert tuple(properties) == keys


def _objects(node: object, path: str = "#") -> list[tuple[str, dict]]:
    """Every subschema with `properties`, with where it is."""
    found = []
    if isinstance(node, dict):
        if "properties" in node:
            found.append((path, node))
        for key, value in node.items():
            found += _objects(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _objects(value, f"{path}/{index}")
    return found


def test_every_mapping_rejects_unknown_keys() -> None:
    for path, node in _objects(SCHEMA):
        assert node.get("additionalProperties") is False, path


def test_every_property_has_a_title_and_description() -> None:
    for path, node in _objects(SCHEMA):
        for key, prop in node["properties"].items():
            assert prop.get("title") and prop.get("description"), f"{path}/{key}"


def test_engines_match_load() -> None:
    assert TOP["voice"]["properties"]["engine"]["enum"] == list(ENGINES)


def test_limits_match_load() -> None:
    rate = TOP["voice"]["properties"]["rate"]
    assert (rate["minimum"], rate["maximum"]) == (load.MIN_RATE, load.MAX_RATE)
    assert TOP["steps"]["maxItems"] == load.MAX_STEPS
    assert DEFS["spoken_line"]["maxLength"] == nodes.MAX_UTTERANCE_CHARS
    assert DEFS["duration"]["maximum"] == durations.MAX_SECONDS
    assert STEP["id"]["pattern"] == load._STEP_ID.pattern


# (c) documents load.py rejects, the schema rejects too.

MINIMAL: dict[str, Any] = {
    "guidecast": 1,
    "title": "Minimal",
    "steps": [{"id": "only", "title": "Only", "say": "Do it.", "duration": "30s"}],
}


def _step(data: dict) -> dict:
    return data["steps"][0]


def _rounds(data: dict) -> dict:
    data["steps"] = [{"rounds": 2, "steps": data["steps"]}]
    return data["steps"][0]


INVALID: dict[str, Callable[[dict], object]] = {
    "unknown top key": lambda d: d.update(colour="blue"),
    "unknown step key": lambda d: _step(d).update(durations="30s"),
    "unknown voice key": lambda d: d.update(voice={"speed": 150}),
    "unknown engine": lambda d: d.update(voice={"engine": "kokoro"}),
    "engine as a module path": lambda d: d.update(voice={"engine": "os:system"}),
    "unknown cue key": lambda d: d.update(cues={"count_down": 3}),
    "bad step id": lambda d: _step(d).update(id="Warm_Up"),
    "step id with a double hyphen": lambda d: _step(d).update(id="warm--up"),
    "rate 1000": lambda d: d.update(voice={"rate": 1000}),
    "rate 79": lambda d: d.update(voice={"rate": 79}),
    "rate not whole": lambda d: d.update(voice={"rate": 150.5}),
    "volume 0": lambda d: d.update(voice={"volume": 0}),
    "volume 2": lambda d: d.update(voice={"volume": 2}),
    "format version 2": lambda d: d.update(guidecast=2),
    "format version as text": lambda d: d.update(guidecast="1"),
    "language name": lambda d: d.update(language="english"),
    "empty title": lambda d: d.update(title=" "),
    "chime as text": lambda d: d.update(chime="loud"),
    "countdown 11": lambda d: d.update(cues={"countdown": 11}),
    "countdown -1": lambda d: _step(d).update(cues={"countdown": -1}),
    "halfway as a number": lambda d: d.update(cues={"halfway": 1}),
    "time_left nonsense": lambda d: d.update(cues={"time_left": ["soon"]}),
    "keep_going every 4": lambda d: d.update(cues={"keep_going": {"every": 4, "say": "Go."}}),
    "keep_going without say": lambda d: d.update(cues={"keep_going": {"every": 30}}),
    "ticks 4": lambda d: _step(d).update(ticks=4),
    "ticks 241": lambda d: _step(d).update(ticks=241),
    "count to 0": lambda d: _step(d).update(count={"to": 0, "every": 2}),
    "count to 201": lambda d: _step(d).update(count={"to": 201, "every": 2}),
    "count every 61": lambda d: _step(d).update(count={"to": 5, "every": 61}),
    "count without every": lambda d: _step(d).update(count={"to": 5}),
    "rounds 0": lambda d: _rounds(d).update(rounds=0),
    "rounds 101": lambda d: _rounds(d).update(rounds=101),
    "rounds with no steps": lambda d: _rounds(d).update(steps=[]),
    "rounds nested": lambda d: _rounds(d).update(steps=[{"rounds": 2, "steps": MINIMAL["steps"]}]),
    "unknown rounds key": lambda d: _rounds(d).update(repeat=True),
    "duration in parsecs": lambda d: _step(d).update(duration="5 parsecs"),
    "duration 0": lambda d: _step(d).update(duration=0),
    "duration over 24 h": lambda d: _step(d).update(duration=86401),
    "duration with a unit twice": lambda d: _step(d).update(duration="1m 2m"),
    "pause as a range": lambda d: _step(d).update(pause="5-7s"),
    "pause 0": lambda d: _step(d).update(pause=0),
    "pause 0s": lambda d: _step(d).update(pause="0s"),
    "sides pause 0": lambda d: _step(d).update(sides={"names": ["l", "r"], "pause": 0}),
    "duration as a clock time": lambda d: _step(d).update(duration="1:30"),
    "duration in hexadecimal": lambda d: _step(d).update(duration="0x1e"),
    "say empty list": lambda d: _step(d).update(say=[]),
    "say too long": lambda d: _step(d).update(say="word " * 130),
    "say with a zero-width space": lambda d: _step(d).update(say="Do\u200bit."),
    "one side": lambda d: _step(d).update(sides=["left"]),
    "a side twice": lambda d: _step(d).update(sides=["left", "left"]),
    "sides without names": lambda d: _step(d).update(sides={"pause": "3s"}),
    "phrase with an unknown field": lambda d: d.update(phrases={"side": "Now {hand}."}),
    "phrase with a field of another": lambda d: d.update(phrases={"halfway": "{time} gone."}),
    "unknown phrase": lambda d: d.update(phrases={"welcome": "Hello."}),
    "no steps": lambda d: d.update(steps=[]),
    "without guidecast": lambda d: d.pop("guidecast"),
    "without title": lambda d: d.pop("title"),
    "without steps": lambda d: d.pop("steps"),
    "step without id": lambda d: _step(d).pop("id"),
    "step without title": lambda d: _step(d).pop("title"),
    "step without say": lambda d: _step(d).pop("say"),
    "step without duration": lambda d: _step(d).pop("duration"),
    "background unknown sound": lambda d: d.update(background="rian"),
    "background sound as a number": lambda d: d.update(background={"sound": 3}),
    "background level -41": lambda d: d.update(background={"sound": "rain", "level": -41}),
    "background level 0": lambda d: _step(d).update(background={"level": 0}),
    "background duck 41": lambda d: d.update(background={"sound": "rain", "duck": 41}),
    "background duck as text": lambda d: d.update(background={"sound": "rain", "duck": "lots"}),
    "background unknown key": lambda d: d.update(background={"sound": "rain", "volume": -3}),
    "background on": lambda d: d.update(background=True),
    "background a list": lambda d: d.update(background=["rain"]),
    "background file of another type": lambda d: d.update(background="loop.aiff"),
    "open duration as text": lambda d: _step(d).update(duration="until done"),
    "open duration without nominal": lambda d: _step(d).update(duration={"until": "done"}),
    "open duration until soft": lambda d: _step(d).update(
        duration={"until": "soft", "nominal": "3m"}
    ),
    "open duration nominal nonsense": lambda d: _step(d).update(
        duration={"until": "done", "nominal": "soon"}
    ),
    "open duration unknown key": lambda d: _step(d).update(
        duration={"until": "done", "nominal": "3m", "max": "5m"}
    ),
}


def test_minimal_document_is_valid_for_both() -> None:
    assert loads(MINIMAL)
    assert schema_errors(MINIMAL) == []


@pytest.mark.parametrize("case", INVALID)
def test_invalid_document_is_rejected_by_both(case: str) -> None:
    data = copy.deepcopy(MINIMAL)
    INVALID[case](data)
    assert not loads(data), "load.py accepts it: the case is wrong"
    assert not VALIDATOR.is_valid(data)


@pytest.mark.parametrize("name", PHRASE_FIELDS)
def test_phrase_fields_agree(name: str) -> None:
    fields = PHRASE_FIELDS[name]
    good = dict(MINIMAL, phrases={name: "Say " + " ".join("{" + f + "}" for f in fields) + "."})
    assert loads(good)
    assert schema_errors(good) == []
    bad = dict(MINIMAL, phrases={name: "Say {other}."})
    assert not loads(bad)
    assert not VALIDATOR.is_valid(bad)


VALID: dict[str, Callable[[dict], object]] = {
    "text as a list": lambda d: _step(d).update(say=["One.", "Two."]),
    "version as a number": lambda d: d.update(version=1.5),
    "engine hibari": lambda d: d.update(voice={"engine": "hibari", "id": "heart"}),
    "engine piper": lambda d: d.update(voice={"engine": "piper", "rate": 150, "volume": 0.8}),
    "language with region": lambda d: d.update(language="en-GB"),
    "duration in seconds": lambda d: _step(d).update(duration=45),
    "duration as a range": lambda d: _step(d).update(duration="5-7 min"),
    "time_left as one duration": lambda d: d.update(cues={"time_left": "1m"}),
    "time_left off": lambda d: _step(d).update(cues={"time_left": []}),
    "sides short form": lambda d: _step(d).update(sides=["left", "right"]),
    "sides long form": lambda d: _step(d).update(sides={"names": ["a", "b"], "pause": 3}),
    "rounds with a title": lambda d: _rounds(d).update(title="Twice"),
    "count": lambda d: _step(d).update(count={"to": 200, "every": "0.5s"}),
    "ticks": lambda d: _step(d).update(ticks=5.5),
    "text with newlines and tabs": lambda d: _step(d).update(say="Line one.\n\tLine two."),
    "emoji joined by U+200D": lambda d: d.update(title="Feeding \U0001f469\u200d\U0001f37c"),
    "Persian with U+200C": lambda d: _step(d).update(
        say="\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
    ),
    "background short form": lambda d: d.update(background="waves"),
    "background off": lambda d: d.update(background="off"),
    "background off as false": lambda d: _step(d).update(background=False),
    "background long form": lambda d: d.update(
        background={"sound": "drone", "level": -40, "duck": 0}
    ),
    "step background level only": lambda d: _step(d).update(background={"level": -3, "duck": 40}),
    "open duration": lambda d: _step(d).update(duration={"until": "done", "nominal": "3m"}),
    "open duration with a range": lambda d: _step(d).update(
        duration={"until": "done", "nominal": "2-4 min"}
    ),
}


@pytest.mark.parametrize("case", VALID)
def test_valid_document_is_accepted_by_both(case: str) -> None:
    data = copy.deepcopy(MINIMAL)
    VALID[case](data)
    assert loads(data)
    assert schema_errors(data) == []


def test_text_pattern_rejects_the_characters_load_rejects() -> None:
    pattern = re.compile(DEFS["text"]["pattern"])
    for code in range(0x10000):
        ch = chr(code)
        category = unicodedata.category(ch)
        if category == "Cs":
            continue  # never in a YAML document
        # Joiners are text between letters (load.py checks where they stand; a pattern
        # cannot), so the schema lets them through.
        rejected = ch not in "\n\t\u200c\u200d" and category in ("Cc", "Cf", "Co")
        assert (pattern.search(f"a{ch}b") is None) == rejected, f"U+{code:04X}"


# Durations: the schema's patterns accept exactly the text durations.py accepts.

DURATION = re.compile(DEFS["duration"]["pattern"])
TIME_RANGE = re.compile(DEFS["time_range"]["pattern"])
# What the patterns cannot check: a value's size, and the order of a range's ends.
UNCHECKED = ("longer than 24 hours", "runs backwards")


def _agree(text: str) -> None:
    for parse, pattern in ((parse_duration, DURATION), (parse_time_range, TIME_RANGE)):
        try:
            parse(text)
        except DurationSyntaxError as err:
            if not any(reason in str(err) for reason in UNCHECKED):
                assert pattern.search(text) is None, f"{parse.__name__}({text!r}): {err}"
        else:
            assert pattern.search(text), f"{parse.__name__}({text!r}) is valid"


EXAMPLES = [
    *("45 45s 1m30s 1m30 2m 1.5m .5m 1h 1h5m 1h30 90sec 3600s".split()),
    *("2 min", "1 min 30 s", "30s 1m", "1 Hour 2 Minutes 3 Seconds", " 45 S "),
    *("5-7 min", "30s-1m", "5 to 7 MIN", "5\u20137m", "5mto7m", "5-1m30s", "20 - 40s"),
    *("", "0", "0s", "0m0s", "-5", "5-", "1.m", "1e3", "1m 2m", "30s 10", "1 30", "45 ms"),
    *("1m30s-2m", "7-5 min", "25h", "soon", "1:30", "5 to", "to 5", "0-5"),
]


@pytest.mark.parametrize("text", EXAMPLES)
def test_duration_patterns_agree_on_examples(text: str) -> None:
    _agree(text)


TOKENS = [
    *("0", "1", "5", "30", ".5", "1.5", "2."),
    *("h", "hr", "Hours", "m", "min", "MIN", "minutes", "s", "sec", "SECONDS", "ms", "e"),
    *(" ", "  ", "\t", "-", "\u2013", "to", "TO", ":", "x"),
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=8))
def test_duration_patterns_agree_on_generated_text(tokens: list[str]) -> None:
    _agree("".join(tokens))


# (d) the command prints the file.


def test_schema_command_prints_the_file() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "guidecast", "schema"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
    )
    assert json.loads(result.stdout) == SCHEMA
    assert result.stdout.strip() == SCHEMA_PATH.read_text(encoding="utf-8").strip()
