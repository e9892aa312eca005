"""Personal pacing: options, a pacing file, and how they combine; bad pacing files."""

from __future__ import annotations

from pathlib import Path

import pytest

from guidecast.core.durations import TimeRange
from guidecast.core.errors import RoutineError, UsageError
from guidecast.routine.background import EXPECTED
from guidecast.routine.model import Background
from guidecast.routine.pacing import Pacing, check_step_ids, pacing_from_options, read_pacing_file
from tests.routine.test_bad_routines import assert_refused, guidecast
from tests.timeline.test_layout import RATE, timeline_for

TWO_STEPS = """\
guidecast: 1
title: T
chime: false
steps:
  - id: circles
    title: Circles
    say: Circle.
    duration: 1m
  - id: strokes
    title: Strokes
    say: Stroke.
    duration: 2-4 min
"""


def write(folder: Path, text: str) -> Path:
    path = folder / "pacing.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_pacing_file_reads_every_setting(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "# slower on tired days\npace: 1.5\nsteps:\n  circles: 2m\n  strokes: 3-5 min\n"
        "rate: 140\nchime: no\n",
    )
    pacing = read_pacing_file(path)
    assert pacing == Pacing(
        pace=1.5,
        times={"circles": TimeRange(120, 120), "strokes": TimeRange(180, 300)},
        rate=140,
        chime=False,
    )
    assert (pacing.places["strokes"].line, pacing.places["strokes"].column) == (5, 3)


def test_options_win_over_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "pace: 2\nsteps: {circles: 2m}\nrate: 140\nchime: true\n")
    pacing = pacing_from_options(
        length="12m", sets=["strokes=3m", "circles=90s"], chime=False, file=path
    )
    assert pacing.length == 720
    assert pacing.pace == 1.0  # --length replaces the file's pace: they cannot both apply
    assert pacing.times == {"circles": TimeRange(90, 90), "strokes": TimeRange(180, 180)}
    assert pacing.rate == 140  # not given as an option: the file's
    assert pacing.chime is False


def test_a_pacing_file_sets_the_sound_bed_as_a_routine_does(tmp_path: Path) -> None:
    pacing = read_pacing_file(write(tmp_path, "background: {sound: waves, level: -24, duck: 9}\n"))
    assert pacing.background == Background(sound="waves", level=-24, duck=9)
    assert read_pacing_file(write(tmp_path, "background: off\n")).background == Background(off=True)
    (tmp_path / "sounds").mkdir()
    (tmp_path / "sounds" / "loop.ogg").write_bytes(b"")  # found, not decoded, when read
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    pacing = read_pacing_file(write(tmp_path, "background: sounds/loop.ogg\n"))
    assert pacing.background is not None  # a relative path from the pacing file's folder
    assert pacing.background.file == tmp_path / "sounds" / "loop.ogg"


def test_background_options_win_over_the_files_key_by_key(tmp_path: Path) -> None:
    path = write(tmp_path, "background: {sound: waves, level: -24, duck: 9}\n")
    quieter = pacing_from_options(file=path, background_level=-30).background
    assert quieter == Background(sound="waves", level=-30, duck=9)  # the file's sound and duck
    rain = pacing_from_options(file=path, background="rain").background
    assert rain == Background(sound="rain", level=-24, duck=9)
    assert pacing_from_options(file=path, background="off").background == Background(off=True)


def test_pace_option_replaces_the_files_length(tmp_path: Path) -> None:
    path = write(tmp_path, "length: 10m\n")
    pacing = pacing_from_options(pace=0.75, file=path)
    assert (pacing.pace, pacing.length) == (0.75, None)


def test_a_pacing_file_shapes_the_timeline(tmp_path: Path) -> None:
    path = write(tmp_path, "steps:\n  circles: 2m\n  strokes: 3m\n")
    timeline = timeline_for(TWO_STEPS, read_pacing_file(path))
    performed = [(s.perform_end - s.perform_start) / RATE for s in timeline.steps]
    assert performed == [120, 180]
    slower = timeline_for(TWO_STEPS, read_pacing_file(write(tmp_path, "pace: 2\n")))
    assert [(s.perform_end - s.perform_start) / RATE for s in slower.steps] == [120, 360]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"pace": 4.0}, "--pace must be from 0.5 to 3, got 4"),
        ({"pace": 1.0, "length": "5m"}, "use --pace or --length, not both"),
        ({"length": "soon"}, "--length: 'soon' is not a duration"),
        ({"sets": ["circles"]}, "--set 'circles': expected STEP=TIME, e.g. --set circles=2m"),
        ({"rate": 30}, "--rate must be from 80 to 400 words per minute, got 30"),
    ],
)
def test_bad_options(options: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError) as err:
        pacing_from_options(**options)  # type: ignore[arg-type]
    assert str(err.value).startswith(message)


def test_unknown_steps_are_reported_where_they_were_written(tmp_path: Path) -> None:
    path = write(tmp_path, "steps:\n  circels: 2m\n  strokes: 1m\n")
    with pytest.raises(RoutineError) as err:
        check_step_ids(read_pacing_file(path, "pacing.yaml"), ["circles", "strokes"])
    assert str(err.value) == (
        "pacing.yaml:2:3: no step 'circels' in this routine (did you mean 'circles'?); "
        "steps: circles, strokes"
    )
    with pytest.raises(UsageError) as err:
        check_step_ids(pacing_from_options(sets=["stroke=1m"]), ["circles", "strokes"])
    assert str(err.value) == (
        "--set stroke=1m: no step 'stroke' in this routine (did you mean 'strokes'?); "
        "steps: circles, strokes"
    )


BAD_PACING_FILES = [
    pytest.param(
        "",
        [
            "pacing.yaml:1:1: file is empty: expected pacing (pace, length, steps, rate, chime, "
            "background)"
        ],
        id="empty",
    ),
    pytest.param(
        "pace: 1.5\nlength: 10m\n",
        ["pacing.yaml:2:1: give pace or length, not both"],
        id="pace-and-length",
    ),
    pytest.param(
        "pace: fast\nrate: 1000\nchime: maybe\n",
        [
            "pacing.yaml:1:7: pace must be a number from 0.5 to 3, got 'fast'",
            "pacing.yaml:2:7: rate (words per minute) must be from 80 to 400, got 1000",
            "pacing.yaml:3:8: chime must be true or false, got 'maybe'",
        ],
        id="wrong-types",
    ),
    pytest.param(
        "pase: 2\n",
        [
            "pacing.yaml:1:1: unknown key 'pase' in the pacing file (did you mean 'pace'?); "
            "expected one of: pace, length, steps, rate, chime, background"
        ],
        id="misspelt-key",
    ),
    pytest.param(
        "steps:\n  circles: 2m\n  circles: 3m\n  strokes: -1m\n",
        [
            "pacing.yaml:3:3: step 'circles' is given twice (first on line 2)",
            "pacing.yaml:4:12: time of step 'strokes': a duration must be more than zero",
        ],
        id="steps-twice-and-negative",
    ),
    pytest.param(
        "background: rian\nrate: 150\n",
        [
            "pacing.yaml:1:13: background: unknown sound 'rian' (did you mean 'rain'?); "
            f"expected {EXPECTED}"
        ],
        id="background-misspelt",
    ),
    pytest.param(
        "background: {sound: rain, level: 5, dock: 3}\n",
        [
            "pacing.yaml:1:34: background level (LU under the voice) must be from -40 to -3, got 5",
            "pacing.yaml:1:37: unknown key 'dock' in background (did you mean 'duck'?); "
            "expected one of: sound, level, duck",
        ],
        id="background-level-and-key",
    ),
    pytest.param(
        "background: missing.ogg\n",
        ["pacing.yaml:1:13: background: file 'missing.ogg' not found (looked for missing.ogg)"],
        id="background-file-missing",
    ),
    pytest.param(
        "steps: [circles]\n",
        ["pacing.yaml:1:8: steps must be a mapping of step id to time, such as {circles: 2m}"],
        id="steps-not-a-mapping",
    ),
    pytest.param(
        "pace: 1.5\n\tlength: 2m\n",
        [
            "pacing.yaml:2:1: a tab character: YAML allows only spaces here; "
            "replace the tab with spaces"
        ],
        id="tab",
    ),
    pytest.param(
        "steps:\n  stroke-up: 2m\n  wrong-step: 1m\n",
        [
            "pacing.yaml:3:3: no step 'wrong-step' in this routine; steps: prepare, onto-tummy, "
            "stroke-up, fingertip-circles, cuddle, tummy-again, feather-strokes, stroke-finish, "
            "rest"
        ],
        id="step-not-in-routine",
    ),
]


@pytest.mark.parametrize(("content", "lines"), BAD_PACING_FILES)
def test_bad_pacing_files_are_refused_before_any_audio(
    tmp_path: Path, content: str, lines: list[str]
) -> None:
    write(tmp_path, content)
    out = tmp_path / "out"
    out.mkdir()
    result = guidecast(
        "build", "baby-daily-back", "--pacing", "pacing.yaml", "-o", "out", cwd=tmp_path
    )
    assert_refused(result, "".join(f"{line}\n" for line in lines))
    assert list(out.iterdir()) == []
    assert not (tmp_path / "cache").exists()  # refused before any speech


def test_preview_with_a_pacing_file(tmp_path: Path) -> None:
    write(tmp_path, "steps:\n  stroke-up: 3m\nchime: off\n")
    plain = guidecast("preview", "baby-daily-back", cwd=tmp_path)
    paced = guidecast("preview", "baby-daily-back", "--pacing", "pacing.yaml", cwd=tmp_path)
    assert plain.returncode == paced.returncode == 0, paced.stderr
    assert "chime: [chime]" in plain.stdout
    assert "[chime]" not in paced.stdout
    stroke_up = [line for line in paced.stdout.splitlines() if "stroke-up" in line]
    assert stroke_up, paced.stdout
    assert plain.stdout.splitlines()[0] != paced.stdout.splitlines()[0]  # the length changed
