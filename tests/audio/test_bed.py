"""A sound bed under a built session, heard as a listener hears it: the MP3 decoded, the bed at
its level in the pauses (within 1 dB), lowered by its duck under speech, no clicks, the same
bytes every build, the session at -16 LUFS under -1 dBTP; per-step beds and `off`; live play."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from guidecast.audio.bed import ATTACK_S, FADE_END_S, FADE_IN_S, FADE_OFF_S, RELEASE_S
from guidecast.audio.dsp import k_energy, to_float
from guidecast.audio.leveling import Loudness
from guidecast.audio.render import stream_pcm
from guidecast.audio.session import level_session
from guidecast.build import plan
from guidecast.live.ahead import LiveShow
from guidecast.live.pausefade import PAUSE_FADE_S
from guidecast.live.player import Player
from guidecast.routine.pacing import Pacing, pacing_from_options
from guidecast.routine.reader import read_routine_file
from guidecast.speech.voice import voice_for
from tests.audio.test_leveling import true_peak_db
from tests.listening import SILENCE_PEAK, decode_mp3
from tests.test_end_to_end import run_guidecast

RATE = 22050
ROUTINE = """\
guidecast: 1
title: Bed Test
intro:
  - Welcome. Find a comfortable place to sit, and let your hands rest in your lap.
  - Breathe in slowly through your nose, and out through your mouth.
background: {sound: rain, level: -20, duck: 12}
steps:
  - id: rest
    title: Rest
    say:
      - Rest your hands on your belly, and let your breath slow down.
      - Feel your belly rise and fall, without changing anything.
    duration: 50s
  - id: still
    title: Still
    say: Now stay still for a while, and listen to the quiet around you.
    duration: 30s
    background: off
  - id: waves
    title: Waves
    say: Listen to the waves, and let each breath come and go like the sea.
    duration: 30s
    background: {sound: waves, level: -26}
outro: That is all for today. Move slowly as you get up, and have a glass of water.
"""


def loudness(samples: np.ndarray, rate: int = RATE) -> float:
    """BS.1770 loudness of a stretch, ungated (a steady bed needs no gate)."""
    energy = k_energy(samples.astype(np.float32), rate)[: len(samples)]
    return -0.691 + 10 * math.log10(float(energy.mean()))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, np.ndarray]:
    folder = tmp_path_factory.mktemp("bed")
    (folder / "bed.yaml").write_text(ROUTINE)
    result = run_guidecast("build", str(folder / "bed.yaml"), "-o", str(folder / "out"))
    assert result.returncode == 0, result.stderr
    manifest = json.loads((folder / "out" / "bed-test.json").read_text())
    decoded = decode_mp3(folder / "out" / "bed-test.mp3", RATE)
    return folder, manifest, np.asarray(decoded.samples, dtype=np.float64) / 32768


def quiet_stretches(manifest: dict, step: str) -> list[tuple[float, float]]:
    """The stretches of a step's perform time that no cue reaches, away from the ducking and
    from the fade before a change of bed."""
    (span,) = [s for s in manifest["steps"] if s["id"] == step]
    section = next(s for s in manifest["background"]["sections"] if s["end_s"] >= span["end_s"])
    fading = section["end_s"] - min(FADE_OFF_S, (section["end_s"] - section["start_s"]) / 3)
    edges = [span["perform_start_s"]]
    for cue in manifest["cues"]:
        if span["perform_start_s"] <= cue["start_s"] < span["perform_end_s"]:
            edges += [cue["start_s"], cue["end_s"]]
    edges.append(span["perform_end_s"])
    pairs = zip(edges[::2], edges[1::2], strict=True)
    pairs = [(a + RELEASE_S + 0.2, min(b - ATTACK_S - 0.2, fading)) for a, b in pairs]
    return [(a, b) for a, b in pairs if b - a > 3]


def test_the_bed_is_at_its_level_in_every_pause(built: tuple[Path, dict, np.ndarray]) -> None:
    _, manifest, samples = built
    voice = -16.0  # the target: the bed is set under the voice as leveled
    for step, level in (("rest", -20), ("waves", -26)):
        stretches = quiet_stretches(manifest, step)
        assert stretches, step
        for a, b in stretches:
            heard = loudness(samples[round(a * RATE) : round(b * RATE)])
            assert heard == pytest.approx(voice + level, abs=1.0), (step, a, b)


def test_the_bed_is_off_where_a_step_says_so(built: tuple[Path, dict, np.ndarray]) -> None:
    _, manifest, samples = built
    (span,) = [s for s in manifest["steps"] if s["id"] == "still"]
    # the rain fades out before the step, and nothing plays under it but its words
    for a, b in quiet_stretches(manifest, "still"):
        assert np.abs(samples[round(a * RATE) : round(b * RATE)]).max() * 32768 <= SILENCE_PEAK
    before = samples[round((span["start_s"] - 0.5) * RATE) : round(span["start_s"] * RATE)]
    assert loudness(before) < -16 - 20 - 20  # faded, not cut


def test_session_meets_its_loudness_and_true_peak(built: tuple[Path, dict, np.ndarray]) -> None:
    import pyloudnorm

    _, manifest, samples = built
    assert manifest["loudness_lufs"] == pytest.approx(-16.0, abs=0.25)
    assert pyloudnorm.Meter(RATE).integrated_loudness(samples) == pytest.approx(-16.0, abs=1.0)
    assert true_peak_db(samples) <= -1.0


def test_no_clicks_where_the_bed_plays_alone(built: tuple[Path, dict, np.ndarray]) -> None:
    """In the pauses the bed is all there is: its largest sample-to-sample step stays within
    what the loop itself has, at its gain (a click at a seam or a chunk edge would not)."""
    from guidecast.audio.beds import generated_loop

    _, manifest, samples = built
    loop = generated_loop("rain", RATE)
    gain = 10 ** ((-16.0 - 20 - loop.loudness) / 20)
    bound = float(np.abs(np.diff(loop.samples)).max()) * gain * 1.5  # MP3 moves samples a little
    for a, b in quiet_stretches(manifest, "rest"):
        stretch = samples[round(a * RATE) : round(b * RATE)]
        assert np.abs(np.diff(stretch)).max() <= bound


def test_the_manifest_records_the_bed(built: tuple[Path, dict, np.ndarray]) -> None:
    _, manifest, _ = built
    bed = manifest["background"]
    assert (bed["sound"], bed["level_lu"], bed["duck_db"]) == ("rain", -20, 12)
    assert bed["loudness_lufs"] == pytest.approx(-36.0)
    sounds = [(s["sound"], s["level_lu"]) for s in bed["sections"]]
    assert sounds == [("rain", -20), (None, None), ("waves", -26)]
    assert bed["sections"][-1]["end_s"] == manifest["duration_s"]


def test_the_same_routine_builds_the_same_bytes(
    built: tuple[Path, dict, np.ndarray], tmp_path: Path
) -> None:
    folder, _, _ = built
    result = run_guidecast("build", str(folder / "bed.yaml"), "-o", str(tmp_path))
    assert result.returncode == 0, result.stderr
    first = (folder / "out" / "bed-test.mp3").read_bytes()
    assert (tmp_path / "bed-test.mp3").read_bytes() == first


@pytest.fixture(scope="module")
def leveled(built: tuple[Path, dict, np.ndarray]):
    folder, _, _ = built
    routine = read_routine_file(folder / "bed.yaml")
    voice = voice_for(routine, Pacing(), RATE)
    try:
        session = plan(routine, Pacing(), voice)
    finally:
        voice.close()
    return level_session(session, Loudness())


def test_the_bed_is_lowered_by_its_duck_under_speech(leveled) -> None:
    """The bed alone (the session with it, less the session without it: the same clips), in
    speech and in pauses: `duck` dB apart, and the voice 32 dB over it while it speaks."""
    timeline, clips = leveled.timeline, leveled.clips
    with_bed = to_float(b"".join(stream_pcm(timeline, clips, bed=leveled.bed)))
    voice = to_float(b"".join(stream_pcm(timeline, clips)))
    bed = with_bed - voice
    span = next(s for s in timeline.steps if s.id == "rest")
    lines = [c for c in timeline.cues if c.text and c.step == "rest" and c.length > RATE]
    assert lines
    under = np.concatenate([bed[c.start : c.end] for c in lines])
    speech = np.concatenate([voice[c.start : c.end] for c in lines])
    pause = bed[span.perform_start + 2 * RATE : span.perform_start + 12 * RATE]  # before fading
    assert loudness(pause) - loudness(under) == pytest.approx(12, abs=0.5)
    assert loudness(speech) - loudness(under) >= 15
    # faded in at the start and out at the end, never cut
    assert np.abs(with_bed[: RATE // 10]).max() < 0.01
    assert np.abs(bed[-RATE // 10 :]).max() < np.abs(bed[-round(FADE_END_S * RATE) :]).max() / 10
    assert FADE_IN_S > 1


def test_a_bed_plays_live_and_pauses_with_the_session(leveled) -> None:
    """`play`: the live session has the bed in its pauses, at the build's level within 1 dB;
    paused, the device gets silence and the bed goes on from the same sample."""
    routine = leveled.routine
    pacing = Pacing()
    voice = voice_for(routine, pacing, RATE)
    show = LiveShow(routine, pacing, voice)
    try:
        show.start()
        snap = show.wait_final(timeout=120)
        show._bed.ready.wait(30)
        span = next(s for s in snap.timeline.steps if s.id == "rest")
        start = span.perform_start + 2 * RATE
        show._bed._from = 0  # as if the loop were made before the first sample
        live = to_float(show.pcm(snap, start, 4 * RATE))
        built = leveled.bed.render(start, 4 * RATE)
        assert loudness(live) == pytest.approx(loudness(built), abs=1.0)
        player = Player(show, clock=lambda: 0.0)
        player.position = start
        first = player.fill(RATE // 10)
        assert first == show.pcm(snap, start, RATE // 10)
        _pause_fades_the_bed_out_and_in(player, show, snap, start + RATE // 10)
    finally:
        show.close()


def _pause_fades_the_bed_out_and_in(player: Player, show: LiveShow, snap, at: int) -> None:
    """Paused in a pause of the voice (the bed alone): the bed goes on from the same sample,
    fading out over PAUSE_FADE_S with no click, then silence; resumed, the same samples again
    with the bed fading in, then the session exactly as before."""
    fade, piece = round(PAUSE_FADE_S * RATE), RATE // 20
    bed = to_float(show.pcm(snap, at, 2 * fade))  # the voice is silent here: the bed alone
    player.pause()
    tail = to_float(b"".join(player.fill(piece) for _ in range(8)))  # 0.4 s
    assert player.position == at  # the clock stood still
    assert np.abs(tail[fade:]).max() == 0  # faded out, then silence
    # the bed where it stopped, then less and less of it: no step at the pause, no click
    assert abs(tail[0] - bed[0]) < 1e-3
    thirds = [rms(tail[i * fade // 3 : (i + 1) * fade // 3]) for i in range(3)]
    assert thirds[0] > thirds[1] > thirds[2] > 0
    assert np.abs(np.diff(tail[:fade])).max() <= np.abs(np.diff(bed[:fade])).max() + 1e-3
    player.resume()
    back = to_float(b"".join(player.fill(piece) for _ in range(8)))
    assert abs(back[0]) < 1e-3  # the bed comes back from nothing ...
    thirds = [rms(back[i * fade // 3 : (i + 1) * fade // 3]) for i in range(3)]
    assert thirds[0] < thirds[1] < thirds[2]
    # ... and once faded in, the session is sample for sample what it was
    assert np.array_equal(back[fade:], bed[fade : len(back)])


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--background", "rian"), "--background: unknown sound 'rian' (did you mean 'rain'?)"),
        (("--background", "missing.ogg"), "--background: file 'missing.ogg' not found"),
        (("--background-level", "2"), "--background-level must be from -40 to -3 LU"),
    ],
)
@pytest.mark.parametrize("command", [("build", "baby-daily-back"), ("build-all", "--shipped")])
def test_bad_background_options_are_one_line_exit_2(
    command: tuple[str, str], args: tuple[str, ...], expected: str
) -> None:
    result = run_guidecast(*command, "-o", "/nonexistent/never", *args)
    assert result.returncode == 2
    assert result.stderr.startswith(f"guidecast: {expected}")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_build_all_puts_the_bed_asked_for_under_every_routine(tmp_path: Path) -> None:
    folder = tmp_path / "routines"
    folder.mkdir()
    plain = ROUTINE.replace("background: {sound: rain, level: -20, duck: 12}\n", "")
    assert plain != ROUTINE
    (folder / "bed.yaml").write_text(plain)
    out = tmp_path / "out"
    args = ("--background", "waves", "--background-level", "-30", "-o", str(out))
    result = run_guidecast("build-all", str(folder), *args)
    assert result.returncode == 0, result.stderr
    (manifest,) = out.glob("*.json")
    first = json.loads(manifest.read_text())["background"]["sections"][0]
    assert (first["sound"], first["level_lu"]) == ("waves", -30)


def test_a_bad_sound_file_in_a_routine_names_its_place(tmp_path: Path) -> None:
    (tmp_path / "noise.wav").write_text("not a sound")
    routine = ROUTINE.replace("{sound: rain, level: -20, duck: 12}", "noise.wav")
    (tmp_path / "bed.yaml").write_text(routine)
    result = run_guidecast("build", str(tmp_path / "bed.yaml"), "-o", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.startswith(f"guidecast: {tmp_path / 'bed.yaml'}:6:13: background file ")
    assert "cannot decode it" in result.stderr and result.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_options_override_the_routine() -> None:
    routine = read_routine_file_text(ROUTINE)
    from guidecast.audio.bed import resolve

    base, steps = resolve(routine, pacing_from_options(background="drone").background)
    assert (base.sound, base.level, steps["still"].off, steps["waves"].sound) == (
        "drone",
        -20,
        True,
        "waves",
    )
    base, steps = resolve(routine, pacing_from_options(background="off").background)
    assert base.off and all(s.off for s in steps.values())
    base, steps = resolve(routine, pacing_from_options(background_level=-30).background)
    assert base.level == -30 and steps["waves"].level == -30 and base.sound == "rain"


def read_routine_file_text(text: str):
    from guidecast.routine.reader import parse_routine

    return parse_routine(text, "bed.yaml")


def test_a_bed_too_loud_under_speech_is_warned_about(leveled) -> None:
    from dataclasses import replace

    from guidecast.audio.bed import bed_layout
    from guidecast.routine.model import Background

    loud = replace(leveled.routine, background=Background(sound="brown", level=-6, duck=6))
    layout = bed_layout(loud, leveled.timeline)
    assert layout is not None
    (note,) = [n for n in layout.notes if "brown" in n]
    assert "only 12 dB under the voice while it speaks" in note
    assert bed_layout(leveled.routine, leveled.timeline).notes == ()
    assert bed_layout(leveled.routine, leveled.timeline, Background(off=True)) is None
