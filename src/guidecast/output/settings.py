"""What a build writes: the audio format and its settings, and which files go beside it.
Option values are checked here, before any work is done."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from guidecast.audio.leveling import MAX_LUFS, MIN_LUFS, Loudness
from guidecast.core import defaults
from guidecast.core.errors import UsageError
from guidecast.output.encoders import FFMPEG_FORMATS, FORMATS, ffmpeg_exe
from guidecast.output.mp3frames import SAMPLE_RATES, bitrates_for
from guidecast.timeline.chapters import GROUPED

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class AudioSettings:
    sample_rate: int = defaults.SAMPLE_RATE
    bitrate: int = defaults.BITRATE
    quality: int = defaults.MP3_QUALITY
    format: str = "mp3"
    loudness: Loudness = field(default_factory=Loudness)
    # MP3: long silences in small frames, laid out so the Xing seek table is exact (xing.py);
    # the writer falls back to constant bitrate where that layout does not fit.
    vbr_silence: bool = True


@dataclass(frozen=True)
class Extras:
    """Files written beside the audio."""

    captions: bool = False  # WebVTT, SRT, LRC, chapters WebVTT; lyrics in the MP3
    split: bool = False  # one audio file per chapter, and an M3U playlist
    cover: bool = True  # a PNG beside the audio, and in the MP3
    page: bool = False  # an HTML player beside the audio (page.py)
    chapters: str = GROUPED  # the chapter rule (timeline/chapters.py): grouped or each


def audio_settings(
    sample_rate: int, bitrate: int, fmt: str, loudness: str, vbr_silence: bool | None = None
) -> AudioSettings:
    """Audio settings from option values, checked before any work is done; `vbr_silence`
    None: small silence for MP3 (the default), True: asked for (MP3 only), False: --cbr."""
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if vbr_silence and fmt != "mp3":
        raise UsageError(f"--vbr-silence is for MP3 files, not --format {fmt}")
    if fmt in FFMPEG_FORMATS:
        ffmpeg_exe(fmt)  # a missing extra is reported now, not after the speech
    if fmt == "mp3" and sample_rate not in SAMPLE_RATES:
        raise UsageError(
            f"--sample-rate for MP3 must be one of {', '.join(map(str, SAMPLE_RATES))}, "
            f"got {sample_rate}"
        )
    if fmt == "mp3" and bitrate not in bitrates_for(sample_rate):
        raise UsageError(
            f"--bitrate at {sample_rate} Hz must be one of "
            f"{', '.join(map(str, bitrates_for(sample_rate)))}, got {bitrate}"
        )
    if not 8000 <= sample_rate <= 48000:
        raise UsageError(f"--sample-rate must be from 8000 to 48000 Hz, got {sample_rate}")
    if loudness.strip().lower() == "off":
        level_to = Loudness(target=None)
    else:
        try:
            target = float(loudness)
        except ValueError:
            target = math.nan
        if not MIN_LUFS <= target <= MAX_LUFS:
            raise UsageError(
                f"--loudness must be 'off' or from {MIN_LUFS:g} to {MAX_LUFS:g} LUFS, "
                f"got {loudness!r}"
            )
        level_to = Loudness(target=target)
    small_silence = fmt == "mp3" and vbr_silence is not False
    return AudioSettings(sample_rate, bitrate, defaults.MP3_QUALITY, fmt, level_to, small_silence)
