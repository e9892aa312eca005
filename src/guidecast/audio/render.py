"""Streaming the session's PCM: the timeline played out chunk by chunk, never held whole.

Memory stays flat however long the session: silence comes from one shared buffer of zeros,
speech from the clips, and nothing is concatenated.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from guidecast.audio.sounds import sound_pcm
from guidecast.speech.engine import SAMPLE_WIDTH, SpeechClip
from guidecast.timeline.layout import Timeline

CHUNK_SECONDS = 1.0


def stream_pcm(
    timeline: Timeline, clips: Mapping[str, SpeechClip], start: int = 0
) -> Iterator[bytes]:
    """Mono 16-bit PCM of the whole session (from sample `start`), in chunks of at most ~1 s."""
    rate = timeline.sample_rate
    chunk = max(1, round(CHUNK_SECONDS * rate))
    zeros = bytes(chunk * SAMPLE_WIDTH)
    position = start
    for cue in timeline.cues:
        if cue.end <= position:
            continue
        yield from _silence(cue.start - position, zeros, chunk)
        pcm = clips[cue.text].pcm if cue.text is not None else sound_pcm(cue.sound or "", rate)
        if len(pcm) != cue.length * SAMPLE_WIDTH:
            raise ValueError(f"clip length changed since the timeline was made: {cue}")
        offset = max(0, position - cue.start) * SAMPLE_WIDTH
        for begin in range(offset, len(pcm), chunk * SAMPLE_WIDTH):
            yield pcm[begin : begin + chunk * SAMPLE_WIDTH]
        position = cue.end
    yield from _silence(timeline.length - position, zeros, chunk)


def _silence(samples: int, zeros: bytes, chunk: int) -> Iterator[bytes]:
    while samples > 0:
        n = min(samples, chunk)
        yield zeros[: n * SAMPLE_WIDTH]
        samples -= n
