"""The routine's shape, read back from a timeline: step numbers, rounds blocks, sides.

One way of numbering, for every surface (play's lines and screen, the page, the manifest):
"step 3 of 7" counts the routine's steps, so a step's sides and rounds are the same step;
"round 2 of 22" says which round of its block, in the routine's language ("paso 3 de 7,
ronda 2 de 22": language/interface.py). The timeline (or a manifest read back into one) is
enough: a visit's step id, round and side say where it belongs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from guidecast.language.interface import word
from guidecast.timeline.layout import StepSpan


@dataclass(frozen=True)
class Place:
    """Where one visit sits in the routine; said in any language (English unless asked)."""

    number: int  # the step's number in the routine, from 1
    steps: int  # how many steps the routine has
    round: int | None = None
    rounds: int | None = None
    side: str | None = None

    def detail(self, language: str = "en") -> str:
        """`round 2 of 22, left side`: the round and side, or nothing."""
        return ", ".join(where(self.round, self.rounds, self.side, language))

    def parts(self, language: str = "en") -> list[str]:
        """`["step 3 of 7", "round 2 of 22", "left side"]`, for views that set them apart."""
        step = word(language, "step_of", step=self.number, steps=self.steps)
        return [step, *where(self.round, self.rounds, self.side, language)]

    def text(self, language: str = "en") -> str:
        """`step 3 of 7, round 2 of 22, left side`; `paso 3 de 7, ronda 2 de 22, ...`."""
        return ", ".join(self.parts(language))

    def __str__(self) -> str:
        return self.text()


def where(round_: int | None, rounds: int | None, side: str | None, language: str) -> list[str]:
    """A visit's round and side, as every surface names them: `["round 2 of 22", "left side"]`
    (the side is the routine's own words, already in its language)."""
    parts = []
    if round_ is not None and rounds:
        parts.append(word(language, "round_of", round=round_, rounds=rounds))
    if side:
        parts.append(side)
    return parts


def step_count(steps: Sequence[StepSpan]) -> int:
    """How many steps the routine has (sides and rounds of a step are that one step)."""
    return len({span.id for span in steps})


def places(steps: Sequence[StepSpan]) -> list[Place]:
    """Each visit's place: steps numbered in the order they are first done."""
    numbers: dict[str, int] = {}
    for span in steps:
        numbers.setdefault(span.id, len(numbers) + 1)
    return [
        Place(numbers[span.id], len(numbers), span.round, span.rounds, span.side) for span in steps
    ]


def blocks(steps: Sequence[StepSpan]) -> list[range]:
    """The visits of each item of the routine, in order: a step with its sides, or a whole
    rounds block (its rounds run 1, 1, ..., 2, 2, ...; a new block starts again at round 1)."""
    found: list[range] = []
    start = 0
    for index in range(1, len(steps) + 1):
        if index == len(steps) or _starts_item(steps[index - 1], steps[index]):
            found.append(range(start, index))
            start = index
    return found


def _starts_item(before: StepSpan, span: StepSpan) -> bool:
    if span.round is None or before.round is None:
        return span.id != before.id or span.round != before.round
    return span.round < before.round or span.rounds != before.rounds


def rounds_of(steps: Sequence[StepSpan], block: range) -> list[range]:
    """The visits of each round of a block (one range for a block that is not rounds)."""
    found: list[range] = []
    start = block.start
    for index in range(block.start + 1, block.stop + 1):
        if index == block.stop or steps[index].round != steps[index - 1].round:
            found.append(range(start, index))
            start = index
    return found
