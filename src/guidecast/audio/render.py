"""The session's PCM from its timeline and clips: streamed chunk by chunk for a build
(`stream_pcm`), or any range of samples for live playback (`render_range`). Never held whole.

Memory stays flat however long the session: silence comes from one shared buffer of zeros,
speech from the clips, and nothing is concatenated. A sound bed (audio/bed.py) is a function of
the position, so each chunk gets its own piece of it, mixed under the voice.
"""

from __future__ import annotations

import queue
import threading
from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from guidecast.audio.dsp import to_float, to_pcm
from guidecast.audio.sounds import sound_pcm
from guidecast.speech.engine import SAMPLE_WIDTH, SpeechClip
from guidecast.timeline.layout import Cue, Timeline

if TYPE_CHECKING:
    from guidecast.audio.bed import Bed

CHUNK_SECONDS = 1.0


def stream_pcm(
    timeline: Timeline,
    clips: Mapping[str, SpeechClip],
    start: int = 0,
    bed: Bed | None = None,
) -> Iterator[bytes]:
    """Mono 16-bit PCM of the whole session (from sample `start`), in chunks of at most ~1 s,
    with `bed` under the voice if given."""
    chunks = _voice(timeline, clips, start)
    if bed is None:
        yield from chunks
        return
    position = start
    for chunk in chunks:
        yield mixed(chunk, bed, position)
        position += len(chunk) // SAMPLE_WIDTH


def made_ahead(chunks: Iterator[bytes], batch: int = 8, depth: int = 2) -> Iterator[bytes]:
    """`chunks` as they come, made on a thread of their own a few seconds ahead (at most
    `batch * depth` chunks waiting).

    For a build with a sound bed: mixing it under the voice took 0.85 s of a 60-minute build's
    17 s and encoding 14.6 s, one after the other on one core. lameenc lets go of the GIL while
    it encodes, so the mixing now runs on the other core meanwhile. Chunks go over in batches:
    a queue's hand-over costs about as much as mixing one chunk."""
    box: queue.Queue[list[bytes] | BaseException | None] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: list[bytes] | BaseException | None) -> bool:
        while not stop.is_set():
            try:
                box.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def make() -> None:
        try:
            group: list[bytes] = []
            for chunk in chunks:
                group.append(chunk)
                if len(group) == batch:
                    if not put(group):
                        return  # the reader has gone
                    group = []
            if put(group):
                put(None)
        except BaseException as err:  # given to the reader, raised there
            put(err)

    thread = threading.Thread(target=make, name="guidecast-mix", daemon=True)
    thread.start()
    try:
        while (item := box.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield from item
    finally:
        stop.set()
        thread.join()


def mixed(pcm: bytes, bed: Bed, start: int) -> bytes:
    """The PCM of samples from `start` with the bed's samples there added under it."""
    samples = len(pcm) // SAMPLE_WIDTH
    return to_pcm(to_float(pcm) + bed.render(start, samples))


def _voice(timeline: Timeline, clips: Mapping[str, SpeechClip], start: int) -> Iterator[bytes]:
    rate = timeline.sample_rate
    chunk = max(1, round(CHUNK_SECONDS * rate))
    zeros = bytes(chunk * SAMPLE_WIDTH)
    position = start
    for cue in timeline.cues:
        if cue.end <= position:
            continue
        yield from _silence(cue.start - position, zeros, chunk)
        pcm = cue_pcm(cue, clips, rate)
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


def cue_pcm(cue: Cue, clips: Mapping[str, SpeechClip], sample_rate: int) -> bytes:
    """A cue's sound: its clip's PCM, or the generated sound's."""
    return clips[cue.text].pcm if cue.text is not None else sound_pcm(cue.sound or "", sample_rate)


def render_range(
    timeline: Timeline,
    cue_starts: Sequence[int],
    clips: Mapping[str, SpeechClip],
    start: int,
    count: int,
    bed: Bed | None = None,
) -> bytes:
    """The session's PCM for samples [start, start + count): silence with cues copied in, and
    `bed` under them. `cue_starts` are the cues' starts, for a binary search to the first cue
    heard."""
    out = bytearray(count * SAMPLE_WIDTH)
    end = start + count
    index = max(0, bisect_right(cue_starts, start) - 1)
    for cue in timeline.cues[index:]:
        if cue.start >= end:
            break
        if cue.end <= start:
            continue
        pcm = cue_pcm(cue, clips, timeline.sample_rate)
        low, high = max(start, cue.start), min(end, cue.end)
        out[(low - start) * SAMPLE_WIDTH : (high - start) * SAMPLE_WIDTH] = pcm[
            (low - cue.start) * SAMPLE_WIDTH : (high - cue.start) * SAMPLE_WIDTH
        ]
    return bytes(out) if bed is None else mixed(bytes(out), bed, start)
