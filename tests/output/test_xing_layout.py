"""Small silence with an exact Xing seek table: what Chromium's FFmpeg reads when it seeks.

The table is checked with FFmpeg's own arithmetic (libavformat/mp3dec.c), written out here
apart from the writer's, and by real decoders: ffmpeg with and without fast seek (Chromium
opens every file with fast seek on), and miniaudio (`guidecast play`)."""

from __future__ import annotations

import bisect
import itertools
import struct
import subprocess
from pathlib import Path

import imageio_ffmpeg
import miniaudio
import numpy as np
import pytest

from guidecast.output.mp3frames import (
    bitrate_mode,
    frame_size,
    samples_per_frame,
    silent_frame,
    silent_frames_by_size,
)
from tests.listening import decode_mp3
from tests.output.test_mp3_splice import RATE, bursts_and_gaps, encode

QUIET_GAPS = (3.0, 8.0, 20.0, 45.0)  # a guided session: cues between quiet stretches


def frames_and_tag(path: Path) -> tuple[list[int], bytes]:
    """The start of every frame after the tag frame (no ID3 tag here), and the tag frame."""
    data = path.read_bytes()
    starts, position = [], 0
    while position + 4 <= len(data):
        header = int.from_bytes(data[position : position + 4], "big")
        assert header >> 21 == 0x7FF, position
        starts.append(position)
        position += frame_size(header)
    assert position == len(data)
    return starts[1:], data[: starts[1]]


def table_landings(path: Path, rate: int) -> list[float]:
    """For entries 1-99: seconds between the frame FFmpeg lands on and the time it reports
    for it. FFmpeg: entry i is at byte round(TOC[i] * size / 256) after the tag frame, its
    time i% of frames x samples per frame; it goes back to the frame starting at or before
    that byte."""
    starts, tag_frame = frames_and_tag(path)
    side = 9 if samples_per_frame(rate) == 576 else 17
    tag = tag_frame[4 + side :]
    assert tag[:4] == b"Xing"
    frames, size = struct.unpack(">II", tag[8:16])
    toc = tag[16:116]
    first = len(tag_frame)
    errors = []
    for i in range(1, 100):
        landed = bisect.bisect_right(starts, first + (toc[i] * size + 128) // 256) - 1
        errors.append((landed - i * frames / 100) * samples_per_frame(rate) / rate)
    return errors


@pytest.fixture(scope="module")
def quiet(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("xing")
    pcm, bursts = bursts_and_gaps(15 * 60, seed=3, gaps=QUIET_GAPS)
    vbr = encode(folder / "vbr.mp3", pcm, bursts, True, silence_kbps=8)
    encode(folder / "cbr.mp3", pcm, bursts, True)
    return pcm, bursts, folder / "vbr.mp3", vbr, folder / "cbr.mp3"


def test_it_decodes_to_the_cbr_files_samples_exactly(quiet) -> None:
    pcm, _, path, stream, cbr = quiet
    decoded = decode_mp3(path, RATE).samples
    assert len(decoded) == len(pcm) == stream.samples
    assert decoded == decode_mp3(cbr, RATE).samples
    assert bitrate_mode(path) == "vbr-silence" and bitrate_mode(cbr) == "cbr"


def test_speech_frames_are_the_cbr_frames_and_the_file_is_small(quiet) -> None:
    *_, path, _, cbr = quiet
    silences = set(silent_frames_by_size(RATE).values())
    ours, theirs = path.read_bytes(), cbr.read_bytes()
    (ours_starts, _), (their_starts, _) = frames_and_tag(path), frames_and_tag(cbr)
    assert len(ours_starts) == len(their_starts)
    ends = [*ours_starts[1:], len(ours)], [*their_starts[1:], len(theirs)]
    silent = silent_frame(RATE, 64)
    for a, b, a_end, b_end in zip(their_starts, ours_starts, ends[1], ends[0], strict=True):
        theirs_frame, ours_frame = theirs[a:a_end], ours[b:b_end]
        if theirs_frame == silent:
            assert ours_frame in silences  # silence, some of it larger for the table
        else:
            assert ours_frame == theirs_frame  # speech bit-identical
    assert len(ours) < 0.4 * len(theirs), (len(ours), len(theirs))


def test_the_tag_counts_every_byte_and_every_entry_lands_on_its_time(quiet) -> None:
    *_, path, stream, _ = quiet
    data = path.read_bytes()
    tag = data[4 + 9 : 4 + 9 + 120]
    flags, frames, size = struct.unpack(">III", tag[4:16])
    assert flags & 7 == 7 and frames == stream.frames and size == len(data)
    errors = table_landings(path, RATE)
    assert max(map(abs, errors)) <= 0.15, errors  # at most SLACK_S, and a frame's rounding


@pytest.mark.parametrize(("rate", "kbps"), [(44100, 128), (24000, 64), (16000, 48)])
def test_other_rates_and_bitrates_get_an_exact_table_too(tmp_path: Path, rate, kbps) -> None:
    scale = rate / RATE  # the helper counts in samples at RATE: eight minutes at `rate`
    pcm, bursts = bursts_and_gaps(8 * 60 * scale, seed=5, gaps=[g * scale for g in QUIET_GAPS])
    edges = sorted({0, len(pcm), *(e for b in bursts for e in b)})
    raw = pcm.tobytes()
    path = tmp_path / "other.mp3"
    from guidecast.output.mp3 import Mp3Stream
    from guidecast.output.mp3frames import bitrates_for

    with open(path, "w+b") as out:
        stream = Mp3Stream(out, rate, kbps, 3, silence_kbps=bitrates_for(rate)[0])
        for a, b in itertools.pairwise(edges):
            for c in range(a, b, rate):
                stream.write(raw[2 * c : 2 * min(b, c + rate)])
        stream.close()
    assert bitrate_mode(path) == "vbr-silence"
    assert max(map(abs, table_landings(path, rate))) <= 0.15
    assert len(decode_mp3(path, rate).samples) == len(pcm)


def _ffmpeg(path: Path, seconds: float, fast: bool) -> np.ndarray:
    out = subprocess.run(
        [
            *(imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error"),
            *(["-fflags", "fastseek"] if fast else []),
            *("-ss", f"{seconds}", "-i", str(path), "-t", "1", "-f", "s16le", "-"),
        ],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(out, dtype="<i2").astype(np.int64)


def test_seeks_land_exactly_by_table_and_by_reading_frames(quiet) -> None:
    """ffmpeg's command line reads frames to find a time; with fast seek (as Chromium runs
    it) it jumps by the table and drops what comes before the time; miniaudio reads frames.
    Each lands within a few milliseconds of the time, just before a sound after silence."""
    _, bursts, path, _, _ = quiet
    samples = decode_mp3(path, RATE).samples
    whole = np.asarray(samples, dtype=np.int64)
    for burst in (bursts[5], bursts[len(bursts) // 2], bursts[-2]):
        seconds = round(burst[0] / RATE - 0.3, 3)
        at = round(seconds * RATE)
        stream = miniaudio.stream_file(
            str(path), miniaudio.SampleFormat.SIGNED16, 1, RATE, RATE, seek_frame=at
        )
        assert next(stream)[:RATE] == samples[at : at + RATE], seconds
        for fast in (False, True):
            heard = _ffmpeg(path, seconds, fast)
            assert len(heard) == RATE
            # ffmpeg's decoder is not bit for bit dr_mp3: find the best shift, in samples
            reference = whole[at - 4000 : at + RATE + 4000]
            errors = [np.abs(reference[d : d + RATE] - heard).mean() for d in range(8001)]
            shift = int(np.argmin(errors)) - 4000
            limit = 0.15 * RATE if fast else 2  # by the table: within SLACK_S and a frame
            assert abs(shift) <= limit and min(errors) < 30, (seconds, fast, shift, min(errors))
