"""The intro's "this session takes about N minutes", settled.

The sentence depends on the session's length, which depends on the sentence's own length.
Rounded to the minute it stops changing at once: a few rounds settle it. A build and live
playback settle it the same way (this function), so the played session is the built one.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Callable, Mapping

from guidecast.routine.pacing import Pacing
from guidecast.script.model import Script
from guidecast.timeline.layout import Timeline, build_timeline

ROUNDS = 4


def settle_session_length(
    script: Script,
    pacing: Pacing,
    lengths: Mapping[str, int],
    sample_rate: int,
    length_of: Callable[[str], int | None],
) -> tuple[str | None, Timeline]:
    """The settled sentence and the timeline with it in the intro.

    `length_of(text)` gives the sentence's clip length in samples, speaking it if need be, or
    None when it cannot be had now (live playback taking only cached clips): then the answer
    is None and the timeline without the sentence.
    """
    timeline = build_timeline(script, pacing, lengths, sample_rate)
    said = None
    for _ in range(ROUNDS):
        text = script.session_length_line(timeline.seconds)
        if text == said:
            break
        length = length_of(text)
        if length is None:
            return None, timeline
        said = text
        with_text = ChainMap({text: length}, lengths)
        timeline = build_timeline(script, pacing, with_text, sample_rate, session_length_text=text)
    return said, timeline
