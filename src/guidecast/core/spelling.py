"""Suggestions for a misspelt name: "unknown key 'durtion' (did you mean 'duration'?)"."""

from __future__ import annotations

import difflib


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
