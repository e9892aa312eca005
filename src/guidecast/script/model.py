"""The spoken script: a routine turned into the sequence of things a listener hears.

Rounds are unrolled and sides split, so each `Visit` is one performance of one step, with the
lines said before it (round and side announcements, the instruction) and its resolved cues.
No timing here: that is the timeline's job, once the clips' lengths are known.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from guidecast.language.phrases import PhraseBank, bank_for
from guidecast.routine.model import CueSettings, Rounds, Routine, Step
from guidecast.script.cues import visit_texts


@dataclass(frozen=True)
class Line:
    """One utterance: what kind of cue it is (for the manifest) and its words."""

    kind: str
    text: str


@dataclass(frozen=True)
class Visit:
    """One performance of a step: in one round, on one side."""

    step: Step
    lead: tuple[Line, ...]  # said before the perform time starts
    cues: CueSettings  # with the routine's defaults applied
    round: int | None = None
    rounds: int | None = None
    side: str | None = None
    next_title: str | None = None  # the next step's title, when "next up" should announce it
    block: str | None = None  # the title of its rounds block, when the routine gives one
    # An open step (`until: done`) in `guidecast play`: it waits for the listener, told by
    # keys ("keys") or by voice too ("voice"). None: a perform time with a clock (a built file
    # gives an open step its nominal time).
    waits: str | None = None

    @property
    def last_side(self) -> bool:
        return self.side is None or self.side == self.step.sides[-1]

    @property
    def pause_after(self) -> float:
        """The silence after this visit's perform time: between sides, or after the step."""
        return self.step.pause if self.last_side else self.step.side_pause

    @property
    def label(self) -> str:
        """How messages name this visit: `step 'circles' (left breast, round 2)`."""
        parts = [p for p in (self.side, self.round and f"round {self.round}") if p]
        return f"step {self.step.id!r}" + (f" ({', '.join(parts)})" if parts else "")


@dataclass(frozen=True)
class Script:
    opening: tuple[Line, ...]  # intro and safety notes
    visits: tuple[Visit, ...]
    closing: tuple[Line, ...]
    phrases: PhraseBank
    chime: bool

    def fixed_texts(self) -> list[tuple[str, str]]:
        """Every text that may be spoken, with a label naming where it comes from.

        Only the session-length sentence of the intro is missing: it depends on the timeline
        (`session_length_line`).
        """
        texts: list[tuple[str, str]] = [(line.text, "the intro") for line in self.opening]
        for visit in self.visits:
            texts += [(text, visit.label) for text in visit_texts(visit, self.phrases)]
        texts += [(line.text, "the outro") for line in self.closing]
        return texts

    def built(self) -> Script:
        """This script as a built file has it: open steps run their nominal time, so the intro's
        "this session takes about N minutes" is the built session's length in play too."""
        return replace(self, visits=tuple(replace(v, waits=None) for v in self.visits))

    @property
    def tells_length(self) -> bool:
        """Whether the intro says how long the session takes (not when turned off)."""
        intro = any(line.kind == "intro" for line in self.opening)
        return intro and self.phrases.says("session_length")

    def session_length_line(self, seconds: float) -> str:
        """The intro's sentence saying how long a session of `seconds` lasts, in its language
        (the bank rounds it as people say it: to the minute, or to ten seconds when short)."""
        return self.phrases.session_length(seconds)


WAIT_FOR = ("keys", "voice")


def make_script(routine: Routine, wait_for: str | None = None) -> Script:
    """The script of a routine. `wait_for` ("keys" or "voice", in `guidecast play`): open
    steps wait for the listener after their words; None (a build): they run their nominal time."""
    bank = bank_for(routine.language, routine.phrases)
    visits: list[Visit] = []
    for item in routine.steps:
        if isinstance(item, Rounds):
            for number in range(1, item.times + 1):
                for position, step in enumerate(item.steps):
                    announce = item.times > 1 and position == 0
                    found = _visits(
                        routine,
                        bank,
                        step,
                        number if item.times > 1 else None,
                        item.times,
                        announce,
                    )
                    visits += [replace(visit, block=item.title) for visit in found]
        else:
            visits += _visits(routine, bank, item, None, None, False)
    if wait_for is not None:
        visits = [replace(v, waits=wait_for) if v.step.until_done else v for v in visits]
    visits = _with_next_titles(visits)
    opening = tuple(Line("intro", t) for t in routine.intro) + tuple(
        Line("safety", t) for t in routine.safety
    )
    finished = (Line("outro", bank.say("finished")),) if bank.says("finished") else ()
    closing = tuple(Line("outro", t) for t in routine.outro) or finished
    return Script(opening, tuple(visits), closing, bank, routine.chime)


def _visits(
    routine: Routine,
    bank: PhraseBank,
    step: Step,
    round_number: int | None,
    rounds: int | None,
    announce_round: bool,
) -> list[Visit]:
    # Routine-wide cue defaults do not reach steps that count or tick: their rhythm is the cue.
    defaults = CueSettings() if (step.count or step.ticks) else routine.cues
    cues = step.cues.over(defaults)
    instruction = tuple(Line("instruction", t) for t in step.say)
    round_line = (
        (Line("round", bank.round_line(round_number or 1, rounds or 1)),)
        if announce_round and bank.says("round")
        else ()
    )
    if not step.sides:
        return [Visit(step, round_line + instruction, cues, round_number, rounds)]
    visits = []
    for index, side in enumerate(step.sides):
        side_line = (Line("side", bank.say("side", side=side)),) if bank.says("side") else ()
        lead = round_line + instruction + side_line if index == 0 else side_line
        visits.append(Visit(step, lead, cues, round_number, rounds, side))
    return visits


def _with_next_titles(visits: list[Visit]) -> list[Visit]:
    """Tell each step's last visit what comes next, unless it is the same step again."""
    result = []
    for index, visit in enumerate(visits):
        following = visits[index + 1] if index + 1 < len(visits) else None
        if following is not None and visit.last_side and following.step is not visit.step:
            visit = replace(visit, next_title=following.step.title)
        result.append(visit)
    return result
