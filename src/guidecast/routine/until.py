"""A step's `duration`: a time (`30s`, `5-7 min`), or an open one that waits for the listener,
`{until: done, nominal: 3m}`.

An open step has no end a clock can know: `guidecast play` waits for "done" (or a key) after
its words. A built file cannot wait, so the step gets its `nominal` time there, laid out as a
fixed step of that length. The nominal time is required: a made-up default would decide how long
someone expresses or massages in every built file without the author saying so.
"""

from __future__ import annotations

import re

from yaml.nodes import MappingNode, Node, ScalarNode

from guidecast.core.durations import TimeRange
from guidecast.core.spelling import did_you_mean
from guidecast.routine.nodes import InvalidValue, Located, NodeReader, cut

UNTIL_KEYS = ("until", "nominal")
UNTIL_VALUES = ("done",)
OPEN_FORM = "duration: {until: done, nominal: 3m}"
# "until done", "until soft", "until ready": an open step written as one text, which reads as
# a duration that is not one.
_UNTIL_TEXT = re.compile(r"^\s*until\b", re.IGNORECASE)


def read_step_duration(
    reader: NodeReader, entries: dict[str, Located], what: str
) -> tuple[TimeRange | None, bool]:
    """A step's time, or an open step's nominal time (None when absent or wrong), and whether
    the step is open. A count or ticks in an open step are errors: they keep a clock."""
    if "duration" not in entries:
        return None, False
    try:
        duration, until_done = _duration(reader, entries["duration"].value, f"{what} duration")
    except InvalidValue:
        return None, False
    if until_done:
        _refuse_clocked_cues(reader, entries, what)
    return duration, until_done


def _duration(reader: NodeReader, node: Node, what: str) -> tuple[TimeRange, bool]:
    if isinstance(node, ScalarNode) and _UNTIL_TEXT.match(str(node.value)):
        raise reader.fail(
            node,
            f"{what}: {cut(str(node.value))!r} needs the time a built file gives the step: "
            f"write {OPEN_FORM}",
        )
    if not isinstance(node, MappingNode):
        return reader.time_range(node, what), False
    entries = reader.mapping(node, what, UNTIL_KEYS, UNTIL_KEYS)
    until = reader.field(entries, "until", lambda n: _until(reader, n, f"{what} until"), None)
    nominal = reader.field(
        entries, "nominal", lambda n: reader.time_range(n, f"{what} nominal"), None
    )
    if until is None or nominal is None:
        raise InvalidValue()
    return nominal, True


def _until(reader: NodeReader, node: Node, what: str) -> str:
    value = reader.string(node, what)
    if value not in UNTIL_VALUES:
        raise reader.fail(
            node,
            f"{what} must be {' or '.join(repr(v) for v in UNTIL_VALUES)}"
            f"{did_you_mean(value, UNTIL_VALUES)}, got {cut(value)!r}: an open step waits "
            "until the listener says done",
        )
    return value


def _refuse_clocked_cues(reader: NodeReader, entries: dict[str, Located], what: str) -> None:
    for key in ("count", "ticks"):
        if key in entries:
            reader.fail(
                entries[key].key,
                f"{what} {key}: an open step (duration: until done) has no fixed time "
                "to count or tick through; give the step a fixed duration",
            )
