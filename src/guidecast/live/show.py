"""What the player plays: a timeline that may still be growing, and the sound at any position.

A `Show` hands out `Snapshot`s. A snapshot is a whole timeline, but only its first `ready`
samples are final: before them nothing will ever move, after them positions may still be
estimates (speech not yet synthesized). A final snapshot is ready to its end. Two shows exist:
`guidecast.live.ahead.LiveShow`, a routine spoken just ahead of the listener, and `FileShow` here, a
session already built into an MP3 and its manifest.
"""

from __future__ import annotations

import array
import json
from bisect import bisect_right
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

from guidecast.core.errors import UsageError
from guidecast.timeline.layout import Cue, StepSpan, Timeline
from guidecast.timeline.notes import Note
from guidecast.timeline.structure import Place, places


@dataclass(frozen=True)
class Snapshot:
    timeline: Timeline
    ready: int  # samples [0, ready) are final
    final: bool = False

    @cached_property
    def cue_starts(self) -> list[int]:
        return [cue.start for cue in self.timeline.cues]

    @cached_property
    def step_starts(self) -> list[int]:
        return [span.start for span in self.timeline.steps]

    @cached_property
    def places(self) -> list[Place]:
        """Each visit's "step 3 of 7, round 2 of 22" (timeline/structure.py)."""
        return places(self.timeline.steps)

    @property
    def limit(self) -> int:
        """How far playback may go now."""
        return self.timeline.length if self.final else min(self.ready, self.timeline.length)

    def section(self, position: int) -> int:
        """Where `position` is: -1 in the opening, a step index, or len(steps) in the closing."""
        steps = self.timeline.steps
        if not steps or position < steps[0].start:
            return -1
        if position >= steps[-1].end:
            return len(steps)
        return bisect_right(self.step_starts, position) - 1

    def section_start(self, section: int) -> int:
        steps = self.timeline.steps
        if section < 0 or not steps:
            return 0
        if section >= len(steps):
            return steps[-1].end if section == len(steps) else self.timeline.length
        return steps[section].start

    def words_start(self, section: int) -> int:
        """Where the words of a section begin: a step's first spoken line, after its chime."""
        start = self.section_start(section)
        if 0 <= section < len(self.timeline.steps):
            span = self.timeline.steps[section]
            for cue in self.cues_between(span.start, span.perform_start):
                if cue.text is not None:
                    return cue.start
        return start

    def instruction_before(self, step_id: str, position: int) -> list[Cue]:
        """The latest run of a step's instruction lines begun by `position` (the first side of
        a step says them; later sides only name the side)."""
        heard = self.timeline.cues[: bisect_right(self.cue_starts, position)]
        lines: list[Cue] = []
        for cue in reversed(heard):
            if cue.kind == "instruction" and cue.step == step_id:
                lines.insert(0, cue)
            elif lines:
                break
        return lines

    def step_words(self, section: int) -> list[Cue]:
        """The spoken lines that tell what to do in a step: its own, and its instruction when an
        earlier side said it."""
        span = self.timeline.steps[section]
        own = [c for c in self.cues_between(span.start, span.perform_start) if c.text]
        if any(c.kind == "instruction" for c in own):
            return own
        return self.instruction_before(span.id, span.start) + own

    def cues_between(self, start: int, end: int) -> list[Cue]:
        """The cues that start in [start, end)."""
        cues = self.timeline.cues
        low = bisect_right(self.cue_starts, start - 1)
        high = bisect_right(self.cue_starts, end - 1)
        return list(cues[low:high])

    def lines_to_repeat(self, position: int, section: int | None = None) -> list[Cue]:
        """What `r` says again at `position` (in `section`, when the player knows better: an
        open step's wait may end where the next step starts): see `Player.repeat`."""
        section = self.section(position) if section is None else section
        if 0 <= section < len(self.timeline.steps):
            span = self.timeline.steps[section]
            side = [
                c for c in self.cues_between(span.start, span.perform_start) if c.kind == "side"
            ]
            lines = self.instruction_before(span.id, position) + [
                c for c in side if c.start <= position
            ]
        else:
            start = self.section_start(section)
            heard = self.cues_between(start, position + 1)
            lines = [c for c in heard if c.text is not None][-1:]
        return [c for c in lines if c.end <= self.limit]

    def cue_at(self, position: int) -> Cue | None:
        """The cue sounding at `position`, if any."""
        index = bisect_right(self.cue_starts, position) - 1
        if index >= 0:
            cue = self.timeline.cues[index]
            if cue.start <= position < cue.end:
                return cue
        return None


class Show(Protocol):
    title: str
    language: str  # the routine's language tag: the view's words follow it
    sample_rate: int
    error: BaseException | None

    def start(self) -> None: ...

    def snapshot(self) -> Snapshot: ...

    def pcm(self, snap: Snapshot, start: int, count: int) -> bytes:
        """Mono 16-bit PCM of samples [start, start + count), all below `snap.limit`."""
        ...

    def bed_pcm(self, snap: Snapshot, start: int, count: int) -> bytes | None:
        """The sound bed alone there (part of `pcm`), for its fades when the session pauses;
        None without a bed of its own (a built file's bed is in its audio)."""
        ...

    def close(self) -> None: ...


def timeline_from_manifest(data: Mapping[str, Any]) -> Timeline:
    """The timeline a manifest (docs/manifest.md) describes, back in samples."""
    rate = int(data["sample_rate"])

    def at(seconds: float) -> int:
        return round(seconds * rate)

    steps = tuple(
        StepSpan(
            step["id"],
            step["title"],
            at(step["start_s"]),
            at(step["end_s"]),
            at(step["perform_start_s"]),
            at(step["perform_end_s"]),
            step.get("round"),
            step.get("rounds"),
            step.get("side"),
            step.get("block"),
        )
        for step in data["steps"]
    )
    cues = tuple(
        Cue(
            cue["kind"],
            at(cue["start_s"]),
            at(cue["end_s"]) - at(cue["start_s"]),
            text=cue.get("text"),
            sound=cue.get("sound"),
            step=cue.get("step"),
        )
        for cue in data["cues"]
    )
    return Timeline(
        rate,
        int(data["samples"]),
        steps,
        cues,
        tuple(Note(str(text)) for text in data.get("notes", ())),
    )


def built_files(path: Path) -> tuple[Path, Path]:
    """The manifest and MP3 of a built session, given either of them."""
    manifest = path.with_suffix(".json")
    if not manifest.is_file():
        raise UsageError(f"{path}: no manifest beside it ({manifest.name}); build it again")
    try:
        data = json.loads(manifest.read_text())
        audio = manifest.parent / data["audio"] if path.suffix == ".json" else path
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise UsageError(f"{manifest}: not a guidecast manifest ({err})") from None
    if not audio.is_file():
        raise UsageError(f"{manifest}: its audio {audio.name} is missing")
    return manifest, audio


class FileShow:
    """A built session: the MP3 decoded as it plays (exactly seekable: it is gapless), the
    manifest for the view."""

    def __init__(self, path: Path) -> None:
        import miniaudio

        self._miniaudio = miniaudio
        manifest, self.audio = built_files(path)
        try:
            data = json.loads(manifest.read_text())
            timeline = timeline_from_manifest(data)
            self.title = str(data.get("title") or manifest.stem)
            self.language = str(data.get("language") or "en")
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise UsageError(f"{manifest}: not a guidecast manifest ({err})") from None
        try:
            info = miniaudio.mp3_get_file_info(str(self.audio))
        except miniaudio.DecodeError:
            raise UsageError(f"{self.audio}: cannot decode this MP3") from None
        if info.sample_rate != timeline.sample_rate or info.nchannels != 1:
            raise UsageError(f"{self.audio}: does not match its manifest {manifest.name}")
        self.sample_rate = timeline.sample_rate
        self.error: BaseException | None = None
        self._snap = Snapshot(timeline, timeline.length, final=True)
        self._stream: Iterator[array.array] | None = None
        self._next = -1  # the sample the open stream gives next
        self._buffer = array.array("h")

    def start(self) -> None:
        pass

    def snapshot(self) -> Snapshot:
        return self._snap

    def bed_pcm(self, snap: Snapshot, start: int, count: int) -> bytes | None:
        return None  # the bed is mixed into the file: paused, the file stops as a whole

    def pcm(self, snap: Snapshot, start: int, count: int) -> bytes:
        if start != self._next or self._stream is None:
            self._stream = self._miniaudio.mp3_stream_file(
                str(self.audio), frames_to_read=4096, seek_frame=start
            )
            self._next, self._buffer = start, array.array("h")
        while len(self._buffer) < count:
            chunk = next(self._stream, None)
            if chunk is None:
                self._buffer.extend([0] * (count - len(self._buffer)))
                break
            self._buffer.extend(chunk)
        taken, self._buffer = self._buffer[:count], self._buffer[count:]
        self._next += count
        return taken.tobytes()

    def close(self) -> None:
        self._stream = None
