"""A session over 24 hours, reported where it was made long: at the option or pacing setting
that stretched it (`--pace 3`, `pace: 3` in a pacing file, `--set`), or, when the routine is
too long as written, at its step that takes the most time."""

from __future__ import annotations

from guidecast.core.durations import MAX_SECONDS, format_duration
from guidecast.core.errors import GuidecastError, Problem
from guidecast.routine.model import Step
from guidecast.routine.pacing import Pacing, problem_at_origin
from guidecast.script.model import Script

MAX_SESSION_S = MAX_SECONDS  # a whole session, like any one duration, lasts at most a day


def session_too_long(
    script: Script, pacing: Pacing, seconds: float, perform: list[float], as_written: float
) -> GuidecastError:
    """The error for a session of `seconds`, whose visits perform for `perform` seconds each;
    `as_written` is how long it would last with no pacing at all."""
    lasting = (
        f"this session would last {format_duration(seconds)}, more than "
        f"{format_duration(MAX_SESSION_S)}, the most a session may last"
    )
    if as_written <= MAX_SESSION_S:  # the pacing made it long
        place, advice = _pacing_place(pacing)
        return problem_at_origin(place, f"{lasting}; {advice}")
    totals: dict[str, float] = {}
    steps: dict[str, Step] = {}
    for visit, time in zip(script.visits, perform, strict=True):
        totals[visit.step.id] = totals.get(visit.step.id, 0.0) + time
        steps[visit.step.id] = visit.step
    longest = max(totals, key=lambda step_id: totals[step_id])
    return problem_at_origin(
        steps[longest].place,
        f"{lasting}: shorten its steps (step {longest!r} takes "
        f"{format_duration(totals[longest])} of it)",
    )


def _pacing_place(pacing: Pacing) -> tuple[Problem | None, str]:
    """Where the pacing setting that lengthens the session was given, and what to do."""
    if pacing.times and not (pacing.pace > 1 and "pace" in pacing.origins):
        longest = max(pacing.times, key=lambda step_id: pacing.times[step_id].high)
        return pacing.places.get(longest), "give that step a shorter time"
    place = pacing.origins.get("pace") if pacing.pace > 1 else pacing.origins.get("chime")
    in_file = place is not None and place.line > 0
    return place, "use a lower pace, or a length" if in_file else "use a lower --pace or a --length"
