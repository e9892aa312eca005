"""What a build tells the user about its timeline, grouped so that what matters shows.

A step repeated over 22 rounds that grows in each would otherwise print 22 nearly identical
lines. `grouped` gives one line per step (and side) and kind of note, saying how many times it
happened; `--verbose` prints every note as it came.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from guidecast.script.model import Visit


@dataclass(frozen=True)
class Note:
    """One thing to tell the user, about one visit of a step or about the whole session.

    `step` names the step (and side) with the round left out, `text` says what happened: the
    same `(step, text)` in other rounds is the same note again.
    """

    text: str  # "grew from 4s to 4.5s to fit its count or countdown"
    step: str = ""  # "step 'in'", "step 'circles' (left side)"; empty for the whole session
    round: int | None = None
    rounds: int | None = None
    separator: str = " "  # between the step and the text: " grew ..." or ": dropped ..."

    def __str__(self) -> str:
        """The one note in full, naming its round."""
        if not self.step:
            return self.text
        where = self.step
        if self.round is not None:
            where = (
                where[:-1] + f", round {self.round})"
                if where.endswith(")")
                else f"{where} (round {self.round})"
            )
        return f"{where}{self.separator}{self.text}"


def grouped(notes: Iterable[Note | str]) -> list[str]:
    """One line per step and kind of note, in order of first appearance, with how many times
    it happened: "step 'in' grew from 4s to 4.5s ... in each of its 22 rounds"."""
    groups: dict[tuple[str, str, str], list[Note]] = {}
    for note in notes:
        if isinstance(note, str):
            note = Note(note)
        groups.setdefault((note.step, note.separator, note.text), []).append(note)
    lines = []
    for (step, separator, text), found in groups.items():
        if len(found) == 1:
            lines.append(str(found[0]))
            continue
        rounds = [n.round for n in found if n.round is not None]
        total = found[0].rounds
        if len(rounds) == len(found) and total and len(rounds) == total:
            times = f"in each of its {total} rounds"
        elif len(rounds) == len(found) and total:
            times = f"in {len(rounds)} of its {total} rounds ({_spans(rounds)})"
        else:
            times = f"{len(found)} times"
        lines.append(f"{step}{separator}{text}, {times}" if step else f"{text} ({times})")
    return lines


def note_for(visit: Visit, text: str, separator: str = " ") -> Note:
    """A note about one visit: the step (and side) it concerns, its round, what happened."""
    step = f"step {visit.step.id!r}" + (f" ({visit.side})" if visit.side else "")
    return Note(text, step, visit.round, visit.rounds, separator)


def _spans(numbers: list[int]) -> str:
    """`1-3, 7`: round numbers as ranges."""
    parts: list[str] = []
    start = previous = numbers[0]
    for number in [*numbers[1:], None]:
        if number is not None and number == previous + 1:
            previous = number
            continue
        parts.append(str(start) if start == previous else f"{start}-{previous}")
        if number is not None:
            start = previous = number
    return ", ".join(parts)
