"""Turning an engine's raw clip into one that sits well in a session.

Trim the engine's own leading and trailing silence (espeak adds about 10 ms before and 280 ms
after), so a cue's place in the manifest is where its words are; fade the edges so they never
click; resample to the session rate. pydub does the fades and resampling.
"""

from __future__ import annotations

import warnings

from guidecast.speech.engine import SAMPLE_WIDTH, SpeechClip

with warnings.catch_warnings():  # pydub warns at import when no ffmpeg is on PATH: none is needed
    warnings.simplefilter("ignore", RuntimeWarning)
    warnings.simplefilter("ignore", DeprecationWarning)  # audioop: audioop-lts on 3.13+
    import audioop

    from pydub import AudioSegment

SILENCE_THRESHOLD = 160  # peak sample value (about -46 dBFS) that counts as sound
LEAD_MARGIN_S = 0.010  # keep this much before the first sound: consonant onsets are quiet
TAIL_MARGIN_S = 0.030  # and this much after the last: breath-out and decay
FADE_IN_MS = 4
FADE_OUT_MS = 12


def sound_bounds(pcm: bytes, threshold: int = SILENCE_THRESHOLD) -> tuple[int, int] | None:
    """First and one-past-last sample louder than `threshold`, or None for a silent clip."""
    n = len(pcm) // SAMPLE_WIDTH
    block = 256
    first = None
    for start in range(0, n, block):
        chunk = pcm[start * SAMPLE_WIDTH : (start + block) * SAMPLE_WIDTH]
        if audioop.max(chunk, SAMPLE_WIDTH) > threshold:
            for i in range(len(chunk) // SAMPLE_WIDTH):
                if abs(audioop.getsample(chunk, SAMPLE_WIDTH, i)) > threshold:
                    first = start + i
                    break
            break
    if first is None:
        return None
    last = first
    for end in range(n, first, -block):
        begin = max(first, end - block)
        chunk = pcm[begin * SAMPLE_WIDTH : end * SAMPLE_WIDTH]
        if audioop.max(chunk, SAMPLE_WIDTH) > threshold:
            for i in range(len(chunk) // SAMPLE_WIDTH - 1, -1, -1):
                if abs(audioop.getsample(chunk, SAMPLE_WIDTH, i)) > threshold:
                    last = begin + i
                    break
            break
    return first, last + 1


def shape_clip(clip: SpeechClip, sample_rate: int) -> SpeechClip:
    """Trimmed, faded and resampled to `sample_rate`."""
    bounds = sound_bounds(clip.pcm)
    if bounds is None:
        raise ValueError("the clip is silent")
    first, end = bounds
    n = clip.samples
    first = max(0, first - round(LEAD_MARGIN_S * clip.sample_rate))
    end = min(n, end + round(TAIL_MARGIN_S * clip.sample_rate))
    segment = AudioSegment(
        data=clip.pcm[first * SAMPLE_WIDTH : end * SAMPLE_WIDTH],
        sample_width=SAMPLE_WIDTH,
        frame_rate=clip.sample_rate,
        channels=1,
    )
    if sample_rate != clip.sample_rate:
        segment = segment.set_frame_rate(sample_rate)
    segment = segment.fade_in(FADE_IN_MS).fade_out(FADE_OUT_MS)
    return SpeechClip(pcm=segment.raw_data, sample_rate=sample_rate)
