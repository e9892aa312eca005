"""A VBR MP3 whose Xing seek table is exact: frames laid out so that every entry is right.

Chromium plays MP3 through FFmpeg with "fast seek" on, and FFmpeg's MP3 demuxer then seeks a
Xing file by its table alone (libavformat/mp3dec.c, read_xing_toc and mp3_seek): entry i
(0-99) says that time i% of the stream (frames x samples per frame) starts at byte
round(TOC[i] x size / 256) after the tag frame, `size` being the tag's byte count. It takes
the entry at or before the time sought, goes back to the frame that starts at or before that
byte, labels that frame with the entry's time and decodes on from there, dropping what comes
before the time sought. So a seek is exact when the frame at each entry's byte is the frame
at the entry's time; measured on a layout that ignored this: 29-48 s early in an 8-hour file.

The table's bytes fall on a grid of size/256, and the silence between speech is made of
frames whose size we choose: a silent frame decodes to silence at any bitrate, with or without
the padding byte. So each 1% of the stream is stretched, by writing a few of its silent frames
larger, until the frame at its time starts exactly on a grid byte. `size` depends on that
padding (a fixed point): the last entry's frame sits m grid steps before the end, so the size
is about 256 x (what follows that frame) / m, and the search tries m from the smallest size up.
Speech frames are never touched. When no layout fits (a 1% with speech from end to end and no
silence to stretch), or it would not be smaller than the constant-bitrate file, the caller
writes constant bitrate instead, which every player seeks by proportion, exactly.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from guidecast.output.mp3frames import (
    BIG_ENDIAN_U32,
    frame_size,
    samples_per_frame,
    silent_frame,
    silent_frames_by_size,
)

ENTRIES = 100  # a Xing table always has 100 entries, one per percent
SLACK_S = 0.1  # an entry may land this far from its time without padding
SPARE_FRAMES = 4  # silent frames of a stretch kept for a padding's last two frames
SIZES_TRIED = 48  # sizes tried per number of end steps
COPY_BLOCK = 1 << 20


@dataclass(frozen=True)
class Entry:
    """Where one table entry may land, in bytes of the unpadded stream after the tag frame."""

    low: int  # the start of the earliest frame close enough to the entry's time
    at: int  # the start of the entry's own frame
    high: int  # the end of the latest frame close enough


@dataclass(frozen=True)
class Room:
    """Silent frames in a row within one percent, where padding can go."""

    frame: int
    frames: int


@dataclass(frozen=True)
class Layout:
    size: int  # the tag's byte count: tag frame and every frame after it
    toc: bytes
    pads: tuple[tuple[int, int], ...]  # (frame, bytes added from that silent frame on)


@dataclass(frozen=True)
class Stream:
    """What the planner needs to know of a stream written with small silent frames."""

    tag_bytes: int  # the tag frame
    natural: int  # bytes of the frames after it, unpadded
    entries: tuple[Entry, ...]  # entries 1-99 (entry 0 is the first frame)
    rooms: tuple[int, ...]  # bytes of padding each percent can take (100 of them)
    room_at: tuple[tuple[tuple[int, int], ...], ...]  # each percent's (frame, bytes) places
    growth: tuple[int, ...]  # bytes a silent frame can grow by, the most last


def entry_frames(frames: int) -> list[int]:
    """The frame at the time of each entry 1-99: FFmpeg's time for entry i is
    i x duration / 100, rounded here to the nearest frame."""
    return [(i * frames * 2 + ENTRIES) // (2 * ENTRIES) for i in range(1, ENTRIES)]


def slack_frames(sample_rate: int, samples_per_frame: int) -> int:
    return int(SLACK_S * sample_rate / samples_per_frame)


def rooms(
    frames: int, runs: Sequence[tuple[int, int]], slack: int, most: int
) -> tuple[list[int], list[tuple[tuple[int, int], ...]]]:
    """For each percent: the padding it can take, and where: (first frame, bytes) in each
    run of silent frames after its own entry's landing frames and before the next entry."""
    marks = [0, *entry_frames(frames), frames]
    firsts = [f for f, _ in runs]
    capacity, where = [], []
    for i in range(ENTRIES):
        start = marks[i] + (slack + 1 if i else 1)
        end = marks[i + 1]
        places = []
        for frame, count in runs[max(0, bisect.bisect_right(firsts, start) - 1) :]:
            if frame >= end:
                break
            low, high = max(frame, start), min(frame + count, end)
            if high - low > SPARE_FRAMES:
                places.append((low, (high - low - SPARE_FRAMES) * most))
        capacity.append(sum(room for _, room in places))
        where.append(tuple(places))
    return capacity, where


def _spread(
    amount: int, places: Sequence[tuple[int, int]], growth: tuple[int, ...]
) -> list[tuple[int, int]] | None:
    """`amount` bytes of padding over `places` (frame, bytes it can take), the first first:
    whole largest frames, and the odd bytes (one or two frames) in the last place; None if
    they do not fit."""
    most, pairs = growth[-1], _pairs(growth)
    odd = amount % most if amount % most in pairs else amount % most + most
    pads = []
    for frame, room in places:
        if amount <= 0:
            break
        take = amount if amount <= room else min(room, amount - odd) // most * most
        if take > 0:
            pads.append((frame, take))
            amount -= take
    return pads if amount <= 0 else None


def _grid(step: int, size: int) -> int:
    """FFmpeg's byte for a table value: av_rescale(step, size, 256), rounded to nearest."""
    return (step * size + 128) // 256


@functools.cache
def _pairs(growth: tuple[int, ...]) -> dict[int, tuple[int, ...]]:
    """Padding that one or two silent frames make: bytes -> the frames' growths."""
    found: dict[int, tuple[int, ...]] = {0: ()}
    for a in growth:
        found.setdefault(a, (a,))
        for b in growth:
            found.setdefault(a + b, (a, b))
    return found


def _cheap(low: int, high: int, growth: tuple[int, ...], best: int | None = None) -> int | None:
    """The padding in [low, high] nearest `best` (default: `high`) that whole largest frames
    and at most two others make: an exact amount could take dozens of frames one byte longer
    each."""
    most, pairs = growth[-1], _pairs(growth)
    best = high if best is None else best
    for distance in range(max(best - low, high - best) + 1):
        for amount in (best - distance, best + distance):
            if low <= amount <= high and amount >= 0:
                rest = amount % most
                if rest in pairs or (amount >= most and rest + most in pairs):
                    return amount
    return None


def padded_growths(amount: int, growth: tuple[int, ...]) -> list[int]:
    """How much each padded frame grows for `amount` bytes (a `_cheap` amount)."""
    most, pairs = growth[-1], _pairs(growth)
    rest = amount % most if amount % most in pairs else amount % most + most
    return [most] * ((amount - rest) // most) + list(pairs[rest])


@dataclass(frozen=True)
class _Walk:
    toc: list[int]
    pads: list[tuple[int, int]]
    tail: int  # bytes the last percent still needs for the stream to be `size` long


def _walk(size: int, stream: Stream, extra_at: int = -1, extra: int = 0) -> _Walk | None:
    """The table for `size`, each entry on the first grid byte it can reach, padding the
    percent before it when the grid byte is past its landing frames."""
    added, step, toc, pads = 0, 0, [0], []
    for i, entry in enumerate(stream.entries, 1):
        low, at, high = entry.low + added, entry.at + added, entry.high + added
        step = max(step, low * 256 // size)
        while _grid(step, size) < low:
            step += 1
        if i - 1 == extra_at:
            step += extra
        if step > 255:
            return None
        byte = _grid(step, size)
        if byte >= high or (i - 1 == extra_at and byte > at):
            # frame at - low .. high lands within the slack: any padding that brings the
            # grid byte inside it will do, and the cheapest takes the fewest frames
            pad = _cheap(byte - high + 1, byte - low, stream.growth, byte - at)
            spread = None if pad is None else _spread(pad, stream.room_at[i - 1], stream.growth)
            if pad is None or spread is None:
                return None
            pads += spread
            added += pad
        toc.append(step)
    return _Walk(toc, pads, size - stream.tag_bytes - stream.natural - added)


def _fits(size: int, stream: Stream, last_steps: int) -> bool:
    walk = _walk(size, stream)
    return walk is not None and walk.toc[-1] <= 256 - last_steps


def plan(stream: Stream) -> Layout | None:
    """The smallest exact layout, or None if none fits."""
    whole = stream.tag_bytes + stream.natural
    after_last = stream.tag_bytes + stream.natural - stream.entries[-1].at
    tail_room = stream.rooms[-1]
    widest = max(range(ENTRIES - 1), key=lambda i: stream.rooms[i])
    most_steps = min(255, 256 * (after_last + tail_room) // whole + 1)
    for last_steps in range(most_steps, 0, -1):
        low = max(whole, -(-256 * after_last // last_steps))
        high = 256 * (after_last + tail_room) // last_steps
        if high < low:
            continue
        # The smallest size whose table needs no more steps than the last percent leaves:
        # larger sizes would need whole steps of padding more (about 1/256 of the file each).
        stride = max(1, (high - low) // 64)
        start = next(
            (z for z in range(low, high + 1, stride) if _fits(z, stream, last_steps)), None
        )
        if start is None:
            continue
        while start > low and _fits(start - 1 - (start - low) // 2, stream, last_steps):
            start -= 1 + (start - low) // 2
        for size in range(start, min(high, start + SIZES_TRIED) + 1):
            walk = _walk(size, stream)
            if walk is None or walk.toc[-1] > 256 - last_steps:
                continue
            short = 256 - last_steps - walk.toc[-1]
            if short:  # whole grid steps to spare: the percent with most room takes them
                walk = _walk(size, stream, widest, short)
            if walk is None or walk.toc[-1] != 256 - last_steps or walk.tail < 0:
                continue
            tail = _spread(walk.tail, stream.room_at[-1], stream.growth)
            if tail is not None and _cheap(walk.tail, walk.tail, stream.growth) == walk.tail:
                return Layout(size, bytes(walk.toc), tuple(walk.pads + tail))
    return None


def lay_out(
    out: BinaryIO,
    base: int,
    tag_bytes: int,
    frames: int,
    natural: int,
    runs: Sequence[tuple[int, int, int]],
    marks: Sequence[tuple[int, int]],
    sample_rate: int,
    kbps: int,
    silence_kbps: int,
) -> tuple[int, bytes | None]:
    """Rewrite the silent runs of a stream written with `silence_kbps` silent frames so that
    its seek table is exact, and return (the tag's byte count, the table); or, when no such
    layout fits or it is not smaller, rewrite them at `kbps` (constant bitrate, what a build
    without small silence writes, byte for byte) and return (byte count, None).

    `base`: where the frames after the tag frame start in `out`; `runs`: (frame, byte,
    count) of the silent runs, bytes counted from `base`; `marks`: (frame, byte) pairs along
    the stream, from which frames are found by reading their headers."""
    small = silent_frame(sample_rate, silence_kbps)
    by_size = silent_frames_by_size(sample_rate)
    growth = tuple(sorted(size - len(small) for size in by_size if size > len(small)))
    slack = slack_frames(sample_rate, samples_per_frame(sample_rate))
    wanted = entry_frames(frames)
    found = _offsets(out, base, marks, frames, natural, wanted, slack)
    capacity, where = rooms(frames, [(f, n) for f, _, n in runs], slack, growth[-1])

    def byte(k: int) -> int:
        return found[max(0, min(frames, k))]

    stream = Stream(
        tag_bytes,
        natural,
        tuple(Entry(byte(k - slack), byte(k), byte(k + slack + 1)) for k in wanted),
        tuple(capacity),
        tuple(where),
        tuple(growth),
    )
    layout = plan(stream)
    big = silent_frame(sample_rate, kbps)
    constant = tag_bytes + natural + sum(n for _, _, n in runs) * (len(big) - len(small))
    if layout is None or layout.size >= constant:
        length = relayout(
            out, base, natural, runs, len(small),
            lambda _, n: _plain(big, n), lambda _, n: n * len(big),
        )  # fmt: skip
        return tag_bytes + length, None
    pads = sorted(layout.pads)
    starts = [frame for frame, _ in pads]

    def inside(frame: int, count: int) -> list[tuple[int, int]]:
        return pads[bisect.bisect_left(starts, frame) : bisect.bisect_left(starts, frame + count)]

    def frames_for(frame: int, count: int) -> Iterator[bytes]:
        at = frame
        for first, extra in inside(frame, count):
            yield from _plain(small, first - at)
            grown = padded_growths(extra, growth)
            largest = grown.count(growth[-1])
            yield from _plain(by_size[len(small) + growth[-1]], largest)
            yield b"".join(by_size[len(small) + g] for g in grown[largest:])
            at = first + len(grown)
        yield from _plain(small, frame + count - at)

    def length(frame: int, count: int) -> int:
        return count * len(small) + sum(extra for _, extra in inside(frame, count))

    total = relayout(out, base, natural, runs, len(small), frames_for, length)
    if tag_bytes + total != layout.size:
        raise AssertionError("the padded stream is not the size its seek table says")
    return layout.size, layout.toc


def _plain(frame: bytes, count: int, block: int = 2048) -> Iterator[bytes]:
    """`count` copies of `frame`, a bounded block at a time."""
    whole = frame * min(count, block)
    while count > 0:
        n = min(count, block)
        yield whole if n == block else whole[: n * len(frame)]
        count -= n


def _offsets(
    out: BinaryIO,
    base: int,
    marks: Sequence[tuple[int, int]],
    frames: int,
    natural: int,
    wanted: Sequence[int],
    slack: int,
) -> dict[int, int]:
    """The byte (from `base`) where each entry's frame and its neighbours `slack` frames
    either side start, found from the nearest mark by reading frame headers."""
    needed = sorted({max(0, min(frames, k + d)) for k in wanted for d in (-slack, 0, slack + 1)})
    points = [frame for frame, _ in marks]
    found: dict[int, int] = {}
    frame, byte = -1, 0
    for k in needed:
        mark = marks[bisect.bisect_right(points, k) - 1]
        if mark[0] > frame:
            frame, byte = mark
        while frame < k:
            out.seek(base + byte)
            header = BIG_ENDIAN_U32.unpack(out.read(4))[0]
            byte += frame_size(header)
            frame += 1
        found[k] = byte
    found[frames] = natural
    return found


def relayout(
    out: BinaryIO,
    base: int,
    natural: int,
    runs: Sequence[tuple[int, int, int]],
    old_frame: int,
    frames_for: Callable[[int, int], Iterator[bytes]],
    new_length: Callable[[int, int], int],
) -> int:
    """Rewrite the silent runs in place, the last first so nothing is overwritten before it
    has moved: `runs` are (frame, byte, count) of `old_frame`-byte silent frames at `base` +
    byte; `frames_for(frame, count)` gives a run's new bytes, `new_length` their length.
    Returns the stream's new length in bytes."""
    growth = [new_length(f, n) - n * old_frame for f, _, n in runs]
    before = [0]
    for g in growth:
        before.append(before[-1] + g)
    for r in range(len(runs) - 1, -1, -1):
        frame, byte, count = runs[r]
        start = byte + count * old_frame
        end = runs[r + 1][1] if r + 1 < len(runs) else natural
        _move(out, base + start, base + end, before[r + 1])
        out.seek(base + byte + before[r])
        for block in frames_for(frame, count):
            out.write(block)
    return natural + before[-1]


def _move(out: BinaryIO, start: int, end: int, shift: int) -> None:
    """Move bytes [start, end) `shift` bytes on, the last block first."""
    if shift == 0:
        return
    position = end
    while position > start:
        low = max(start, position - COPY_BLOCK)
        out.seek(low)
        block = out.read(position - low)
        out.seek(low + shift)
        out.write(block)
        position = low
