"""Reading YAML nodes field by field: each check records a problem at the node's line and
column and moves on, so one file reports every problem at once. Routine and pacing files both
read through `NodeReader`.
"""

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
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
from guidecast.core.spelling import closest, did_you_mean
from guidecast.routine.yaml_safety import (
    BOOL_TAG,
    COLLECTION_TAGS,
    FLOAT_TAG,
    INT_TAG,
    NULL_TAG,
    PLAIN_TAGS,
    STR_TAG,
    PlainLoader,
    character_kind,
    problem_at,
    refused_character,
)

MAX_UTTERANCE_CHARS = 600  # about 100 words: longer lines make slow, unpaced speech

T = TypeVar("T")


class InvalidValue(Exception):
    """A value was wrong; the problem is already recorded. Skips the rest of that value."""


@dataclass
class Located:
    """A mapping entry: the key's node (for "unknown key" messages) and the value's node."""

    key: ScalarNode
    value: Node


class NodeReader:
    """Field checks over YAML nodes that record problems with their positions.

    Each check returns the value, or raises `InvalidValue` after recording a problem; `field()`
    turns that into a default so one bad value does not hide the other problems of the file.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: list[Problem] = []
        self.places: dict[str, Problem] = {}  # where some values were, for later problems

    def fail(self, node: Node, message: str) -> InvalidValue:
        self.problems.append(problem_at(self.name, node.start_mark, message))
        return InvalidValue()

    def place(self, node: Node) -> Problem:
        """Where `node` is, as a problem without a message yet."""
        return problem_at(self.name, node.start_mark, "")

    def raise_if_any(self) -> None:
        if self.problems:
            raise RoutineError(list(dict.fromkeys(self.problems)))  # once per aliased value

    def _visit(self, node: Node) -> None:
        if node.tag not in PLAIN_TAGS | COLLECTION_TAGS:
            raise self.fail(node, f"unsupported tag {cut(node.tag, 80)!r}: use plain values")

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
            if not isinstance(key_node, ScalarNode) or key_node.tag == NULL_TAG:
                self.fail(key_node, f"{what} has a key that is not a name")
                continue
            key = key_node.value
            if key in entries:
                first = entries[key].key.start_mark.line + 1
                self.fail(key_node, f"duplicate key {cut(key)!r} in {what} (first on line {first})")
                continue
            if key not in allowed:
                misspelt.add(closest(key, allowed) or "")
                self.fail(
                    key_node,
                    f"unknown key {cut(key)!r} in {what}{did_you_mean(key, allowed)}; "
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
        if scalar.tag == NULL_TAG or not scalar.value.strip():
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
                raise self.fail(item, f"{what} has no words to speak: {cut(text)!r}")
            if len(text) > MAX_UTTERANCE_CHARS:
                raise self.fail(
                    item,
                    f"{what} is {len(text)} characters long; split it into a "
                    f"list of lines of at most {MAX_UTTERANCE_CHARS} characters",
                )
            lines.append(" ".join(text.split()))
        return tuple(lines)

    def _check_characters(self, node: ScalarNode, what: str, text: str) -> None:
        refused = refused_character(text)
        if refused is not None:
            char, stray_joiner = refused
            where = " that joins no letters or emoji" if stray_joiner else ""
            raise self.fail(
                node,
                f"{what} contains the {character_kind(char)} U+{ord(char):04X}{where}; remove it",
            )

    def integer(self, node: Node, what: str, low: int, high: int) -> int:
        scalar = self.scalar(node, what, f"a whole number from {low} to {high}")
        if scalar.tag != INT_TAG:
            raise self.fail(
                node,
                f"{what} must be a whole number from {low} to {high}, got {as_written(scalar)}",
            )
        if not written_in_decimal(scalar):
            raise self.fail(
                node,
                f"{what} must be a whole number from {low} to {high} in decimal digits, "
                f"got {as_written(scalar)}",
            )
        value = yaml_int(scalar)
        if value is None or not low <= value <= high:
            shown = cut(scalar.value if value is None else str(value))
            raise self.fail(node, f"{what} must be from {low} to {high}, got {shown}")
        return value

    def number(self, node: Node, what: str, low: float, high: float) -> float:
        scalar = self.scalar(node, what, f"a number from {low:g} to {high:g}")
        if scalar.tag not in (INT_TAG, FLOAT_TAG):
            raise self.fail(
                node, f"{what} must be a number from {low:g} to {high:g}, got {as_written(scalar)}"
            )
        if not written_in_decimal(scalar):
            raise self.fail(
                node,
                f"{what} must be a number from {low:g} to {high:g} in decimal digits, "
                f"got {as_written(scalar)}",
            )
        value = float(yaml.SafeLoader("").construct_yaml_float(scalar))
        if math.isnan(value) or not low <= value <= high:
            raise self.fail(
                node, f"{what} must be from {low:g} to {high:g}, got {cut(scalar.value)}"
            )
        return value

    def boolean(self, node: Node, what: str) -> bool:
        scalar = self.scalar(node, what, "true or false")
        if scalar.tag != BOOL_TAG:
            raise self.fail(node, f"{what} must be true or false, got {as_written(scalar)}")
        return scalar.value.lower() in ("true", "yes", "on")

    def _duration_value(self, node: Node, what: str) -> object:
        scalar = self.scalar(node, what, "a duration such as 45s or 2 min")
        if scalar.tag == NULL_TAG:
            raise self.fail(node, f"{what} is empty: expected a duration such as 45s or 2 min")
        if scalar.tag not in (INT_TAG, FLOAT_TAG) or not written_in_decimal(scalar):
            # Text, or a number YAML 1.1 reads in its own way (1:30 as 90, 0x1e as 30):
            # parsed as written, so it is refused with a word on how to write it.
            return scalar.value
        if scalar.tag == FLOAT_TAG:
            return float(yaml.SafeLoader("").construct_yaml_float(scalar))
        value = yaml_int(scalar)
        if value is None:
            raise self.fail(node, f"{what}: {cut(scalar.value)} is longer than 24 hours")
        return value

    def duration(self, node: Node, what: str) -> float:
        """A duration: more than zero (a pause of 0 too: leaving it out means no pause)."""
        try:
            return parse_duration(self._duration_value(node, what))
        except DurationSyntaxError as err:
            raise self.fail(node, f"{what}: {err}") from None

    def time_range(self, node: Node, what: str) -> TimeRange:
        try:
            return parse_time_range(self._duration_value(node, what))
        except DurationSyntaxError as err:
            raise self.fail(node, f"{what}: {err}") from None


# Numbers as people write them. YAML 1.1 also reads 0x1e, 0b11, 1_000, 1:30 (base 60) and 017
# (octal: 15) as numbers: a routine takes none of those as a number, so no value is silently
# another one. Leading zeros are decimal, as written (017 is 17), as in YAML 1.2.
_DECIMAL_INT = re.compile(r"[-+]?[0-9]+")
_DECIMAL_FLOAT = re.compile(
    r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)"
    r"|\.(?:nan|NaN|NAN)"
)


def written_in_decimal(scalar: ScalarNode) -> bool:
    """Whether a YAML number is written in decimal digits (YAML 1.1 has other forms)."""
    pattern = _DECIMAL_INT if scalar.tag == INT_TAG else _DECIMAL_FLOAT
    return pattern.fullmatch(scalar.value) is not None


def yaml_int(scalar: ScalarNode) -> int | None:
    """A decimal integer's value, as written; None when it has more digits than Python
    converts (4,300) or is not written in decimal digits."""
    if not _DECIMAL_INT.fullmatch(scalar.value):
        return None
    try:
        return int(scalar.value)
    except ValueError:
        return None


def cut(text: str, most: int = 40) -> str:
    """A value for a message: cut short, so one bad value cannot flood the terminal."""
    return text if len(text) <= most else text[:most] + "..."


def _kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag == NULL_TAG:
        return "nothing"
    return as_written(node)


def as_written(scalar: ScalarNode) -> str:
    """A wrong value as written, cut short; quoted when quotes are what made it wrong."""
    text = cut(scalar.value)
    if scalar.style in ("'", '"') and scalar.tag == STR_TAG:
        plain = PlainLoader("").resolve(ScalarNode, scalar.value, (True, False))
        if plain in (INT_TAG, FLOAT_TAG, BOOL_TAG):
            return f"{text!r} in quotes, which makes it text: remove the quotes"
    return repr(text)


def empty_text(node: Node) -> bool:
    """Whether the node is a string with nothing but spaces in it (`""`), as opposed to a null."""
    return isinstance(node, ScalarNode) and node.tag == STR_TAG and not node.value.strip()
