"""Long silences are written as ready-made silent frames: exact, without drift, as clear."""

from __future__ import annotations

import array
import io
import itertools
import math
import random
from collections.abc import Sequence
from pathlib import Path

import pytest

from guidecast.output.mp3 import SILENT_BLOCK_FRAMES, Mp3Stream
from guidecast.output.mp3frames import bitrate_mode, frame_size, silent_frame
from tests.listening import decode_mp3

RATE = 22050


def bursts_and_gaps(
    seconds: float, seed: int = 7, gaps: Sequence[float] = (0.3, 1.2, 2.6, 4.0, 9.0)
) -> tuple[array.array, list[tuple[int, int]]]:
    """Tone bursts (a noisy tone at 220 Hz to 3 kHz) between silences of `gaps` seconds."""
    rng = random.Random(seed)
    pcm = array.array("h")
    bursts = []
    while len(pcm) < seconds * RATE:
        gap = int(rng.choice(gaps) * RATE) + rng.randrange(576)
        pcm.extend(array.array("h", bytes(2 * gap)))
        n = rng.randrange(RATE // 2, 2 * RATE)
        freq = rng.choice([220, 440, 1000, 3000])
        start = len(pcm)
        for i in range(n):
            envelope = min(1.0, i / 200, (n - i) / 300)
            tone = 8000 * math.sin(2 * math.pi * freq * i / RATE)
            pcm.append(int(envelope * (tone + rng.randint(-300, 300))))
        bursts.append((start, start + n))
    pcm.extend(array.array("h", bytes(2 * int(3.3 * RATE))))
    return pcm, bursts


def encode(
    path: Path,
    pcm: array.array,
    bursts: list[tuple[int, int]],
    splice: bool,
    silence_kbps: int | None = None,
):
    """Feed it as the renderer does: silence and sound in separate chunks of at most 1 s."""
    edges = sorted({0, len(pcm), *(e for b in bursts for e in b)})
    raw = pcm.tobytes()
    with open(path, "w+b") as out:
        stream = Mp3Stream(out, RATE, 64, 3, splice_silence=splice, silence_kbps=silence_kbps)
        for a, b in itertools.pairwise(edges):
            for c in range(a, b, RATE):
                stream.write(raw[2 * c : 2 * min(b, c + RATE)])
        stream.close()
    return stream


def snr_db(original: array.array, decoded: array.array, a: int, b: int) -> float:
    signal = sum(original[i] ** 2 for i in range(a, b))
    noise = sum((original[i] - decoded[i]) ** 2 for i in range(a, b))
    return 10 * math.log10(signal / max(noise, 1))


@pytest.fixture(scope="module")
def encoded(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("splice")
    pcm, bursts = bursts_and_gaps(6 * 60)  # six minutes: any drift would show by the end
    results = {}
    for splice in (False, True):
        path = folder / f"splice-{splice}.mp3"
        stream = encode(path, pcm, bursts, splice)
        results[splice] = (stream, decode_mp3(path, RATE).samples)
    return pcm, bursts, results


def test_long_silences_are_spliced_and_the_length_is_exact(encoded) -> None:
    pcm, _, results = encoded
    plain, spliced = results[False][0], results[True][0]
    assert plain.spliced == 0
    assert spliced.spliced > len(pcm) / 576 / 3  # most silent frames skipped the encoder
    for stream, decoded in results.values():
        assert stream.samples == len(pcm)
        assert len(decoded) == len(pcm)  # gapless: the Info frame's delay and padding hold


def test_every_burst_is_where_it_was_and_as_clear_as_without_splicing(encoded) -> None:
    pcm, bursts, results = encoded
    plain, spliced = results[False][1], results[True][1]
    for a, b in bursts:
        with_splice = snr_db(pcm, spliced, a, b)
        # A shift of one sample would cost a 3 kHz tone most of its SNR: no drift anywhere.
        assert with_splice > 18, (a / RATE, with_splice)
        assert with_splice > snr_db(pcm, plain, a, b) - 1.5, a / RATE


def test_silences_decode_to_exact_zeros(encoded) -> None:
    _, bursts, results = encoded
    decoded = results[True][1]
    position = 0
    for a, b in bursts:
        inside = decoded[position + 1100 : a - 1100]  # 50 ms from each sound
        assert not any(inside), position / RATE
        position = b


def test_a_silent_frame_is_a_whole_frame_that_decodes_to_silence(tmp_path: Path) -> None:
    frame = silent_frame(RATE, 64)
    assert len(frame) == 208  # 72 * 64000 / 22050, no padding byte
    assert frame[:2] == b"\xff\xf3"  # MPEG-2 layer III sync
    silence = array.array("h", bytes(2 * 10 * RATE))
    stream = encode(tmp_path / "silence.mp3", silence, [], splice=True)
    assert stream.spliced == stream.frames  # nothing at all went through the encoder
    decoded = decode_mp3(tmp_path / "silence.mp3", RATE).samples
    assert len(decoded) == len(silence) and not any(decoded)


# --- Silence at the lowest bitrate (VBR) ---------------------------------------------------


def frames_of(path: Path) -> list[bytes]:
    """The MP3 frames after the tag frame, as bytes (the file has no ID3 tag here)."""
    data = path.read_bytes()
    found, position = [], 0
    while position + 4 <= len(data):
        header = int.from_bytes(data[position : position + 4], "big")
        assert header >> 21 == 0x7FF, position
        size = frame_size(header)
        found.append(data[position : position + size])
        position += size
    return found[1:]


@pytest.fixture(scope="module")
def vbr(encoded, tmp_path_factory: pytest.TempPathFactory):
    pcm, bursts, _ = encoded
    path = tmp_path_factory.mktemp("vbr") / "vbr.mp3"
    return path, encode(path, pcm, bursts, True, silence_kbps=8)


def test_vbr_silence_decodes_exactly_as_the_cbr_stream(encoded, vbr) -> None:
    pcm, _, results = encoded
    path, stream = vbr
    decoded = decode_mp3(path, RATE).samples
    assert len(decoded) == len(pcm) == stream.samples  # the LAME tag's delay and padding hold
    assert decoded == results[True][1]  # sample for sample what the CBR file decodes to
    assert stream.frames == results[True][0].frames


def test_with_no_room_for_an_exact_seek_table_it_is_the_cbr_file(tmp_path: Path) -> None:
    """Six minutes of sound with a pause of 5 s now and then, 0.3-0.9 s otherwise: most of
    its hundredths (3.6 s each) hold no silence long enough to stretch, so no exact Xing
    table fits; the file is then the CBR one, byte for byte (an "Info" tag: every player
    seeks it by proportion, exactly)."""
    pcm, bursts = bursts_and_gaps(6 * 60, gaps=(0.3, 0.6, 0.9, 0.3, 0.6, 0.9, 5.0))
    small, cbr = tmp_path / "small.mp3", tmp_path / "cbr.mp3"
    assert encode(small, pcm, bursts, True, silence_kbps=8).spliced > 3000
    encode(cbr, pcm, bursts, splice=True)
    assert small.read_bytes() == cbr.read_bytes()
    assert bitrate_mode(small) == "cbr"


def test_long_silences_are_written_in_bounded_pieces(tmp_path: Path) -> None:
    class Counting(io.BytesIO):
        largest = 0

        def write(self, data) -> int:  # type: ignore[override]
            Counting.largest = max(Counting.largest, len(data))
            return super().write(data)

    out = Counting()
    stream = Mp3Stream(out, RATE, 64, 3)
    silence = bytes(2 * RATE)
    for _ in range(3600):  # an hour: 137,800 frames, 28 MB of silent frames
        stream.write(silence)
    stream.close()
    assert stream.spliced == stream.frames > 130_000
    assert Counting.largest <= SILENT_BLOCK_FRAMES * 209


@pytest.mark.parametrize(
    ("rate", "kbps"),
    # LAME picks its own output rate for a low bitrate unless told (24 kHz at 32 kbps came out
    # at 22.05 kHz, 48 kHz at 32 kbps at 22.05 kHz): every rate and bitrate the options accept
    # must stay at the rate asked, with every sample.
    [(24000, 32), (24000, 24), (48000, 32), (32000, 32), (44100, 32), (16000, 8), (8000, 8)],
)
def test_every_accepted_rate_and_bitrate_decodes_at_its_rate_and_length(
    tmp_path: Path, rate: int, kbps: int
) -> None:
    from guidecast.output.mp3frames import bitrates_for

    assert kbps in bitrates_for(rate)
    count = 3 * rate + 123
    pcm = array.array(
        "h", (int(6000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(count))
    )
    path = tmp_path / "rate.mp3"
    with open(path, "w+b") as out:
        stream = Mp3Stream(out, rate, kbps, 3, splice_silence=True)
        stream.write(bytes(2 * rate))  # a second of silence, spliced
        stream.write(pcm.tobytes())
        stream.close()
    decoded = decode_mp3(path, rate)
    assert len(decoded.samples) == rate + count
