"""Building a session: routine -> script -> clips -> timeline -> MP3 + manifest.

This module only wires the stages together; each stage lives in its own module.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from guidecast.audio.loudness import MAX_LUFS, MIN_LUFS, Loudness, level
from guidecast.audio.render import stream_pcm
from guidecast.core.durations import format_clock
from guidecast.core.errors import AudioError, UsageError
from guidecast.core.names import slugify
from guidecast.output.captions import chapters_webvtt, lrc, lyrics_text, srt, synced_lyrics, webvtt
from guidecast.output.cover import cover_png
from guidecast.output.encoders import (
    FFMPEG_FORMATS,
    FORMATS,
    Encoder,
    Metadata,
    ffmpeg_exe,
    open_encoder,
)
from guidecast.output.files import AtomicOutputs
from guidecast.output.manifest import chapter_entries, manifest
from guidecast.output.mp3 import SAMPLE_RATES, bitrates_for
from guidecast.output.page import page_name, write_page
from guidecast.output.tags import ALBUM, ARTIST, TrackInfo, write_tags
from guidecast.routine.model import Routine, VoiceSettings
from guidecast.routine.pacing import Pacing
from guidecast.script.model import Script, make_script
from guidecast.speech.cache import ClipCache
from guidecast.speech.engine import SAMPLE_WIDTH, SpeechClip
from guidecast.speech.voice import Voice
from guidecast.timeline.chapters import chapters, extended_m3u
from guidecast.timeline.layout import Timeline, build_timeline

DEFAULT_SAMPLE_RATE = 22050  # espeak-ng speaks at 22.05 kHz: a higher rate adds bytes, not sound
DEFAULT_BITRATE = 64  # kbps, mono: clear speech, about 0.5 MB a minute
DEFAULT_QUALITY = 3  # lameenc: 2 is best, 7 fastest; 3 is near-best at half the time of 2

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class AudioSettings:
    sample_rate: int = DEFAULT_SAMPLE_RATE
    bitrate: int = DEFAULT_BITRATE
    quality: int = DEFAULT_QUALITY
    format: str = "mp3"
    loudness: Loudness = field(default_factory=Loudness)
    # MP3: long silences at the lowest bitrate. Not the default: Chromium seeks such a file
    # by its Xing table and lands minutes off (docs/bench.md, scripts/seek_check.py).
    vbr_silence: bool = False


@dataclass(frozen=True)
class Extras:
    """Files written beside the audio."""

    captions: bool = False  # WebVTT, SRT, LRC, chapters WebVTT; lyrics in the MP3
    split: bool = False  # one audio file per chapter, and an M3U playlist
    cover: bool = True  # a PNG beside the audio, and in the MP3
    page: bool = False  # an HTML player beside the audio (page.py)


@dataclass
class Session:
    """A routine planned to the sample: everything needed to render it."""

    routine: Routine
    script: Script
    timeline: Timeline
    clips: dict[str, SpeechClip] = field(repr=False)
    loudness: float | None = None  # LUFS, once leveled
    leveled_to: Loudness | None = None  # what the leveling aimed for
    loudness_capped: bool = False  # the gain stopped short: the limiter would flatten the voice

    @property
    def notes(self) -> tuple[str, ...]:
        """What the build should tell the user: the timeline's notes, and a loudness target
        the voice could not reach."""
        notes = self.timeline.notes
        aim, reached = self.leveled_to, self.loudness
        if self.loudness_capped and aim and aim.target is not None and reached is not None:
            notes += (
                f"the session reaches {reached:.1f} LUFS, not {aim.target:g}: a louder voice "
                f"would be flattened by limiting its peaks under {aim.ceiling:g} dBTP",
            )
        return notes


@dataclass(frozen=True)
class BuildResult:
    session: Session
    files: list[Path]


def audio_settings(
    sample_rate: int, bitrate: int, fmt: str, loudness: str, vbr_silence: bool = False
) -> AudioSettings:
    """Audio settings from option values, checked before any work is done."""
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
    return AudioSettings(sample_rate, bitrate, DEFAULT_QUALITY, fmt, level_to, vbr_silence)


def voice_for(routine: Routine, pacing: Pacing, sample_rate: int, **kwargs: object) -> Voice:
    settings = routine.voice.merged(VoiceSettings(engine=pacing.engine, rate=pacing.rate))
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


@dataclass(frozen=True)
class _Target:
    """One audio file the session's PCM flows into: the whole session, or one chapter."""

    name: str  # relative to the output folder
    start: int
    end: int
    meta: Metadata


def level_session(session: Session, loudness: Loudness, cache: ClipCache | None = None) -> Session:
    """The session with its voice at the target loudness and its peaks limited.

    The session's clips are replaced in place: the session given is leveled too."""
    made = level(session.timeline, session.clips, loudness, cache)  # in place
    return replace(
        session, loudness=made.loudness, leveled_to=loudness, loudness_capped=made.capped
    )


def write_session(
    session: Session,
    out_dir: Path,
    audio: AudioSettings,
    progress: Progress | None = None,
    extras: Extras | None = None,
) -> list[Path]:
    """Render the session once, streaming it into every audio file asked for; then tags,
    cover, captions, playlist and manifest. All files appear together, or none do."""
    extras = extras or Extras()
    routine, timeline = session.routine, session.timeline
    name, ext, rate = routine.slug, audio.format, timeline.sample_rate
    chapter_list = tuple(chapters(timeline))
    whole = Metadata(routine.title, ARTIST, ALBUM, routine.description, chapters=chapter_list)
    targets = [_Target(f"{name}.{ext}", 0, timeline.length, whole)]
    if extras.split:
        for number, chapter in enumerate(chapter_list, 1):
            targets.append(
                _Target(
                    f"{name}/{number:02d}-{slugify(chapter.title)}.{ext}",
                    chapter.start,
                    chapter.end,
                    Metadata(
                        chapter.title, ARTIST, routine.title, track=(number, len(chapter_list))
                    ),
                )
            )
    previous = _previous_files(out_dir / f"{name}.json")
    written: list[tuple[str, str]] = []  # (name, role)
    # Any OSError in the block becomes one line naming the file (AtomicOutputs).
    with AtomicOutputs(out_dir) as outputs:
        _encode(session, outputs, targets, audio, progress)
        cover = None
        if extras.cover:
            cover = cover_png(
                routine.title,
                [step.title for step in routine.all_steps()],
                format_clock(timeline.seconds),
            )
        for index, target in enumerate(targets):
            written.append((target.name, "audio" if index == 0 else "track"))
            if ext == "mp3":
                write_tags(
                    outputs.temp_path(target.name),
                    _track_info(session, target, cover, lyrics=extras.captions and index == 0),
                )
        if cover:  # after the tags, so a failure while tagging is blamed on the audio
            outputs.temp_for(f"{name}.png").write_bytes(cover)
            written.append((f"{name}.png", "cover"))
        if extras.captions:
            for suffix, role, text in (
                (".vtt", "captions", webvtt(timeline, routine.title)),
                (".srt", "captions", srt(timeline)),
                (".lrc", "lyrics", lrc(timeline, routine.title, ARTIST)),
                (".chapters.vtt", "chapters", chapters_webvtt(list(chapter_list), rate)),
            ):
                outputs.temp_for(name + suffix).write_text(text, encoding="utf-8")
                written.append((name + suffix, role))
        if extras.split:
            playlist = extended_m3u(
                [(t.name, (t.end - t.start) / rate, t.meta.title) for t in targets[1:]],
                routine.title,
            )
            outputs.temp_for(f"{name}.m3u8").write_text(playlist, encoding="utf-8")
            written.append((f"{name}.m3u8", "playlist"))
        if extras.page:
            written.append((page_name({"audio": targets[0].name}), "page"))
        written.append((f"{name}.json", "manifest"))
        data = manifest(
            routine,
            timeline,
            targets[0].name,
            audio_format=ext,
            bitrate_kbps=audio.bitrate if ext != "wav" else None,
            **(
                {"bitrate_mode": "vbr-silence" if audio.vbr_silence else "cbr"}
                if ext == "mp3"
                else {}
            ),
            loudness_lufs=None if session.loudness is None else round(session.loudness, 2),
            files=[{"path": path, "role": role} for path, role in written],
            chapters=chapter_entries(chapter_list, rate),
        )
        if extras.page:
            write_page(data, out_dir, outputs)
        with outputs.temp_for(f"{name}.json").open("w", encoding="utf-8") as file:
            json.dump(data, file, indent=2, ensure_ascii=False)  # in pieces: 8 hours is 2 MB
            file.write("\n")
    _remove_stale(out_dir, previous, {path for path, _ in written})
    return [out_dir / path for path, _ in written]


def _encode(
    session: Session,
    outputs: AtomicOutputs,
    targets: list[_Target],
    audio: AudioSettings,
    progress: Progress | None,
) -> None:
    timeline = session.timeline
    rate = timeline.sample_rate
    encoders: list[Encoder] = []
    try:
        for target in targets:
            encoders.append(
                open_encoder(
                    audio.format,
                    outputs.temp_for(target.name),
                    rate,
                    audio.bitrate,
                    audio.quality,
                    target.end - target.start,
                    audio.vbr_silence,
                    target.meta,
                    outputs.scratch(),
                )
            )
        position = 0
        for chunk in stream_pcm(timeline, session.clips):
            end = position + len(chunk) // SAMPLE_WIDTH
            encoders[0].write(chunk)
            for target, encoder in zip(targets[1:], encoders[1:], strict=True):
                low, high = max(target.start, position), min(target.end, end)
                if low < high:
                    encoder.write(
                        chunk[(low - position) * SAMPLE_WIDTH : (high - position) * SAMPLE_WIDTH]
                    )
            position = end
            if progress:
                progress("audio", position, timeline.length)
        for encoder in encoders:
            encoder.close()
    except BaseException:
        for encoder in encoders:
            encoder.abort()
        raise
    for target, encoder in zip(targets, encoders, strict=True):
        if encoder.samples != target.end - target.start:
            raise AudioError(f"{target.name} came out a different length from its timeline")


def _track_info(session: Session, target: _Target, cover: bytes | None, lyrics: bool) -> TrackInfo:
    timeline = session.timeline
    rate = timeline.sample_rate
    return TrackInfo(
        title=target.meta.title,
        seconds=(target.end - target.start) / rate,
        album=target.meta.album,
        description=target.meta.description,
        track=target.meta.track,
        chapters=target.meta.chapters,
        sample_rate=rate,
        lyrics=lyrics_text(timeline) if lyrics else None,
        synced_lyrics=tuple(synced_lyrics(timeline)) if lyrics else (),
        cover_png=cover,
    )


def _previous_files(manifest_path: Path) -> set[str]:
    """The files an earlier build of this session wrote, from its manifest."""
    try:
        data = json.loads(manifest_path.read_text(encoding="utf-8"))
        return {str(f["path"]) for f in data.get("files", []) if isinstance(f, dict)}
    except (OSError, ValueError, TypeError, KeyError):
        return set()


def _remove_stale(out_dir: Path, previous: set[str], current: set[str]) -> None:
    """Delete what an earlier build wrote that this one did not (old split tracks)."""
    root = out_dir.resolve()
    for path in previous - current:
        target = (out_dir / path).resolve()
        if root in target.parents:  # never outside the output folder
            with contextlib.suppress(OSError):
                target.unlink()
                if target.parent != root:
                    target.parent.rmdir()  # only if now empty


def build(
    routine: Routine,
    out_dir: Path,
    pacing: Pacing | None = None,
    audio: AudioSettings | None = None,
    voice: Voice | None = None,
    progress: Progress | None = None,
    extras: Extras | None = None,
) -> BuildResult:
    pacing = pacing or Pacing()
    audio = audio or AudioSettings()
    own_voice = voice is None
    voice = voice or voice_for(routine, pacing, audio.sample_rate)
    try:
        session = plan(routine, pacing, voice, progress)
        session = level_session(session, audio.loudness, voice.cache)
        files = write_session(session, out_dir, audio, progress, extras)
    finally:
        if own_voice:
            voice.close()
    return BuildResult(session, files)
