"""The live view: plain lines for logs and pipes, the full screen on a terminal, big digits."""

from __future__ import annotations

import io
from pathlib import Path

from guidecast.build import Session
from guidecast.core.defaults import SAMPLE_RATE as DEFAULT_SAMPLE_RATE
from guidecast.live.ahead import LiveShow
from guidecast.live.play import play
from guidecast.live.player import Player
from guidecast.live.view import PlainView, big_text, clock, screen
from guidecast.routine.pacing import Pacing
from guidecast.routine.reader import read_routine_file
from guidecast.speech.voice import voice_for
from tests.live.test_play import SPEED


def test_plain_view_prints_one_line_per_event(routine_file: Path, planned: Session) -> None:
    out = io.StringIO()
    player = play(
        str(routine_file),
        Pacing(),
        "null",
        SPEED,
        view=lambda player, device: PlainView(player, device, out),
    )
    lines = out.getvalue().splitlines()
    assert lines[0].split()[1] == "start" and "on the null device, speed 20x" in lines[0]
    assert [line.split(None, 2)[2] for line in lines if line.split()[1] == "step"] == [
        "step 1 of 3: Wash your hands",
        "step 2 of 3, left side: Circles",
        "step 2 of 3, right side: Circles",
        "step 3 of 3: Rest",
    ]
    assert "3 steps" in lines[0]  # the routine's steps, not its 4 visits
    assert "cue    instruction: Wash your hands with warm water." in out.getvalue()
    assert lines[-1].split()[1] == "end"
    assert player.finished


def test_the_screen_shows_step_words_times_and_next(routine_file: Path, planned: Session) -> None:
    from rich.console import Console

    routine = read_routine_file(routine_file)
    show = LiveShow(routine, Pacing(), voice_for(routine, Pacing(), DEFAULT_SAMPLE_RATE))
    try:
        show.start()
        show.wait_final(timeout=60)
        player = Player(show)
        span = planned.timeline.steps[1]
        player.position = span.perform_start + 2 * DEFAULT_SAMPLE_RATE  # 2 s into the doing
        console = Console(file=io.StringIO(), record=True, width=80, color_system=None)
        console.print(screen(player, 80))
        text = console.export_text()
    finally:
        show.close()
    print("\n" + text)
    assert "STEP 2 OF 3  ·  LEFT SIDE" in text  # sides are one step of the routine
    assert "CIRCLES" in text
    assert "Make slow circles." in text
    assert "left in this step" in text
    left = (span.perform_end - player.position) / DEFAULT_SAMPLE_RATE
    assert big_text(clock(left))[0] in text
    assert "Next: Circles (right side)" in text
    assert "session:" in text


def test_big_digits() -> None:
    assert big_text("1:05") == ["▄█  ▄ █▀█ █▀▀", " █  ▄ █ █ ▀▀█", "▀▀▀   ▀▀▀ ▀▀▀"]


def test_the_screen_speaks_the_routines_language(tmp_path: Path) -> None:
    from rich.console import Console

    from guidecast.routine.library import resolve

    routine = read_routine_file(resolve("lactation-massage", "ru"))
    show = LiveShow(routine, Pacing(), voice_for(routine, Pacing(), DEFAULT_SAMPLE_RATE))
    try:
        show.start()
        show.wait_final(timeout=120)
        player = Player(show)
        steps = show.snapshot().timeline.steps
        span = next(s for s in steps if s.side == "левая грудь")
        player.position = span.perform_start + 2 * DEFAULT_SAMPLE_RATE
        console = Console(file=io.StringIO(), record=True, width=100, color_system=None)
        console.print(screen(player, 100))
        text = console.export_text()
        player.position = 0
        console.print(screen(player, 100))
        before = console.export_text()
    finally:
        show.close()
    assert "ШАГ 2 ИЗ 9  ·  ЛЕВАЯ ГРУДЬ" in text  # version 1.1: clean hands, then the circles
    assert "до конца шага" in text
    assert "Дальше: Круги ладонями (правая грудь)" in text
    assert "занятие: осталось" in text and "пробел пауза" in text
    assert "ПЕРЕД НАЧАЛОМ" in before and "до первого шага" in before
    for english in ("STEP", "left in this step", "Next:", "session:", "BEFORE YOU START"):
        assert english not in text + before, english
