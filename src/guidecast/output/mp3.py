"""MP3 from streamed PCM with lameenc, sample-exact for gapless-aware players.

An MP3 decoder outputs the encoder's delay before the audio and padding after it, so a plain
lameenc stream decodes about 50-80 ms longer than its input, shifted late. Like the `lame`
command, we put a LAME "Info" frame first, holding the delay and padding; ffmpeg, mpg123 and
miniaudio then return exactly the samples that went in. The frame is written as a placeholder
and filled in once the stream is done, so encoding stays a single pass.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, BinaryIO

from guidecast.core.errors import AudioError
from guidecast.output.mp3frames import (
    BIG_ENDIAN_U32,
    DECODER_DELAY,
    ENCODER_DELAY,
    SAMPLE_RATES,
    bitrates_for,
    frame_size,
    info_frame,
    samples_per_frame,
    silent_frame,
)
from guidecast.output.xing import lay_out

SPLICE_MIN_SECONDS = 2.0  # silences at least this long are written as ready-made silent frames
SPLICE_MARGIN_FRAMES = 2  # frames of silence encoded on each side of a sound, at least
MAX_MARKS = 4096  # places remembered for the seek table (a mark every 2 s or less for 8 h)
SILENT_BLOCK_FRAMES = 2048  # silent frames written at a time: 430 kB at 64 kbps, 47 s


class Mp3Stream:
    """Feed PCM with `write()`, then `close()`; `out` must be seekable (a real file).

    With `splice_silence` (the default), a run of digital silence of SPLICE_MIN_SECONDS or
    more is not encoded: the encoder is flushed a little after the last sound, ready-made
    silent frames fill the gap, and a fresh encoder starts a little before the next sound.
    Encoding silence costs about a sixth of encoding speech, and a session is two thirds
    silence. Nothing drifts: a fresh encoder starts on a frame boundary of the one stream,
    sample s in is still sample s out, and the encoder's first frames need nothing from
    before (they start on silence, as the decoder's state does after a silent frame).

    With `silence_kbps` below `kbps`, those silent frames are written at that bitrate (the
    lowest, 8 kbps at 22.05 kHz, makes a frame of 26 bytes instead of 208): silence carries
    nothing, and an MP3 may change bitrate frame by frame. The speech frames are the very
    bytes of a constant-bitrate build. The stream is then VBR: the tag frame is "Xing", with
    a seek table, instead of "Info".
    """

    def __init__(
        self,
        out: BinaryIO,
        sample_rate: int,
        kbps: int = 64,
        quality: int = 3,
        splice_silence: bool = True,
        silence_kbps: int | None = None,
    ):
        if sample_rate not in SAMPLE_RATES:
            raise AudioError(f"MP3 cannot use {sample_rate} Hz; use one of {SAMPLE_RATES}")
        if kbps not in bitrates_for(sample_rate):
            raise AudioError(
                f"MP3 at {sample_rate} Hz cannot use {kbps} kbps; use one of "
                f"{', '.join(map(str, bitrates_for(sample_rate)))}"
            )
        if silence_kbps is not None and silence_kbps not in bitrates_for(sample_rate):
            raise AudioError(f"MP3 at {sample_rate} Hz cannot use {silence_kbps} kbps")
        self.out = out
        self.sample_rate = sample_rate
        self.kbps = kbps
        self.silence_kbps = silence_kbps if splice_silence else None
        self.vbr = self.silence_kbps is not None and self.silence_kbps != kbps
        self.quality = quality
        self._encoder: Any = None  # made at the first sound, and again after each splice
        self._start = out.tell()
        self._info_size = len(info_frame(sample_rate, kbps, 0, 0, 0, 0))
        out.write(bytes(self._info_size))  # the Info frame goes here once the counts are known
        self.samples = 0  # samples taken in, silence included
        self.frames = 0
        self.bytes = 0
        self.spliced = 0  # silent frames written without the encoder
        self._skip = 0  # bytes of the current frame still to come
        self._partial = b""  # the start of a frame header split across writes
        self._sizes: dict[int, int] = {}  # frame header -> frame size in bytes
        self._frame_samples = samples_per_frame(sample_rate)
        self._splice = splice_silence
        self._silent_frame = silent_frame(sample_rate, self.silence_kbps or kbps)
        # (frames, bytes) along the stream, for the VBR seek table: at most MAX_MARKS of
        # them, spaced further apart as the stream grows, so memory stays flat.
        self._marks: list[tuple[int, int]] = [(0, 0)]
        self._mark_every = 64
        self._runs: list[tuple[int, int, int]] = []  # (frame, byte, count) of silent runs
        self._pending = 0  # samples of digital silence taken in but not yet written
        self._min_splice = max(
            round(SPLICE_MIN_SECONDS * sample_rate),
            (4 * SPLICE_MARGIN_FRAMES + 4) * self._frame_samples,
        )
        self._zeros = b""

    def _new_encoder(self) -> Any:
        return _encoder(self.sample_rate, self.kbps, self.quality)

    def write(self, pcm: bytes) -> None:
        if self._splice and self._is_silent(pcm):
            self._pending += len(pcm) // 2
            return
        self._settle_silence()
        self._encode(pcm)

    def _is_silent(self, pcm: bytes) -> bool:
        if len(self._zeros) < len(pcm):
            self._zeros = bytes(len(pcm))
        return memoryview(self._zeros)[: len(pcm)] == pcm  # memcmp, stops at the first sound

    def _encode(self, pcm: bytes) -> None:
        if self._encoder is None:
            # A fresh encoder's first frame must be the stream's next frame: start on a frame
            # boundary, with every frame before it written.
            if self.samples != self.frames * self._frame_samples:
                raise AudioError("an MP3 encoder would start off the frame grid")
            self._encoder = self._new_encoder()
        self.samples += len(pcm) // 2
        with _encoder_errors():
            encoded = self._encoder.encode(pcm)
        self._emit(encoded)

    def _encode_silence(self, samples: int) -> None:
        chunk = self.sample_rate * 2
        if len(self._zeros) < chunk:
            self._zeros = bytes(chunk)
        while samples > 0:
            n = min(samples, self.sample_rate)
            self._encode(self._zeros[: n * 2])
            samples -= n

    def _end_encoder(self) -> None:
        if self._encoder is not None:
            with _encoder_errors():
                flushed = self._encoder.flush()
            self._emit(flushed)
            self._encoder = None

    def _write_silent_frames(self, count: int) -> None:
        if count <= 0:
            return
        if self._skip or self._partial:  # never after a flush, which ends on a whole frame
            raise AudioError("silent frames would split an MP3 frame (this is a bug)")
        # In blocks of a fixed size: a 24-hour silence is 3.4 million frames, and one bytes
        # object of them all took 684 MB.
        self._mark(force=True)  # the bitrate changes here: the seek table needs both ends
        if self.vbr:
            self._runs.append((self.frames, self.bytes, count))
        block = self._silent_frame * SILENT_BLOCK_FRAMES
        while count > 0:
            n = min(count, SILENT_BLOCK_FRAMES)
            data = block if n == SILENT_BLOCK_FRAMES else block[: n * len(self._silent_frame)]
            self.out.write(data)
            self.bytes += len(data)
            self.frames += n
            self.spliced += n
            count -= n
        self._mark(force=True)

    def _settle_silence(self, at_end: bool = False) -> None:
        """Write the pending silence: encoded when short, spliced in when long."""
        n, self._pending = self._pending, 0
        if n <= 0:
            return
        if n < self._min_splice:
            self._encode_silence(n)
            return
        spf = self._frame_samples
        margin = SPLICE_MARGIN_FRAMES * spf
        end = self.samples + n
        if self._encoder is not None:
            # Encode the first of the silence up to a frame boundary past the margin, so the
            # last sound and its decay are inside this encoder's frames; then flush.
            stop = -(-(self.samples + margin) // spf) * spf
            self._encode_silence(stop - self.samples)
            self._end_encoder()
        if at_end:
            # Silent frames to the end: enough that every sample is in a frame, and the
            # decoder's own delay after it too, as LAME's flush leaves.
            needed = -(-(end + ENCODER_DELAY + DECODER_DELAY) // spf)
            self._write_silent_frames(needed - self.frames)
            self.samples = end
            return
        # The next encoder starts on a frame boundary a margin before the next sound.
        start = (end - margin) // spf * spf
        if start < self.frames * spf:  # the flushed frames reach further than the silence
            raise AudioError("a silence was too short to splice (this is a bug)")
        self._write_silent_frames(start // spf - self.frames)
        self.samples = start
        self._encode_silence(end - start)

    def _emit(self, data: bytes | bytearray) -> None:
        if not data:
            return
        self.out.write(data)
        self.bytes += len(data)
        self._count_frames(bytes(data))
        self._mark()

    def _mark(self, force: bool = False) -> None:
        if self.frames - self._marks[-1][0] >= (1 if force else self._mark_every):
            # The end of the frames counted so far: the last may still be coming (`_skip`),
            # and the next one's header may have begun (`_partial`).
            self._marks.append((self.frames, self.bytes + self._skip - len(self._partial)))
            if len(self._marks) > MAX_MARKS:
                self._marks = self._marks[::2]
                self._mark_every *= 2

    def _count_frames(self, data: bytes) -> None:
        # Hot: an hour is 138,000 frames. A CBR stream has two frame sizes (with and without
        # the padding byte), so sizes are looked up by header, not worked out each time.
        if self._partial:
            data = self._partial + data
            self._partial = b""
        sizes = self._sizes
        unpack = BIG_ENDIAN_U32.unpack_from
        end = len(data)
        i = self._skip
        frames = 0
        while i + 4 <= end:
            header = unpack(data, i)[0]
            size = sizes.get(header)
            if size is None:
                if header >> 21 != 0x7FF:
                    raise AudioError("the MP3 encoder produced a stream this writer cannot follow")
                size = sizes[header] = frame_size(header)
            frames += 1
            i += size
        if i < end:  # a frame header split across writes
            self._partial = data[i:]
            i = end
        self.frames += frames
        self._skip = i - end

    def close(self) -> None:
        """Flush the encoder and fill in the Info frame."""
        self._settle_silence(at_end=True)
        if self._encoder is None and self.frames == 0:
            self._encoder = self._new_encoder()  # nothing written: still a valid stream
        self._end_encoder()
        padding = self.frames * samples_per_frame(self.sample_rate) - self.samples - ENCODER_DELAY
        if not 0 <= padding < 4096:
            raise AudioError(f"unexpected MP3 padding of {padding} samples")
        size, toc = self.bytes + self._info_size, None
        if self.vbr and self._runs:
            self._marks.append((self.frames, self.bytes))
            size, toc = lay_out(
                self.out,
                self._start + self._info_size,
                self._info_size,
                self.frames,
                self.bytes,
                self._runs,
                self._marks,
                self.sample_rate,
                self.kbps,
                self.silence_kbps or self.kbps,
            )
            self.bytes = size - self._info_size
        frame = info_frame(
            self.sample_rate,
            self.kbps,
            self.frames,
            size,
            ENCODER_DELAY,
            padding,
            toc=toc,
            min_kbps=self.silence_kbps if toc is not None else None,
        )
        self.out.seek(self._start)
        self.out.write(frame)
        self.out.seek(self._start + size)


def _encoder(sample_rate: int, kbps: int, quality: int) -> Any:
    """A configured lameenc encoder; a missing or failing encoder is an `AudioError`."""
    try:
        import lameenc
    except ImportError as err:
        raise AudioError("the MP3 encoder (lameenc) cannot be loaded: reinstall guidecast") from err
    with _encoder_errors():
        encoder = lameenc.Encoder()
        encoder.set_bit_rate(kbps)
        encoder.set_in_sample_rate(sample_rate)
        # Without it LAME resamples a low bitrate to a rate of its own choice (24 kHz at
        # 32 kbps came out at 22.05 kHz, short of the manifest); the default settings encode
        # the same bytes either way.
        encoder.set_out_sample_rate(sample_rate)
        encoder.set_channels(1)
        encoder.set_quality(quality)
    return encoder


@contextlib.contextmanager
def _encoder_errors() -> Iterator[None]:
    """lameenc raises bare exceptions (RuntimeError and the like): say what failed."""
    try:
        yield
    except Exception as err:
        detail = str(err) or type(err).__name__
        raise AudioError(f"the MP3 encoder (lameenc) failed: {detail}") from err
