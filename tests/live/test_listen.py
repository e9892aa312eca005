"""`guidecast play --listen`: spoken commands, recognized offline by pocketsphinx.

The recordings are made here: each command said by real voices (espeak-ng's, and the natural
hibari and piper voices), mixed with noise and with the session's own speech, and fed to the
real recognizer; and a recording of commands fed to the real player on the null device.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy
import pytest

from guidecast.audio.beds import generated_loop
from guidecast.core.defaults import BED_LEVEL_LU, BED_SOUNDS
from guidecast.core.errors import UsageError
from guidecast.language.commands import ACTIONS, ENGLISH, commands_for
from guidecast.live.devices import MAX_AHEAD_S
from guidecast.live.events import Event
from guidecast.live.listen import Gate, Recognizer, RecognizerProcess
from guidecast.live.play import play
from guidecast.live.player import ACTIONS as PLAYER_ACTIONS
from guidecast.live.player import Player
from guidecast.live.show import Snapshot
from guidecast.live.sources import RATE, FileSource, read_wav
from guidecast.routine.pacing import Pacing, pacing_from_options
from guidecast.timeline.layout import Cue, StepSpan, Timeline
from tests.live.recordings import ECHO_DB, pcm, say, write_wav

# -- the word table and the gate ----------------------------------------------------------


def test_every_command_phrase_has_an_action_the_player_knows() -> None:
    assert set(ENGLISH.phrases.values()) == set(ACTIONS) == set(PLAYER_ACTIONS)
    assert commands_for("en-GB") is ENGLISH
    assert commands_for("fr") is None
    assert ENGLISH.action(" Go   On ") == "resume"


def test_the_gate_closes_while_the_session_sounds_and_a_moment_after() -> None:
    gate = Gate(tail=0.3)
    assert gate.open_during(9.9, 10.1)
    gate.sounding(10.0, 10.5)
    gate.sounding(10.5, 11.0)
    assert not gate.open_during(10.6, 10.8)
    assert not gate.open_during(11.1, 11.2)  # the echo tail
    assert gate.open_during(11.35, 11.8)
    assert gate.open_during(9.0, 9.9)


def test_a_bad_listen_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        read_wav(tmp_path / "missing.wav")
    (tmp_path / "text.wav").write_text("not audio")
    with pytest.raises(UsageError, match="not a WAV file"):
        read_wav(tmp_path / "text.wav")
    write_wav(tmp_path / "s.wav", numpy.zeros(4410), rate=44100)
    assert len(read_wav(tmp_path / "s.wav")) == 2 * 1600  # resampled to 16 kHz


# -- play --listen-from on the null device -------------------------------------------------

ROUTINE = """\
guidecast: 1
title: Listen Test
chime: false
cues: {countdown: 0, next_up: false}
steps:
  - id: wash
    title: Wash
    say: Wash your hands.
    duration: 7s
  - id: circles
    title: Circles
    say: Make slow circles.
    duration: 7s
  - id: rest
    title: Rest
    say: Rest.
    duration: 3s
"""

# (seconds into the recording, phrase): each said in a silent hold, so the gate is open
SCRIPT = [(3.5, "pause"), (6.0, "continue"), (8.0, "next"), (12.5, "repeat")]


# the bed is BED_LEVEL_LU under the guide's voice, in the microphone as in the session
BED_LEAK_DB = ECHO_DB + BED_LEVEL_LU


@pytest.mark.parametrize("bed", ["none", "routine", "option"])
def test_play_listen_from_a_recording_takes_exactly_those_actions(tmp_path: Path, bed: str) -> None:
    """Over a sound bed too, the routine's or --background's: the gate watches the voice (the
    timeline's cues), not the mix, and the recording carries the bed as the room does."""
    routine = tmp_path / "listen-test.yaml"
    in_routine = "background: rain\n" if bed == "routine" else ""
    routine.write_text(ROUTINE.replace("chime: false\n", "chime: false\n" + in_routine))
    pacing = pacing_from_options(background="rain") if bed == "option" else Pacing()
    words = say("piper", "joe", [phrase for _, phrase in SCRIPT])
    length = SCRIPT[-1][0] + 3
    recording = numpy.random.default_rng(7).normal(0, 30, round(length * RATE))
    level = numpy.sqrt(numpy.mean(numpy.concatenate(words) ** 2))
    if bed != "none":
        rain = generated_loop("rain", RATE).take(0, len(recording)).astype(float)
        recording += rain * level / numpy.sqrt(numpy.mean(rain**2)) * 10 ** (BED_LEAK_DB / 20)
    ends = []
    for (at, _), word in zip(SCRIPT, words, strict=True):
        start = round(at * RATE)
        recording[start : start + len(word)] += word
        ends.append(at + len(word) / RATE)
    wav = tmp_path / "commands.wav"
    write_wav(wav, recording)

    events: list[Event] = []

    class Log:
        def __init__(self, player: Player, device: str) -> None:
            self.player = player

        def __enter__(self) -> Log:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

        def event(self, event: Event) -> None:
            events.append(event)

        def refresh(self) -> None:
            pass

    player = play(str(routine), pacing, "null", 1.0, time.monotonic(), view=Log, listen_from=wav)
    listener = player.listener
    assert listener is not None and listener.error is None
    heard = [e for e in events if e.kind == "heard"]
    assert [e.detail for e in heard] == [phrase for _, phrase in SCRIPT]
    actions = [e.kind for e in events if e.kind in ("pause", "resume", "seek", "repeat")]
    assert actions[:3] == ["pause", "resume", "seek"]
    assert set(actions[3:]) == {"repeat"}
    assert listener.gated == 0
    source = listener.source
    assert isinstance(source, FileSource)
    for event, end in zip(heard, ends, strict=True):
        late = event.wall - (source.began + end)
        assert 0 <= late < 0.5, f"{event.detail}: acted on {late:.2f} s after the word ended"
    steps = [e.step for e in events if e.kind == "step"]
    assert steps == [0, 1, 2]
    # the bed played under the session: a silent hold of the voice still sounds
    snap = player.snapshot()
    hold = snap.timeline.steps[0].perform_end - snap.timeline.sample_rate
    sound = numpy.frombuffer(player.show.pcm(snap, hold, snap.timeline.sample_rate), numpy.int16)
    assert (numpy.abs(sound).max() > 100) == (bed != "none")
    print(
        "\nlatency from the end of the word to the action: "
        + ", ".join(f"{x:.2f} s" for x in listener.latencies)
    )


def test_the_player_gates_on_its_voice_not_on_the_bed_under_it() -> None:
    """A bed sounds in every period the player sends; the gate closes only around the cues."""
    rate = 1000
    cue = Cue("instruction", 2000, 500, text="Rest.")
    timeline = Timeline(rate, 5000, (StepSpan("rest", "Rest", 0, 5000, 0, 5000),), (cue,))

    class Bedded:
        sample_rate = rate
        title, language, error = "Bed", "en", None

        def start(self) -> None:
            pass

        def snapshot(self) -> Snapshot:
            return Snapshot(timeline, timeline.length, final=True)

        def pcm(self, snap: Snapshot, start: int, count: int) -> bytes:
            return pcm(numpy.full(count, 3000.0))  # the bed, loud, everywhere

        def close(self) -> None:
            pass

    now = [100.0]
    player = Player(Bedded(), clock=lambda: now[0])
    player.gate = gate = Gate(tail=0.3)
    for _ in range(50):  # 100 ms periods: the session's 5 s
        player.fill(100)
        now[0] += 0.1
    assert gate.open_during(100.5, 101.0)  # the bed alone, before the line
    assert not gate.open_during(102.1, 102.3)  # the line (from 102.0 to 102.5)
    assert gate.open_during(103.5 + MAX_AHEAD_S, 104.5)  # the bed alone, after it


# -- leakage: the shipped sessions themselves never command the player ----------------------


@pytest.mark.slow
def test_the_shipped_sessions_own_audio_takes_no_action() -> None:
    from guidecast.audio.render import stream_pcm
    from guidecast.build import plan
    from guidecast.routine.library import resolve, routines_dir
    from guidecast.routine.reader import read_routine_file
    from guidecast.speech.voice import voice_for

    total_gated = total_ungated = 0
    for path in sorted(routines_dir().glob("*.yaml")):
        routine = read_routine_file(resolve(str(path)))
        voice = voice_for(routine, Pacing(), RATE)
        try:
            session = plan(routine, Pacing(), voice)
        finally:
            voice.close()
        gate = Gate()
        ungated = Recognizer(ENGLISH)
        gated = Recognizer(ENGLISH)
        taken: list[str] = []
        heard_ungated: list[str] = []
        for cue in session.timeline.cues:  # as the player marks them (live/player.py)
            gate.sounding(cue.start / RATE, cue.end / RATE)
        for chunk in stream_pcm(session.timeline, session.clips):
            for found in gated.feed(chunk):
                if gate.open_during(found.start, found.end):
                    taken.append(found.phrase)
            heard_ungated += [h.phrase for h in ungated.feed(chunk)]
        print(
            f"\n{path.stem}: {session.timeline.seconds / 60:.0f} min; through the gate "
            f"{len(taken)} actions; without it {len(heard_ungated)} {heard_ungated}"
        )
        assert taken == [], path.stem
        total_gated += len(taken)
        total_ungated += len(heard_ungated)
    print(f"false commands: {total_gated} through the gate, {total_ungated} without it")


@pytest.mark.parametrize("sound", BED_SOUNDS)
def test_a_sound_bed_in_the_microphone_takes_no_action(sound: str) -> None:
    """The bed plays on while the gate is open (it is not the voice): a minute of each, as
    loud as a voice in the room and quieter, commands nothing."""
    rain = generated_loop(sound, RATE).take(0, 60 * RATE).astype(float)
    rain *= 3000 / numpy.sqrt(numpy.mean(rain**2))
    for gain in (1.0, 0.1):
        recognizer = Recognizer(ENGLISH)
        heard = recognizer.feed(pcm(rain * gain)) + recognizer.feed(bytes(RATE * 2))
        assert heard == [], (sound, gain, [h.phrase for h in heard])


def test_the_recognizer_process_hears_what_the_recognizer_hears() -> None:
    """The player's recognizer runs in a process of its own (pocketsphinx holds the GIL while
    it decodes); it must hear the same, and say so in one line when it cannot start."""
    words = say("pyttsx3", "gmw/en-us", ["move on", "wait"])
    pad = numpy.zeros(RATE)
    audio = pcm(numpy.concatenate([pad, words[0], pad, words[1], pad]))
    here = Recognizer(ENGLISH).feed(audio)
    there = RecognizerProcess("en")
    try:
        heard = there.feed(audio)
        assert [h.phrase for h in heard] == [h.phrase for h in here] == ["move on", "wait"]
        assert there.cpu > 0
    finally:
        there.close()
    assert not there.worker.process.is_alive()
    broken = RecognizerProcess("xx")
    try:
        with pytest.raises(RuntimeError, match="no command words for language 'xx'"):
            broken.feed(audio)
    finally:
        broken.close()


def test_a_recognizer_that_dies_is_said_once_and_the_session_plays_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    routine = tmp_path / "listen-test.yaml"
    routine.write_text(ROUTINE.replace("duration: 7s", "duration: 2s"))
    wav = tmp_path / "quiet.wav"
    write_wav(wav, numpy.zeros(RATE))

    def dead(self: RecognizerProcess, pcm: bytes) -> list[object]:
        raise RuntimeError("the recognizer stopped: killed")

    monkeypatch.setattr(RecognizerProcess, "feed", dead)
    notes: list[str] = []
    player = play(str(routine), Pacing(), "null", 4.0, warn=notes.append, listen_from=wav)
    assert player.finished
    assert notes == [
        "--listen stopped hearing commands during the session (the recognizer stopped: killed)"
    ]
