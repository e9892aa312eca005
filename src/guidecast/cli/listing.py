"""Routines loaded and planned for the commands, and the lists `guidecast voices` and
`guidecast list` print, one line each."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from guidecast.core import defaults
from guidecast.core.durations import format_duration, format_length, format_position
from guidecast.routine.pacing import Pacing, pacing_from_options


def voice_lines(engine: str | None, language: str | None) -> Iterator[str]:
    """Every voice of each installed engine (or of `engine`): engine, id, name, languages and
    whether it works offline. A note on standard error for each engine not installed."""
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
            yield (
                f"{name:<8} {voice.id:<24} {voice.name:<34} "
                f"{', '.join(voice.languages):<10} {where}"
            )


def routine_lines(language: str | None = None) -> Iterator[str]:
    """The shipped routines as a table: name, title, length, steps, the languages each comes
    in, source article. With `language`, the routines in that language, with their titles."""
    from guidecast.core.errors import UsageError
    from guidecast.routine.library import shipped_languages, shipped_names, translations

    wanted = (language or "en").replace("_", "-").lower()
    if wanted not in shipped_languages():
        raise UsageError(
            f"no shipped routine comes in {language!r}; languages: {', '.join(shipped_languages())}"
        )
    rows = []
    for name in shipped_names():
        found = translations(name)
        if wanted not in found:
            continue
        session = plan_routine(str(found[wanted]), Pacing())
        routine = session.routine
        steps = str(len(routine.all_steps()))
        length = format_length(session.timeline.seconds)
        rows.append((name, routine.title, length, steps, " ".join(found), routine.source or ""))
    header = ("name", "title", "length", "steps", "languages", "source")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        yield "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()


def routine_paths(folder: Path | None, shipped: bool, language: str | None) -> list[Path]:
    """The routine files `build-all` builds: a folder's, or the shipped ones (in `language`)."""
    from guidecast.core.errors import UsageError
    from guidecast.routine.library import routines_dir, shipped_names, translations

    if shipped == (folder is not None):
        raise UsageError("give a folder of routines, or --shipped (not both)")
    if language is not None and not shipped:
        raise UsageError("--language picks shipped translations: use it with --shipped")
    source = routines_dir() if shipped else folder
    assert source is not None
    paths = sorted(source.glob("*.yaml")) + sorted(source.glob("*.yml"))
    if language is not None:
        tag = language.replace("_", "-").lower()
        paths = [translations(n)[tag] for n in shipped_names() if tag in translations(n)]
    if not paths:
        raise UsageError(f"no routine files (*.yaml) in {source}")
    return paths


def check_set_ids(routine: Any, pacing: Pacing) -> None:
    from guidecast.routine.pacing import check_step_ids

    check_step_ids(pacing, [step.id for step in routine.all_steps()])


def plan_routine(routine: str, pacing: Pacing, language: str | None = None) -> Any:
    from guidecast.build import plan
    from guidecast.routine.library import load_routine
    from guidecast.speech.voice import voice_for

    loaded = load_routine(routine, language)
    check_set_ids(loaded, pacing)
    voice = voice_for(loaded, pacing, defaults.SAMPLE_RATE)
    try:
        return plan(loaded, pacing, voice)
    finally:
        voice.close()


def preview_lines(session: Any) -> Iterator[str]:
    """The timeline as a table: start, end, step, what is heard; silences of a second or more."""
    timeline = session.timeline
    rate_hz = timeline.sample_rate
    yield f"{session.routine.title}  ({format_length(timeline.seconds)})"
    yield f"{'start':>8} {'end':>8}  {'step':<18} heard"
    previous = 0
    for cue in timeline.cues:
        if cue.start - previous >= rate_hz:  # show silences of a second or more
            yield (
                f"{format_position(previous / rate_hz):>8} "
                f"{format_position(cue.start / rate_hz):>8}  {'':<18} "
                f"(silence {format_duration((cue.start - previous) / rate_hz)})"
            )
        heard = f'"{cue.text}"' if cue.text else f"[{cue.sound}]"
        yield (
            f"{format_position(cue.start / rate_hz):>8} {format_position(cue.end / rate_hz):>8}"
            f"  {(cue.step or ''):<18} {cue.kind}: {heard}"
        )
        previous = max(previous, cue.end)


def practice_lines(as_csv: bool) -> Iterator[str]:
    """The practice log (sessions played in guidecast serve's player) and the streak; or the
    whole log as one CSV text."""
    from guidecast.serve.practice import PracticeLog, streak

    log = PracticeLog()
    if as_csv:
        yield log.csv_text()
        return
    entries = log.entries()
    if not entries:
        yield f"no sessions played yet ({log.path})"
        return
    for e in entries:
        yield (
            f"{e.started.astimezone():%Y-%m-%d %H:%M}  {e.title:<40}  "
            f"{format_position(e.played_s):>7} of {format_length(e.length_s):<7}  "
            f"{'played to the end' if e.finished else 'stopped'}"
            + (f"  started on the {e.first_side}" if e.first_side else "")
        )
    days = streak(entries)
    yield f"streak: {days} day{'' if days == 1 else 's'} in a row"
