"""The files written beside a session's audio, as a list of writers.

Each writer takes what was built (`Written`) and returns the files it wrote, each with its role
in the manifest (`files`). A writer writes through `Written.outputs`, so its files appear with
the audio or not at all (output/files.py). Adding a side file: a writer here, an entry in
`SIDE_FILES` (and a flag in `Extras`, output/settings.py, with its CLI option).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from guidecast.audio.session import Session
from guidecast.core.durations import format_length
from guidecast.output.captions import chapters_webvtt, lrc, srt, webvtt
from guidecast.output.cover import CoverDrawing
from guidecast.output.encoders import Metadata
from guidecast.output.files import AtomicOutputs
from guidecast.output.page import page_name, write_page
from guidecast.output.settings import Extras
from guidecast.output.tags import ARTIST
from guidecast.timeline.chapters import Chapter, extended_m3u

Files = list[tuple[str, str]]  # (path relative to the output folder, role)


@dataclass(frozen=True)
class Target:
    """One audio file the session's PCM flows into: the whole session, or one chapter."""

    name: str  # relative to the output folder
    start: int
    end: int
    meta: Metadata


@dataclass
class Written:
    """What a side-file writer may use: the session, the audio files written, the cover."""

    session: Session
    outputs: AtomicOutputs
    targets: list[Target]
    chapters: tuple[Chapter, ...]
    cover: bytes | None
    # Writers that need the manifest (the page shows it) add themselves here; they run once
    # it is made, with it.
    with_manifest: list[Callable[[dict[str, Any]], None]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.session.routine.slug


def cover_for(session: Session) -> CoverDrawing:
    """The cover art, started: PNG bytes, for a file beside the audio and for the MP3's tags."""
    routine = session.routine
    steps = [step.title for step in routine.all_steps()]
    return CoverDrawing(
        routine.title, steps, format_length(session.timeline.seconds), routine.language
    )


def write_cover(written: Written) -> Files:
    if written.cover is None:
        return []
    name = f"{written.name}.png"
    written.outputs.temp_for(name).write_bytes(written.cover)
    return [(name, "cover")]


def write_captions(written: Written) -> Files:
    """WebVTT and SRT captions, LRC lyrics, and the chapters as WebVTT."""
    timeline, title = written.session.timeline, written.session.routine.title
    language = written.session.routine.language
    open_steps = {step.id for step in written.session.routine.all_steps() if step.until_done}
    files: Files = []
    for suffix, role, text in (
        (".vtt", "captions", webvtt(timeline, title, language, open_steps)),
        (".srt", "captions", srt(timeline)),
        (".lrc", "lyrics", lrc(timeline, title, ARTIST)),
        (
            ".chapters.vtt",
            "chapters",
            chapters_webvtt(list(written.chapters), timeline.sample_rate, language),
        ),
    ):
        written.outputs.temp_for(written.name + suffix).write_text(text, encoding="utf-8")
        files.append((written.name + suffix, role))
    return files


def write_playlist(written: Written) -> Files:
    """An extended M3U playlist of the split tracks, with their real durations."""
    rate = written.session.timeline.sample_rate
    tracks = [(t.name, (t.end - t.start) / rate, t.meta.title) for t in written.targets[1:]]
    name = f"{written.name}.m3u8"
    playlist = extended_m3u(tracks, written.session.routine.title)
    written.outputs.temp_for(name).write_text(playlist, encoding="utf-8")
    return [(name, "playlist")]


def write_player_page(written: Written) -> Files:
    """The player page: made from the manifest, so it is written once the manifest is."""
    out_dir = written.outputs.folder
    written.with_manifest.append(lambda data: write_page(data, out_dir, written.outputs))
    return [(page_name({"audio": written.targets[0].name}), "page")]


# In the order their files are listed in the manifest; each with the Extras flag that asks for it.
SIDE_FILES: tuple[tuple[Callable[[Extras], bool], Callable[[Written], Files]], ...] = (
    (lambda extras: extras.cover, write_cover),
    (lambda extras: extras.captions, write_captions),
    (lambda extras: extras.split, write_playlist),
    (lambda extras: extras.page, write_player_page),
)
