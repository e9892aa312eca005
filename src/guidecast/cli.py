"""The command line: a thin layer that parses options, calls the library and prints results.

Every expected failure is a `GuidecastError`, printed as one line per problem with its exit
code; anything else is a bug, reported in one line too (the full traceback with --verbose).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from guidecast import __version__
from guidecast.core import interrupts
from guidecast.core.durations import format_clock, format_duration
from guidecast.core.errors import GuidecastError, RoutineError, UsageError, full_traceback
from guidecast.routine.pacing import MAX_PACE, MIN_PACE, Pacing, pacing_from_options

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

_verbose = False

RoutineArg = Annotated[
    str, typer.Argument(help="A routine file, or the name of a shipped routine (guidecast list).")
]
OutOption = Annotated[Path, typer.Option("--out", "-o", help="Folder for the output files.")]
PaceOption = Annotated[
    float | None,
    typer.Option(help=f"Scale every step's time ({MIN_PACE:g} to {MAX_PACE:g}; 1.5 = slower)."),
]
LengthOption = Annotated[
    str | None, typer.Option(help="Fit the session to this length, e.g. 10m or 12 min.")
]
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="Set one step's time, e.g. --set circles=2m (repeatable)."),
]
RateOption = Annotated[int | None, typer.Option(help="Speech rate in words per minute.")]
PacingFileOption = Annotated[
    Path | None,
    typer.Option(
        "--pacing",
        help="A personal pacing file (YAML: pace or length, steps, rate, chime); "
        "options given here win over it.",
    ),
]
ChimeOption = Annotated[
    bool | None,
    typer.Option("--chime/--no-chime", help="Chime at each step (default: as the routine says)."),
]
EngineOption = Annotated[
    str | None,
    typer.Option(
        help="Speech engine: pyttsx3 (espeak-ng, the default), hibari or piper (natural voices: "
        "pip install 'guidecast[neural]'). Default: as the routine says."
    ),
]


def _fail(message: str, code: int, located: bool = False) -> None:
    # Problems in a file start with file:line:column, which editors jump to: no prefix there.
    typer.echo(message if located else f"guidecast: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def _errors_as_messages() -> Iterator[None]:
    """Turn the project's errors into one-line messages and exit codes; never a traceback."""
    try:
        yield
    except GuidecastError as err:
        if _verbose:
            typer.echo(full_traceback(err), err=True, nl=False)
        _fail(str(err), err.exit_code, located=isinstance(err, RoutineError))
    except KeyboardInterrupt as err:  # Ctrl-C, or SIGTERM (see interrupts.py)
        _fail(interrupts.message(err), interrupts.exit_code(err))
    except (typer.Exit, typer.Abort):
        raise
    except Exception as err:  # a bug: say so plainly, details on request
        if _verbose:
            typer.echo(full_traceback(err), err=True, nl=False)
        _fail(f"internal error: {type(err).__name__}: {err} (run with --verbose for details)", 1)


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
    global _verbose
    _verbose = verbose


def _load(routine: str) -> Any:
    from guidecast.routine.library import resolve
    from guidecast.routine.load import read_routine_file

    path = resolve(routine)
    return read_routine_file(path, display=routine if path.name == routine else str(path))


def _check_set_ids(routine: Any, pacing: Pacing) -> None:
    from guidecast.routine.pacing import check_step_ids

    check_step_ids(pacing, [step.id for step in routine.all_steps()])


@contextmanager
def _progress_bar(enabled: bool) -> Iterator[Callable[[str, int, int], None] | None]:
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


def _print_notes(notes: tuple[str, ...] | list[str]) -> None:
    for note in notes:
        typer.echo(f"warning: {note}", err=True)


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
    sample_rate: Annotated[int, typer.Option(help="Sample rate in Hz.")] = 22050,
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
    vbr_silence: Annotated[
        bool,
        typer.Option(
            "--vbr-silence/--cbr",
            help="MP3: store long silences at the lowest bitrate (a mostly quiet session is "
            "5-6 times smaller; browsers then seek it up to minutes off). Default: --cbr.",
        ),
    ] = False,
) -> None:
    """Build a routine into OUT/<slug>.mp3 and OUT/<slug>.json (the manifest).

    Example: guidecast build my-routine.yaml -o sessions --length 10m
    """
    with _errors_as_messages():
        from guidecast.build import Extras, audio_settings
        from guidecast.build import build as build_routine

        pacing = pacing_from_options(pace, length, set_, rate, chime, pacing_file, engine)
        audio = audio_settings(sample_rate, bitrate, audio_format, loudness, vbr_silence)
        loaded = _load(routine)
        _check_set_ids(loaded, pacing)
        with _progress_bar(True) as progress:
            result = build_routine(
                loaded,
                out,
                pacing,
                audio,
                progress=progress,
                extras=Extras(captions=captions, split=split, cover=cover, page=page),
            )
        _print_notes(result.session.notes)
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
    with _errors_as_messages():
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
    with _errors_as_messages():
        from guidecast.build import AudioSettings, Extras, voice_for
        from guidecast.build import build as build_routine
        from guidecast.routine.library import routines_dir
        from guidecast.speech.workers import SpeechPool

        if shipped == (folder is not None):
            raise UsageError("give a folder of routines, or --shipped (not both)")
        source = routines_dir() if shipped else folder
        assert source is not None
        paths = sorted(source.glob("*.yaml")) + sorted(source.glob("*.yml"))
        if not paths:
            raise UsageError(f"no routine files (*.yaml) in {source}")
        routines = [_load(str(path)) for path in paths]  # all valid before any is built
        pacing = pacing_from_options(pace, None, None, rate, chime, engine=engine)
        audio = AudioSettings()
        pools: dict[str, SpeechPool] = {}
        try:
            for routine in routines:
                voice = voice_for(routine, pacing, audio.sample_rate)
                voice.pool = pools.setdefault(
                    voice.engine, SpeechPool(voice.engine, audio.sample_rate)
                )
                with _progress_bar(True) as progress:
                    result = build_routine(
                        routine,
                        out,
                        pacing,
                        audio,
                        voice,
                        progress,
                        Extras(captions=captions, page=page),
                    )
                _print_notes(result.session.notes)
                typer.echo(f"{result.files[0]}  {format_clock(result.session.timeline.seconds)}")
        finally:
            for pool in pools.values():
                pool.close()


@app.command()
def validate(routine: RoutineArg) -> None:
    """Check a routine; print "ok" and its total length, or every problem found.

    Example: guidecast validate my-routine.yaml
    """
    with _errors_as_messages():
        session = _plan(routine, Pacing())
        _print_notes(session.timeline.notes)
        typer.echo(f"ok  {format_clock(session.timeline.seconds)}")


def _plan(routine: str, pacing: Pacing) -> Any:
    from guidecast.build import DEFAULT_SAMPLE_RATE, plan, voice_for

    loaded = _load(routine)
    _check_set_ids(loaded, pacing)
    voice = voice_for(loaded, pacing, DEFAULT_SAMPLE_RATE)
    try:
        return plan(loaded, pacing, voice)
    finally:
        voice.close()


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
    with _errors_as_messages():
        pacing = pacing_from_options(pace, length, set_, rate, chime, pacing_file, engine)
        session = _plan(routine, pacing)
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
        _print_notes(timeline.notes)


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
) -> None:
    """Play a session aloud now, with a live view; speech is made as it plays, no files written.

    Keys: space pause/resume, n next step, p previous step, r repeat the instruction, q quit.
    Without a terminal it prints one line per step and cue instead.

    Example: guidecast play baby-daily-back --length 5m
    """
    started = time.monotonic()
    with _errors_as_messages():
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
            routine, pacing, device, speed, started, warn=lambda note: _print_notes([note])
        )
        _print_notes(player.snapshot().timeline.notes)


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
    with _errors_as_messages():
        from guidecast.speech.engines.neural import install_hint
        from guidecast.speech.workers import ENGINES, SpeechPool, installed_engines

        engines = [pacing_from_options(engine=engine).engine] if engine else installed_engines()
        for name in ENGINES:
            if engine is None and name not in engines:
                typer.echo(f"note: {install_hint(name)}", err=True)
        for name in engines:
            assert name is not None
            with SpeechPool(name, workers=1) as pool:
                found = pool.voices()
            for voice in found:
                if language and not any(
                    lang.lower().startswith(language.lower()) for lang in voice.languages
                ):
                    continue
                where = "offline" if voice.offline else "needs download (not offered)"
                typer.echo(
                    f"{name:<8} {voice.id:<24} {voice.name:<34} "
                    f"{', '.join(voice.languages):<10} {where}"
                )


@app.command("list")
def list_routines() -> None:
    """List the shipped routines: name, title, length, steps and source article.

    Example: guidecast list
    """
    with _errors_as_messages():
        from guidecast.routine.library import routines_dir, shipped_names

        rows = []
        for name in shipped_names():
            session = _plan(str(routines_dir() / f"{name}.yaml"), Pacing())
            routine = session.routine
            rows.append(
                (
                    name,
                    routine.title,
                    format_clock(session.timeline.seconds),
                    str(len(routine.all_steps())),
                    routine.source or "",
                )
            )
        header = ("name", "title", "length", "steps", "source")
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
        for row in [header, *rows]:
            typer.echo(
                "  ".join(
                    cell.ljust(width) for cell, width in zip(row, widths, strict=True)
                ).rstrip()
            )


@app.command()
def schema() -> None:
    """Print the routine format's JSON Schema (for editors and the YAML language server).

    Example: guidecast schema > routine.schema.json
    """
    with _errors_as_messages():
        from importlib import resources

        typer.echo((resources.files("guidecast.routine") / "routine.schema.json").read_text())


@cache_app.command("info")
def cache_info() -> None:
    """Show where the speech cache is and how big it is."""
    with _errors_as_messages():
        from guidecast.speech.cache import ClipCache

        info = ClipCache().info()
        typer.echo(f"{info.path}  {info.entries} clips  {info.bytes / 1e6:.1f} MB")


@cache_app.command("clear")
def cache_clear() -> None:
    """Delete every cached speech clip."""
    with _errors_as_messages():
        from guidecast.speech.cache import ClipCache

        typer.echo(f"removed {ClipCache().clear()} clips")


def main() -> None:
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    interrupts.install()  # SIGTERM stops as cleanly as Ctrl-C
    app()
