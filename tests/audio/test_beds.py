"""Bed loops on their own: every generated bed and a user's file loop without a seam, at the
loudness they claim, the same for the same seed; a file that cannot be used is one clear line."""

from __future__ import annotations

import io
import math
import wave
from pathlib import Path

import numpy as np
import pytest

from guidecast.audio.beds import (
    CROSSFADE_S,
    LOOP_S,
    _generated,
    crossfaded,
    file_loop,
    generated_loop,
)
from guidecast.core.defaults import BED_SOUNDS
from guidecast.core.errors import UsageError

RATE = 22050


def seam_ratio(samples: np.ndarray) -> float:
    """The step from the loop's last sample to its first, over the 99.9th percentile of every
    other sample-to-sample step: a click at the seam stands out far above 1."""
    steps = np.abs(np.diff(samples.astype(np.float64)))
    seam = abs(float(samples[0]) - float(samples[-1]))
    return seam / float(np.quantile(steps, 0.999))


@pytest.mark.parametrize("name", BED_SOUNDS)
def test_generated_bed_loops_without_a_seam(name: str) -> None:
    loop = generated_loop(name, RATE)
    assert len(loop.samples) == round(LOOP_S * RATE)
    assert seam_ratio(loop.samples) < 1.0
    # and the loudness does not dip or bump across the seam: 3 s windows over it and elsewhere
    twice = np.concatenate([loop.samples, loop.samples]).astype(np.float64)
    n, window = len(loop.samples), 3 * RATE
    across = twice[n - window // 2 : n + window // 2]
    inside = twice[n // 2 - window // 2 : n // 2 + window // 2]
    assert 20 * math.log10(np.std(across) / np.std(inside)) == pytest.approx(0, abs=3)


@pytest.mark.parametrize("name", BED_SOUNDS)
def test_generated_bed_claims_its_loudness_and_peak(name: str) -> None:
    import pyloudnorm

    loop = generated_loop(name, RATE)
    measured = pyloudnorm.Meter(RATE).integrated_loudness(np.tile(loop.samples, 2))
    assert measured == pytest.approx(loop.loudness, abs=0.3)
    assert 20 * math.log10(loop.peak) <= loop.loudness + 15  # no drop pokes out
    assert loop.peak >= float(np.abs(loop.samples).max())


def test_generated_beds_are_repeatable_for_a_seed() -> None:
    made = _generated.__wrapped__  # not the cache: made again from the seed
    assert made("rain", RATE, 0).samples.tobytes() == made("rain", RATE, 0).samples.tobytes()
    assert made("rain", RATE, 0).samples.tobytes() != made("rain", RATE, 1).samples.tobytes()


def test_generated_beds_differ_from_each_other() -> None:
    loops = [generated_loop(name, RATE).samples for name in BED_SOUNDS]
    for i, a in enumerate(loops):
        for b in loops[i + 1 :]:
            assert abs(np.corrcoef(a[: RATE * 5], b[: RATE * 5])[0, 1]) < 0.5


def test_loop_take_wraps_exactly() -> None:
    loop = generated_loop("brown", RATE)
    n = len(loop.samples)
    taken = loop.take(3 * n - 100, 2 * n + 300)
    assert np.array_equal(taken[:100], loop.samples[-100:])
    assert np.array_equal(taken[100 : 100 + n], loop.samples)
    assert np.array_equal(taken[-200:], loop.samples[:200])
    ends = loop.energy(np.array([0, n, 5 * n]), np.array([n, 2 * n, 7 * n]))
    assert ends == pytest.approx([loop.energy_at[-1], loop.energy_at[-1], 2 * loop.energy_at[-1]])


def write_wav(path: Path, samples: np.ndarray, rate: int = 44100, channels: int = 2) -> Path:
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(np.repeat(pcm, channels).tobytes())
    return path


def awkward(seconds: float, rate: int) -> np.ndarray:
    """A tone whose end does not meet its start (phase and level differ): a plain loop clicks."""
    t = np.arange(round(seconds * rate)) / rate
    return (0.3 + 0.2 * t / seconds) * np.sin(2 * math.pi * 217.3 * t + 1.0)


def test_a_users_file_is_looped_with_a_crossfade(tmp_path: Path) -> None:
    source = awkward(14.0, 44100)
    plain = np.asarray(source, dtype=np.float32)
    assert seam_ratio(plain) > 5  # looped as it is, the seam clicks
    loop = file_loop(write_wav(tmp_path / "tone.wav", source), RATE, "routine.yaml:3:13")
    assert len(loop.samples) == pytest.approx((14.0 - CROSSFADE_S) * RATE, abs=2)
    assert seam_ratio(loop.samples) < 1.0
    assert loop.loudness == pytest.approx(-20, abs=1)


def test_a_users_mp3_loops_too(tmp_path: Path) -> None:
    from guidecast.output.mp3 import Mp3Stream

    path = tmp_path / "tone.mp3"
    buffer = io.BytesIO()
    stream = Mp3Stream(buffer, RATE)
    stream.write((awkward(6.0, RATE) * 32767).astype("<i2").tobytes())
    stream.close()
    path.write_bytes(buffer.getvalue())
    assert seam_ratio(file_loop(path, RATE).samples) < 1.0


def test_a_short_file_crossfades_a_quarter_of_itself() -> None:
    audio = awkward(2.0, RATE)
    loop = crossfaded(audio, RATE)
    assert len(loop) == len(audio) - len(audio) // 4
    assert seam_ratio(loop) < 1.0


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"this is not audio at all", "cannot decode it as WAV, MP3, OGG (Vorbis) or FLAC"),
        (None, "too short to loop"),
        (np.zeros(3 * 44100), "it is silent"),
    ],
)
def test_a_file_that_cannot_loop_is_one_line_naming_where(
    tmp_path: Path, content: object, expected: str
) -> None:
    path = tmp_path / "bed.wav"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        write_wav(path, awkward(0.5, 44100) if content is None else content)
    with pytest.raises(UsageError) as caught:
        file_loop(path, RATE, "routine.yaml:4:15")
    message = str(caught.value)
    assert message.startswith(f"routine.yaml:4:15: background file {path}: ")
    assert expected in message and "\n" not in message
