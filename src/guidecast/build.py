"""Building a session: routine -> script -> clips -> timeline -> MP3 + manifest.

This module only wires the stages together: plan (script, speech, timeline) -> level -> write.
Each stage lives in its own package.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from guidecast.audio.bed import bed_layout, check_sources
from guidecast.audio.session import Session, level_session
from guidecast.core.errors import VoiceNotFoundError
from guidecast.output.settings import AudioSettings, Extras, Progress, audio_settings
from guidecast.output.write import write_session
from guidecast.routine.model import Routine
from guidecast.routine.pacing import Pacing, voice_error_at_origin
from guidecast.script.model import make_script
from guidecast.speech.voice import Voice, voice_for
from guidecast.timeline.layout import build_timeline
from guidecast.timeline.settle import settle_session_length

__all__ = [
    "AudioSettings",
    "BuildResult",
    "Extras",
    "Session",
    "audio_settings",
    "build",
    "level_session",
    "plan",
    "write_session",
]


@dataclass(frozen=True)
class BuildResult:
    session: Session
    files: list[Path]


def plan(
    routine: Routine, pacing: Pacing, voice: Voice, progress: Progress | None = None
) -> Session:
    """Speak (or fetch from the cache) every line, then lay out the timeline."""
    script = make_script(routine)
    # A sound file that cannot be used is reported now, before any speech. (A stand-in voice
    # without a clip cache, as tests plan with, makes the bed's loops each time.)
    check_sources(routine, pacing.background, voice.sample_rate, getattr(voice, "cache", None))

    def speech_progress(done: int, total: int) -> None:
        if progress:
            progress("speech", done, total)

    try:
        clips = voice.clips(script.fixed_texts(), speech_progress)
    except VoiceNotFoundError as err:  # said where the voice was asked for
        raise voice_error_at_origin(err, routine, pacing) from None
    rate = voice.sample_rate
    lengths = {text: clip.samples for text, clip in clips.items()}

    def length_of(text: str) -> int:
        if text not in clips:
            clips.update(voice.clips([(text, "the intro")]))
        return clips[text].samples

    if script.tells_length:
        _, timeline = settle_session_length(script, pacing, lengths, rate, length_of)
    else:
        timeline = build_timeline(script, pacing, lengths, rate)
    layout = bed_layout(routine, timeline, pacing.background)
    return Session(routine, script, timeline, clips, bed_layout=layout)


def build(
    routine: Routine,
    out_dir: Path,
    pacing: Pacing | None = None,
    audio: AudioSettings | None = None,
    voice: Voice | None = None,
    progress: Progress | None = None,
    extras: Extras | None = None,
    manifest_extra: Mapping[str, Any] | None = None,
) -> BuildResult:
    pacing = pacing or Pacing()
    audio = audio or AudioSettings()
    own_voice = voice is None
    voice = voice or voice_for(routine, pacing, audio.sample_rate)
    try:
        session = plan(routine, pacing, voice, progress)
        session = level_session(session, audio.loudness, voice.cache)
        files = write_session(session, out_dir, audio, progress, extras, manifest_extra)
    finally:
        if own_voice:
            voice.close()
    return BuildResult(session, files)
