"""Chapters: the session cut where its steps are, for ID3 chapters, split tracks, the page.

A pure function of the timeline. Chapters cover the whole audio with no gap: an
"Introduction" before the first step (when the intro is spoken), the routine's steps, and
"Closing" after the last step, all in the routine's language ("Introducción", "ronda 1 de 2").

The rule (`grouped`, the default): a chapter is something a listener would skip to, so none
is shorter than a minute unless the step itself is.
- A step is one chapter, its sides inside it; a chapter per side when every side lasts a
  minute or more.
- A rounds block is a chapter per step and round when every one lasts a minute or more, else a
  chapter per round when every round does, else its rounds in even groups of a minute or more
  ("Box breathing (rounds 1 to 3 of 22)").
`each` gives a chapter to every side and round of every step, as before.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

from guidecast.core.errors import UsageError
from guidecast.language.interface import word
from guidecast.timeline.layout import StepSpan, Timeline
from guidecast.timeline.structure import blocks, rounds_of, where

GROUPED, EACH = "grouped", "each"
CHAPTER_RULES = (GROUPED, EACH)
LEAST_S = 60.0  # a chapter shorter than this is not worth skipping to
MAX_TITLES = 3  # a rounds block's chapter names at most this many of its steps


@dataclass(frozen=True)
class Chapter:
    title: str
    start: int  # sample
    end: int  # sample, exclusive
    step: str | None = None  # the first step's id; None for the introduction and closing

    def milliseconds(self, sample_rate: int) -> tuple[int, int]:
        """(start, end) in whole milliseconds, as ID3, ffmpeg and captions count time."""
        return round(self.start * 1000 / sample_rate), round(self.end * 1000 / sample_rate)


def chapter_title(span: StepSpan, language: str = "en") -> str:
    """`Circles (round 2 of 3, left breast)`: one visit, as a player's chapter list shows it,
    in the routine's language (`Círculos (ronda 2 de 3, pecho izquierdo)`)."""
    parts = where(span.round, span.rounds, span.side, language)
    return span.title + (f" ({', '.join(parts)})" if parts else "")


def chapters(timeline: Timeline, rule: str = GROUPED, language: str = "en") -> list[Chapter]:
    introduction, closing = word(language, "introduction"), word(language, "closing")
    found: list[Chapter] = []
    steps = timeline.steps
    if not steps:
        return [Chapter(introduction, 0, timeline.length)]
    if rule == EACH:
        found += [_visit(span, language) for span in steps]
    else:
        least = round(LEAST_S * timeline.sample_rate)
        for block in blocks(steps):
            found += _block_chapters(steps, block, least, language)
    if timeline.cues and timeline.cues[0].start < steps[0].start:  # the intro is spoken
        found.insert(0, Chapter(introduction, 0, steps[0].start))
    else:  # only the lead-in's silence: the first chapter starts the audio
        found[0] = replace(found[0], start=0)
    if steps[-1].end < timeline.length:
        found.append(Chapter(closing, steps[-1].end, timeline.length))
    return found


def _visit(span: StepSpan, language: str) -> Chapter:
    return Chapter(chapter_title(span, language), span.start, span.end, span.id)


def _block_chapters(
    steps: tuple[StepSpan, ...], block: range, least: int, language: str
) -> list[Chapter]:
    spans = [steps[i] for i in block]
    first, last = spans[0], spans[-1]
    if len(spans) == 1 or all(s.end - s.start >= least for s in spans):
        return [_visit(span, language) for span in spans]
    if first.round is None:  # one step, its sides short: one chapter
        return [Chapter(first.title, first.start, last.end, first.id)]
    name = _block_name(spans)
    rounds = [(steps[r.start], steps[r.stop - 1]) for r in rounds_of(steps, block)]
    total = first.rounds
    groups = _even_groups(rounds, least)
    found = []
    for begin, end in groups:
        if len(groups) == 1:
            which = word(language, "rounds_all", rounds=total)
        elif begin.round == end.round:
            which = word(language, "round_of", round=begin.round, rounds=total)
        else:
            which = word(language, "rounds_span", first=begin.round, last=end.round, rounds=total)
        found.append(Chapter(f"{name} ({which})", begin.start, end.end, begin.id))
    return found


def _even_groups(
    rounds: list[tuple[StepSpan, StepSpan]], least: int
) -> list[tuple[StepSpan, StepSpan]]:
    """Consecutive rounds in as many even groups as can each last `least` or more: a round a
    chapter when rounds last that long, else two, three or more rounds a chapter."""
    most = min(len(rounds), (rounds[-1][1].end - rounds[0][0].start) // least)
    for count in range(most, 1, -1):
        bounds = [group * len(rounds) // count for group in range(count + 1)]
        groups = [(rounds[a][0], rounds[b - 1][1]) for a, b in itertools.pairwise(bounds)]
        if all(end.end - begin.start >= least for begin, end in groups):
            return groups
    return [(rounds[0][0], rounds[-1][1])]


def _block_name(spans: list[StepSpan]) -> str:
    """A rounds block's title, or its steps' titles: `In, Hold, Out`, the first few and an
    ellipsis when there are more."""
    if spans[0].block:
        return spans[0].block
    titles = list(dict.fromkeys(span.title for span in spans))
    if len(titles) > MAX_TITLES:
        titles = [*titles[: MAX_TITLES - 1], "…"]
    return ", ".join(titles)


def extended_m3u(tracks: list[tuple[str, float, str]], title: str) -> str:
    """An extended M3U playlist of (relative path, seconds, title), in order."""
    lines = ["#EXTM3U", f"#PLAYLIST:{' '.join(title.split())}"]
    for path, seconds, track_title in tracks:
        lines += [f"#EXTINF:{seconds:.3f},{' '.join(track_title.split())}", path]
    return "\n".join(lines) + "\n"


def check_chapter_rule(rule: str) -> None:
    """--chapters: one of CHAPTER_RULES, or exit 2 naming them."""
    if rule not in CHAPTER_RULES:
        raise UsageError(f"--chapters must be one of {', '.join(CHAPTER_RULES)}, got {rule!r}")
