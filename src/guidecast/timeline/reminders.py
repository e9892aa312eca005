"""Keep-going reminders: which line each reminder slot says.

The timeline offers a step's reminders slots every `every` seconds. A slot with no room beside
cues of higher priority is dropped (and noted), but its line is not skipped: the next slot with
room says it, so the lines of a list are heard in order and none is lost to a collision.
"""

from __future__ import annotations


class Reminders:
    """The keep-going lines, in turn. A line whose slot has no room is not skipped: the next
    slot with room says it, in this perform time or the next one with the same lines.

    `owed` is shared by a whole session: it holds, for each list of lines, the line that the
    last perform time using it could not say.
    """

    def __init__(self, lines: tuple[str, ...], owed: dict[tuple[str, ...], int]) -> None:
        self.lines = lines
        self.owed = owed
        self.next = owed.pop(lines, 0)

    def due(self) -> str:
        return self.lines[self.next]

    def slot(self, placed: bool) -> None:
        if placed:
            self.next = (self.next + 1) % len(self.lines)
            self.owed.pop(self.lines, None)
        else:
            self.owed[self.lines] = self.next
