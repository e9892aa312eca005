"""The manifest: a JSON description of a built session, for players, pages and tests.

Format 1 (documented in docs/manifest.md): times are seconds from the start of the audio,
rounded to the microsecond, and each spoken cue's start and end are where its speech is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from guidecast.routine.model import Routine
from guidecast.timeline.chapters import Chapter
from guidecast.timeline.layout import Timeline

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
        }
        for c in chapters
    ]


def manifest(routine: Routine, timeline: Timeline, audio_name: str, **extra: Any) -> dict:
    rate = timeline.sample_rate
    steps = []
    for span in timeline.steps:
        entry: dict[str, Any] = {
            "id": span.id,
            "title": span.title,
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
        "samples": timeline.length,
        "sample_rate": rate,
        "audio": audio_name,
        **extra,
        "steps": steps,
        "cues": cues,
        "notes": list(timeline.notes),
    }
