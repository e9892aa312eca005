"""`guidecast play`: a routine spoken as it plays, or a built session, on a sound device, with
a view and keys. This module wires the show (live/ahead.py or live/show.py), the player
(live/player.py), the sound device (live/devices.py) and the view (live/view.py).
"""

from __future__ import annotations

import queue
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from guidecast.core import defaults
from guidecast.core.errors import UsageError
from guidecast.live.events import Event
from guidecast.live.keys import handle_key
from guidecast.live.player import Player
from guidecast.live.show import Show, Snapshot
from guidecast.routine.pacing import Pacing
from guidecast.timeline.layout import LEAD_IN, Timeline

if TYPE_CHECKING:
    from guidecast.live.listen import Heard, Listener
    from guidecast.live.sources import Source
    from guidecast.speech.workers import SpeechPool


def is_built(routine: str) -> bool:
    return Path(routine).suffix.lower() in (".json", ".mp3")


def open_show(
    routine: str, pacing: Pacing, pool: SpeechPool | None = None, wait_for: str = "keys"
) -> Show:
    """A built session (its .json manifest or .mp3), or a routine to speak as it plays (with
    `pool`'s speech workers, if it has the routine's engine; its open steps wait for the
    listener's keys, or `wait_for` "voice" too)."""
    path = Path(routine)
    if is_built(routine):
        from guidecast.live.show import FileShow

        if pacing != Pacing():
            raise UsageError("pacing options shape routines, not a session already built")
        return FileShow(path)
    from guidecast.live.ahead import LiveShow
    from guidecast.routine.library import load_routine
    from guidecast.routine.pacing import check_step_ids
    from guidecast.speech.voice import voice_for

    loaded = load_routine(routine)
    check_step_ids(pacing, [step.id for step in loaded.all_steps()])
    voice = voice_for(loaded, pacing, defaults.SAMPLE_RATE)
    if pool is not None and pool.engine == voice.engine:
        voice.pool = pool
    elif pool is not None:
        pool.close()
    return LiveShow(loaded, pacing, voice, wait_for)


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
    listen: bool = False,
    listen_from: Path | None = None,
) -> Player:
    """Play a routine (or a built session) to the end or until quit; the player, for its report.

    `view(player, device_label)` makes the view; by default the full-screen view when stdin
    and stdout are terminals, else plain lines on stdout. Keys come from the terminal, if any.
    With `listen`, spoken commands from the microphone steer it too (from the WAV file
    `listen_from` instead, when given): see live/listen.py.
    """
    from guidecast.live.devices import open_output
    from guidecast.live.keys import keys_from_terminal
    from guidecast.live.view import PlainView, ScreenView

    started = time.monotonic() if started is None else started
    slot: ShowSlot | None = None
    if is_built(routine):
        show: Show = open_show(routine, pacing)
    else:
        # The sound starts at once, with the silence every session begins with; the speech
        # workers boot while the routine is read.
        show = slot = ShowSlot(defaults.SAMPLE_RATE)
    output = None
    listener = None
    source = _listen_source(listen_from) if listen or listen_from is not None else None
    try:
        player = Player(show, speed, started)
        if source is not None:
            listener = _listener(player, source)
        output, warning = open_output(device, show.sample_rate)
        output.start(player.fill)
        if listener is not None:
            listener.start()
        if slot is not None:
            wait_for = "keys" if source is None else "voice"
            slot.fill(lambda pool: open_show(routine, pacing, pool, wait_for))
        if warning and warn:  # once the routine is known to be good: its errors come first
            warn(warning)
        if listen and source is None and warn:
            warn(NO_MICROPHONE)
        label = "the null device" if output.is_null else f"{output.name} ({output.backend})"
        screen = view is None and sys.stdin.isatty() and sys.stdout.isatty()
        if view is None:
            view = ScreenView if screen else PlainView
        with keys_from_terminal() as keys, view(player, label) as shown:
            show.start()
            _drive(player, shown, keys, output, 0.1 if screen else 0.02)
    finally:
        if listener is not None:
            listener.close()
        if output is not None:
            output.close()
        show.close()
    player.listener = listener
    if listener is not None and listener.error is not None and warn:
        warn(f"--listen stopped hearing commands during the session ({listener.error})")
    for error in (show.error, output.error):
        if error is not None:
            raise error
    return player


NO_MICROPHONE = "--listen: no microphone could be opened; playing on, steered by keys"


def _listen_source(listen_from: Path | None) -> Source | None:
    """The WAV file (a clear error if unreadable), or the microphone (None when there is
    none: the session plays on with keys, after a warning)."""
    import importlib.util

    from guidecast.live.sources import FileSource, MicSource

    if importlib.util.find_spec("pocketsphinx") is None:
        raise UsageError("--listen needs pocketsphinx: pip install 'guidecast[listen]'")
    if listen_from is not None:
        return FileSource(listen_from)
    try:
        return MicSource()
    except OSError:
        return None


def _listener(player: Player, source: Source) -> Listener:
    """Spoken commands to the player, gated against the player's own voice; recognized in a
    process of its own (live/listen.py says why). English words until the show's routine
    says otherwise (a built session does not say)."""
    from guidecast.live.listen import Gate, Listener, RecognizerProcess

    player.gate = Gate()

    def act(heard: Heard, wall: float) -> None:
        player.command(heard.action, heard.phrase, wall)

    return Listener(source, RecognizerProcess("en"), player.gate, act)


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
        """Read the routine with `opener`, handing it the speech workers' pool: the show starts
        them once it knows a clip is not cached (live/ahead.py). Booting them here, while the
        routine was read, took 0.3 s from reading an 8-hour routine on two busy cores, for
        workers a warm session never uses."""
        from guidecast.speech.workers import SpeechPool

        self._pool = SpeechPool(defaults.ENGINE, self.sample_rate)
        show = opener(self._pool)
        if show.sample_rate != self.sample_rate:
            show.close()
            raise ValueError("the show's sample rate differs from the one playing")
        self.inner = show

    @property
    def title(self) -> str:
        return self.inner.title if self.inner is not None else ""

    @property
    def language(self) -> str:
        return self.inner.language if self.inner is not None else "en"

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

    def bed_pcm(self, snap: Snapshot, start: int, count: int) -> bytes | None:
        if self.inner is None or snap is self._lead:
            return None
        return self.inner.bed_pcm(snap, start, count)

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
