"""Audio encoders fed streamed PCM: MP3 and WAV with pip-only code, the rest through ffmpeg.

Every encoder takes mono 16-bit PCM with `write()` and finishes with `close()`; none holds the
session in memory. OGG (Vorbis), Opus, M4A (AAC) and FLAC need an ffmpeg binary, which the
optional extra `guidecast[formats]` installs (the `imageio-ffmpeg` wheel ships one); their
tags and chapters go in through an ffmetadata file, as each container carries them.
"""

from __future__ import annotations

import contextlib
import subprocess
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from guidecast.core.errors import AudioError, UsageError
from guidecast.output.captions import timestamp
from guidecast.output.mp3 import Mp3Stream
from guidecast.output.mp3frames import bitrates_for
from guidecast.speech.engine import SAMPLE_WIDTH
from guidecast.timeline.chapters import Chapter

FORMATS = ("mp3", "wav", "ogg", "opus", "m4a", "flac")
FFMPEG_FORMATS = {
    # format: (ffmpeg muxer, codec arguments; bitrate filled in where the codec has one)
    "ogg": ("ogg", ["-c:a", "libvorbis", "-b:a", "{kbps}k"]),
    "opus": ("ogg", ["-c:a", "libopus", "-b:a", "{kbps}k", "-application", "voip"]),
    "m4a": ("ipod", ["-c:a", "aac", "-b:a", "{kbps}k"]),
    "flac": ("flac", ["-c:a", "flac"]),
}
OPUS_RATES = (8000, 12000, 16000, 24000, 48000)
FFMPEG_EXTRA = "pip install 'guidecast[formats]'"


class Encoder(Protocol):
    @property
    def samples(self) -> int: ...

    def write(self, pcm: bytes) -> None: ...

    def close(self) -> None: ...

    def abort(self) -> None: ...


@dataclass(frozen=True)
class Metadata:
    """What a container can carry besides the audio."""

    title: str
    artist: str
    album: str
    description: str | None = None
    track: tuple[int, int] | None = None
    chapters: tuple[Chapter, ...] = ()
    language: str | None = None  # ISO 639-2 (spa), as containers' language tags are written


class WavStream:
    """A WAV file written as the PCM arrives; its length is known in advance, so no rewrite."""

    def __init__(self, out: BinaryIO, sample_rate: int, samples: int) -> None:
        self._wave = wave.open(out, "wb")  # noqa: SIM115 - closed in close()
        self._wave.setnchannels(1)
        self._wave.setsampwidth(SAMPLE_WIDTH)
        self._wave.setframerate(sample_rate)
        self._wave.setnframes(samples)
        self.samples = 0

    def write(self, pcm: bytes) -> None:
        self._wave.writeframesraw(pcm)
        self.samples += len(pcm) // SAMPLE_WIDTH

    def close(self) -> None:
        self._wave.close()

    def abort(self) -> None:
        pass


def ffmpeg_exe(fmt: str) -> str:
    """The ffmpeg that the optional extra ships, or a clear error naming the extra."""
    try:
        import imageio_ffmpeg
    except ImportError:
        raise UsageError(
            f"--format {fmt} needs ffmpeg, which the optional extra installs: {FFMPEG_EXTRA}"
        ) from None
    try:
        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except RuntimeError as err:
        raise UsageError(f"--format {fmt}: no ffmpeg found ({err}); {FFMPEG_EXTRA}") from None


def ffmetadata(meta: Metadata, sample_rate: int, vorbis_chapters: bool = False) -> str:
    """ffmpeg's metadata file: tags, then one [CHAPTER] per chapter in milliseconds.

    ffmpeg's Ogg Vorbis and FLAC muxers drop [CHAPTER] sections, so for those the chapters
    are written as the Vorbis-comment tags that players (and ffmpeg itself) read instead.
    """

    def escaped(value: str) -> str:
        for char in ("\\", "=", ";", "#", "\n"):
            value = value.replace(char, "\\" + char)
        return value

    lines = [
        ";FFMETADATA1",
        f"title={escaped(meta.title)}",
        f"artist={escaped(meta.artist)}",
        f"album={escaped(meta.album)}",
        "genre=Speech",
    ]
    if meta.description:
        lines.append(f"comment={escaped(meta.description)}")
    if meta.track:
        lines.append(f"track={meta.track[0]}/{meta.track[1]}")
    if meta.language:
        lines.append(f"language={meta.language}")
    if vorbis_chapters:
        # Vorbis comments carry chapters as CHAPTERnnn=HH:MM:SS.mmm and CHAPTERnnnNAME=title.
        for number, chapter in enumerate(meta.chapters, 1):
            start, _ = chapter.milliseconds(sample_rate)
            lines += [
                f"CHAPTER{number:03d}={timestamp(start)}",
                f"CHAPTER{number:03d}NAME={escaped(chapter.title)}",
            ]
        return "\n".join(lines) + "\n"
    for chapter in meta.chapters:
        start, end = chapter.milliseconds(sample_rate)
        lines += [
            "[CHAPTER]",
            "TIMEBASE=1/1000",
            f"START={start}",
            f"END={end}",
            f"title={escaped(chapter.title)}",
        ]
    return "\n".join(lines) + "\n"


class FfmpegStream:
    """PCM piped into an ffmpeg process (an argument list, never a shell) writing `path`."""

    def __init__(
        self,
        path: Path,
        fmt: str,
        sample_rate: int,
        kbps: int,
        meta: Metadata,
        metadata_path: Path,
    ) -> None:
        muxer, codec = FFMPEG_FORMATS[fmt]
        exe = ffmpeg_exe(fmt)
        if fmt == "opus" and sample_rate not in OPUS_RATES:
            raise UsageError(
                f"Opus cannot use {sample_rate} Hz; use --sample-rate with one of "
                f"{', '.join(map(str, OPUS_RATES))}"
            )
        metadata_path.write_text(
            ffmetadata(meta, sample_rate, vorbis_chapters=fmt in ("ogg", "flac")),
            encoding="utf-8",
        )
        args = [
            exe,
            "-hide_banner",
            "-nostdin",
            "-loglevel",
            "error",
            "-f",
            "s16le",
            "-ar",
            str(sample_rate),
            "-ac",
            "1",
            "-i",
            "pipe:0",
            "-f",
            "ffmetadata",
            "-i",
            str(metadata_path),
            "-map",
            "0:a",
            "-map_metadata",
            "1",
            "-map_chapters",
            "1",
            *(part.format(kbps=kbps) for part in codec),
            "-f",
            muxer,
            "-y",
            str(path),
        ]
        self.fmt = fmt
        self.samples = 0
        self._process = subprocess.Popen(
            args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

    def write(self, pcm: bytes) -> None:
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(pcm)
        except BrokenPipeError:
            self._fail()
        self.samples += len(pcm) // SAMPLE_WIDTH

    def close(self) -> None:
        assert self._process.stdin is not None
        with contextlib.suppress(BrokenPipeError):
            self._process.stdin.close()
        if self._process.wait() != 0:
            self._fail()

    def _fail(self) -> None:
        self._process.kill()
        _, err = self._process.communicate()
        detail = (err or b"").decode("utf-8", "replace").strip().splitlines()
        raise AudioError(
            f"ffmpeg could not encode {self.fmt}: {detail[-1] if detail else 'no reason given'}"
        )

    def abort(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()


class _FileEncoder:
    """An encoder that writes a file object, with the file opened and closed for it."""

    def __init__(self, path: Path, make: Callable[[BinaryIO], Encoder]) -> None:
        # Read as well: an MP3 with small silence is laid out again in place when it closes.
        self._file = open(path, "w+b")  # noqa: SIM115 - closed in close() or abort()
        try:
            self._inner = make(self._file)
        except BaseException:
            self._file.close()
            raise

    @property
    def samples(self) -> int:
        return self._inner.samples

    def write(self, pcm: bytes) -> None:
        self._inner.write(pcm)

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            self._file.close()

    def abort(self) -> None:
        self._file.close()


def open_encoder(
    fmt: str,
    path: Path,
    sample_rate: int,
    kbps: int,
    quality: int,
    samples: int,
    vbr_silence: bool,
    meta: Metadata,
    scratch: Path,
) -> Encoder:
    """An encoder writing `fmt` to `path`; `scratch` is a temporary file it may use.

    `vbr_silence`: an MP3's long silences at the lowest bitrate the sample rate allows."""
    if fmt == "mp3":
        silence = bitrates_for(sample_rate)[0] if vbr_silence else None
        return _FileEncoder(
            path, lambda out: Mp3Stream(out, sample_rate, kbps, quality, silence_kbps=silence)
        )
    if fmt == "wav":
        return _FileEncoder(path, lambda out: WavStream(out, sample_rate, samples))
    if fmt in FFMPEG_FORMATS:
        return FfmpegStream(path, fmt, sample_rate, kbps, meta, scratch)
    raise UsageError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}")
