"""The noise filter before recognition (live/denoise.py), on a real spoken word."""

from __future__ import annotations

import numpy

from guidecast.live.denoise import NOISE_S, Denoiser
from guidecast.live.listen import RATE
from tests.live.recordings import say


def _db(x: numpy.ndarray) -> float:
    return float(10 * numpy.log10(numpy.mean(x**2)))


def test_steady_noise_is_taken_out_and_the_word_kept() -> None:
    (said,) = say("pyttsx3", "gmw/en-us", ["continue"])
    pad = numpy.zeros(RATE // 2)  # the endpointer's utterance has silence around the word
    word = numpy.concatenate([pad, said, pad])
    rng = numpy.random.default_rng(5)
    speech_db = _db(word[numpy.abs(word) > 0.1 * numpy.abs(word).max()])
    noise_rms = 10 ** ((speech_db - 10) / 20)  # 10 dB SNR
    denoiser = Denoiser(RATE)
    denoiser.hear(rng.normal(0, noise_rms, round(NOISE_S * RATE)))  # the room before it
    noise = rng.normal(0, noise_rms, len(word))
    noisy = word + noise
    denoiser.hear(noisy)
    cleaned = denoiser.clean(noisy)
    assert len(cleaned) == len(noisy)
    error_before = _db(noisy - word)
    error_after = _db(cleaned - word)
    assert error_after < error_before - 3, (error_before, error_after)  # closer to the word
    alone = slice(0, len(pad) - 1024)  # noise alone, clear of the word's frames
    assert _db(cleaned[alone]) < _db(noise[alone]) - 10


def test_a_clear_utterance_and_one_before_any_noise_is_known_pass_unchanged() -> None:
    (word,) = say("pyttsx3", "gmw/en-us", ["wait"])
    denoiser = Denoiser(RATE)
    assert denoiser.clean(word) is word  # nothing heard yet: no noise known
    denoiser.hear(numpy.random.default_rng(1).normal(0, 1.0, round(NOISE_S * RATE)))
    denoiser.hear(word)
    assert denoiser.clean(word) is word  # far above the noise: decoded as it came
