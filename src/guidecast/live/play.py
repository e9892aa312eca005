"""`guidecast play`: a session played live, its clock the audio itself.

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
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from guidecast.core import defaults
from guidecast.core.errors import UsageError
from guidecast.live.show import Show, Snapshot
from guidecast.routine.pacing import Pacing
from guidecast.timeline.layout import BETWEEN_LINES, LEAD_IN, Cue, Timeline

if TYPE_CHECKING:
    from guidecast.speech.workers import SpeechPool

MIN_SPEED, MAX_SPEED = 0.25, 100.0


@dataclass(frozen=True)
class Event:
    """Something the listener hears or does, at a session position.

    `wall` is when the device took that sample (monotonic seconds); `waited` is how long, by
    then, the clock had stood still (paused, or waiting for speech), so that
    `(wall - first_audio - waited) * speed` is the session time the wall clock saw.
    """

    kind: str  # start, step, cue, repeat, pause, resume, seek, wait, stop, end, error
    position: int
    wall: float
    waited: float = 0.0
    step: int | None = None  # index into the timeline's steps, for "step"
    cue: Cue | None = None  # for "cue" and "repeat"
    target: int | None = None  # for "seek": where to
    detail: str = ""


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

    # -- steering (any thread) -------------------------------------------------------------

    def pause(self) -> None:
        with self._lock:
            if not self.paused and not self.finished:
                self.paused = True
                self._emit("pause", self.position, self.clock())

    def resume(self) -> None:
        with self._lock:
            if self.paused:
                self.paused = False
                self._emit("resume", self.position, self.clock())

    def toggle_pause(self) -> None:
        if self.paused:
            self.resume()
        else:
            self.pause()

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
            lines = _lines_to_repeat(snap, self.position)
            gap = round(BETWEEN_LINES * self.rate)
            pieces: list[tuple[Cue | None, int, int]] = [(None, 0, gap)]
            for cue in lines:
                pieces += [(cue, cue.start, cue.length), (None, 0, gap)]
            if lines:
                self._replay, self._replay_at = pieces, 0

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
                return silence
            if self._replay:
                self.waited += frames / self.rate
                pcm, out_frames = self._fill_replay(snap, frames, now)
                return _squeeze(pcm, out_frames) + silence[out_frames * 2 :]
            self._frac += frames * self.speed
            want = int(self._frac)
            take = min(want, snap.limit - self.position)
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
            pcm = self.show.pcm(snap, start, take)
            self._crossings(snap, start, start + take, now)
            self.position += take
            self.played += take
            if snap.final and self.position >= snap.timeline.length:
                self._finish(now + take / (self.rate * self.speed))
        out_frames = frames if take == want else min(frames, max(1, math.ceil(take / self.speed)))
        return _squeeze(pcm, out_frames) + silence[out_frames * 2 :]

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
            got += count
            self._replay_at += count
            if self._replay_at >= length:
                self._replay.pop(0)
                self._replay_at = 0
        if not self._replay:
            self.replaying = None
        out_frames = frames if got == want else min(frames, max(1, math.ceil(got / self.speed)))
        return b"".join(chunks), out_frames

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
        section = snap.section(self.position)
        if what == "next":
            target = snap.section_start(min(section + 1, len(snap.timeline.steps) + 1))
        else:
            target = snap.section_start(max(section - 1, -1))
        if target > snap.limit:
            return  # not made yet: wait for it, in silence
        self._seek = None
        self._frac = 0.0
        self._replay, self._replay_at, self.replaying = [], 0, None
        self._emit("seek", self.position, now, target=target, detail=what or "")
        self.position = target  # a step starting here is reported as the callback plays on
        if target >= snap.timeline.length:
            self._finish(now)


def _lines_to_repeat(snap: Snapshot, position: int) -> list[Cue]:
    """What `r` says again at `position`: see `Player.repeat`."""
    section = snap.section(position)
    if 0 <= section < len(snap.timeline.steps):
        span = snap.timeline.steps[section]
        side = [c for c in snap.cues_between(span.start, span.perform_start) if c.kind == "side"]
        lines = snap.instruction_before(span.id, position) + [
            c for c in side if c.start <= position
        ]
    else:
        start = snap.section_start(section)
        heard = snap.cues_between(start, position + 1)
        lines = [c for c in heard if c.text is not None][-1:]
    return [c for c in lines if c.end <= snap.limit]


def _squeeze(pcm: bytes, frames: int) -> bytes:
    """`pcm` (mono 16-bit) resampled to `frames` samples by picking the nearest: sped-up sound."""
    if len(pcm) == frames * 2:
        return pcm
    source = array.array("h")
    source.frombytes(pcm)
    step = len(source) / frames
    return array.array("h", [source[int(i * step)] for i in range(frames)]).tobytes()


def handle_key(player: Player, key: str) -> bool:
    """Steer the player with one key; False when the key means quit."""
    if key == "q":
        player.stop()
        return False
    action = {
        " ": player.toggle_pause,
        "n": player.next_step,
        "p": player.previous_step,
        "r": player.repeat,
    }.get(key.lower())
    if action is not None:
        action()
    return True


def is_built(routine: str) -> bool:
    return Path(routine).suffix.lower() in (".json", ".mp3")


def open_show(routine: str, pacing: Pacing, pool: SpeechPool | None = None) -> Show:
    """A built session (its .json manifest or .mp3), or a routine to speak as it plays (with
    `pool`'s speech workers, if it has the routine's engine)."""
    path = Path(routine)
    if is_built(routine):
        from guidecast.live.show import FileShow

        if pacing != Pacing():
            raise UsageError("pacing options shape routines, not a session already built")
        return FileShow(path)
    from guidecast.live.ahead import LiveShow
    from guidecast.routine.library import resolve
    from guidecast.routine.pacing import check_step_ids
    from guidecast.routine.reader import read_routine_file
    from guidecast.speech.voice import voice_for

    found = resolve(routine)
    loaded = read_routine_file(found, display=routine if found.name == routine else str(found))
    check_step_ids(pacing, [step.id for step in loaded.all_steps()])
    voice = voice_for(loaded, pacing, defaults.SAMPLE_RATE)
    if pool is not None and pool.engine == voice.engine:
        voice.pool = pool
    elif pool is not None:
        pool.close()
    return LiveShow(loaded, pacing, voice)


class View(Protocol):
    """What shows the session: told each event, refreshed a few times a second."""

    def __enter__(self) -> Any: ...

    def __exit__(self, *exc: object) -> None: ...

    def event(self, event: Event) -> None: ...

    def refresh(self) -> None: ...


def play(
    routine: str,
    pacing: Pacing,
    device: str | None = None,
    speed: float = 1.0,
    started: float | None = None,
    warn: Callable[[str], None] | None = None,
    view: Callable[[Player, str], View] | None = None,
) -> Player:
    """Play a routine (or a built session) to the end or until quit; the player, for its report.

    `view(player, device_label)` makes the view; by default the full-screen view when stdin
    and stdout are terminals, else plain lines on stdout. Keys come from the terminal, if any.
    """
    from guidecast.live.devices import open_output
    from guidecast.live.view import PlainView, ScreenView, keys_from_terminal

    started = time.monotonic() if started is None else started
    slot: ShowSlot | None = None
    if is_built(routine):
        show: Show = open_show(routine, pacing)
    else:
        # The sound starts at once, with the silence every session begins with; the speech
        # workers boot while the routine is read.
        show = slot = ShowSlot(defaults.SAMPLE_RATE)
    output = None
    try:
        player = Player(show, speed, started)
        output, warning = open_output(device, show.sample_rate)
        output.start(player.fill)
        if slot is not None:
            slot.fill(lambda pool: open_show(routine, pacing, pool))
        if warning and warn:  # once the routine is known to be good: its errors come first
            warn(warning)
        label = "the null device" if output.is_null else f"{output.name} ({output.backend})"
        screen = view is None and sys.stdin.isatty() and sys.stdout.isatty()
        if view is None:
            view = ScreenView if screen else PlainView
        with keys_from_terminal() as keys, view(player, label) as shown:
            show.start()
            _drive(player, shown, keys, output, 0.1 if screen else 0.02)
    finally:
        if output is not None:
            output.close()
        show.close()
    for error in (show.error, output.error):
        if error is not None:
            raise error
    return player


class ShowSlot:
    """Stands in for a routine's show while it is read: the session's lead-in silence (the
    timeline puts nothing in its first LEAD_IN seconds), then whatever the show says."""

    def __init__(self, sample_rate: int) -> None:
        lead = round(LEAD_IN * sample_rate)
        self.sample_rate = sample_rate
        self.inner: Show | None = None
        self._lead = Snapshot(Timeline(sample_rate, lead, (), ()), lead)
        self._pool: SpeechPool | None = None

    def fill(self, opener: Callable[[SpeechPool], Show]) -> None:
        """Read the routine with `opener`, the speech workers booting meanwhile. If every clip
        turns out to be cached, the show lets them go unused."""
        from guidecast.speech.workers import SpeechPool

        self._pool = SpeechPool(defaults.ENGINE, self.sample_rate)
        self._pool.prestart()
        show = opener(self._pool)
        if show.sample_rate != self.sample_rate:
            show.close()
            raise ValueError("the show's sample rate differs from the one playing")
        self.inner = show

    @property
    def title(self) -> str:
        return self.inner.title if self.inner is not None else ""

    @property
    def error(self) -> BaseException | None:
        return self.inner.error if self.inner is not None else None

    def start(self) -> None:
        if self.inner is not None:
            self.inner.start()

    def snapshot(self) -> Snapshot:
        return self.inner.snapshot() if self.inner is not None else self._lead

    def pcm(self, snap: Snapshot, start: int, count: int) -> bytes:
        if self.inner is None or snap is self._lead:
            return bytes(count * 2)
        return self.inner.pcm(snap, start, count)

    def close(self) -> None:
        if self.inner is not None:
            self.inner.close()
        if self._pool is not None:
            self._pool.close()


DRAIN_S = 0.15  # after the last sample is taken, the device still has this much to play


def _drive(player: Player, view: Any, keys: Any, output: Any, tick: float) -> None:
    """The main loop: keys in, events out to the view, until the end or a quit."""
    ended: float | None = None
    try:
        while output.error is None:
            for key in keys.read(tick):
                if not handle_key(player, key):
                    break
            _drain(player, view)
            view.refresh()
            if player.stopped:
                break
            if player.finished:
                ended = ended or time.monotonic()
                if time.monotonic() - ended >= DRAIN_S:
                    break
    except KeyboardInterrupt:
        player.stop()
    _drain(player, view)


def _drain(player: Player, view: Any) -> None:
    while True:
        try:
            event = player.events.get_nowait()
        except queue.Empty:
            return
        view.event(event)
