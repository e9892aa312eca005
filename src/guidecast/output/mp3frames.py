"""The MP3 frame format: headers, frame sizes, the LAME tag frame, silent frames.

Layer III only, mono, as guidecast writes it; what the stream writer (mp3.py) and the seek
table layout (xing.py) both read.
"""

from __future__ import annotations

import struct
from pathlib import Path

ENCODER_DELAY = 576  # samples LAME puts before the audio (measured: exact at 22.05 and 44.1 kHz)
DECODER_DELAY = 529  # samples a decoder's filter bank lags: the padding must cover them
_MPEG1_RATES = (44100, 48000, 32000)
_MPEG2_RATES = (22050, 24000, 16000)
_MPEG25_RATES = (11025, 12000, 8000)
_MPEG1_KBPS = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_MPEG2_KBPS = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)
SAMPLE_RATES = _MPEG1_RATES + _MPEG2_RATES + _MPEG25_RATES
BIG_ENDIAN_U32 = struct.Struct(">I")


def bitrates_for(sample_rate: int) -> tuple[int, ...]:
    return (_MPEG1_KBPS if sample_rate in _MPEG1_RATES else _MPEG2_KBPS)[1:]


def samples_per_frame(sample_rate: int) -> int:
    return 1152 if sample_rate in _MPEG1_RATES else 576


def frame_size(header: int) -> int:
    version = (header >> 19) & 3  # 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
    rates = {3: _MPEG1_RATES, 2: _MPEG2_RATES, 0: _MPEG25_RATES}[version]
    kbps = (_MPEG1_KBPS if version == 3 else _MPEG2_KBPS)[(header >> 12) & 15]
    rate = rates[(header >> 10) & 3]
    return (144 if version == 3 else 72) * kbps * 1000 // rate + ((header >> 9) & 1)


def _header(sample_rate: int, kbps: int) -> int:
    if sample_rate in _MPEG1_RATES:
        version, rates, table = 3, _MPEG1_RATES, _MPEG1_KBPS
    elif sample_rate in _MPEG2_RATES:
        version, rates, table = 2, _MPEG2_RATES, _MPEG2_KBPS
    else:
        version, rates, table = 0, _MPEG25_RATES, _MPEG2_KBPS
    # sync, version, layer III, no CRC, bitrate, rate, no padding, mono (mode 3), original
    return (
        (0x7FF << 21)
        | (version << 19)
        | (1 << 17)
        | (1 << 16)
        | (table.index(kbps) << 12)
        | (rates.index(sample_rate) << 10)
        | (3 << 6)
        | (1 << 2)
    )


def info_frame(
    sample_rate: int,
    kbps: int,
    frames: int,
    size: int,
    delay: int,
    padding: int,
    toc: bytes | None = None,
    min_kbps: int | None = None,
) -> bytes:
    """A LAME-style tag frame: frame count, byte count, seek table, delay and padding.

    With no `toc`, a constant-bitrate "Info" frame, whose seek table is a straight line; with
    one, a "Xing" frame (the stream's bitrate varies) holding it. The frame takes the smallest
    bitrate from `kbps` up that holds the tag (below 64 kbps at 22.05 kHz it would not fit).
    """
    tag = (
        (b"Xing" if toc is not None else b"Info")
        + struct.pack(">III", 0x0F, frames, size)
        + (toc if toc is not None else bytes(min(255, i * 256 // 100) for i in range(100)))
        + struct.pack(">I", 0)
    )
    lame = (
        b"LAME3.100"
        + bytes(11)  # revision, lowpass, peak, gains, flags: unknown or unused here
        + bytes([min(255, min_kbps or kbps)])  # CBR: the bitrate; VBR: the smallest one used
        + bytes([delay >> 4, ((delay & 0xF) << 4) | (padding >> 8), padding & 0xFF])
        + bytes(12)
    )
    body = tag + lame
    side_info = 17 if sample_rate in _MPEG1_RATES else 9  # mono
    fitting = [k for k in bitrates_for(sample_rate) if k >= kbps]
    for rate_kbps in fitting:
        header = _header(sample_rate, rate_kbps)
        if frame_size(header) >= 4 + side_info + len(body):
            break
    frame = bytearray(frame_size(header))
    struct.pack_into(">I", frame, 0, header)
    frame[4 + side_info : 4 + side_info + len(body)] = body
    return bytes(frame)


def silent_frame(sample_rate: int, kbps: int, padded: bool = False) -> bytes:
    """An MP3 frame that decodes to silence without any other frame's data.

    Its side information is all zero: no bits of audio data (part2_3_length 0, so no
    coefficients) and main_data_begin 0, so it borrows nothing from the frames before it.
    At any bitrate, and with the padding byte or without, it is the same silence: only its
    size differs, which is what the seek-table layout (xing.py) uses.
    """
    header = _header(sample_rate, kbps) | (padded << 9)
    return BIG_ENDIAN_U32.pack(header) + bytes(frame_size(header) - 4)


def silent_frames_by_size(sample_rate: int) -> dict[int, bytes]:
    """Every silent frame the sample rate allows, by its size in bytes."""
    return {
        len(frame): frame
        for kbps in bitrates_for(sample_rate)
        for frame in (silent_frame(sample_rate, kbps), silent_frame(sample_rate, kbps, True))
    }


def bitrate_mode(path: Path) -> str:
    """What an MP3 written here holds: "vbr-silence" (a "Xing" tag frame: small silence laid
    out for its seek table) or "cbr" (an "Info" one). The writer decides as it closes."""
    with open(path, "rb") as file:
        head = file.read(10)
        if head[:3] == b"ID3":  # the tag's size: four 7-bit bytes
            file.seek(10 + (head[6] << 21 | head[7] << 14 | head[8] << 7 | head[9]))
        else:
            file.seek(0)
        frame = file.read(4 + 17 + 4)
    side_info = 17 if (BIG_ENDIAN_U32.unpack_from(frame)[0] >> 19) & 3 == 3 else 9  # mono
    return "vbr-silence" if frame[4 + side_info : 8 + side_info] == b"Xing" else "cbr"
