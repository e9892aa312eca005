"""The options the commands share, each written once with its help text."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from guidecast.core.defaults import BED_LEVEL_LU, BED_SOUNDS, MAX_BED_LEVEL, MIN_BED_LEVEL
from guidecast.routine.pacing import MAX_PACE, MIN_PACE

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
ChaptersOption = Annotated[
    str,
    typer.Option(
        "--chapters",
        help="grouped: a chapter per step, short sides and rounds together (at least a minute "
        "each); each: a chapter for every side and round of every step. Split tracks and the "
        "page follow it.",
    ),
]
EngineOption = Annotated[
    str | None,
    typer.Option(
        help="Speech engine: pyttsx3 (espeak-ng, the default), hibari or piper (natural voices: "
        "pip install 'guidecast[neural]'). Default: as the routine says."
    ),
]
LanguageOption = Annotated[
    str | None,
    typer.Option(
        "--language",
        "-l",
        help="Shipped routines in this language, e.g. es, fr, de, pt, it, ru (guidecast list "
        "shows each routine's languages). Default: the originals, in English.",
    ),
]
BackgroundOption = Annotated[
    str | None,
    typer.Option(
        help=f"A calm sound bed under the voice, lowered while it speaks: {', '.join(BED_SOUNDS)}, "
        "a sound file to loop (.wav .mp3 .ogg .flac), or off. Default: as the routine says."
    ),
]
BackgroundLevelOption = Annotated[
    float | None,
    typer.Option(
        help=f"The bed's loudness in LU under the voice ({MIN_BED_LEVEL:g} to {MAX_BED_LEVEL:g}; "
        f"default {BED_LEVEL_LU:g})."
    ),
]
ListenOption = Annotated[
    bool,
    typer.Option(
        "--listen",
        help="Hear spoken commands from the microphone (offline): wait, continue, move on, "
        "previous, say again, more time, less time, finish now, I'm done (heard best in "
        "noise), or pause, next, back, repeat, slower, faster, finish, done.",
    ),
]
ListenFromOption = Annotated[
    Path | None,
    typer.Option(
        "--listen-from",
        help="Hear spoken commands from this WAV file instead, in real time from the start.",
    ),
]
