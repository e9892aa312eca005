"""The manifest: a JSON description of a built session, for players, pages and tests.

Format 1 (documented in docs/manifest.md): times are seconds from the start of the audio,
rounded to the microsecond, and each spoken cue's start and end are where its speech is. The
`*_shown` fields and each step's `place` are the words every other surface shows (one rule for
a length, one numbering of steps), so a reader need not round or count for itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from guidecast.core.durations import format_length, format_position
from guidecast.routine.model import Routine
from guidecast.timeline.chapters import Chapter
from guidecast.timeline.layout import Timeline
from guidecast.timeline.notes import grouped
from guidecast.timeline.structure import places, step_count

if TYPE_CHECKING:
    from guidecast.audio.bed import Bed

MANIFEST_FORMAT = 1


def _seconds(samples: int, rate: int) -> float:
    return round(samples / rate, 6)


def chapter_entries(chapters: Sequence[Chapter], rate: int) -> list[dict[str, Any]]:
    return [
        {
            "title": c.title,
            "step": c.step,
            "start_s": _seconds(c.start, rate),
            "end_s": _seconds(c.end, rate),
            "start_shown": format_position(c.start / rate),
            "length_shown": format_length((c.end - c.start) / rate),
        }
        for c in chapters
    ]


def background_entry(bed: Bed) -> dict[str, Any]:
    """The sound bed: the first one heard (sound, level, duck, its loudness), and every stretch
    of the session with the bed it has (`sound` null where it is off)."""
    rate = bed.layout.rate

    def setting(stretch_setting: Any) -> dict[str, Any]:
        if stretch_setting.source is None:
            return {"sound": None, "level_lu": None, "duck_db": None}
        file = stretch_setting.file
        return {
            "sound": "file" if file is not None else stretch_setting.sound,
            **({"file": file.name} if file is not None else {}),
            "level_lu": stretch_setting.level_lu,
            "duck_db": stretch_setting.duck_db,
        }

    first = bed.runs[0]
    return {
        **setting(first.setting),
        "loudness_lufs": round(bed.voice_lufs + first.setting.level_lu, 2),
        "sections": [
            {
                "start_s": _seconds(stretch.start, rate),
                "end_s": _seconds(stretch.end, rate),
                **setting(stretch.setting),
            }
            for stretch in bed.layout.stretches
        ],
    }


def manifest(routine: Routine, timeline: Timeline, audio_name: str, **extra: Any) -> dict:
    rate = timeline.sample_rate
    open_steps = {step.id for step in routine.all_steps() if step.until_done}
    steps = []
    for span, place in zip(timeline.steps, places(timeline.steps), strict=True):
        entry: dict[str, Any] = {
            "id": span.id,
            "title": span.title,
            "number": place.number,
            "place": place.text(routine.language),
            "start_s": _seconds(span.start, rate),
            "end_s": _seconds(span.end, rate),
            "perform_start_s": _seconds(span.perform_start, rate),
            "perform_end_s": _seconds(span.perform_end, rate),
        }
        if span.side is not None:
            entry["side"] = span.side
        if span.round is not None:
            entry["round"] = span.round
            entry["rounds"] = span.rounds
        if span.block is not None:
            entry["block"] = span.block
        if span.id in open_steps:  # waits for the listener in play; here its nominal time
            entry["until"] = "done"
        steps.append(entry)
    cues = [
        {
            "step": cue.step,
            "kind": cue.kind,
            "text": cue.text,
            "start_s": _seconds(cue.start, rate),
            "end_s": _seconds(cue.end, rate),
            **({"sound": cue.sound} if cue.sound else {}),
        }
        for cue in timeline.cues
    ]
    return {
        "format": MANIFEST_FORMAT,
        "title": routine.title,
        "slug": routine.slug,
        "description": routine.description,
        "source": routine.source,
        "version": routine.version,
        "language": routine.language,
        "duration_s": _seconds(timeline.length, rate),
        "duration_shown": format_length(timeline.seconds),
        "step_count": step_count(timeline.steps),
        "samples": timeline.length,
        "sample_rate": rate,
        "audio": audio_name,
        **extra,
        "steps": steps,
        "cues": cues,
        "notes": grouped(timeline.notes),
    }
