"""The player: a session played live, its clock the audio itself.

The `Player` feeds the sound device from its callback. Its clock, `position`, is the number of
session samples the device has taken, never wall time: pausing feeds silence and stops the clock
in the same instant, and a step change, a cue or the end happen exactly where the timeline puts
them. While the speech ahead is not yet made (`Snapshot.ready`), the device gets silence and the
clock waits; while `r` says the instruction again, the clock waits too. Keys and the view talk
to the player only through its methods; it reports what happens as `Event`s.

At `speed` F the clock runs F times faster: each device frame takes F session samples (the
sound is sped up, pitch and all). It is meant for demos and tests.
"""

from __future__ import annotations

import array
import math
import queue
import threading
import time
from bisect import bisect_right
from collections.abc import Callable
from typing import TYPE_CHECKING

from guidecast.core.errors import UsageError
from guidecast.live.devices import MAX_AHEAD_S as MAX_BUFFERED_S
from guidecast.live.events import Event
from guidecast.live.pausefade import PauseFade
from guidecast.live.show import Show, Snapshot
from guidecast.timeline.layout import BETWEEN_LINES, Cue

if TYPE_CHECKING:
    from guidecast.live.listen import Gate, Listener

MIN_SPEED, MAX_SPEED = 0.25, 100.0
TEMPO_STEP = 1.25  # "slower" makes the silent holds 25% longer, "faster" shorter
MIN_TEMPO, MAX_TEMPO = 0.5, 2.0
# What each spoken action (language/commands.py) calls.
ACTIONS = {"pause": "pause", "resume": "resume", "next": "next_step", "done": "next_step"}
ACTIONS |= {"back": "previous_step", "repeat": "repeat", "finish": "finish"}
ACTIONS |= {"slower": "slower", "faster": "faster"}


class Player:
    """Plays a `Show` through a device callback (`fill`); safe to steer from another thread."""

    def __init__(
        self,
        show: Show,
        speed: float = 1.0,
        started: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not MIN_SPEED <= speed <= MAX_SPEED:
            raise UsageError(f"--speed must be from {MIN_SPEED:g} to {MAX_SPEED:g}, got {speed:g}")
        self.show = show
        self.speed = speed
        self.rate = show.sample_rate
        self.clock = clock
        self.started = clock() if started is None else started
        self.position = 0  # session samples played: the clock
        self.played = 0  # session samples sent to the device, seeks aside
        self.paused = False
        self.waiting = False  # the clock waits for speech not yet made
        self.finished = False
        self.stopped = False
        self.waited = 0.0  # seconds the clock stood still: paused or waiting for speech
        self.waited_for_speech = 0.0  # ... of which waiting for speech
        self.first_audio: float | None = None  # monotonic time of the first session sample
        self.first_speech: float | None = None  # ... and of the first spoken word
        self.events: queue.SimpleQueue[Event] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._seek: str | None = None  # next or previous: applied by the callback
        self._frac = 0.0
        self._replay: list[tuple[Cue | None, int, int]] = []  # (cue or silence, start, length)
        self._replay_at = 0  # samples of the first piece already played
        self.replaying: Cue | None = None  # the line being said again, for the view
        self.tempo = 1.0  # how fast the silent holds run (speech always at its own pace)
        self.gate: Gate | None = None  # told when the voice sounds (live/listen.py)
        self._voiced = False  # the last period sent had a cue in it (speech or a chime)
        self.heard: str | None = None  # the last spoken command, for the view
        self.listener: Listener | None = None  # set by play(), for its report
        self._fade = PauseFade(self.rate)  # the bed fades out on a pause, and in on resuming
        # The open step being waited in (its index, and its wait loop [start, end) from the
        # timeline): set when its perform time begins, cleared by a step change.
        self._open: tuple[int, int, int] | None = None
        self.open_since: float | None = None  # when that wait began (monotonic seconds)

    # -- steering (any thread) -------------------------------------------------------------

    def pause(self) -> None:
        with self._lock:
            if not self.paused and not self.finished:
                self.paused = True
                self._fade.paused(self.position)
                self._emit("pause", self.position, self.clock())

    def resume(self) -> None:
        with self._lock:
            if self.paused:
                self.paused = False
                self._fade.resumed()
                self._emit("resume", self.position, self.clock())

    def toggle_pause(self) -> None:
        if self.paused:
            self.resume()
        else:
            self.pause()

    @property
    def awaiting(self) -> bool:
        """Whether an open step waits for the listener ("done", n or space) here."""
        return self._open is not None

    def space(self) -> None:
        """The space bar: pause or resume; while an open step waits, and not paused, done."""
        if self.awaiting and not self.paused:
            self.next_step()
        else:
            self.toggle_pause()

    def next_step(self) -> None:
        self._request("next")

    def previous_step(self) -> None:
        self._request("previous")

    def repeat(self) -> None:
        """Say the current step's instruction again, with the clock stopped meanwhile.

        The step's instruction lines (said at its first side, in this round) and the current
        side's line; in the intro or the closing, the line said last. Then the session goes on
        from where it was: the step loses none of its time.
        """
        with self._lock:
            if self.finished:
                return
            snap = self.show.snapshot()
            lines = snap.lines_to_repeat(self.position, self._open[0] if self._open else None)
            gap = round(BETWEEN_LINES * self.rate)
            pieces: list[tuple[Cue | None, int, int]] = [(None, 0, gap)]
            for cue in lines:
                pieces += [(cue, cue.start, cue.length), (None, 0, gap)]
            if lines:
                self._replay, self._replay_at = pieces, 0

    def slower(self) -> None:
        self._set_tempo(self.tempo / TEMPO_STEP, "slower")

    def faster(self) -> None:
        self._set_tempo(self.tempo * TEMPO_STEP, "faster")

    def _set_tempo(self, tempo: float, what: str) -> None:
        """Holds and the silence between cues run at `tempo`; spoken lines and sounds keep
        their own pace (no chipmunk voice), so only the waiting gets longer or shorter."""
        with self._lock:
            self.tempo = min(MAX_TEMPO, max(MIN_TEMPO, tempo))
            self._emit("tempo", self.position, self.clock(), detail=what)

    def finish(self) -> None:
        """On to the closing words, skipping the steps left."""
        self._request("finish")

    def command(self, action: str, phrase: str, wall: float | None = None) -> None:
        """A spoken command (live/listen.py): logged as "heard", then acted on. Works while
        paused: "continue" resumes, "next" moves on and stays paused."""
        with self._lock:
            self.heard = phrase
            self._emit(
                "heard", self.position, self.clock() if wall is None else wall, detail=phrase
            )
        if action == "resume" and self.awaiting and not self.paused:
            # "Continue" while an open step waits: ready to go on. pocketsphinx also hears "done"
            # as "go on": espeak-ng's for 12 of 14 voice and rate pairs tried, piper's 1 of 3.
            action = "done"
        getattr(self, ACTIONS[action])()

    def stop(self) -> None:
        with self._lock:
            if not self.stopped and not self.finished:
                self.stopped = True
                self._emit("stop", self.position, self.clock())

    def _request(self, what: str) -> None:
        with self._lock:
            if not self.finished:
                self._seek = what

    def snapshot(self) -> Snapshot:
        return self.show.snapshot()

    # -- the device callback ---------------------------------------------------------------

    def fill(self, frames: int) -> bytes:
        """`frames` samples for the device; advances the clock by what it plays."""
        self._voiced = False
        data = self._fill(frames)
        if self.gate is not None and self._voiced:
            # The voice, not the whole mix: the timeline says where the cues are, so a sound
            # bed under them (live, or in a built file) neither holds the gate shut nor opens it.
            now = self.clock()
            self.gate.sounding(now, now + frames / self.rate + MAX_BUFFERED_S)
        return data

    def _fill(self, frames: int) -> bytes:
        now = self.clock()
        silence = bytes(frames * 2)
        with self._lock:
            if self.finished or self.stopped:
                return silence
            if self.show.error is not None:
                self.finished = True
                self._emit("error", self.position, now, detail=str(self.show.error))
                return silence
            snap = self.show.snapshot()
            if self._seek is not None:
                self._apply_seek(snap, now)
            if self.finished:
                return silence
            if self.paused or self._seek is not None:
                self.waited += frames / self.rate
                if self._seek is not None:
                    self.waited_for_speech += frames / self.rate
                return (self.paused and self._fade.tail(self.show, snap, frames)) or silence
            if self._replay:
                self.waited += frames / self.rate
                pcm, out_frames = self._fill_replay(snap, frames, now)
                return _squeeze(pcm, out_frames) + silence[out_frames * 2 :]
            if self.tempo != 1.0 and self._hold(snap, frames, now):
                return silence
            hold = self._wait_loop(snap, now)
            if hold is not None and self.position >= hold[1]:
                if hold[0] == hold[1]:  # no reminders: the clock stands still until done
                    self.waited += frames / self.rate
                    return silence
                # Back to the first reminder's slot: the clock gives back what it replays.
                self.waited += (hold[1] - hold[0]) / (self.rate * self.speed)
                self.position = hold[0]
            self._frac += frames * self.speed
            want = int(self._frac)
            take = min(want, snap.limit - self.position)
            if hold is not None:
                take = min(take, hold[1] - self.position)
            if take <= 0:
                self._frac = 0.0
                if snap.final:
                    self._finish(now)
                else:
                    if not self.waiting:
                        self.waiting = True
                        self._emit("wait", self.position, now)
                    self.waited += frames / self.rate
                    self.waited_for_speech += frames / self.rate
                return silence
            self._frac = self._frac - take if take == want else 0.0
            self.waiting = False
            if self.first_audio is None:
                self.first_audio = now
                self._emit("start", self.position, now)
            start = self.position
            pcm = self._fade.into(self.show, snap, start, self.show.pcm(snap, start, take))
            self._voiced = bool(snap.cue_at(start) or snap.cues_between(start, start + take))
            self._crossings(snap, start, start + take, now)
            self.position += take
            self.played += take
            if snap.final and self.position >= snap.timeline.length:
                self._finish(now + take / (self.rate * self.speed))
        out_frames = frames if take == want else min(frames, max(1, math.ceil(take / self.speed)))
        return _squeeze(pcm, out_frames) + silence[out_frames * 2 :]

    def _hold(self, snap: Snapshot, frames: int, now: float) -> bool:
        """Run a stretch of silence at `tempo`: True when this period was one."""
        count = round(frames * self.speed * self.tempo)
        start = self.position
        following = bisect_right(snap.cue_starts, start)
        next_cue = snap.cue_starts[following] if following < len(snap.cue_starts) else None
        end = min(snap.limit, snap.timeline.length if next_cue is None else next_cue)
        hold = self._wait_loop(snap, now)
        end = end if hold is None else min(end, hold[1])
        if count <= 0 or self.first_audio is None or snap.cue_at(start) or start + count > end:
            return False  # sound here, or soon: this period plays at the normal pace
        self._crossings(snap, start, start + count, now)
        self.position += count
        self.played += count
        return True

    def _fill_replay(self, snap: Snapshot, frames: int, now: float) -> tuple[bytes, int]:
        """The next stretch of lines said again; the clock stays where it is."""
        self._frac += frames * self.speed
        want = int(self._frac)
        self._frac -= want
        chunks = []
        got = 0
        while got < want and self._replay:
            cue, start, length = self._replay[0]
            if self._replay_at == 0 and cue is not None:
                self.replaying = cue
                wall = now + got / (self.rate * self.speed)
                self._emit("repeat", self.position, wall, cue=cue)
            count = min(want - got, length - self._replay_at)
            if cue is None:
                chunks.append(bytes(count * 2))
            else:
                chunks.append(self.show.pcm(snap, start + self._replay_at, count))
                self._voiced = True
            got += count
            self._replay_at += count
            if self._replay_at >= length:
                self._replay.pop(0)
                self._replay_at = 0
        if not self._replay:
            self.replaying = None
        out_frames = frames if got == want else min(frames, max(1, math.ceil(got / self.speed)))
        return b"".join(chunks), out_frames

    def _wait_loop(self, snap: Snapshot, now: float) -> tuple[int, int] | None:
        """The wait loop of the open step being played, once its perform time has begun."""
        if self._open is None:
            index = snap.section(self.position)
            steps = snap.timeline.steps
            span = steps[index] if 0 <= index < len(steps) else None
            if span is None or span.hold is None:
                return None
            if not span.perform_start <= self.position <= span.hold[1]:
                return None
            self._open = (index, *span.hold)
            self.open_since = now
            self._emit("hold", self.position, now, step=index)
        return self._open[1], self._open[2]

    def _emit(self, kind: str, position: int, wall: float, **details: object) -> None:
        self.events.put(Event(kind, position, wall, self.waited, **details))  # type: ignore[arg-type]

    def _finish(self, wall: float) -> None:
        if not self.finished:
            self.finished = True
            self._emit("end", self.position, wall)

    def _crossings(self, snap: Snapshot, start: int, end: int, now: float) -> None:
        """Events for the steps and cues that begin in [start, end)."""

        def wall(sample: int) -> float:
            return now + (sample - start) / (self.rate * self.speed)

        steps = snap.timeline.steps
        for index in range(max(0, snap.section(start)), len(steps)):
            span = steps[index]
            if span.start >= end:
                break
            if span.start >= start:
                self._emit("step", span.start, wall(span.start), step=index)
        for cue in snap.cues_between(start, end):
            if cue.text is not None and self.first_speech is None:
                self.first_speech = wall(cue.start)
            self._emit("cue", cue.start, wall(cue.start), cue=cue)

    def _apply_seek(self, snap: Snapshot, now: float) -> None:
        """Move to where the pending request points, once that part of the session is final."""
        what = self._seek
        # In an open step, from that step: its wait may end where the next step starts.
        section = snap.section(self.position) if self._open is None else self._open[0]
        if what == "next":
            target = snap.section_start(min(section + 1, len(snap.timeline.steps) + 1))
        elif what == "finish":
            target = snap.section_start(max(section, len(snap.timeline.steps)))
        else:
            target = snap.section_start(max(section - 1, -1))
        if target > snap.limit:
            return  # not made yet: wait for it, in silence
        self._seek = None
        self._open = None
        self._frac = 0.0
        self._replay, self._replay_at, self.replaying = [], 0, None
        self._emit("seek", self.position, now, target=target, detail=what or "")
        self.position = target  # a step starting here is reported as the callback plays on
        if target >= snap.timeline.length:
            self._finish(now)


def _squeeze(pcm: bytes, frames: int) -> bytes:
    """`pcm` (mono 16-bit) resampled to `frames` samples by picking the nearest: sped-up sound."""
    if len(pcm) == frames * 2:
        return pcm
    source = array.array("h")
    source.frombytes(pcm)
    step = len(source) / frames
    return array.array("h", [source[int(i * step)] for i in range(frames)]).tobytes()
