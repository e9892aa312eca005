"""Reading routine files: YAML text -> a validated `Routine`, or every problem at once.

The YAML is composed (safe loader, never constructed into arbitrary objects) into a node tree
that keeps line and column for every value, and checked field by field, so each message can
point at the exact place in the file.
"""

from __future__ import annotations

import difflib
import math
import re
import string
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from guidecast.core.durations import (
    DurationSyntaxError,
    TimeRange,
    parse_duration,
    parse_time_range,
)
from guidecast.core.errors import Problem, RoutineError
from guidecast.core.names import slugify
from guidecast.language.phrases import FIELDS as PHRASE_FIELDS
from guidecast.routine.model import (
    FORMAT_VERSION,
    MAX_RATE,
    MIN_RATE,
    Count,
    CueSettings,
    KeepGoing,
    Rounds,
    Routine,
    Step,
    VoiceSettings,
)
from guidecast.speech.workers import ENGINES

MAX_FILE_BYTES = 1024 * 1024  # a routine is a few KB; anything near this is not one
MAX_NODES = 20_000  # after alias expansion: stops "billion laughs" documents
MAX_DEPTH = 50  # lists and mappings inside each other; a routine needs about eight
MAX_UTTERANCE_CHARS = 600  # about 100 words: longer lines make slow, unpaced speech
MAX_STEPS = 2_000

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_PLAIN_TAGS = {_STR, _INT, _FLOAT, _BOOL, _NULL}
_COLLECTION_TAGS = {"tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"}
_STEP_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

TOP_KEYS = (
    "guidecast",
    "title",
    "description",
    "language",
    "source",
    "version",
    "voice",
    "intro",
    "safety",
    "outro",
    "chime",
    "cues",
    "phrases",
    "steps",
)
VOICE_KEYS = ("engine", "id", "rate", "volume")
STEP_KEYS = ("id", "title", "say", "duration", "pause", "sides", "cues", "count", "ticks")
ROUNDS_KEYS = ("rounds", "title", "steps")
CUE_KEYS = ("countdown", "halfway", "time_left", "keep_going", "next_up")
KEEP_GOING_KEYS = ("every", "say")
COUNT_KEYS = ("to", "every")
SIDES_KEYS = ("names", "pause")

T = TypeVar("T")


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, but a plain scalar is only text, a number, true/false or null.

    YAML 1.1 also reads `2024-05-01` as a date, `=` as a "value" and `<<` as a merge key; a
    routine has no use for them, and "unsupported tag" would puzzle someone who wrote no tag.
    So they stay text, as written.
    """


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag in _PLAIN_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class InvalidValue(Exception):
    """A value was wrong; the problem is already recorded. Skips the rest of that value."""


@dataclass
class Located:
    """A mapping entry: the key's node (for "unknown key" messages) and the value's node."""

    key: ScalarNode
    value: Node


def read_routine_file(path: Path, display: str | None = None) -> Routine:
    """Load and validate a routine file. Raises `RoutineError` with every problem found."""
    name = display or str(path)
    text = read_text(path, name)
    return parse_routine(text, name, path=path)


def read_text(path: Path, name: str, what: str = "a routine file") -> str:
    """The file's text, refusing what cannot be `what` (missing, huge, binary, not UTF-8)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise RoutineError(
                [
                    Problem(
                        name,
                        1,
                        1,
                        f"file is {size:,} bytes; {what} must be at most {MAX_FILE_BYTES:,} bytes",
                    )
                ]
            )
        with path.open("rb") as file:  # at most one byte too many: /dev/zero, pipes
            data = file.read(MAX_FILE_BYTES + 1)
    except IsADirectoryError:
        raise RoutineError([Problem(name, 1, 1, f"is a folder, expected {what}")]) from None
    except FileNotFoundError:
        raise RoutineError([Problem(name, 1, 1, "no such file")]) from None
    except OSError as err:
        raise RoutineError([Problem(name, 1, 1, f"cannot read: {err.strerror}")]) from None
    if len(data) > MAX_FILE_BYTES:
        raise RoutineError(
            [
                Problem(
                    name,
                    1,
                    1,
                    f"file is more than {MAX_FILE_BYTES:,} bytes; {what} "
                    f"must be at most {MAX_FILE_BYTES:,} bytes",
                )
            ]
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise RoutineError(
            [Problem(name, 1, 1, "file is UTF-16 text: expected UTF-8; save the file as UTF-8")]
        )
    if b"\0" in data:
        line, column = _position(data, data.index(b"\0"))
        raise RoutineError(
            [Problem(name, line, column, "binary data (a NUL byte): expected a YAML text file")]
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line, column = _position(data, err.start)
        raise RoutineError(
            [
                Problem(
                    name,
                    line,
                    column,
                    f"byte 0x{data[err.start]:02x} is not UTF-8 text; save the file as UTF-8",
                )
            ]
        ) from None


def _position(data: bytes, offset: int) -> tuple[int, int]:
    before = data[:offset]
    line = before.count(b"\n") + 1
    column = offset - (before.rfind(b"\n") + 1) + 1
    return line, column


# libyaml's parser, when PyYAML has it: ten times faster (an 8-hour routine of 960 steps
# loaded in 1 s with the pure-Python one). Its error messages differ, so a file it refuses is
# parsed again by the pure-Python parser, whose messages the problems are worded from. It
# accepts tabs where the pure-Python parser does not, so a file with a tab skips it.
_FAST_LOADER: type | None = None
if hasattr(yaml, "CSafeLoader"):

    class _FastLoader(yaml.CSafeLoader):  # type: ignore[name-defined,misc]
        """libyaml's parser with `_Loader`'s resolvers: plain scalars only, as written."""

    _FastLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
    _FAST_LOADER = _FastLoader


def compose(text: str, name: str) -> Node | None:
    """The YAML node tree (safe: tags are only looked at, never constructed)."""
    if _FAST_LOADER is not None and "\t" not in text:
        try:
            _check_depth(text, name, _FAST_LOADER)
            root = yaml.compose(text, Loader=_FAST_LOADER)
        except yaml.YAMLError:
            pass  # described below, in the pure-Python parser's words
        else:
            if root is not None:
                _check_expansion(root, name)
            return root
    try:
        _check_depth(text, name)  # before composing: the composer recurses once per level
        root = yaml.compose(text, Loader=_Loader)
        if root is not None:
            _check_expansion(root, name)
        return root
    except yaml.MarkedYAMLError as err:
        raise RoutineError([_yaml_problem(err, name)]) from None
    except yaml.reader.ReaderError as err:  # a character YAML does not allow anywhere
        raise RoutineError([_reader_problem(err, text, name)]) from None
    except yaml.YAMLError as err:
        raise RoutineError([Problem(name, 1, 1, f"not valid YAML: {err}")]) from None


def _check_depth(text: str, name: str, loader: type | None = None) -> None:
    """Refuse lists and mappings nested deeper than any routine needs (`[[[[...`)."""
    loader = loader or _Loader
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                raise RoutineError(
                    [
                        _problem_at(
                            name,
                            mark,
                            f"lists and mappings nested more than {MAX_DEPTH} levels deep; "
                            "a routine needs fewer than ten",
                        )
                    ]
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _check_expansion(root: Node, name: str) -> None:
    """Refuse aliases that expand to a huge document ("billion laughs") or contain themselves.

    Counts each node once per place it appears, as a reader would see the document, without
    expanding anything: sizes are added up from the bottom, each shared node sized once.
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children: list[Node] = []
        if isinstance(node, SequenceNode):
            children = list(node.value)
        elif isinstance(node, MappingNode):
            children = [n for pair in node.value for n in pair]
        if not children_done:
            open_nodes.add(id(node))
            stack.append((node, True))
            for child in children:
                if id(child) in open_nodes:
                    mark = child.start_mark
                    raise RoutineError(
                        [
                            _problem_at(
                                name,
                                mark,
                                "this value contains itself through an alias (*name); "
                                "expected plain values",
                            )
                        ]
                    )
                if id(child) not in sizes:
                    stack.append((child, False))
            continue
        open_nodes.discard(id(node))
        sizes[id(node)] = 1 + sum(sizes[id(child)] for child in children)
        if sizes[id(node)] > MAX_NODES:
            mark = node.start_mark
            raise RoutineError(
                [
                    _problem_at(
                        name,
                        mark,
                        f"aliases (*name) expand this value to more than {MAX_NODES:,} values; "
                        "expected a routine of plain values",
                    )
                ]
            )


def _reader_problem(err: yaml.reader.ReaderError, text: str, name: str) -> Problem:
    position = err.position
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    if isinstance(err.character, int):
        char = chr(err.character)
        what = "the control character" if unicodedata.category(char) == "Cc" else "the character"
        message = f"{what} U+{err.character:04X} is not allowed in YAML; remove it"
    else:
        message = f"not valid YAML: {err.reason}"
    return Problem(name, line, column, message)


def _problem_at(name: str, mark: yaml.Mark, message: str) -> Problem:
    """A problem at a YAML position (0-based marks, 1-based for people)."""
    return Problem(name, mark.line + 1, mark.column + 1, message)


def _yaml_problem(err: yaml.MarkedYAMLError, name: str) -> Problem:
    mark = err.problem_mark or err.context_mark
    problem = (err.problem or "").strip()
    if "'\\t'" in problem or "tab" in problem:
        message = "a tab character: YAML allows only spaces here; replace the tab with spaces"
    elif "found unexpected end of stream" in problem and "quoted" in (err.context or ""):
        mark = err.context_mark or mark  # where the quote opens, not the end of the file
        message = "a quoted string is never closed: add the closing quote"
    elif "mapping values are not allowed here" in problem:
        message = (
            "a ':' inside a value: line this key up with the keys above it, "
            "or put text that contains ': ' in quotes"
        )
    elif "flow" in (err.context or "") and problem.startswith("expected ','"):
        mark = err.context_mark or mark  # where the bracket opens
        opening, closing = ("[", "]") if "sequence" in (err.context or "") else ("{", "}")
        message = (
            f"this '{opening}' is never closed: expected items separated by ',' "
            f"and a closing '{closing}'"
        )
    elif "expected a single document" in (err.context or ""):
        message = "a second YAML document (after '---'): expected one routine per file"
    elif "expected <block end>" in problem or "did not find expected key" in problem:
        message = "bad indentation: keys of one mapping must line up in the same column"
    elif "found duplicate anchor" in problem or "found undefined alias" in problem:
        message = problem
    else:
        context = f" ({err.context.strip()})" if err.context else ""
        message = f"not valid YAML: {problem}{context}"
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    return Problem(name, line, column, message)


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


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """` (did you mean 'x'?)` for the closest choice, or nothing when none is close."""
    match = closest(word, choices)
    return f" (did you mean {match!r}?)" if match else ""


def closest(word: str, choices: list[str] | tuple[str, ...]) -> str | None:
    """The choice `word` is most likely a misspelling of, if any."""
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not match:
        lowered = {c.lower(): c for c in choices}
        if word.lower() in lowered:
            match = [lowered[word.lower()]]
    return match[0] if match else None


class NodeReader:
    """Field checks over YAML nodes that record problems with their positions.

    Each check returns the value, or raises `InvalidValue` after recording a problem; `field()`
    turns that into a default so one bad value does not hide the other problems of the file.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: list[Problem] = []
        self._visited = 0

    def fail(self, node: Node, message: str) -> InvalidValue:
        self.problems.append(_problem_at(self.name, node.start_mark, message))
        return InvalidValue()

    def raise_if_any(self) -> None:
        if self.problems:
            raise RoutineError(list(dict.fromkeys(self.problems)))  # once per aliased value

    def _visit(self, node: Node) -> None:
        self._visited += 1
        if self._visited > MAX_NODES:
            self.problems.append(
                Problem(
                    self.name,
                    node.start_mark.line + 1,
                    1,
                    f"document expands to more than {MAX_NODES:,} values "
                    "(aliases nested too deep?)",
                )
            )
            raise RoutineError(self.problems)
        if node.tag not in _PLAIN_TAGS | _COLLECTION_TAGS:
            raise self.fail(node, f"unsupported tag {_cut(node.tag, 80)!r}: use plain values")

    def field(
        self, entries: dict[str, Located], key: str, read: Callable[[Node], T], default: T
    ) -> T:
        """`read` the value at `key` if present; the default when absent or invalid."""
        if key not in entries:
            return default
        try:
            return read(entries[key].value)
        except InvalidValue:
            return default

    def mapping(
        self, node: Node, what: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()
    ) -> dict[str, Located]:
        self._visit(node)
        if not isinstance(node, MappingNode):
            raise self.fail(
                node,
                f"{what} must be a mapping of keys ({', '.join(allowed[:4])}"
                f"{', ...' if len(allowed) > 4 else ''}), got {_kind(node)}",
            )
        entries: dict[str, Located] = {}
        misspelt: set[str] = set()  # keys an unknown key is close to: not also "missing"
        for key_node, value_node in node.value:
            self._visit(key_node)
            if not isinstance(key_node, ScalarNode) or key_node.tag == _NULL:
                self.fail(key_node, f"{what} has a key that is not a name")
                continue
            key = key_node.value
            if key in entries:
                first = entries[key].key.start_mark.line + 1
                self.fail(
                    key_node, f"duplicate key {_cut(key)!r} in {what} (first on line {first})"
                )
                continue
            if key not in allowed:
                misspelt.add(closest(key, allowed) or "")
                self.fail(
                    key_node,
                    f"unknown key {_cut(key)!r} in {what}{did_you_mean(key, allowed)}; "
                    f"expected one of: {', '.join(allowed)}",
                )
                continue
            entries[key] = Located(key_node, value_node)
        missing = [k for k in required if k not in entries and k not in misspelt]
        for key in missing:
            self.fail(node, f"{what} is missing the required key {key!r}")
        return entries

    def sequence(self, node: Node, what: str) -> list[Node]:
        self._visit(node)
        if not isinstance(node, SequenceNode):
            raise self.fail(node, f"{what} must be a list, got {_kind(node)}")
        return list(node.value)

    def scalar(self, node: Node, what: str, expected: str) -> ScalarNode:
        self._visit(node)
        if not isinstance(node, ScalarNode):
            raise self.fail(node, f"{what} must be {expected}, got {_kind(node)}")
        return node

    def string(self, node: Node, what: str) -> str:
        """Plain text. Numbers and the like are taken as written (`version: 1.0` is "1.0")."""
        scalar = self.scalar(node, what, "text")
        if scalar.tag == _NULL or not scalar.value.strip():
            raise self.fail(node, f"{what} is empty: expected text")
        self._check_characters(scalar, what, scalar.value)
        return scalar.value.strip()

    def spoken(self, node: Node, what: str) -> tuple[str, ...]:
        """Words to speak: one string, or a list of strings each spoken as one utterance."""
        self._visit(node)
        items = [node] if isinstance(node, ScalarNode) else None
        if isinstance(node, SequenceNode):
            items = list(node.value)
            if not items:
                raise self.fail(node, f"{what} is an empty list: expected words to speak")
        if items is None:
            raise self.fail(node, f"{what} must be text or a list of texts, got {_kind(node)}")
        lines = []
        for item in items:
            text = self.string(item, what)
            if not any(ch.isalnum() for ch in text):
                raise self.fail(item, f"{what} has no words to speak: {_cut(text)!r}")
            if len(text) > MAX_UTTERANCE_CHARS:
                raise self.fail(
                    item,
                    f"{what} is {len(text)} characters long; split it into a "
                    f"list of lines of at most {MAX_UTTERANCE_CHARS} characters",
                )
            lines.append(" ".join(text.split()))
        return tuple(lines)

    def _check_characters(self, node: ScalarNode, what: str, text: str) -> None:
        for ch in text:
            if ch not in "\n\t" and unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co"):
                raise self.fail(
                    node, f"{what} contains the control character U+{ord(ch):04X}; remove it"
                )

    def integer(self, node: Node, what: str, low: int, high: int) -> int:
        scalar = self.scalar(node, what, f"a whole number from {low} to {high}")
        if scalar.tag != _INT:
            raise self.fail(
                node, f"{what} must be a whole number from {low} to {high}, got {_shown(scalar)}"
            )
        value = _yaml_int(scalar)
        if value is None or not low <= value <= high:
            shown = _cut(scalar.value if value is None else str(value))
            raise self.fail(node, f"{what} must be from {low} to {high}, got {shown}")
        return value

    def number(self, node: Node, what: str, low: float, high: float) -> float:
        scalar = self.scalar(node, what, f"a number from {low:g} to {high:g}")
        if scalar.tag not in (_INT, _FLOAT):
            raise self.fail(
                node, f"{what} must be a number from {low:g} to {high:g}, got {_shown(scalar)}"
            )
        value = float(yaml.SafeLoader("").construct_yaml_float(scalar))
        if math.isnan(value) or not low <= value <= high:
            raise self.fail(
                node, f"{what} must be from {low:g} to {high:g}, got {_cut(scalar.value)}"
            )
        return value

    def boolean(self, node: Node, what: str) -> bool:
        scalar = self.scalar(node, what, "true or false")
        if scalar.tag != _BOOL:
            raise self.fail(node, f"{what} must be true or false, got {_shown(scalar)}")
        return scalar.value.lower() in ("true", "yes", "on")

    def _duration_value(self, node: Node, what: str) -> object:
        scalar = self.scalar(node, what, "a duration such as 45s or 2 min")
        if scalar.tag == _INT:
            value = _yaml_int(scalar)
            if value is None:
                raise self.fail(node, f"{what}: {_cut(scalar.value)} is longer than 24 hours")
            return value
        if scalar.tag == _FLOAT:
            return float(yaml.SafeLoader("").construct_yaml_float(scalar))
        if scalar.tag == _NULL:
            raise self.fail(node, f"{what} is empty: expected a duration such as 45s or 2 min")
        return scalar.value

    def duration(self, node: Node, what: str) -> float:
        try:
            return parse_duration(self._duration_value(node, what))
        except DurationSyntaxError as err:
            raise self.fail(node, f"{what}: {err}") from None

    def pause(self, node: Node, what: str) -> float:
        """A pause: a duration, or 0 for none."""
        value = self._duration_value(node, what)
        if value == 0:
            return 0.0
        try:
            return parse_duration(value)
        except DurationSyntaxError as err:
            raise self.fail(node, f"{what}: {err}") from None

    def time_range(self, node: Node, what: str) -> TimeRange:
        try:
            return parse_time_range(self._duration_value(node, what))
        except DurationSyntaxError as err:
            raise self.fail(node, f"{what}: {err}") from None


def _yaml_int(scalar: ScalarNode) -> int | None:
    """A YAML integer's value; None when it has more digits than Python converts (4,300)."""
    try:
        return int(yaml.SafeLoader("").construct_yaml_int(scalar))
    except ValueError:
        return None


def _cut(text: str, most: int = 40) -> str:
    """A value for a message: cut short, so one bad value cannot flood the terminal."""
    return text if len(text) <= most else text[:most] + "..."


def _kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag == _NULL:
        return "nothing"
    return _shown(node)


def _shown(scalar: ScalarNode) -> str:
    """A wrong value as written, cut short; quoted when quotes are what made it wrong."""
    text = _cut(scalar.value)
    if scalar.style in ("'", '"') and scalar.tag == _STR:
        plain = _Loader("").resolve(ScalarNode, scalar.value, (True, False))
        if plain in (_INT, _FLOAT, _BOOL):
            return f"{text!r} in quotes, which makes it text: remove the quotes"
    return repr(text)


class _RoutineReader(NodeReader):
    """The routine format, version 1. `docs/routine-format.md` describes every key."""

    def routine(self, root: Node, path: Path | None) -> Routine:
        try:
            top = self.mapping(root, "the routine", TOP_KEYS, ("guidecast", "title", "steps"))
        except InvalidValue:
            self.raise_if_any()
            raise
        self.field(top, "guidecast", self._format_version, FORMAT_VERSION)
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
        )
        self.raise_if_any()
        return routine

    def _format_version(self, node: Node) -> int:
        scalar = self.scalar(node, "guidecast", f"the format version {FORMAT_VERSION}")
        if scalar.tag != _INT:
            raise self.fail(
                node,
                f"guidecast (the format version) must be {FORMAT_VERSION}, got {_shown(scalar)}",
            )
        version = _yaml_int(scalar)
        if version is None:
            raise self.fail(
                node,
                f"format version {_cut(scalar.value)} is not a format version "
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
                f"format version {_cut(str(version))} is {newer} "
                f"(this guidecast reads version {FORMAT_VERSION})",
            )
        return version

    def _language(self, node: Node) -> str:
        language = self.string(node, "language")
        if not re.fullmatch(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*", language):
            raise self.fail(
                node, f"language must be a language tag such as en or en-GB, got {_cut(language)!r}"
            )
        return language

    def _voice(self, node: Node) -> VoiceSettings:
        entries = self.mapping(node, "voice", VOICE_KEYS)
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
        if engine not in ENGINES:
            known = ", ".join(sorted(ENGINES))
            raise self.fail(
                node,
                f"unknown voice engine {_cut(engine)!r}{did_you_mean(engine, tuple(ENGINES))}; "
                f"expected one of: {known}",
            )
        return engine

    def _phrases(self, node: Node) -> dict[str, str]:
        entries = self.mapping(node, "phrases", tuple(PHRASE_FIELDS))
        phrases = {}
        for key, located in entries.items():
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
                            f"phrase {key!r} uses {{{_cut(used)}}}; "
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
                    f"duplicate step id {_cut(step_id)!r} (first on line {seen[step_id]})",
                )
            else:
                seen[step_id] = entries["id"].value.start_mark.line + 1
        what = f"step {_cut(step_id)!r}" if step_id else "step"
        title = self.field(entries, "title", lambda n: self.string(n, f"{what} title"), None)
        say = self.field(entries, "say", lambda n: self.spoken(n, f"{what} say"), ())
        duration = self.field(
            entries, "duration", lambda n: self.time_range(n, f"{what} duration"), None
        )
        pause = self.field(entries, "pause", lambda n: self.pause(n, f"{what} pause"), 0.0)
        sides, side_pause = self.field(entries, "sides", lambda n: self._sides(n, what), ((), 0.0))
        cues = self.field(entries, "cues", lambda n: self._cues(n, f"{what} cues"), CueSettings())
        count = self.field(entries, "count", lambda n: self._count(n, what), None)
        ticks = self.field(
            entries, "ticks", lambda n: self.number(n, f"{what} ticks (per minute)", 5, 240), None
        )
        if step_id is None or title is None or not say or duration is None:
            raise InvalidValue()
        return Step(
            id=step_id,
            title=title,
            say=say,
            duration=duration,
            pause=pause,
            sides=sides,
            side_pause=side_pause,
            cues=cues,
            count=count,
            ticks=ticks,
            line=node.start_mark.line + 1,
        )

    def _step_id(self, node: Node) -> str:
        step_id = self.string(node, "step id")
        if not _STEP_ID.match(step_id):
            raise self.fail(
                node,
                f"step id {_cut(step_id)!r} must be lowercase letters, digits and "
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
                entries, "pause", lambda n: self.pause(n, f"{what} sides pause"), 0.0
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
