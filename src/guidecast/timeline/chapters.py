"""Chapters: the session cut where its steps are, for ID3 chapters, split tracks and playlists.

A pure function of the timeline. Chapters cover the whole audio with no gap: an
"Introduction" before the first step (when the intro is spoken), one chapter per step visit
(named with its side and round), and "Closing" after the last step, all in the routine's
language ("Introducción", "ronda 1 de 2").
"""

from __future__ import annotations

from dataclasses import dataclass

from guidecast.language.interface import word
from guidecast.timeline.layout import StepSpan, Timeline


@dataclass(frozen=True)
class Chapter:
    title: str
    start: int  # sample
    end: int  # sample, exclusive
    step: str | None = None  # step id; None for the introduction and closing

    def milliseconds(self, sample_rate: int) -> tuple[int, int]:
        """(start, end) in whole milliseconds, as ID3, ffmpeg and captions count time."""
        return round(self.start * 1000 / sample_rate), round(self.end * 1000 / sample_rate)


def span_detail(span: StepSpan, language: str = "en") -> str:
    """`left breast, round 2 of 3`: where a visit sits, in the routine's language."""
    parts = []
    if span.side:
        parts.append(span.side)
    if span.round is not None and span.rounds:
        parts.append(word(language, "round_of", round=span.round, rounds=span.rounds))
    return ", ".join(parts)


def chapter_title(span: StepSpan, language: str = "en") -> str:
    """`Circles (left breast, round 2 of 3)`: what a player's chapter list shows."""
    detail = span_detail(span, language)
    return span.title + (f" ({detail})" if detail else "")


def chapters(timeline: Timeline, language: str = "en") -> list[Chapter]:
    introduction, closing = word(language, "introduction"), word(language, "closing")
    found: list[Chapter] = []
    steps = timeline.steps
    if not steps:
        return [Chapter(introduction, 0, timeline.length)]
    if steps[0].start > 0:
        found.append(Chapter(introduction, 0, steps[0].start))
    for span in steps:
        found.append(Chapter(chapter_title(span, language), span.start, span.end, span.id))
    if steps[-1].end < timeline.length:
        found.append(Chapter(closing, steps[-1].end, timeline.length))
    return found


def extended_m3u(tracks: list[tuple[str, float, str]], title: str) -> str:
    """An extended M3U playlist of (relative path, seconds, title), in order."""
    lines = ["#EXTM3U", f"#PLAYLIST:{' '.join(title.split())}"]
    for path, seconds, track_title in tracks:
        lines += [f"#EXTINF:{seconds:.3f},{' '.join(track_title.split())}", path]
    return "\n".join(lines) + "\n"
