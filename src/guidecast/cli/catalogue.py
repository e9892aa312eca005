"""`guidecast catalogue`: build every session of a catalogue file on Dask (thin: the work is in
guidecast.catalogue). It registers on the one typer app of cli/app.py."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from guidecast.cli.app import app
from guidecast.cli.terminal import errors_as_messages

if TYPE_CHECKING:
    from guidecast.catalogue.run import Report


@app.command()
def catalogue(
    file: Annotated[Path, typer.Argument(help="A catalogue file (docs/catalogue.md).")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for the sessions and the index.")
    ] = Path("catalogue_out"),
    scheduler: Annotated[
        str | None,
        typer.Option(help="A running Dask scheduler, tcp://HOST:8786 (default: a local cluster)."),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            help="Worker processes of the local cluster (one thread each); 0: no cluster, "
            "the same tasks one after another in this process."
        ),
    ] = 2,
) -> None:
    """Build every routine x language x voice x length of a catalogue file on Dask, then
    OUT/index.json and OUT/index.html. A re-run builds only what is missing or changed.

    Example: guidecast catalogue clinic.yaml -o clinic --workers 2
    """
    with errors_as_messages():
        from guidecast.catalogue.reader import read_catalogue_file
        from guidecast.catalogue.run import run_catalogue

        if not file.is_file():
            from guidecast.core.errors import UsageError

            raise UsageError(f"CATALOGUE: {file} is not a file")
        report = run_catalogue(read_catalogue_file(file), out, scheduler, workers, _status())
        if sys.stderr.isatty():
            typer.echo("", err=True)
        for line in report.missing:
            typer.echo(f"note: no version of {line}; skipped", err=True)
        for failure in report.failures:
            typer.echo(f"failed: {failure.id}: {failure.message}", err=True)
        typer.echo(
            f"{out / 'index.html'}  {report.built} built, {report.skipped} up to date, "
            f"{len(report.failures)} failed of {report.total}; {report.spoken} clips spoken"
        )
        if report.failures:
            raise typer.Exit(1 if report.environment_fault else 2)


def _status() -> Callable[[Report], None]:
    """One line of progress: rewritten in place on a terminal, else printed when it changes."""
    shown: list[str] = []

    def show(report: Report) -> None:
        dashboard = f"  dashboard {report.dashboard}" if report.dashboard else ""
        if report.workers:
            dashboard = f"  {report.workers} workers{dashboard}"
        line = (
            f"sessions {report.done}/{report.total}  clips {report.clips_done}/{report.clips} "
            f"({report.spoken} spoken, dedup {report.dedup:.1f}x){dashboard}"
        )
        if sys.stderr.isatty():
            sys.stderr.write("\r" + line)
            sys.stderr.flush()
        elif not shown or shown[-1].split("  clips")[0] != line.split("  clips")[0]:
            typer.echo(line, err=True)
        shown.append(line)

    return show
