"""Defaults every stage shares, each written once, with why."""

from __future__ import annotations

from guidecast.core.spelling import did_you_mean

SAMPLE_RATE = 22050  # espeak-ng speaks at 22.05 kHz: a higher rate adds bytes, not sound
BITRATE = 64  # kbps, mono: clear speech, about 0.5 MB a minute
MP3_QUALITY = 3  # lameenc: 2 is best, 7 fastest; 3 is near-best at half the time of 2
SPEECH_RATE = 160  # words per minute: calm, clear instructions (every engine is paced to it)

# The speech engines a routine or --engine may name, the default first. Only these names: a
# routine file must never choose a module to import. speech/workers.py maps each to its class.
ENGINE = "pyttsx3"
ENGINE_NAMES = ("pyttsx3", "hibari", "piper")


def unknown_engine(name: str) -> str:
    """The one message for an engine name that is not one of ENGINE_NAMES."""
    shown = name if len(name) <= 40 else name[:40] + "..."
    return (
        f"unknown speech engine {shown!r}{did_you_mean(name, ENGINE_NAMES)}; "
        f"expected one of: {', '.join(ENGINE_NAMES)}"
    )


# The generated sound beds a routine or --background may name (audio/beds.py makes them), and
# the sound files a bed may loop instead (decoded with miniaudio, which reads these four).
BED_SOUNDS = ("rain", "waves", "pink", "brown", "drone")
BED_FILE_TYPES = (".wav", ".mp3", ".ogg", ".flac")
BED_LEVEL_LU = -18.0  # the bed's loudness under the voice's: heard in pauses, never in the way
BED_DUCK_DB = 12.0  # lowered this much more under speech: 30 dB under the voice while it speaks
MIN_BED_LEVEL, MAX_BED_LEVEL = -40.0, -3.0  # LU: quieter is lost in a room; louder buries speech
MAX_BED_DUCK = 40.0  # dB
