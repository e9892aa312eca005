"""What the commands show on a terminal: one-line errors with exit codes (never a traceback
unless --verbose), warnings, a progress bar."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import typer

from guidecast.core import interrupts
from guidecast.core.errors import GuidecastError, RoutineError, full_traceback

verbose = False  # set by the --verbose option


def fail(message: str, code: int, located: bool = False) -> None:
    # Problems in a file start with file:line:column, which editors jump to: no prefix there.
    typer.echo(message if located else f"guidecast: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def errors_as_messages() -> Iterator[None]:
    """Turn the project's errors into one-line messages and exit codes; never a traceback."""
    try:
        yield
    except GuidecastError as err:
        if verbose:
            typer.echo(full_traceback(err), err=True, nl=False)
        fail(str(err), err.exit_code, located=isinstance(err, RoutineError))
    except KeyboardInterrupt as err:  # Ctrl-C, or SIGTERM (see interrupts.py)
        fail(interrupts.message(err), interrupts.exit_code(err))
    except (typer.Exit, typer.Abort):
        raise
    except Exception as err:  # a bug: say so plainly, details on request
        if verbose:
            typer.echo(full_traceback(err), err=True, nl=False)
        fail(f"internal error: {type(err).__name__}: {err} (run with --verbose for details)", 1)


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


def print_notes(notes: tuple[str, ...] | list[str]) -> None:
    for note in notes:
        typer.echo(f"warning: {note}", err=True)
