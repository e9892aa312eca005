"""The project's own exception types.

Every failure a user can cause or meet is one of these; the CLI turns them into one-line
messages and an exit code. Anything else reaching the CLI is a bug and says so.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass


class GuidecastError(Exception):
    """Base of all expected failures. `str(err)` is the one-line message for the user."""

    exit_code = 1


class UsageError(GuidecastError):
    """A bad option value or an unknown routine name."""

    exit_code = 2


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, at a place a person can find in an editor."""

    file: str
    line: int  # 1-based
    column: int  # 1-based
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class RoutineError(GuidecastError):
    """A routine or pacing file is invalid. Carries every problem found, in file order."""

    exit_code = 2

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.column))
        super().__init__("\n".join(str(p) for p in self.problems))


class SpeechError(GuidecastError):
    """The speech engine failed, hung or is missing."""


class VoiceNotFoundError(SpeechError):
    """The routine or options ask for a voice the engine does not have."""

    exit_code = 2


class EngineNotInstalledError(SpeechError):
    """The routine or options ask for a speech engine whose packages are not installed."""

    exit_code = 2


class AudioError(GuidecastError):
    """Encoding or writing audio failed."""


class OutputError(GuidecastError):
    """The output folder or a file in it cannot be written."""


class GuidecastWarning(UserWarning):
    """Something the user should know that does not stop the work (a cache that cannot be
    written): `warnings.warn` it, and the command line prints it as one `warning:` line."""


def full_traceback(err: BaseException) -> str:
    """The traceback of `err` and of every exception that led to it, for `--verbose`.

    Messages for users are made with `raise ... from None`, which hides the original error in
    a plain traceback; here it is shown too, because the original error is the full cause.
    """
    top = traceback.TracebackException.from_exception(err)
    seen: set[int] = set()
    stack = [top]
    while stack:
        exc = stack.pop()
        if id(exc) in seen:
            continue
        seen.add(id(exc))
        exc.__suppress_context__ = False
        stack.extend(e for e in (exc.__cause__, exc.__context__) if e is not None)
    return "".join(top.format())
