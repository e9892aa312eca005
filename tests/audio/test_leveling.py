"""Leveling: the session at its loudness target with true peaks under the ceiling, measured
on the real decoded audio and against pyloudnorm; the limiter and the gain policy on their own."""

from __future__ import annotations

import json
import math
import re
import wave
from pathlib import Path

import numpy as np
import pytest

from tests.listening import decode_mp3
from tests.output.test_outputs import NAME
from tests.test_end_to_end import ROUTINE, run_guidecast


def true_peak_db(samples: np.ndarray) -> float:
    """An independent true-peak meter: scipy's polyphase 4x oversampling."""
    from scipy.signal import resample_poly

    return 20 * math.log10(np.abs(resample_poly(samples, 4, 1)).max())


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> tuple[np.ndarray, dict]:
    out = tmp_path_factory.mktemp("shipped")
    result = run_guidecast("build", "baby-daily-back", "-o", str(out), "--length", "6m")
    assert result.returncode == 0, result.stderr
    (manifest_path,) = out.glob("*.json")
    manifest = json.loads(manifest_path.read_text())
    audio = decode_mp3(out / manifest["audio"], manifest["sample_rate"])
    return np.asarray(audio.samples, dtype=np.float64) / 32768.0, manifest


def test_shipped_routine_is_at_minus_16_lufs_under_minus_1_dbtp(
    shipped: tuple[np.ndarray, dict],
) -> None:
    import pyloudnorm

    samples, manifest = shipped
    loudness = pyloudnorm.Meter(manifest["sample_rate"]).integrated_loudness(samples)
    assert loudness == pytest.approx(-16.0, abs=1.0)
    assert manifest["loudness_lufs"] == pytest.approx(-16.0, abs=0.2)
    assert true_peak_db(samples) <= -1.0


def test_chimes_sit_below_the_voice(shipped: tuple[np.ndarray, dict]) -> None:
    import pyloudnorm

    samples, manifest = shipped
    rate = manifest["sample_rate"]
    meter = pyloudnorm.Meter(rate, block_size=0.4)
    chimes = [c for c in manifest["cues"] if c.get("sound") == "chime"]
    speech = [c for c in manifest["cues"] if c["text"] and c["end_s"] - c["start_s"] > 1.5]
    assert chimes and speech

    def loudness(cue: dict) -> float:
        start = round(cue["start_s"] * rate)
        return meter.integrated_loudness(samples[start : start + round(0.8 * rate)])

    loudest_chime = max(loudness(c) for c in chimes)
    typical_speech = float(np.median([loudness(c) for c in speech]))
    assert loudest_chime < typical_speech - 6


def test_loudness_target_is_configurable(tmp_path: Path) -> None:
    import pyloudnorm

    routine = tmp_path / "test.yaml"
    routine.write_text(ROUTINE)
    result = run_guidecast("build", str(routine), "-o", str(tmp_path), "--loudness=-20")
    assert result.returncode == 0, result.stderr
    audio = decode_mp3(tmp_path / f"{NAME}.mp3", 22050)
    samples = np.asarray(audio.samples, dtype=np.float64) / 32768.0
    assert pyloudnorm.Meter(22050).integrated_loudness(samples) == pytest.approx(-20, abs=1)
    assert true_peak_db(samples) <= -1.0


def test_limiter_lowers_peaks_without_clipping() -> None:
    from guidecast.audio.dsp import limit, true_peak_envelope

    rate = 22050
    t = np.arange(rate) / rate
    loud = 1.6 * np.sin(2 * math.pi * 440 * t) * np.hanning(rate)  # 4 dB over full scale
    limited = limit(loud, -1.5, rate)
    assert true_peak_envelope(limited).max() <= 10 ** (-1.5 / 20) + 1e-9
    quiet = loud * 0.1
    assert np.array_equal(limit(quiet, -1.5, rate), quiet)  # nothing to do: untouched
    # no hard clipping: the waveform keeps its shape (the gain changes slowly)
    gain = limited[rate // 2 - 50 : rate // 2 + 50] / loud[rate // 2 - 50 : rate // 2 + 50]
    assert gain.max() - gain.min() < 0.02


def test_meter_agrees_with_pyloudnorm() -> None:
    import pyloudnorm

    from guidecast.audio.dsp import energy_profile
    from guidecast.audio.meter import session_loudness
    from guidecast.timeline.layout import Cue, Timeline

    rate = 22050
    rng = np.random.default_rng(1)
    bursts = [rng.normal(0, 0.1 * (i + 1), rate * (i + 1) // 2) for i in range(4)]
    cues, position = [], rate // 3
    for i, burst in enumerate(bursts):
        cues.append(Cue("instruction", position, len(burst), text=str(i)))
        position += len(burst) + rate * (i + 1) // 3
    timeline = Timeline(rate, position + rate, (), tuple(cues))
    profiles = {str(i): energy_profile(b, rate) for i, b in enumerate(bursts)}
    rendered = np.zeros(timeline.length)
    for cue, burst in zip(cues, bursts, strict=True):
        rendered[cue.start : cue.end] = burst
    expected = pyloudnorm.Meter(rate).integrated_loudness(rendered)
    assert session_loudness(timeline, profiles, {}) == pytest.approx(expected, abs=0.05)


def test_a_limited_clips_profile_is_made_without_filtering_it_again() -> None:
    """limited_profile() scales each stride of the clip's own profile as the limiter scales
    its plain energy; the session's loudness comes out as if the limited clip were filtered."""
    from guidecast.audio.dsp import energy_profile, limit, limited_profile, to_float, to_pcm
    from guidecast.audio.meter import session_loudness
    from guidecast.timeline.layout import Cue, Timeline

    rate = 22050
    rng = np.random.default_rng(7)
    # speech-like: bursts of noise with peaks well over what the limiter lets through
    envelope = np.repeat(rng.random(300) ** 3, rate // 50)
    clip = to_float(to_pcm(np.clip(rng.normal(0, 0.3, len(envelope)) * envelope, -1, 1)))
    factor = 10 ** (6 / 20)
    limited = limit(clip * factor, -1.7, rate)
    assert not np.allclose(limited, clip * factor)  # the limiter did work
    timeline = Timeline(
        rate, len(clip) + rate, (), (Cue("instruction", rate // 2, len(clip), "x"),)
    )
    own = energy_profile(clip, rate)
    made = limited_profile(np.diff(own), clip, limited, factor)
    exact = energy_profile(limited, rate)
    assert len(made) == len(exact)
    assert session_loudness(timeline, {"x": made}, {}) == pytest.approx(
        session_loudness(timeline, {"x": exact}, {}), abs=0.01
    )
    assert (
        session_loudness(timeline, {"x": made}, {})
        < session_loudness(timeline, {"x": own * factor**2}, {}) - 0.3
    )  # and it is not merely the gain


def test_the_first_gain_allows_for_what_the_limiter_takes_back() -> None:
    from guidecast.audio.leveling import LIMITER_TAKEBACK, MAX_TAKEBACK_LU, gain_for

    table = tuple(zip(*LIMITER_TAKEBACK, strict=True))
    assert gain_for(-25.0, -21.0) == pytest.approx(-4.0)  # quieter: nothing to limit
    assert gain_for(-21.0, -21.0) == pytest.approx(0.0)
    targets = np.arange(-20.5, -15.0, 0.5)
    gains = [gain_for(target, -21.0) for target in targets]
    assert gains == sorted(gains)
    for target, gain in zip(targets, gains, strict=True):
        assert gain - float(np.interp(gain, *table)) == pytest.approx(target + 21, abs=0.1)
    # espeak-ng at about -21 LUFS, to -16: five LU louder needs about seven dB of gain
    assert 6.5 < gain_for(-16.0, -21.0) < 7.5
    # a voice 6 dB quieter (a routine's volume 0.5) has its peaks 6 dB lower: 6 dB more gain
    quieter = gain_for(-16.0, -27.0, level_db=-6)
    assert quieter == pytest.approx(gain_for(-16.0, -21.0) + 6, abs=0.11)
    # however loud the target, the limiter is never asked to take back more than its cap
    loudest = gain_for(-9.0, -21.0)
    assert float(np.interp(loudest, *table)) == pytest.approx(MAX_TAKEBACK_LU, abs=0.1)
    assert gain_for(-12.0, -21.0) == loudest


def test_the_limiter_holds_a_peak_at_the_very_start_of_a_clip() -> None:
    from guidecast.audio.dsp import limit, true_peak_envelope

    rate = 22050
    clip = np.zeros(rate // 4)
    clip[3:40] = np.sin(np.arange(37) * 0.9) * 0.9  # loud from the third sample
    clip[-40:-3] = np.sin(np.arange(37) * 0.9) * 0.9  # and up to the third last
    for gain_db in (6, 14, 24):
        limited = limit(clip * 10 ** (gain_db / 20), -1.7, rate)
        assert 20 * math.log10(true_peak_envelope(limited).max()) <= -1.7 + 0.01


def test_manifest_loudness_is_what_a_meter_reads_from_the_audio(tmp_path: Path) -> None:
    """The build's loudness, worked out from clip profiles, against pyloudnorm on the exact
    PCM it wrote (WAV: no encoder in between), as close as the meter itself comes (0.05 LU);
    and the first gain landed on the target."""
    import pyloudnorm

    result = run_guidecast(
        "build", "baby-daily-back", "-o", str(tmp_path), "--length", "6m", "--format", "wav"
    )
    assert result.returncode == 0, result.stderr
    (manifest_path,) = tmp_path.glob("*.json")
    manifest = json.loads(manifest_path.read_text())
    with wave.open(str(tmp_path / manifest["audio"])) as wav:
        frames = wav.readframes(wav.getnframes())
    samples = np.frombuffer(frames, dtype="<i2").astype(np.float64) / 32768.0
    measured = pyloudnorm.Meter(manifest["sample_rate"]).integrated_loudness(samples)
    assert manifest["loudness_lufs"] == pytest.approx(measured, abs=0.05)
    assert measured == pytest.approx(-16.0, abs=0.25)
    assert true_peak_db(samples) <= -1.0


def test_a_target_out_of_reach_is_said_and_the_peaks_still_hold(tmp_path: Path) -> None:
    """-9 LUFS would need espeak-ng's peaks flattened; the build gets as close as it sensibly
    can, says so in one line, and the manifest tells the loudness it reached."""
    routine = tmp_path / "test.yaml"
    routine.write_text(ROUTINE)
    loud = run_guidecast("build", str(routine), "-o", str(tmp_path), "--loudness=-9")
    assert loud.returncode == 0, loud.stderr
    manifest = json.loads((tmp_path / f"{NAME}.json").read_text())
    reached = manifest["loudness_lufs"]
    assert -16.5 < reached < -14.5
    said = re.fullmatch(
        r"warning: the session reaches (-\d+\.\d) LUFS, not -9: a louder voice would be "
        r"flattened by limiting its peaks under -1 dBTP\n",
        loud.stderr,
    )
    assert said and float(said[1]) == pytest.approx(reached, abs=0.06)
    audio = decode_mp3(tmp_path / f"{NAME}.mp3", 22050)
    assert true_peak_db(np.asarray(audio.samples, dtype=np.float64) / 32768.0) <= -1.0
    usual = run_guidecast("build", str(routine), "-o", str(tmp_path / "usual"))
    assert usual.returncode == 0 and "warning" not in usual.stderr


def test_a_quiet_voice_is_brought_to_the_target_too(tmp_path: Path) -> None:
    """A routine's `volume: 0.3` makes the voice 10 dB quieter; leveling brings it to the
    target, limiting it no more than the full voice, with its peaks under the ceiling."""
    import pyloudnorm

    routine = tmp_path / "quiet.yaml"
    routine.write_text(
        ROUTINE.replace("cues: {countdown: 3}", "voice: {volume: 0.3}\ncues: {countdown: 3}")
    )
    result = run_guidecast("build", str(routine), "-o", str(tmp_path), "--format", "wav")
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / f"{NAME}.json").read_text())
    with wave.open(str(tmp_path / manifest["audio"])) as wav:
        frames = wav.readframes(wav.getnframes())
    samples = np.frombuffer(frames, dtype="<i2").astype(np.float64) / 32768.0
    measured = pyloudnorm.Meter(manifest["sample_rate"]).integrated_loudness(samples)
    assert measured == pytest.approx(-16.0, abs=0.25)
    assert manifest["loudness_lufs"] == pytest.approx(measured, abs=0.05)
    assert true_peak_db(samples) <= -1.0


# Cover art ----------------------------------------------------------------------------------
