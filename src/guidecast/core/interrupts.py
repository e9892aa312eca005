"""Stopping cleanly on Ctrl-C (SIGINT) and SIGTERM.

The CLI installs one handler for both signals. It raises `Interrupted`, a `KeyboardInterrupt`,
so every `finally` and `with` block on the way out runs: temporary files are removed and speech
workers stopped, exactly as for Ctrl-C. The exit code is the shell's 128 + signal number (130
for SIGINT, 143 for SIGTERM). A repeated signal while stopping is ignored, so the clean-up
itself is never cut short. Short steps that must not be cut in half (renaming a build's files
into place) run inside `signals_deferred()`, and a signal arriving there is raised after it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

HANDLED = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """A stop asked for by a signal; `exit_code` is what a shell reports for it."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


class _State:
    pending: int | None = None  # the first signal received, once one has been
    raised = False  # whether `Interrupted` for it has been raised yet
    deferring = 0  # depth of `signals_deferred()` blocks


def _handle(signum: int, frame: object) -> None:
    if _State.pending is not None:
        return  # already stopping: let the clean-up finish
    _State.pending = signum
    if _State.deferring == 0:
        _State.raised = True
        raise Interrupted(signum)


def install() -> None:
    """Handle SIGINT and SIGTERM as `Interrupted`; a signal ignored at start stays ignored.

    (A shell starts background jobs with SIGINT ignored, and `nohup` is meant to be kept.)
    """
    _State.pending, _State.raised, _State.deferring = None, False, 0
    for signum in HANDLED:
        if signal.getsignal(signum) != signal.SIG_IGN:
            signal.signal(signum, _handle)


def exit_code(err: KeyboardInterrupt) -> int:
    """130 for Ctrl-C, 143 for SIGTERM: 128 + the signal's number, as shells report it."""
    return err.exit_code if isinstance(err, Interrupted) else 128 + signal.SIGINT


def message(err: KeyboardInterrupt) -> str:
    """What the CLI says when stopped: by what, and whether the output files changed."""
    what = "stopped by SIGTERM" if getattr(err, "signum", None) == signal.SIGTERM else "interrupted"
    if getattr(err, "files_written", False):
        return f"{what} just after the files were written"
    return f"{what}; nothing was written"


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back until the block ends, then raise `Interrupted` for them.

    Only in the main thread (where Python runs signal handlers), and only with `install()`ed
    handlers; elsewhere the block runs as is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _State.deferring += 1
    try:
        yield
    finally:
        _State.deferring -= 1
        if _State.deferring == 0 and _State.pending is not None and not _State.raised:
            _State.raised = True
            raise Interrupted(_State.pending)
