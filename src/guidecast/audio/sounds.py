"""Generated sounds: a soft chime for step changes and a metronome tick. Nothing downloaded.

Both are made with pydub's generators at the session rate and kept well below the voice.
"""

from __future__ import annotations

import functools
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", RuntimeWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    from pydub.generators import Sine

from guidecast.script.cues import SOUND_SECONDS, sound_samples


@functools.cache
def sound_pcm(name: str, sample_rate: int) -> bytes:
    """Mono 16-bit PCM of exactly `sound_samples(name, sample_rate)` samples."""
    samples = sound_samples(name, sample_rate)
    ms = SOUND_SECONDS[name] * 1000
    if name == "chime":
        # Two soft bell partials (a fifth apart) with a quick attack and a long fade.
        low = Sine(660, sample_rate=sample_rate).to_audio_segment(duration=ms, volume=-24)
        high = Sine(990, sample_rate=sample_rate).to_audio_segment(duration=ms, volume=-30)
        segment = low.overlay(high).fade_in(8).fade_out(int(ms * 0.85))
    else:
        segment = Sine(1500, sample_rate=sample_rate).to_audio_segment(duration=ms, volume=-30)
        segment = segment.fade_in(2).fade_out(int(ms * 0.8))
    segment = segment.set_channels(1).set_sample_width(2)
    pcm = segment.raw_data[: samples * 2]
    return pcm + bytes(samples * 2 - len(pcm))
