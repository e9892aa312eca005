"""MP3 from streamed PCM with lameenc, sample-exact for gapless-aware players.

An MP3 decoder outputs the encoder's delay before the audio and padding after it, so a plain
lameenc stream decodes about 50-80 ms longer than its input, shifted late. Like the `lame`
command, we put a LAME "Info" frame first, holding the delay and padding; ffmpeg, mpg123 and
miniaudio then return exactly the samples that went in. The frame is written as a placeholder
and filled in once the stream is done, so encoding stays a single pass.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

import lameenc

from guidecast.errors import AudioError

ENCODER_DELAY = 576  # samples LAME puts before the audio (measured: exact at 22.05 and 44.1 kHz)
_MPEG1_RATES = (44100, 48000, 32000)
_MPEG2_RATES = (22050, 24000, 16000)
_MPEG25_RATES = (11025, 12000, 8000)
_MPEG1_KBPS = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_MPEG2_KBPS = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)
SAMPLE_RATES = _MPEG1_RATES + _MPEG2_RATES + _MPEG25_RATES
_BIG_ENDIAN_U32 = struct.Struct(">I")


def bitrates_for(sample_rate: int) -> tuple[int, ...]:
    return (_MPEG1_KBPS if sample_rate in _MPEG1_RATES else _MPEG2_KBPS)[1:]


def samples_per_frame(sample_rate: int) -> int:
    return 1152 if sample_rate in _MPEG1_RATES else 576


def _frame_size(header: int) -> int:
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


def info_frame(sample_rate: int, kbps: int, frames: int, size: int, delay: int, padding: int):
    """A LAME-style Info frame: frame count, byte count, seek table, delay and padding."""
    header = _header(sample_rate, kbps)
    frame = bytearray(_frame_size(header))
    side_info = 17 if sample_rate in _MPEG1_RATES else 9  # mono
    struct.pack_into(">I", frame, 0, header)
    toc = bytes(min(255, i * 256 // 100) for i in range(100))
    tag = b"Info" + struct.pack(">III", 0x0F, frames, size) + toc + struct.pack(">I", 0)
    lame = (
        b"LAME3.100"
        + bytes(11)  # revision, lowpass, peak, gains, flags: unknown or unused here
        + bytes([min(255, kbps)])
        + bytes([delay >> 4, ((delay & 0xF) << 4) | (padding >> 8), padding & 0xFF])
        + bytes(12)
    )
    body = tag + lame
    frame[4 + side_info : 4 + side_info + len(body)] = body
    return bytes(frame)


class Mp3Stream:
    """Feed PCM with `write()`, then `close()`; `out` must be seekable (a real file)."""

    def __init__(self, out: BinaryIO, sample_rate: int, kbps: int = 64, quality: int = 3):
        if sample_rate not in SAMPLE_RATES:
            raise AudioError(f"MP3 cannot use {sample_rate} Hz; use one of {SAMPLE_RATES}")
        if kbps not in bitrates_for(sample_rate):
            raise AudioError(
                f"MP3 at {sample_rate} Hz cannot use {kbps} kbps; use one of "
                f"{', '.join(map(str, bitrates_for(sample_rate)))}"
            )
        self.out = out
        self.sample_rate = sample_rate
        self.kbps = kbps
        self._encoder = lameenc.Encoder()
        self._encoder.set_bit_rate(kbps)
        self._encoder.set_in_sample_rate(sample_rate)
        self._encoder.set_channels(1)
        self._encoder.set_quality(quality)
        self._start = out.tell()
        self._info_size = len(info_frame(sample_rate, kbps, 0, 0, 0, 0))
        out.write(bytes(self._info_size))  # the Info frame goes here once the counts are known
        self.samples = 0
        self.frames = 0
        self.bytes = 0
        self._skip = 0  # bytes of the current frame still to come
        self._partial = b""  # the start of a frame header split across writes
        self._sizes: dict[int, int] = {}  # frame header -> frame size in bytes

    def write(self, pcm: bytes) -> None:
        self.samples += len(pcm) // 2
        self._emit(self._encoder.encode(pcm))

    def _emit(self, data: bytes | bytearray) -> None:
        if not data:
            return
        self.out.write(data)
        self.bytes += len(data)
        self._count_frames(bytes(data))

    def _count_frames(self, data: bytes) -> None:
        # Hot: an hour is 138,000 frames. A CBR stream has two frame sizes (with and without
        # the padding byte), so sizes are looked up by header, not worked out each time.
        if self._partial:
            data = self._partial + data
            self._partial = b""
        sizes = self._sizes
        unpack = _BIG_ENDIAN_U32.unpack_from
        end = len(data)
        i = self._skip
        frames = 0
        while i + 4 <= end:
            header = unpack(data, i)[0]
            size = sizes.get(header)
            if size is None:
                if header >> 21 != 0x7FF:
                    raise AudioError("the MP3 encoder produced a stream this writer cannot follow")
                size = sizes[header] = _frame_size(header)
            frames += 1
            i += size
        if i < end:  # a frame header split across writes
            self._partial = data[i:]
            i = end
        self.frames += frames
        self._skip = i - end

    def close(self) -> None:
        """Flush the encoder and fill in the Info frame."""
        self._emit(self._encoder.flush())
        padding = self.frames * samples_per_frame(self.sample_rate) - self.samples - ENCODER_DELAY
        if not 0 <= padding < 4096:
            raise AudioError(f"unexpected MP3 padding of {padding} samples")
        frame = info_frame(
            self.sample_rate,
            self.kbps,
            self.frames,
            self.bytes + self._info_size,
            ENCODER_DELAY,
            padding,
        )
        end = self.out.tell()
        self.out.seek(self._start)
        self.out.write(frame)
        self.out.seek(end)
