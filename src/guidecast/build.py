"""Building a session: routine -> script -> clips -> timeline -> MP3 + manifest.

This module only wires the stages together; each stage lives in its own module.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from guidecast.errors import AudioError, OutputError
from guidecast.manifest import manifest
from guidecast.mp3 import Mp3Stream
from guidecast.output import AtomicOutputs
from guidecast.pacing import Pacing
from guidecast.render import stream_pcm
from guidecast.routine import Routine, VoiceSettings
from guidecast.script import Script, make_script
from guidecast.speech.engine import SpeechClip
from guidecast.tags import write_tags
from guidecast.timeline import Timeline, build_timeline
from guidecast.voice import Voice

DEFAULT_SAMPLE_RATE = 22050  # espeak-ng speaks at 22.05 kHz: a higher rate adds bytes, not sound
DEFAULT_BITRATE = 64  # kbps, mono: clear speech, about 0.5 MB a minute
DEFAULT_QUALITY = 3  # lameenc: 2 is best, 7 fastest; 3 is near-best at half the time of 2

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class AudioSettings:
    sample_rate: int = DEFAULT_SAMPLE_RATE
    bitrate: int = DEFAULT_BITRATE
    quality: int = DEFAULT_QUALITY


@dataclass
class Session:
    """A routine planned to the sample: everything needed to render it."""

    routine: Routine
    script: Script
    timeline: Timeline
    clips: dict[str, SpeechClip] = field(repr=False)


@dataclass(frozen=True)
class BuildResult:
    session: Session
    files: list[Path]


def voice_for(routine: Routine, pacing: Pacing, sample_rate: int, **kwargs: object) -> Voice:
    settings = routine.voice.merged(VoiceSettings(rate=pacing.rate))
    return Voice(settings, routine.language, sample_rate, **kwargs)  # type: ignore[arg-type]


def plan(
    routine: Routine, pacing: Pacing, voice: Voice, progress: Progress | None = None
) -> Session:
    """Speak (or fetch from the cache) every line, then lay out the timeline."""
    script = make_script(routine)

    def speech_progress(done: int, total: int) -> None:
        if progress:
            progress("speech", done, total)

    clips = voice.clips(script.fixed_texts(), speech_progress)
    rate = voice.sample_rate
    lengths = {text: clip.samples for text, clip in clips.items()}
    timeline = build_timeline(script, pacing, lengths, rate)
    if routine.intro:
        # The intro says how long the session is, which depends on the intro's own length:
        # settle it in a few rounds (rounded to the minute, it stops changing at once).
        said = None
        for _ in range(4):
            text = session_length_line(script, timeline.seconds)
            if text == said:
                break
            said = text
            if text not in clips:
                clips.update(voice.clips([(text, "the intro")]))
                lengths[text] = clips[text].samples
            timeline = build_timeline(script, pacing, lengths, rate, session_length_text=text)
    return Session(routine, script, timeline, clips)


def session_length_line(script: Script, seconds: float) -> str:
    """The intro's sentence saying how long a session of `seconds` lasts."""
    text = script.phrases.say("session_length", time=_about(script, seconds))
    return text[:1].upper() + text[1:]


def _about(script: Script, seconds: float) -> str:
    """A session length as people say it: to the minute, or to ten seconds when short."""
    if seconds >= 90:
        return script.phrases.time(round(seconds / 60) * 60)
    return script.phrases.time(max(10, round(seconds / 10) * 10))


def write_session(
    session: Session,
    out_dir: Path,
    audio: AudioSettings,
    progress: Progress | None = None,
) -> list[Path]:
    """Render, encode and tag the session; write the MP3 and manifest atomically."""
    routine, timeline = session.routine, session.timeline
    name = routine.slug
    with AtomicOutputs(out_dir) as outputs:
        mp3_path = outputs.temp_for(f"{name}.mp3")
        try:
            with open(mp3_path, "wb") as out:
                stream = Mp3Stream(out, audio.sample_rate, audio.bitrate, audio.quality)
                for chunk in stream_pcm(timeline, session.clips):
                    stream.write(chunk)
                    if progress:
                        progress("audio", stream.samples, timeline.length)
                stream.close()
        except OSError as err:
            raise OutputError(f"cannot write {out_dir / (name + '.mp3')}: {err.strerror}") from None
        if stream.samples != timeline.length:
            raise AudioError("the audio came out a different length from its timeline")
        write_tags(mp3_path, session)
        manifest_path = outputs.temp_for(f"{name}.json")
        data = manifest(routine, timeline, f"{name}.mp3", bitrate_kbps=audio.bitrate)
        try:
            manifest_path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        except OSError as err:
            raise OutputError(
                f"cannot write {out_dir / (name + '.json')}: {err.strerror}"
            ) from None
        files = [out_dir / f"{name}.mp3", out_dir / f"{name}.json"]
    return files


def build(
    routine: Routine,
    out_dir: Path,
    pacing: Pacing | None = None,
    audio: AudioSettings | None = None,
    voice: Voice | None = None,
    progress: Progress | None = None,
) -> BuildResult:
    pacing = pacing or Pacing()
    audio = audio or AudioSettings()
    own_voice = voice is None
    voice = voice or voice_for(routine, pacing, audio.sample_rate)
    try:
        session = plan(routine, pacing, voice, progress)
        files = write_session(session, out_dir, audio, progress)
    finally:
        if own_voice:
            voice.close()
    return BuildResult(session, files)
