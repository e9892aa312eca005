"""`guidecast play`: a session played live on miniaudio's null device, with real speech.

The null device takes audio in real time without a sound card, so these tests run the real
player: its clock is the samples the device took. At --speed 20 a 50-second session plays in
under three seconds, and every step must start where the built session's manifest says.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from guidecast.audio.leveling import level_live
from guidecast.build import Session, plan
from guidecast.core.defaults import SAMPLE_RATE as DEFAULT_SAMPLE_RATE
from guidecast.live.ahead import LiveShow
from guidecast.live.events import Event
from guidecast.live.keys import handle_key
from guidecast.live.play import play
from guidecast.live.player import Player
from guidecast.output.manifest import manifest
from guidecast.routine.library import resolve
from guidecast.routine.pacing import Pacing
from guidecast.routine.reader import read_routine_file
from guidecast.speech.cache import ClipCache
from guidecast.speech.engine import SpeechClip
from guidecast.speech.voice import voice_for

ROUTINE = """\
guidecast: 1
title: Play Test
intro: Welcome to the player test.
safety: [Stop if anything hurts.]
outro: That is all.
cues: {countdown: 3}
steps:
  - id: wash
    title: Wash your hands
    say: Wash your hands with warm water.
    duration: 6s
    pause: 2s
  - id: circles
    title: Circles
    say: Make slow circles.
    duration: 5s
    sides: [left side, right side]
  - id: rest
    title: Rest
    say: Rest your hands.
    duration: 12s
    cues: {halfway: true, countdown: 0}
"""

SPEED = 20.0
TOLERANCE_S = 0.1  # wall seconds, so 2 s of session time at SPEED


@pytest.fixture(scope="module")
def routine_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("play") / "play-test.yaml"
    path.write_text(ROUTINE)
    return path


@pytest.fixture(scope="module")
def planned(routine_file: Path) -> Session:
    """The session as `guidecast build` plans it (this also fills the test's speech cache)."""
    routine = read_routine_file(routine_file)
    voice = voice_for(routine, Pacing(), DEFAULT_SAMPLE_RATE)
    try:
        return plan(routine, Pacing(), voice)
    finally:
        voice.close()


class Recorder:
    """A view that keeps every event and presses keys when given events arrive.

    `presses` are (predicate, key) pairs, used in order, each once: the key goes through the
    same `handle_key` as a real key press, from the player's main loop.
    """

    def __init__(
        self, player: Player, presses: list[tuple[Callable[[Event], bool], str]] | None = None
    ) -> None:
        self.player = player
        self.events: list[Event] = []
        self.presses = list(presses or [])
        self.on_event: Callable[[Event], None] | None = None

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def event(self, event: Event) -> None:
        self.events.append(event)
        if self.on_event is not None:
            self.on_event(event)
        if self.presses and self.presses[0][0](event):
            handle_key(self.player, self.presses.pop(0)[1])

    def refresh(self) -> None:
        pass

    def of(self, kind: str) -> list[Event]:
        return [e for e in self.events if e.kind == kind]


def play_recorded(
    routine: str,
    speed: float = SPEED,
    presses: list[tuple[Callable[[Event], bool], str]] | None = None,
    setup: Callable[[Recorder], None] | None = None,
    pacing: Pacing | None = None,
) -> tuple[Player, Recorder]:
    made: list[Recorder] = []

    def view(player: Player, device: str) -> Recorder:
        recorder = Recorder(player, presses)
        if setup:
            setup(recorder)
        made.append(recorder)
        return recorder

    started = time.monotonic()
    player = play(routine, pacing or Pacing(), "null", speed, started, view=view)
    return player, made[0]


def session_seconds(player: Player, event: Event) -> float:
    """Where the wall clock says the session was at an event: (wall - waits) times speed."""
    assert player.first_audio is not None
    return (event.wall - player.first_audio - event.waited) * player.speed


def test_each_step_starts_at_the_manifest_time(routine_file: Path, planned: Session) -> None:
    player, seen = play_recorded(str(routine_file))
    timeline = planned.timeline
    spec = manifest(planned.routine, timeline, "play-test.mp3")
    assert player.snapshot().timeline == timeline  # the played session is the built one
    steps = seen.of("step")
    assert [e.step for e in steps] == list(range(len(timeline.steps)))
    for event, entry in zip(steps, spec["steps"], strict=True):
        assert event.position / timeline.sample_rate == pytest.approx(entry["start_s"], abs=1e-5)
        assert session_seconds(player, event) == pytest.approx(
            entry["start_s"], abs=TOLERANCE_S * SPEED
        )
    spoken = [e.cue for e in seen.of("cue") if e.cue is not None and e.cue.text is not None]
    assert spoken == [cue for cue in timeline.cues if cue.text is not None]
    assert player.played == timeline.length
    assert seen.events[-1].kind == "end"
    assert seen.events[-1].position == timeline.length
    print(
        f"\nplayed {timeline.seconds:.1f} s at {SPEED:g}x; "
        f"clock waited {player.waited:.3f} s for speech"
    )


def test_pause_stops_the_clock(routine_file: Path, planned: Session) -> None:
    held: dict[str, int] = {}

    def setup(recorder: Recorder) -> None:
        def on_event(event: Event) -> None:
            if event.kind == "step" and event.step == 1:
                recorder.player.pause()
                held["at_pause"] = recorder.player.position
                time.sleep(0.4)  # 8 s of session time at 20x, if the clock ran on
                held["after_wait"] = recorder.player.position
                recorder.player.resume()

        recorder.on_event = on_event

    player, seen = play_recorded(str(routine_file), setup=setup)
    assert held["after_wait"] == held["at_pause"]
    pause, resume = seen.of("pause")[0], seen.of("resume")[0]
    assert pause.position == resume.position == held["at_pause"]
    assert resume.wall - pause.wall >= 0.4
    assert player.played == planned.timeline.length  # nothing lost, nothing played twice
    # after the pause the steps still come on the session clock
    for event in seen.of("step"):
        start = planned.timeline.steps[event.step or 0].start / planned.timeline.sample_rate
        assert session_seconds(player, event) == pytest.approx(start, abs=TOLERANCE_S * SPEED)


def test_keys_n_p_r_move_between_steps(routine_file: Path, planned: Session) -> None:
    timeline = planned.timeline
    steps = timeline.steps
    instruction = next(c for c in timeline.cues if c.kind == "instruction" and c.step == "circles")
    left, right = (
        next(c for c in timeline.cues if c.kind == "side" and s.start <= c.start < s.end)
        for s in steps[1:3]
    )

    def in_step(index: int, kind: str | None = None) -> Callable[[Event], bool]:
        def check(e: Event) -> bool:
            return (
                e.kind == "cue"
                and e.cue is not None
                and (kind is None or e.cue.kind == kind)
                and steps[index].start <= e.position < steps[index].end
            )

        return check

    presses = [
        (in_step(0), "n"),  # step 0 (wash) has begun: on to step 1
        (in_step(1), "n"),  # step 1 (circles, left side): on to step 2
        (in_step(2), "p"),  # step 2 (circles, right side): back to step 1
        (in_step(1, "countdown"), "r"),  # near the end of step 1: its instruction again
        (in_step(2, "countdown"), "r"),  # and in step 2, whose own words are only the side
    ]
    player, seen = play_recorded(str(routine_file), presses=presses)
    seeks = seen.of("seek")
    assert [(e.detail, e.target) for e in seeks] == [
        ("next", steps[1].start),
        ("next", steps[2].start),
        ("previous", steps[1].start),
    ]
    assert [e.step for e in seen.of("step")] == [0, 1, 2, 1, 2, 3]
    assert seen.events[-1].kind == "end"
    repeats = seen.of("repeat")
    assert [e.cue for e in repeats] == [instruction, left, instruction, right]
    # the clock stands still while the lines are said again: the step loses no time
    assert repeats[0].position == repeats[1].position
    assert repeats[2].position == repeats[3].position
    after = seen.events[seen.events.index(repeats[1]) + 1 :]
    assert next(e for e in after if e.kind == "cue").position >= repeats[1].position
    # every sample from each landing place on is played once; the repeats advance nothing
    jumps = sum((e.target or 0) - e.position for e in seeks)
    assert player.played == timeline.length - jumps


def test_q_quits_and_space_pauses(routine_file: Path) -> None:
    presses = [
        (lambda e: e.kind == "step", " "),
        (lambda e: e.kind == "pause", " "),
        (lambda e: e.kind == "resume", "q"),
    ]
    player, seen = play_recorded(str(routine_file), presses=presses)
    assert [e.kind for e in seen.events if e.kind in ("pause", "resume", "stop", "end")] == [
        "pause",
        "resume",
        "stop",
    ]
    assert player.stopped
    assert player.position < player.snapshot().timeline.length


def _cold_show(name: str, cache: Path, pacing: Pacing) -> LiveShow:
    routine = read_routine_file(resolve(name))
    voice = voice_for(routine, pacing, DEFAULT_SAMPLE_RATE)
    voice.cache = ClipCache(cache)
    return LiveShow(routine, pacing, voice)


@pytest.mark.parametrize(
    "pacing",
    [Pacing(), Pacing(length=70.0), Pacing(pace=1.5)],
    ids=["default", "length", "pace"],
)
def test_speech_ahead_never_changes_what_was_final(
    routine_file: Path, tmp_path: Path, pacing: Pacing
) -> None:
    """From a cold cache, every snapshot's final prefix is what the finished plan has."""
    show = _cold_show(str(routine_file), tmp_path / "cold", pacing)
    show.record = True
    try:
        show.start()
        final = show.wait_final(timeout=120).timeline
    finally:
        show.close()
    routine = read_routine_file(routine_file)
    voice = voice_for(routine, pacing, DEFAULT_SAMPLE_RATE)
    voice.cache = ClipCache(tmp_path / "cold")
    try:
        assert final == plan(routine, pacing, voice).timeline
    finally:
        voice.close()
    assert show.synthesized > 0
    assert len(show.published) > 3
    readies = [snap.ready for snap in show.published]
    assert readies == sorted(readies)  # the final part only grows
    for snap in show.published:
        ready = snap.ready
        assert [c for c in snap.timeline.cues if c.start < ready] == [
            c for c in final.cues if c.start < ready
        ]
        assert [s.start for s in snap.timeline.steps if s.start < ready] == [
            s.start for s in final.steps if s.start < ready
        ]


def test_time_to_first_audio_on_a_long_routine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """hand-expression (28 min, 15 steps): cold cache, then warm. Printed, not asserted."""
    monkeypatch.setenv("GUIDECAST_CACHE_DIR", str(tmp_path / "cache"))
    quit_after_speech = [(lambda e: e.kind == "cue" and e.cue is not None and e.cue.text, "q")]
    figures = {}
    for run in ("cold", "warm"):
        if run == "warm":
            routine = read_routine_file(resolve("hand-expression"))
            voice = voice_for(routine, Pacing(), DEFAULT_SAMPLE_RATE)
            try:
                plan(routine, Pacing(), voice)  # fill the cache
            finally:
                voice.close()
        player, seen = play_recorded("hand-expression", speed=1.0, presses=quit_after_speech)
        assert player.first_audio is not None and player.first_speech is not None
        assert seen.of("cue")[0].position == round(0.4 * DEFAULT_SAMPLE_RATE)  # after the lead-in
        figures[run] = (
            player.first_audio - player.started,
            player.first_speech - player.started,
            player.waited,
        )
    print()
    for run, (audio, speech, waited) in figures.items():
        print(
            f"{run} cache: first audio {audio:.3f} s, first speech {speech:.3f} s after start "
            f"(speech is due 0.400 s into the session; the clock waited {waited:.3f} s)"
        )


def run_guidecast(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "guidecast", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def test_cli_plays_a_routine_and_its_built_mp3(
    routine_file: Path, planned: Session, tmp_path: Path
) -> None:
    result = run_guidecast("play", str(routine_file), "--device", "null", "--speed", "20")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    live_steps = [line.split()[:6] for line in result.stdout.splitlines() if " step " in line]
    print("\n" + result.stdout.splitlines()[0])
    assert [" ".join(step[2:6]) for step in live_steps] == [
        "step 1 of 3:",
        "step 2 of 3,",
        "step 2 of 3,",
        "step 3 of 3:",
    ]

    built = run_guidecast("build", str(routine_file), "-o", str(tmp_path))
    assert built.returncode == 0, built.stderr
    mp3 = tmp_path / "play-test.mp3"
    from_file = run_guidecast("play", str(mp3), "--device", "null", "--speed", "20")
    assert from_file.returncode == 0, from_file.stderr
    file_steps = [line.split()[:6] for line in from_file.stdout.splitlines() if " step " in line]
    assert file_steps == live_steps  # same steps at the same times (to the tenth printed)
    data = json.loads((tmp_path / "play-test.json").read_text())
    for step, entry in zip(file_steps, data["steps"], strict=True):
        minutes, seconds = step[0].split(":")
        assert int(minutes) * 60 + float(seconds) == pytest.approx(entry["start_s"], abs=0.1)

    wrong = run_guidecast("play", str(mp3), "--pace", "2", "--device", "null")
    assert wrong.returncode == 2
    assert "pacing options" in wrong.stderr


def test_cli_lists_devices_and_rejects_unknown_ones(routine_file: Path) -> None:
    listed = run_guidecast("play", "--device", "list")
    assert listed.returncode == 0, listed.stderr
    assert "null" in listed.stdout.split()
    unknown = run_guidecast("play", str(routine_file), "--device", "no-such-card")
    assert unknown.returncode == 2
    assert "no sound device 'no-such-card'" in unknown.stderr


def test_a_warm_start_reads_lengths_only_and_then_every_clip(
    routine_file: Path, planned: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Warm, `start()` lays the first words out from their cache entries' headers (a long
    session has thousands of clips: reading them all first delayed the first word by a second,
    and taking every length and settling the session's length half a second more); the rest
    of the lengths and the audio are read in the background, into the show's own spool, and
    play as before."""
    read_by: list[str] = []
    get = ClipCache.get

    def counting_get(self: ClipCache, key: str) -> SpeechClip | None:
        read_by.append(threading.current_thread().name)
        return get(self, key)

    monkeypatch.setattr(ClipCache, "get", counting_get)
    show = _cold_show(str(routine_file), ClipCache().root, Pacing())  # the fixture's warm cache
    try:
        show.start()
        in_start = [name for name in read_by if name != "guidecast-speech"]
        first, cues = show.snapshot(), planned.timeline.cues
        assert first.ready >= cues[0].end  # the first words can be heard at once, ...
        heard = [cue for cue in cues if cue.end <= first.ready]
        assert [cue for cue in first.timeline.cues if cue.end <= first.ready] == heard
        assert in_start == []  # ... and not one clip's audio was read before the first sound
        show._thread.join(timeout=30)  # type: ignore[union-attr]
        assert show.snapshot().final and show.snapshot().timeline == planned.timeline
        assert show.synthesized == 0 and len(read_by) == len(show.clips)
        for text, clip in show.clips.items():
            made = planned.clips[text]
            assert clip.pcm == level_live(SpeechClip(made.pcm, made.sample_rate)).pcm
    finally:
        show.close()


def test_a_cache_entry_gone_before_it_is_read_plays_as_silence(
    routine_file: Path, planned: Session, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(ClipCache().root, cache)
    show = _cold_show(str(routine_file), cache, Pacing())
    # the lengths only (headers), and no background reading of the clips
    show._run = lambda lengths_first: show._take_lengths()  # type: ignore[method-assign]
    try:
        show.start()
        assert show._thread is not None
        show._thread.join()
        for entry in cache.glob("*/*.clip"):
            entry.unlink()  # `guidecast cache clear` in the first second
        text = next(iter(planned.clips))
        assert show.clips[text].pcm == bytes(2 * planned.clips[text].samples)
    finally:
        show.close()
