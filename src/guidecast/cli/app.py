"""The command line: a thin layer that parses options, calls the library and prints results.

Every expected failure is a `GuidecastError`, printed as one line per problem with its exit
code; anything else is a bug, reported in one line too (the full traceback with --verbose).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated

import typer

from guidecast import __version__
from guidecast.cli import terminal
from guidecast.cli.listing import (
    check_set_ids,
    load_routine_named,
    plan_routine,
    routine_lines,
    voice_lines,
)
from guidecast.cli.options import (
    ChimeOption,
    EngineOption,
    LengthOption,
    ListenFromOption,
    ListenOption,
    OutOption,
    PaceOption,
    PacingFileOption,
    RateOption,
    RoutineArg,
    SetOption,
)
from guidecast.cli.terminal import errors_as_messages, print_notes, progress_bar
from guidecast.core import defaults, interrupts
from guidecast.core.durations import format_clock, format_duration
from guidecast.core.errors import UsageError
from guidecast.routine.pacing import Pacing, pacing_from_options

app = typer.Typer(
    help="Turn a routine written in YAML into a paced, voice-guided audio session.\n\n"
    "Example: guidecast build lactation-massage --length 10m",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
cache_app = typer.Typer(help="Inspect or clear the speech clip cache.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")


def _show_version(value: bool) -> None:
    if value:  # eager: runs before click asks for a command
        typer.echo(f"guidecast {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show full causes of errors.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Show the version and exit.", callback=_show_version, is_eager=True
        ),
    ] = False,
) -> None:
    terminal.verbose = verbose


@app.command()
def build(
    routine: RoutineArg,
    out: OutOption = Path("audio_out"),
    pace: PaceOption = None,
    length: LengthOption = None,
    set_: SetOption = None,
    rate: RateOption = None,
    chime: ChimeOption = None,
    pacing_file: PacingFileOption = None,
    engine: EngineOption = None,
    bitrate: Annotated[int, typer.Option(help="Bitrate in kbps (MP3, OGG, Opus, M4A).")] = 64,
    sample_rate: Annotated[int, typer.Option(help="Sample rate in Hz.")] = defaults.SAMPLE_RATE,
    audio_format: Annotated[
        str,
        typer.Option(
            "--format",
            help="mp3 or wav; ogg, opus, m4a and flac need: pip install 'guidecast[formats]'.",
        ),
    ] = "mp3",
    captions: Annotated[
        bool, typer.Option(help="Also write WebVTT, SRT and LRC captions, and lyrics in the MP3.")
    ] = False,
    split: Annotated[
        bool, typer.Option(help="Also write one file per step and an M3U playlist.")
    ] = False,
    cover: Annotated[bool, typer.Option("--cover/--no-cover", help="Cover art.")] = True,
    loudness: Annotated[
        str,
        typer.Option(help="Voice loudness in LUFS (true peak at most -1 dBTP), or 'off'."),
    ] = "-16",
    page: Annotated[
        bool, typer.Option("--page", help="Also write OUT/<slug>.html, a player page.")
    ] = False,
) -> None:
    """Build a routine into OUT/<slug>.mp3 and OUT/<slug>.json (the manifest).

    Example: guidecast build my-routine.yaml -o sessions --length 10m
    """
    with errors_as_messages():
        from guidecast.build import Extras, audio_settings
        from guidecast.build import build as build_routine

        pacing = pacing_from_options(pace, length, set_, rate, chime, pacing_file, engine)
        audio = audio_settings(sample_rate, bitrate, audio_format, loudness)
        loaded = load_routine_named(routine)
        check_set_ids(loaded, pacing)
        with progress_bar(True) as progress:
            result = build_routine(
                loaded,
                out,
                pacing,
                audio,
                progress=progress,
                extras=Extras(captions=captions, split=split, cover=cover, page=page),
            )
        print_notes(result.session.notes)
        timeline = result.session.timeline
        typer.echo(
            f"{result.files[0]}  {format_clock(timeline.seconds)}  {len(timeline.steps)} steps"
        )
        if page:
            typer.echo(next(path for path in result.files if path.suffix == ".html"))


@app.command("page")
def page_command(
    manifest: Annotated[
        Path, typer.Argument(help="The manifest (<slug>.json) of a built session.")
    ],
) -> None:
    """Write the player page (<slug>.html) for an already built session, beside its MP3.

    Example: guidecast page audio_out/breast-massage-after-a-feed.json
    """
    with errors_as_messages():
        from guidecast.output.page import write_page_for_manifest

        typer.echo(write_page_for_manifest(manifest))


@app.command("build-all")
def build_all(
    folder: Annotated[
        Path | None, typer.Argument(help="A folder of routine files (*.yaml).")
    ] = None,
    shipped: Annotated[
        bool, typer.Option("--shipped", help="Build every shipped routine.")
    ] = False,
    out: OutOption = Path("audio_out"),
    pace: PaceOption = None,
    rate: RateOption = None,
    chime: ChimeOption = None,
    engine: EngineOption = None,
    captions: Annotated[
        bool, typer.Option(help="Also write WebVTT, SRT and LRC captions, and lyrics in the MP3.")
    ] = False,
    page: Annotated[
        bool, typer.Option("--page", help="Also write a player page for each.")
    ] = False,
) -> None:
    """Build many routines with one pool of speech workers and one cache.

    Example: guidecast build-all --shipped -o audio_out
    """
    with errors_as_messages():
        from guidecast.build import AudioSettings, Extras
        from guidecast.build import build as build_routine
        from guidecast.routine.library import routines_dir
        from guidecast.speech.voice import voice_for
        from guidecast.speech.workers import SpeechPool

        if shipped == (folder is not None):
            raise UsageError("give a folder of routines, or --shipped (not both)")
        source = routines_dir() if shipped else folder
        assert source is not None
        paths = sorted(source.glob("*.yaml")) + sorted(source.glob("*.yml"))
        if not paths:
            raise UsageError(f"no routine files (*.yaml) in {source}")
        routines = [
            load_routine_named(str(path)) for path in paths
        ]  # all valid before any is built
        pacing = pacing_from_options(pace, None, None, rate, chime, engine=engine)
        audio = AudioSettings()
        pools: dict[str, SpeechPool] = {}
        try:
            for routine in routines:
                voice = voice_for(routine, pacing, audio.sample_rate)
                voice.pool = pools.setdefault(
                    voice.engine, SpeechPool(voice.engine, audio.sample_rate)
                )
                with progress_bar(True) as progress:
                    result = build_routine(
                        routine,
                        out,
                        pacing,
                        audio,
                        voice,
                        progress,
                        Extras(captions=captions, page=page),
                    )
                print_notes(result.session.notes)
                typer.echo(f"{result.files[0]}  {format_clock(result.session.timeline.seconds)}")
        finally:
            for pool in pools.values():
                pool.close()


@app.command()
def validate(routine: RoutineArg) -> None:
    """Check a routine; print "ok" and its total length, or every problem found.

    Example: guidecast validate my-routine.yaml
    """
    with errors_as_messages():
        session = plan_routine(routine, Pacing())
        print_notes(session.timeline.notes)
        typer.echo(f"ok  {format_clock(session.timeline.seconds)}")


@app.command()
def preview(
    routine: RoutineArg,
    pace: PaceOption = None,
    length: LengthOption = None,
    set_: SetOption = None,
    rate: RateOption = None,
    chime: ChimeOption = None,
    pacing_file: PacingFileOption = None,
    engine: EngineOption = None,
) -> None:
    """Print the timeline as a table (start, end, step, what is heard); makes no audio files.

    Example: guidecast preview lactation-massage --pace 1.5
    """
    with errors_as_messages():
        pacing = pacing_from_options(pace, length, set_, rate, chime, pacing_file, engine)
        session = plan_routine(routine, pacing)
        timeline = session.timeline
        rate_hz = timeline.sample_rate
        typer.echo(f"{session.routine.title}  ({format_clock(timeline.seconds)})")
        typer.echo(f"{'start':>8} {'end':>8}  {'step':<18} heard")
        previous = 0
        for cue in timeline.cues:
            if cue.start - previous >= rate_hz:  # show silences of a second or more
                typer.echo(
                    f"{format_clock(previous / rate_hz):>8} "
                    f"{format_clock(cue.start / rate_hz):>8}  {'':<18} "
                    f"(silence {format_duration((cue.start - previous) / rate_hz)})"
                )
            heard = f'"{cue.text}"' if cue.text else f"[{cue.sound}]"
            typer.echo(
                f"{format_clock(cue.start / rate_hz):>8} {format_clock(cue.end / rate_hz):>8}"
                f"  {(cue.step or ''):<18} {cue.kind}: {heard}"
            )
            previous = max(previous, cue.end)
        print_notes(timeline.notes)


@app.command()
def play(
    routine: Annotated[
        str | None,
        typer.Argument(
            help="A routine file, a shipped routine's name, or a built session (.json or .mp3)."
        ),
    ] = None,
    pace: PaceOption = None,
    length: LengthOption = None,
    set_: SetOption = None,
    rate: RateOption = None,
    chime: ChimeOption = None,
    pacing_file: PacingFileOption = None,
    engine: EngineOption = None,
    device: Annotated[
        str | None,
        typer.Option(help="Sound device by name; 'null' plays in silence; 'list' lists them."),
    ] = None,
    speed: Annotated[
        float, typer.Option(help="Run the clock and sound this many times faster.")
    ] = 1.0,
    listen: ListenOption = False,
    listen_from: ListenFromOption = None,
) -> None:
    """Play a session aloud now, with a live view; speech is made as it plays, no files written.

    Keys: space pause/resume, n next step, p previous step, r repeat the instruction, f finish,
    q quit. With --listen, say the commands instead. Without a terminal it prints one line per
    step and cue instead.

    Example: guidecast play baby-daily-back --length 5m
    """
    started = time.monotonic()
    with errors_as_messages():
        if device == "list":
            from guidecast.live.devices import list_devices

            for found in list_devices():
                typer.echo(f"{found.name:<40} {found.backend}")
            return
        if routine is None:
            raise UsageError("give a routine to play (guidecast list shows the shipped ones)")
        from guidecast.live.play import play as play_session

        pacing = pacing_from_options(pace, length, set_, rate, chime, pacing_file, engine)
        player = play_session(
            routine,
            pacing,
            device,
            speed,
            started,
            warn=lambda note: print_notes([note]),
            listen=listen,
            listen_from=listen_from,
        )
        print_notes(player.snapshot().timeline.notes)


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
def list_routines() -> None:
    """List the shipped routines: name, title, length, steps and source article.

    Example: guidecast list
    """
    with errors_as_messages():
        for line in routine_lines():
            typer.echo(line)


@app.command()
def schema() -> None:
    """Print the routine format's JSON Schema (for editors and the YAML language server).

    Example: guidecast schema > routine.schema.json
    """
    with errors_as_messages():
        from importlib import resources

        typer.echo((resources.files("guidecast.routine") / "routine.schema.json").read_text())


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


def main() -> None:
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    interrupts.install()  # SIGTERM stops as cleanly as Ctrl-C
    app()
