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
    plan_routine,
    preview_lines,
    routine_paths,
)
from guidecast.cli.options import (
    BackgroundLevelOption,
    BackgroundOption,
    ChaptersOption,
    ChimeOption,
    EngineOption,
    LanguageOption,
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
from guidecast.core import allocator, defaults, interrupts
from guidecast.core.durations import format_length
from guidecast.core.errors import UsageError
from guidecast.routine.library import load_routine
from guidecast.routine.pacing import Pacing, pacing_from_options
from guidecast.timeline.chapters import check_chapter_rule
from guidecast.timeline.structure import step_count

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
        bool,
        typer.Option(
            "--verbose", "-v", help="Show full causes of errors, and every warning one by one."
        ),
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
    background: BackgroundOption = None,
    background_level: BackgroundLevelOption = None,
    bitrate: Annotated[
        int, typer.Option(help="Bitrate in kbps (MP3, OGG, Opus, M4A).")
    ] = defaults.BITRATE,
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
    chapter_rule: ChaptersOption = "grouped",
    vbr_silence: Annotated[
        bool | None,
        typer.Option(
            "--vbr-silence/--cbr",
            help="MP3: store long silences in small frames (the default: a mostly quiet "
            "session is 5-6 times smaller, and seeks exactly, in browsers too), or --cbr: "
            "every frame at --bitrate.",
            show_default=False,
        ),
    ] = None,
    language: LanguageOption = None,
) -> None:
    """Build a routine into OUT/<slug>.mp3 and OUT/<slug>.json (the manifest).

    Example: guidecast build my-routine.yaml -o sessions --length 10m
    Example: guidecast build lactation-massage --language es
    """
    with errors_as_messages():
        from guidecast.build import Extras, audio_settings
        from guidecast.build import build as build_routine

        pacing = pacing_from_options(
            pace, length, set_, rate, chime, pacing_file, engine, background, background_level
        )
        audio = audio_settings(sample_rate, bitrate, audio_format, loudness, vbr_silence)
        check_chapter_rule(chapter_rule)
        loaded = load_routine(routine, language)
        check_set_ids(loaded, pacing)
        with progress_bar(True) as progress:
            result = build_routine(
                loaded,
                out,
                pacing,
                audio,
                progress=progress,
                extras=Extras(
                    captions=captions, split=split, cover=cover, page=page, chapters=chapter_rule
                ),
            )
        print_notes(result.session.notes)
        timeline = result.session.timeline
        typer.echo(
            f"{result.files[0]}  {format_length(timeline.seconds)}  "
            f"{step_count(timeline.steps)} steps"
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
    chapter_rule: ChaptersOption = "grouped",
    language: LanguageOption = None,
    background: BackgroundOption = None,
    background_level: BackgroundLevelOption = None,
) -> None:
    """Build many routines with one pool of speech workers and one cache.

    Example: guidecast build-all --shipped -o audio_out
    """
    with errors_as_messages():
        from guidecast.build import AudioSettings, Extras
        from guidecast.build import build as build_routine
        from guidecast.speech.voice import voice_for
        from guidecast.speech.workers import SpeechPool

        check_chapter_rule(chapter_rule)
        paths = routine_paths(folder, shipped, language)
        routines = [load_routine(str(path)) for path in paths]  # all valid before any is built
        pacing = pacing_from_options(
            pace,
            None,
            None,
            rate,
            chime,
            engine=engine,
            background=background,
            background_level=background_level,
        )
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
                        Extras(captions=captions, page=page, chapters=chapter_rule),
                    )
                print_notes(result.session.notes)
                typer.echo(f"{result.files[0]}  {format_length(result.session.timeline.seconds)}")
        finally:
            for pool in pools.values():
                pool.close()


@app.command()
def validate(routine: RoutineArg, language: LanguageOption = None) -> None:
    """Check a routine; print "ok" and its total length, or every problem found. A language
    guidecast has no cue phrases for is named, with the languages it has.

    Example: guidecast validate my-routine.yaml
    """
    with errors_as_messages():
        session = plan_routine(routine, Pacing(), language)
        print_notes(session.notes)
        typer.echo(f"ok  {format_length(session.timeline.seconds)}")


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
    language: LanguageOption = None,
) -> None:
    """Print the timeline as a table (start, end, step, what is heard); makes no audio files.

    Example: guidecast preview lactation-massage --pace 1.5
    """
    with errors_as_messages():
        pacing = pacing_from_options(pace, length, set_, rate, chime, pacing_file, engine)
        session = plan_routine(routine, pacing, language)
        for line in preview_lines(session):
            typer.echo(line)
        print_notes(session.notes)


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
    language: LanguageOption = None,
    background: BackgroundOption = None,
    background_level: BackgroundLevelOption = None,
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
        from guidecast.routine.library import resolve

        if language is not None:
            routine = str(resolve(routine, language))
        pacing = pacing_from_options(
            pace, length, set_, rate, chime, pacing_file, engine, background, background_level
        )
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


def main() -> None:
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    interrupts.install()  # SIGTERM stops as cleanly as Ctrl-C
    allocator.return_large_blocks()  # one-off buffers do not stay in the process's memory
    app()
