"""Writing a planned session: its PCM rendered once and streamed into every audio file asked
for (the whole session, and one track per chapter with --split), then tags, the side files
(output/sidefiles.py) and the manifest. All files appear together, or none do."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from guidecast.audio.render import made_ahead, stream_pcm
from guidecast.audio.session import Session
from guidecast.core.errors import AudioError
from guidecast.core.names import slugify
from guidecast.language.interface import id3_language
from guidecast.output.captions import lyrics_text, synced_lyrics
from guidecast.output.encoders import Encoder, Metadata, open_encoder
from guidecast.output.files import AtomicOutputs
from guidecast.output.manifest import background_entry, chapter_entries, manifest
from guidecast.output.mp3frames import bitrate_mode
from guidecast.output.settings import AudioSettings, Extras, Progress
from guidecast.output.sidefiles import SIDE_FILES, Target, Written, cover_for
from guidecast.output.tags import ALBUM, ARTIST, TrackInfo, write_tags
from guidecast.speech.engine import SAMPLE_WIDTH
from guidecast.timeline.chapters import Chapter, chapters


def write_session(
    session: Session,
    out_dir: Path,
    audio: AudioSettings,
    progress: Progress | None = None,
    extras: Extras | None = None,
    manifest_extra: Mapping[str, Any] | None = None,
) -> list[Path]:
    """Render the session once, streaming it into every audio file asked for; then tags, the
    side files (SIDE_FILES) and the manifest (with `manifest_extra`'s fields, such as a
    catalogue's `inputs_hash`). All files appear together, or none do."""
    extras = extras or Extras()
    routine, timeline = session.routine, session.timeline
    chapter_list = tuple(chapters(timeline, extras.chapters, routine.language))
    targets = _targets(session, audio.format, chapter_list, extras.split)
    previous = _previous_files(out_dir / f"{routine.slug}.json")
    # Any OSError in the block becomes one line naming the file (AtomicOutputs).
    with contextlib.ExitStack() as stack, AtomicOutputs(out_dir) as outputs:
        # The cover is drawn in a process of its own while the audio is encoded here.
        drawing = stack.enter_context(cover_for(session)) if extras.cover else None
        _encode(session, outputs, targets, audio, progress)
        cover = drawing.png() if drawing else None
        files: list[tuple[str, str]] = []  # (name, role)
        for index, target in enumerate(targets):
            files.append((target.name, "audio" if index == 0 else "track"))
            if audio.format == "mp3":
                write_tags(
                    outputs.temp_path(target.name),
                    _track_info(session, target, cover, lyrics=extras.captions and index == 0),
                )
        # After the tags, so a failure while tagging is blamed on the audio.
        written = Written(session, outputs, targets, chapter_list, cover)
        for wanted, writer in SIDE_FILES:
            if wanted(extras):
                files += writer(written)
        manifest_name = f"{routine.slug}.json"
        files.append((manifest_name, "manifest"))
        data = manifest(
            routine,
            timeline,
            targets[0].name,
            audio_format=audio.format,
            bitrate_kbps=audio.bitrate if audio.format != "wav" else None,
            **(
                {"bitrate_mode": bitrate_mode(outputs.temp_path(targets[0].name))}
                if audio.format == "mp3"
                else {}
            ),
            loudness_lufs=None if session.loudness is None else round(session.loudness, 2),
            files=[{"path": path, "role": role} for path, role in files],
            chapters=chapter_entries(chapter_list, timeline.sample_rate),
            **({"background": background_entry(session.bed)} if session.bed else {}),
            **(manifest_extra or {}),
        )
        for finish in written.with_manifest:
            finish(data)
        with outputs.temp_for(manifest_name).open("w", encoding="utf-8") as file:
            json.dump(data, file, indent=2, ensure_ascii=False)  # in pieces: 8 hours is 2 MB
            file.write("\n")
    _remove_stale(out_dir, previous, {path for path, _ in files})
    return [out_dir / path for path, _ in files]


def _targets(
    session: Session, ext: str, chapter_list: tuple[Chapter, ...], split: bool
) -> list[Target]:
    """The whole session's file, then one per chapter when split."""
    routine, name = session.routine, session.routine.slug
    language = id3_language(routine.language)  # each file's tags name the routine's language
    whole = Metadata(
        routine.title, ARTIST, ALBUM, routine.description, chapters=chapter_list, language=language
    )
    targets = [Target(f"{name}.{ext}", 0, session.timeline.length, whole)]
    if split:
        for number, chapter in enumerate(chapter_list, 1):
            track = (number, len(chapter_list))
            meta = Metadata(chapter.title, ARTIST, routine.title, track=track, language=language)
            name_of = f"{name}/{number:02d}-{slugify(chapter.title)}.{ext}"
            targets.append(Target(name_of, chapter.start, chapter.end, meta))
    return targets


def _encode(
    session: Session,
    outputs: AtomicOutputs,
    targets: list[Target],
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
        chunks = stream_pcm(timeline, session.clips, bed=session.bed)
        if session.bed is not None:  # mixed on the other core while this one encodes
            chunks = made_ahead(chunks)
        for chunk in chunks:
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


def _track_info(session: Session, target: Target, cover: bytes | None, lyrics: bool) -> TrackInfo:
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
        language=target.meta.language or "eng",
    )


_FILES_KEY = '\n  "files": '  # the manifest's own "files", as json.dump(indent=2) writes it


def _previous_files(manifest_path: Path) -> set[str]:
    """The files an earlier build of this session wrote, from its manifest.

    Read only as far as its "files" list, near the top: an 8-hour session's manifest is
    1.4 MB, and parsed whole it raised a rebuild's peak memory by 2.7 MB. A manifest laid out
    otherwise is parsed whole."""
    decoder = json.JSONDecoder()
    text = ""
    try:
        with manifest_path.open(encoding="utf-8") as file:
            while piece := file.read(1 << 16):
                text += piece
                at = text.find(_FILES_KEY)
                if at < 0:
                    continue
                try:
                    files, _ = decoder.raw_decode(text, at + len(_FILES_KEY))
                except ValueError:
                    continue  # not all of the list read yet
                return _paths(files)
        data = json.loads(text)
        return _paths(data.get("files", []) if isinstance(data, dict) else [])
    except (OSError, ValueError, TypeError, KeyError):
        return set()


def _paths(files: object) -> set[str]:
    if not isinstance(files, list):
        return set()
    return {str(f["path"]) for f in files if isinstance(f, dict)}


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
