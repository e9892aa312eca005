"""What the commands show on a terminal: one-line errors with exit codes (never a traceback
unless --verbose), warnings, a progress bar; a quiet stop when the reader of the output goes."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import typer

from guidecast.core import interrupts, streams
from guidecast.core.errors import GuidecastError, GuidecastWarning, RoutineError, full_traceback

verbose = False  # set by the --verbose option


def fail(message: str, code: int, located: bool = False) -> None:
    # Problems in a file start with file:line:column, which editors jump to: no prefix there.
    typer.echo(message if located else f"guidecast: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def errors_as_messages() -> Iterator[None]:
    """Turn the project's errors into one-line messages and exit codes; never a traceback.

    Also: a bad environment variable stops the command before any work, warnings are printed
    as `warning:` lines, and a reader that goes away (`guidecast list | head -1`) ends the
    command quietly, as Unix tools do."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", GuidecastWarning)  # each is made only once
            warnings.showwarning = _show_warning
            from guidecast.speech.workers import check_environment

            check_environment()
            yield
    except GuidecastError as err:
        if verbose:
            typer.echo(full_traceback(err), err=True, nl=False)
        fail(str(err), err.exit_code, located=isinstance(err, RoutineError))
    except KeyboardInterrupt as err:  # Ctrl-C, or SIGTERM (see interrupts.py)
        fail(interrupts.message(err), interrupts.exit_code(err))
    except (typer.Exit, typer.Abort):
        raise
    except BrokenPipeError as err:
        if not streams.stdout_reader_gone():
            _internal_error(err)
        streams.silence_stdout()
        raise typer.Exit(streams.EXIT_READER_GONE) from None
    except Exception as err:  # a bug: say so plainly, details on request
        _internal_error(err)


def _internal_error(err: Exception) -> None:
    if verbose:
        typer.echo(full_traceback(err), err=True, nl=False)
    fail(f"internal error: {type(err).__name__}: {err} (run with --verbose for details)", 1)


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    if issubclass(category, GuidecastWarning):
        print_notes([str(message)])
    else:
        _python_showwarning(message, category, filename, lineno, file, line)


_python_showwarning = warnings.showwarning


@contextmanager
def progress_bar(enabled: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """A progress bar on a terminal; nothing when output is piped or in CI."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("{task.description:<14}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
        transient=True,
        console=None,
    ) as bar:
        tasks: dict[str, Any] = {}
        labels = {"speech": "speaking", "audio": "encoding"}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(labels.get(stage, stage), total=max(total, 1))
            bar.update(tasks[stage], completed=done, total=max(total, 1))

        yield update


def print_notes(notes: Iterable[Any]) -> None:
    """Warnings, one line per step and kind (timeline/notes.py); every one with --verbose."""
    from guidecast.timeline.notes import grouped

    for line in [str(note) for note in notes] if verbose else grouped(notes):
        typer.echo(f"warning: {line}", err=True)
