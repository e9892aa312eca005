"""The lengths a live session is laid out with before all its clips are made (live/ahead.py)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping


class Lengths(Mapping[str, int]):
    """Known clip lengths, and an estimate from the word count for the rest."""

    def __init__(self, known: dict[str, int], samples_per_word: float, pad: int) -> None:
        self.known = known
        self.per_word = samples_per_word
        self.pad = pad

    def __getitem__(self, text: str) -> int:
        found = self.known.get(text)
        if found is not None:
            return found
        return self.pad + round(self.per_word * max(1, len(text.split())))

    def __iter__(self) -> Iterator[str]:
        return iter(self.known)

    def __len__(self) -> int:
        return len(self.known)
