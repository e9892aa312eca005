"""Open steps in `guidecast play`, on miniaudio's null device with real speech: a step with
`duration: {until: done, nominal: ...}` says its words and waits for the listener (a key, or
"done" heard with --listen-from) instead of running a clock.
"""

from __future__ import annotations

import io
import itertools
import threading
import time
from pathlib import Path

import numpy
import pytest

from guidecast.language.interface import words
from guidecast.language.phrases import bank_for
from guidecast.live.events import Event
from guidecast.live.keys import handle_key
from guidecast.live.play import play
from guidecast.live.player import Player
from guidecast.routine.pacing import Pacing
from tests.live.test_listen import RATE, say, write_wav
from tests.live.test_play import Recorder, play_recorded

ROUTINE = """\
guidecast: 1
title: Open Test
chime: false
cues: {countdown: 3, halfway: true, next_up: true}
steps:
  - id: express
    title: Express
    say: Press and release until the breast feels soft.
    duration: {until: done, nominal: 40s}
STEP_EXTRA  - id: rest
    title: Rest
    say: Rest now.
    duration: 3s
"""
REMINDERS = "    cues: {keep_going: {every: 5s, say: [Keep breathing., Slow and gentle.]}}\n"
SPEED = 20.0


def routine_file(tmp_path: Path, extra: str = "") -> str:
    path = tmp_path / "open-test.yaml"
    path.write_text(ROUTINE.replace("STEP_EXTRA", extra))
    return str(path)


def press_later(recorder: Recorder, kind: str, key: str, after_s: float) -> None:
    """Press `key` `after_s` wall seconds after the first `kind` event (from another thread,
    as a terminal's key reaches the player)."""
    fired = threading.Event()

    def on_event(event: Event) -> None:
        if event.kind == kind and not fired.is_set():
            fired.set()
            threading.Timer(after_s, handle_key, (recorder.player, key)).start()

    recorder.on_event = on_event


@pytest.mark.parametrize("key", [" ", "n"])
def test_an_open_step_waits_for_a_key_then_moves_on(tmp_path: Path, key: str) -> None:
    wait_s = 1.5  # wall seconds: 30 s of session time at SPEED, most of the nominal 40 s
    player, log = play_recorded(
        routine_file(tmp_path), SPEED, setup=lambda r: press_later(r, "hold", key, wait_s)
    )
    (hold,) = log.of("hold")
    (seek,) = log.of("seek")
    assert hold.step == 0 and seek.detail == "next"
    assert seek.wall - hold.wall >= wait_s - 0.05  # it waited for the key, however long
    # Standing still: 30 s of session time went by on the wall clock, a few seconds of it
    # (the waiting line) were played; no reminders in this step.
    assert (seek.wall - hold.wall) * SPEED >= 29
    assert (seek.position - hold.position) / player.rate < 6
    spoken = [e.cue.text for e in log.of("cue") if e.cue is not None and e.cue.step == "express"]
    # Its words, then "take your time": no countdown, no halfway, no next up.
    assert spoken == [
        "Press and release until the breast feels soft.",
        bank_for("en").say("waiting"),
    ]
    assert [e.step for e in log.of("step")] == [0, 1]
    assert player.finished and not player.stopped
    rest = [e for e in log.of("cue") if e.cue is not None and e.cue.step == "rest"]
    assert rest[0].wall >= seek.wall  # the next step comes with the key, not by the clock


def test_reminders_repeat_at_their_interval_while_it_waits(tmp_path: Path) -> None:
    wait_s = 2.0  # 40 s of session time at SPEED: eight reminder slots of 5 s
    _, log = play_recorded(
        routine_file(tmp_path, REMINDERS),
        SPEED,
        setup=lambda r: press_later(r, "hold", "n", wait_s),
    )
    (seek,) = log.of("seek")
    reminders = [e for e in log.of("cue") if e.cue is not None and e.cue.kind == "keep_going"]
    texts = [e.cue.text for e in reminders if e.cue is not None]
    assert len(texts) >= 5, texts
    assert texts == [("Keep breathing.", "Slow and gentle.")[i % 2] for i in range(len(texts))]
    gaps = [(b.wall - a.wall) * SPEED for a, b in itertools.pairwise(reminders)]
    assert all(abs(gap - 5.0) < 1.0 for gap in gaps), gaps  # every 5 s of session time
    assert all(e.wall < seek.wall for e in reminders)
    assert [e.step for e in log.of("step")] == [0, 1]


def test_pause_repeat_and_back_work_while_it_waits(tmp_path: Path) -> None:
    """Space while an open step waits means done; while paused it resumes (the pause here is
    the spoken command's, as --listen gives it)."""

    def setup(recorder: Recorder) -> None:
        holds = [0]

        def on_event(event: Event) -> None:
            if event.kind != "hold":
                return
            holds[0] += 1
            player = recorder.player
            if holds[0] == 1:  # first wait: pause, resume, say it again, then back
                steps = [
                    (0.2, lambda: player.command("pause", "pause")),
                    (0.5, lambda: handle_key(player, " ")),  # paused: space resumes
                    (0.8, lambda: handle_key(player, "r")),
                    (1.8, lambda: handle_key(player, "p")),
                ]
            else:  # waiting again after going back: done
                steps = [(0.3, lambda: handle_key(player, " "))]
            for after, act in steps:
                threading.Timer(after, act).start()

        recorder.on_event = on_event

    player, log = play_recorded(routine_file(tmp_path), SPEED, setup=setup)
    kinds = [e.kind for e in log.events if e.kind in ("hold", "pause", "resume", "repeat", "seek")]
    assert kinds == ["hold", "pause", "resume", "repeat", "seek", "hold", "seek"], kinds
    seeks = log.of("seek")
    assert [s.detail for s in seeks] == ["previous", "next"]
    assert [e.step for e in log.of("step")] == [0, 0, 1]  # back to its start, then on
    (repeat,) = log.of("repeat")
    assert repeat.cue is not None and repeat.cue.text.startswith("Press and release")
    assert player.finished


@pytest.mark.parametrize(
    ("voice", "rate", "phrase"),
    [
        ("gmw/en-us", 160, "done"),
        ("gmw/en-us", 130, "done"),  # pocketsphinx hears this one as "go on": the same here
        ("gmw/en", 160, "next"),
    ],
)
def test_done_heard_from_a_recording_ends_the_wait(
    tmp_path: Path, voice: str, rate: int, phrase: str
) -> None:
    """`play --listen-from` with espeak-ng saying the word: the open step waits, standing
    still, until it is heard, then the next step starts at once."""
    routine = routine_file(tmp_path)
    said_at = 11.0  # seconds into the recording: after the words and the waiting line (~8 s)
    (word,) = say("pyttsx3", voice, [phrase], rate)
    recording = numpy.random.default_rng(3).normal(0, 30, round((said_at + 3) * RATE))
    start = round(said_at * RATE)
    recording[start : start + len(word)] += word * 0.5
    wav = tmp_path / "done.wav"
    write_wav(wav, recording)
    made: list[tuple[Recorder, threading.Timer]] = []

    def view(player: Player, device: str) -> Recorder:
        # Not heard, the step would wait for ever: the test stops it instead.
        timer = threading.Timer(30, player.stop)
        timer.start()
        made.append((Recorder(player), timer))
        return made[0][0]

    player = play(routine, Pacing(), "null", 1.0, time.monotonic(), view=view, listen_from=wav)
    recorder, timer = made[0]
    timer.cancel()
    events = recorder.events
    listener = player.listener
    assert listener is not None and listener.error is None
    assert not player.stopped, [(e.kind, e.detail) for e in events]
    kinds = [e.kind for e in events if e.kind in ("hold", "heard", "seek", "step")]
    assert kinds == ["step", "hold", "heard", "seek", "step"], kinds
    heard = next(e for e in events if e.kind == "heard")
    assert heard.detail in ({phrase, "go on"} if phrase == "done" else {phrase})
    hold = next(e for e in events if e.kind == "hold")
    assert listener.gated == 0  # said in silence: the gate was open
    assert heard.wall - hold.wall > 2.0  # it waited for the word
    waiting_line = bank_for("en").say("waiting_listen")
    assert any(e.kind == "cue" and e.cue is not None and e.cue.text == waiting_line for e in events)
    source = listener.source
    late = heard.wall - (source.began + said_at + len(word) / RATE)  # type: ignore[attr-defined]
    assert 0 <= late < 0.5, f"acted on {late:.2f} s after the word ended"


def test_the_views_say_it_waits_and_for_what(tmp_path: Path) -> None:
    """The plain lines log the wait; the screen shows it, in the routine's language, with the
    time so far instead of a time left."""
    from rich.console import Console

    from guidecast.core.defaults import SAMPLE_RATE
    from guidecast.live.ahead import LiveShow
    from guidecast.live.view import PlainView, screen
    from guidecast.routine.reader import read_routine_file
    from guidecast.speech.voice import voice_for

    out = io.StringIO()

    class Pressing(PlainView):
        def event(self, event: Event) -> None:
            super().event(event)
            if event.kind == "hold":
                threading.Timer(0.3, handle_key, (self.player, "n")).start()

    play(routine_file(tmp_path), Pacing(), "null", SPEED, view=lambda p, d: Pressing(p, d, out))
    (line,) = [line for line in out.getvalue().splitlines() if line.split()[1] == "hold"]
    assert line.endswith("hold   waiting: press space or n when done")

    for language, expected in (("en", "waiting: press space or n when done"), ("es", "esperando")):
        path = tmp_path / f"{language}.yaml"
        path.write_text(
            ROUTINE.replace("STEP_EXTRA", "").replace("chime:", f"language: {language}\nchime:")
        )
        routine = read_routine_file(path)
        show = LiveShow(routine, Pacing(), voice_for(routine, Pacing(), SAMPLE_RATE))
        try:
            show.start()
            show.wait_final(timeout=60)
            player = Player(show)
            span = show.snapshot().timeline.steps[0]
            player.position = span.perform_start
            player.first_audio = 0.0
            player.fill(1024)
            assert player.awaiting
            console = Console(file=io.StringIO(), record=True, width=90, color_system=None)
            console.print(screen(player, 90))
            text = console.export_text()
        finally:
            show.close()
        assert expected in text, text
        assert words(language)["so_far"] in text
        assert words(language)["left_in_step"] not in text
