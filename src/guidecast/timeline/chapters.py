"""Chapters: the session cut where its steps are, for ID3 chapters, split tracks and playlists.

A pure function of the timeline. Chapters cover the whole audio with no gap: an
"Introduction" before the first step (when the intro is spoken), one chapter per step visit
(named with its side and round), and "Closing" after the last step.
"""

from __future__ import annotations

from dataclasses import dataclass

from guidecast.timeline.layout import StepSpan, Timeline

INTRODUCTION = "Introduction"
CLOSING = "Closing"


@dataclass(frozen=True)
class Chapter:
    title: str
    start: int  # sample
    end: int  # sample, exclusive
    step: str | None = None  # step id; None for the introduction and closing

    def milliseconds(self, sample_rate: int) -> tuple[int, int]:
        """(start, end) in whole milliseconds, as ID3, ffmpeg and captions count time."""
        return round(self.start * 1000 / sample_rate), round(self.end * 1000 / sample_rate)


def chapter_title(span: StepSpan) -> str:
    """`Circles (left breast, round 2 of 3)`: what a player's chapter list shows."""
    parts = []
    if span.side:
        parts.append(span.side)
    if span.round is not None and span.rounds:
        parts.append(f"round {span.round} of {span.rounds}")
    return span.title + (f" ({', '.join(parts)})" if parts else "")


def chapters(timeline: Timeline) -> list[Chapter]:
    found: list[Chapter] = []
    steps = timeline.steps
    if not steps:
        return [Chapter(INTRODUCTION, 0, timeline.length)]
    if steps[0].start > 0:
        found.append(Chapter(INTRODUCTION, 0, steps[0].start))
    for span in steps:
        found.append(Chapter(chapter_title(span), span.start, span.end, span.id))
    if steps[-1].end < timeline.length:
        found.append(Chapter(CLOSING, steps[-1].end, timeline.length))
    return found


def extended_m3u(tracks: list[tuple[str, float, str]], title: str) -> str:
    """An extended M3U playlist of (relative path, seconds, title), in order."""
    lines = ["#EXTM3U", f"#PLAYLIST:{' '.join(title.split())}"]
    for path, seconds, track_title in tracks:
        lines += [f"#EXTINF:{seconds:.3f},{' '.join(track_title.split())}", path]
    return "\n".join(lines) + "\n"
