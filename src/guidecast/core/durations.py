"""Durations as people write them: `45`, `45s`, `1m30s`, `2 min`, `1.5m`, ranges `5-7 min`."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

MAX_SECONDS = 24 * 3600.0

_UNITS = {
    "h": 3600.0,
    "hr": 3600.0,
    "hrs": 3600.0,
    "hour": 3600.0,
    "hours": 3600.0,
    "m": 60.0,
    "min": 60.0,
    "mins": 60.0,
    "minute": 60.0,
    "minutes": 60.0,
    "s": 1.0,
    "sec": 1.0,
    "secs": 1.0,
    "second": 1.0,
    "seconds": 1.0,
}
_NUMBER = r"\d+(?:\.\d+)?|\.\d+"
_PART = re.compile(rf"\s*({_NUMBER})\s*([a-z]*)\s*")
_RANGE = re.compile(rf"^\s*({_NUMBER})\s*([a-z]*)\s*(?:-|–|to)\s*(.+)$")
EXPECTED = "a duration such as 45, 45s, 1m30s, 2 min or 1.5m"


class DurationSyntaxError(ValueError):
    """The text is not a duration; `str()` says what is wrong."""


@dataclass(frozen=True)
class TimeRange:
    """A time a step may take, in seconds: exact when low == high."""

    low: float
    high: float

    @property
    def is_range(self) -> bool:
        return self.high > self.low

    @property
    def middle(self) -> float:
        return (self.low + self.high) / 2

    def __str__(self) -> str:
        if not self.is_range:
            return format_duration(self.low)
        return f"{format_duration(self.low)}-{format_duration(self.high)}"


def parse_duration(value: object) -> float:
    """Seconds from a number (seconds) or a string with units. Must be > 0 and at most 24 h."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise DurationSyntaxError(f"expected {EXPECTED}")
    if isinstance(value, str):
        seconds = _parse_text(value.strip().lower())
    else:
        try:
            seconds = float(value)
        except OverflowError:  # an integer beyond any float
            raise DurationSyntaxError(f"{_quoted(value)} is longer than 24 hours") from None
    return _checked(seconds, value)


def parse_time_range(value: object) -> TimeRange:
    """A duration, or a range like `5-7 min` or `30s-1m` (a trailing unit applies to both)."""
    if isinstance(value, str):
        match = _RANGE.match(value.strip().lower())
        if match and not match.group(1).startswith("-"):
            low_text, low_unit, high_text = match.groups()
            high = _parse_text(high_text.strip())
            if not low_unit:  # "5-7 min": the unit of the high end applies to the low one too
                high_unit = _PART.fullmatch(high_text.strip())
                low_unit = high_unit.group(2) if high_unit and high_unit.group(2) else "s"
            low = _parse_text(f"{low_text}{low_unit}")
            low, high = _checked(low, value), _checked(high, value)
            if low > high:
                raise DurationSyntaxError(
                    f"range {_quoted(value)} runs backwards: the shorter time comes first"
                )
            return TimeRange(low, high)
    seconds = parse_duration(value)
    return TimeRange(seconds, seconds)


def _parse_text(text: str) -> float:
    if not text:
        raise DurationSyntaxError(f"expected {EXPECTED}, got an empty string")
    if text.startswith("-"):
        raise DurationSyntaxError("a duration must be more than zero")
    hint = _number_form_hint(text)
    if hint:
        raise DurationSyntaxError(f"{_quoted(text)} is not {EXPECTED}: {hint}")
    total = 0.0
    position = 0
    units_seen: list[str] = []
    while position < len(text):
        match = _PART.match(text, position)
        if not match or match.end() == position:
            raise DurationSyntaxError(f"{_quoted(text)} is not {EXPECTED}")
        number, unit = match.groups()
        if unit and unit not in _UNITS:
            raise DurationSyntaxError(
                f"unknown unit {_quoted(unit)} in {_quoted(text)}: use h, m, min or s"
            )
        if not unit and match.end() < len(text):
            raise DurationSyntaxError(f"{_quoted(text)} is not {EXPECTED}")
        scale = _UNITS[unit] if unit else 1.0
        if scale in [_UNITS[u] for u in units_seen]:
            raise DurationSyntaxError(f"{_quoted(text)} names the same unit twice")
        units_seen.append(unit or "s")
        total += float(number) * scale
        position = match.end()
    return total


# Numbers that YAML 1.1 (and some people) write in other ways: a clock time, which reads as
# minutes:seconds or hours:minutes, and hexadecimal, octal, binary or grouped digits.
_CLOCK = re.compile(r"(\d+):(\d+)(?::(\d+))?")
_CODED = re.compile(r"[-+]?0[xob][0-9a-f_]*")
_GROUPED = re.compile(r"[-+]?[0-9][0-9_]*_[0-9_]*(?:\.[0-9_]*)?")


def _number_form_hint(text: str) -> str | None:
    """How to write `text` as a duration, when it is a number in a form durations do not take."""
    clock = _CLOCK.fullmatch(text)
    if clock:
        numbers = [int(part) for part in clock.groups() if part is not None]
        if len(numbers) == 3:
            return f"write {_parts(numbers, 'hms')} (hours, minutes and seconds)"
        return (
            f"write {_parts(numbers, 'ms')} (minutes and seconds) "
            f"or {_parts(numbers, 'hm')} (hours and minutes)"
        )
    if _CODED.fullmatch(text):
        return "write the number in decimal digits, such as 30 or 30s"
    if _GROUPED.fullmatch(text):
        return f"write the number without '_', such as {text.replace('_', '')}"
    return None


def _parts(numbers: list[int], units: str) -> str:
    """`[1, 30]`, "ms" -> "1m30s"; parts of zero left out, unless all are."""
    text = "".join(f"{n}{unit}" for n, unit in zip(numbers, units, strict=True) if n)
    return text or f"0{units[-1]}"


def _checked(seconds: float, original: object) -> float:
    if math.isnan(seconds) or math.isinf(seconds):
        raise DurationSyntaxError(f"expected {EXPECTED}, got {_quoted(original)}")
    if seconds <= 0:
        raise DurationSyntaxError("a duration must be more than zero")
    if seconds > MAX_SECONDS:
        raise DurationSyntaxError(f"{_quoted(original)} is longer than 24 hours")
    return seconds


def _quoted(value: object) -> str:
    """`repr(value)` for a message, cut short: one bad value must not flood the terminal."""
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:40] + "...")
    try:
        text = repr(value)
    except ValueError:  # an integer of more digits than Python will write out
        return "a number of thousands of digits"
    return text if len(text) <= 40 else text[:40] + "..."


def format_duration(seconds: float) -> str:
    """Short human form: `45s`, `2m`, `1m30s`, `1h5m`. Rounds to the second (tenths below 10 s)."""
    if seconds < 9.95 and seconds != int(seconds):
        return f"{seconds:.1f}s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(f"{hours}h")
    if minutes:
        parts.append(f"{minutes}m")
    if secs or not parts:
        parts.append(f"{secs}s")
    return "".join(parts)


def format_clock(seconds: float) -> str:
    """`m:ss` or `h:mm:ss`, for tables and players."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"
