"""Keys for `guidecast play`: single key presses from the terminal, and what each one does."""

from __future__ import annotations

import os
import select
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from guidecast.live.player import Player

_ARROWS = {"\x1b[C": "n", "\x1b[D": "p"}  # right and left arrows


class NoKeys:
    def read(self, timeout: float) -> list[str]:
        time.sleep(timeout)
        return []


class TerminalKeys:
    """Single key presses from a terminal (cbreak mode); arrows map to n and p."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def read(self, timeout: float) -> list[str]:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return []
        data = os.read(self.fd, 64).decode(errors="ignore")
        for sequence, key in _ARROWS.items():
            data = data.replace(sequence, key)
        return list(data)


@contextmanager
def keys_from_terminal() -> Iterator[TerminalKeys | NoKeys]:
    """Key presses when stdin is a terminal; none otherwise (the session simply plays)."""
    try:
        import termios
        import tty
    except ImportError:  # not a POSIX terminal
        yield NoKeys()
        return
    if not sys.stdin.isatty():
        yield NoKeys()
        return
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        yield TerminalKeys(fd)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def handle_key(player: Player, key: str) -> bool:
    """Steer the player with one key; False when the key means quit."""
    if key == "q":
        player.stop()
        return False
    action = {
        " ": player.space,
        "f": player.finish,
        "n": player.next_step,
        "p": player.previous_step,
        "r": player.repeat,
    }.get(key.lower())
    if action is not None:
        action()
    return True
