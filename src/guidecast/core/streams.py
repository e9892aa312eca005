"""Standard output as a pipe: telling when its reader has gone (`guidecast list | head -1`).

Python ignores SIGPIPE, so a write to a pipe nobody reads raises BrokenPipeError. Unix tools
stop quietly then; so does guidecast, but only when standard output is the broken pipe (a
speech worker's pipe breaking is a fault to report).
"""

from __future__ import annotations

import contextlib
import os
import select
import sys

EXIT_READER_GONE = 128 + 13  # what a shell reports for a tool that SIGPIPE stopped


def stdout_reader_gone() -> bool:
    """Whether standard output is a pipe whose reader has gone (poll says POLLERR)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):
        return False  # not a real file (a test's capture)
    if not hasattr(select, "poll"):
        return True  # no way to ask (Windows): a broken pipe here is most likely stdout
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    return any(events & select.POLLERR for _, events in poller.poll(0))


def silence_stdout() -> None:
    """Point standard output at the null device, so Python's last flush has nowhere to fail
    (it would print "Exception ignored ... BrokenPipeError")."""
    with contextlib.suppress(AttributeError, ValueError, OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
