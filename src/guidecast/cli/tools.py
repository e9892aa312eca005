"""The commands around building and playing: voices, list, schema, serve, log and cache.
They register on the one typer app of cli/app.py."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from guidecast.cli.app import app, cache_app
from guidecast.cli.listing import practice_lines, routine_lines, voice_lines
from guidecast.cli.options import LanguageOption
from guidecast.cli.terminal import errors_as_messages


@app.command()
def voices(
    engine: Annotated[
        str | None, typer.Option(help="Only this speech engine (default: every installed one).")
    ] = None,
    language: Annotated[
        str | None, typer.Option(help="Only voices for this language, e.g. en.")
    ] = None,
) -> None:
    """List the voices of every installed speech engine: engine, id, name, languages, and
    whether it works offline. Voices marked "needs download" are never used.

    Example: guidecast voices --language en
    """
    with errors_as_messages():
        for line in voice_lines(engine, language):
            typer.echo(line)


@app.command("list")
def list_routines(language: LanguageOption = None) -> None:
    """List the shipped routines: name, title, length, steps, languages and source article.

    Build a translation by name and language: guidecast build lactation-massage --language es

    Example: guidecast list --language es
    """
    with errors_as_messages():
        for line in routine_lines(language):
            typer.echo(line)


@app.command()
def schema(
    catalogue: Annotated[
        bool, typer.Option("--catalogue", help="The catalogue file's schema instead.")
    ] = False,
) -> None:
    """Print the routine format's JSON Schema (for editors and the YAML language server).

    Example: guidecast schema > routine.schema.json
    """
    with errors_as_messages():
        from importlib import resources

        package, name = (
            ("guidecast.catalogue", "catalogue.schema.json")
            if catalogue
            else ("guidecast.routine", "routine.schema.json")
        )
        typer.echo((resources.files(package) / name).read_text())


@app.command()
def serve(
    folder: Annotated[
        Path | None,
        typer.Argument(
            help="A folder of your own routines (*.yaml) to offer too, or a built catalogue "
            "(guidecast catalogue -o DIR) to serve as it is."
        ),
    ] = None,
    port: Annotated[int, typer.Option(help="Port to listen on (0: any free port).")] = 8765,
    lan: Annotated[
        bool,
        typer.Option(
            "--lan", help="Listen on the network, for a phone; the printed link has a token."
        ),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Folder for built sessions (default: your data folder)."),
    ] = None,
    jobs: Annotated[int, typer.Option(help="Sessions built at once (1 to 8).")] = 1,
    qr: Annotated[bool, typer.Option("--qr/--no-qr", help="Print a QR code of the link.")] = True,
) -> None:
    """Start the web app: the library, pacing, builds and the player, in a phone's browser.

    Only this computer can open it unless --lan is given.

    Example: guidecast serve --lan
    """
    with errors_as_messages():
        from guidecast.serve.server import serve as run_server

        run_server(folder, port, lan, out, jobs, qr, echo=lambda line: typer.echo(line))


@app.command("log")
def practice_log(
    as_csv: Annotated[bool, typer.Option("--csv", help="Print the whole log as CSV.")] = False,
) -> None:
    """Show the practice log: sessions played in guidecast serve's player, and the streak.

    Example: guidecast log --csv > practice.csv
    """
    with errors_as_messages():
        for line in practice_lines(as_csv):
            typer.echo(line, nl=not as_csv)


@cache_app.command("info")
def cache_info() -> None:
    """Show where the speech cache is and how big it is."""
    with errors_as_messages():
        from guidecast.speech.cache import ClipCache

        info = ClipCache().info()
        typer.echo(f"{info.path}  {info.entries} clips  {info.bytes / 1e6:.1f} MB")


@cache_app.command("clear")
def cache_clear() -> None:
    """Delete every cached speech clip."""
    with errors_as_messages():
        from guidecast.speech.cache import ClipCache

        typer.echo(f"removed {ClipCache().clear()} clips")
