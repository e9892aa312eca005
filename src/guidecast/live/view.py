"""What `guidecast play` shows: a full-screen view on a terminal, plain lines otherwise.

The screen view is meant to be read from across a room with busy hands: the step and its words
in bold, the time left in the step in big block digits, the session's time left, the next step.
Keys are optional (space, n, p, r, q). When stdout is not a terminal, `PlainView` prints one line
per event instead (step started, cue spoken, pause, ...), which tests and scripts read.
"""

from __future__ import annotations

import sys
from typing import IO, Any

from guidecast.core.durations import format_length, format_position
from guidecast.language.interface import word
from guidecast.live.events import Event
from guidecast.live.player import Player
from guidecast.live.show import Snapshot
from guidecast.timeline.chapters import chapter_title
from guidecast.timeline.structure import step_count

# A 3x5 pixel font for the big clock, drawn with half blocks: three text rows per digit.
_FONT = {
    "0": ("111", "101", "101", "101", "111"),
    "1": ("010", "110", "010", "010", "111"),
    "2": ("111", "001", "111", "100", "111"),
    "3": ("111", "001", "111", "001", "111"),
    "4": ("101", "101", "111", "001", "001"),
    "5": ("111", "100", "111", "001", "111"),
    "6": ("111", "100", "111", "101", "111"),
    "7": ("111", "001", "001", "001", "001"),
    "8": ("111", "101", "111", "101", "111"),
    "9": ("111", "101", "111", "001", "111"),
    ":": ("0", "1", "0", "1", "0"),
}
_HALVES = {("1", "1"): "█", ("1", "0"): "▀", ("0", "1"): "▄", ("0", "0"): " "}


def big_text(text: str) -> list[str]:
    """`text` (digits and colons) as three rows of block characters."""
    rows = ["", "", ""]
    for char in text:
        glyph = _FONT.get(char)
        if glyph is None:
            continue
        pixels = [*glyph, "0" * len(glyph[0])]
        for row in range(3):
            top, bottom = pixels[2 * row], pixels[2 * row + 1]
            rows[row] += "".join(_HALVES[pair] for pair in zip(top, bottom, strict=True)) + " "
    return [row.rstrip() for row in rows]


def clock(seconds: float, tenths: bool = False) -> str:
    """A length (time left, time played) by the one rule (core/durations.py); with tenths, a
    position for event logs."""
    if tenths:
        whole, rest = divmod(max(0.0, seconds), 1)
        return f"{format_position(whole)}.{min(9, int(rest * 10))}"
    return format_length(seconds)


def step_label(snap: Snapshot, index: int, language: str = "en") -> str:
    """`step 3 of 7, round 2 of 22: Breathe in`: the numbering every surface uses, in the
    routine's language."""
    span = snap.timeline.steps[index]
    return f"{snap.places[index].text(language)}: {span.title}"


# -- plain lines ---------------------------------------------------------------------------


class PlainView:
    """One line per event, flushed at once: `  0:03.1  step   1/4 wash: Wash your hands`."""

    def __init__(self, player: Player, device: str, out: IO[str] | None = None) -> None:
        self.player = player
        self.device = device
        self.out = out or sys.stdout

    def __enter__(self) -> PlainView:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def _line(self, position: int, kind: str, text: str) -> None:
        at = clock(position / self.player.rate, tenths=True)
        self.out.write(f"{at:>9}  {kind:<6} {text}".rstrip() + "\n")
        self.out.flush()

    def event(self, event: Event) -> None:
        player = self.player
        snap = player.snapshot()
        kind = event.kind
        if kind == "start":
            timeline = snap.timeline
            about = "" if snap.final else "about "
            self._line(
                event.position,
                "start",
                f"{player.show.title} ({about}{clock(timeline.seconds)}, "
                f"{step_count(timeline.steps)} steps) on {self.device}, speed {player.speed:g}x; "
                f"first audio {event.wall - player.started:.3f} s after start",
            )
        elif kind == "step" and event.step is not None:
            self._line(event.position, "step", step_label(snap, event.step, player.show.language))
        elif kind == "cue" and event.cue is not None and event.cue.text is not None:
            self._line(event.position, "cue", f"{event.cue.kind}: {event.cue.text}")
        elif kind == "repeat" and event.cue is not None:
            self._line(event.position, "repeat", f"{event.cue.kind}: {event.cue.text}")
        elif kind == "seek" and event.target is not None:
            target = clock(event.target / player.rate, tenths=True)
            self._line(event.position, "seek", f"{event.detail} -> {target}")
        elif kind in ("pause", "resume"):
            self._line(event.position, kind, "")
        elif kind in ("heard", "tempo"):
            self._line(event.position, kind, event.detail)
        elif kind == "wait":
            self._line(event.position, "wait", "for speech still being made")
        elif kind == "hold":
            self._line(event.position, "hold", word("en", waiting_word(player)))
        elif kind in ("end", "stop"):
            self._line(event.position, kind, summary(player))
        elif kind == "error":
            self._line(event.position, "error", event.detail)

    def refresh(self) -> None:
        pass


def waiting_word(player: Player) -> str:
    """The interface word of an open step's wait: with keys, or by voice too (--listen)."""
    return "waiting_voice" if player.gate is not None else "waiting_keys"


def summary(player: Player) -> str:
    """How it went: played time, and how soon sound and speech came."""
    parts = [f"played {clock(player.played / player.rate)}"]
    if player.first_audio is not None:
        parts.append(f"first audio {player.first_audio - player.started:.3f} s")
    if player.first_speech is not None:
        parts.append(f"first speech {player.first_speech - player.started:.3f} s after start")
    parts.append(f"waited {player.waited_for_speech:.2f} s for speech")
    return "; ".join(parts)


# -- the screen ----------------------------------------------------------------------------


def screen(player: Player, width: int = 80) -> Any:
    """The full-screen view of the player right now, as a rich renderable."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.progress_bar import ProgressBar
    from rich.table import Table
    from rich.text import Text

    snap = player.snapshot()
    timeline = snap.timeline
    rate = player.rate
    position = player.position
    section = snap.section(position)
    steps = timeline.steps
    now = player.replaying or snap.cue_at(position)
    lang = player.show.language

    def say(key: str, **values: object) -> str:
        return word(lang, key, **values)

    if section < 0:
        label, title = say("before_you_start").upper(), player.show.title
        words = [c for c in snap.cues_between(0, steps[0].start if steps else 1) if c.text]
        step_left = (steps[0].start - position) / rate if steps else 0.0
        left_label = say("until_first_step")
    elif section >= len(steps):
        label, title = say("to_finish").upper(), player.show.title
        words = [
            c for c in snap.cues_between(snap.section_start(section), timeline.length) if c.text
        ]
        step_left = (timeline.length - position) / rate
        left_label = say("to_the_end")
    else:
        span = steps[section]
        label = "  ·  ".join(part.upper() for part in snap.places[section].parts(lang))
        title = span.title
        words = snap.step_words(section)
        if player.awaiting and player.open_since is not None:  # no clock: how long so far
            step_left = max(0.0, player.clock() - player.open_since)
            left_label = say("so_far")
        elif position < span.perform_start:
            step_left = (span.perform_end - span.perform_start) / rate
            left_label = say("after_the_words")
        elif position < span.perform_end:
            step_left = (span.perform_end - position) / rate
            left_label = say("left_in_step")
        else:
            step_left = (span.end - position) / rate
            left_label = say("pause_before_next")

    body = Text()
    body.append(label + "\n", style="bold cyan")
    body.append(title.upper() + "\n\n", style="bold white")
    for cue in words:
        speaking = now is not None and now.start == cue.start
        body.append(cue.text or "", style="bold yellow" if speaking else "bold")
        body.append("\n")
    if now is not None and now.text and all(now.start != c.start for c in words):
        body.append("\n“" + now.text + "”\n", style="italic yellow")

    digits = Text("\n".join(big_text(clock(step_left))), style="bold green")
    timer = Table.grid(padding=(0, 3))
    timer.add_row(digits, Text("\n" + left_label, style="green"))

    session_left = (timeline.length - position) / rate
    bar = ProgressBar(total=max(1, timeline.length), completed=position, width=max(10, width - 34))
    session = Table.grid(padding=(0, 2))
    left = say("session_left" if snap.final else "session_about_left", time=clock(session_left))
    session.add_row(bar, Text(left, style="bold"))

    if section + 1 < len(steps):
        upcoming = say("next", title=chapter_title(steps[section + 1], lang))
    elif section < len(steps):
        upcoming = say("next_the_end")
    else:
        upcoming = ""

    if player.finished:
        state = "■ " + say("finished").lower()
    elif player.paused:
        state = "❚❚ " + say("paused")
    elif player.replaying is not None:
        state = "↻ " + say("saying_again")
    elif player.waiting:
        state = "… " + say("preparing")
    elif player.awaiting:
        state = "… " + say(waiting_word(player))
    else:
        state = "▶ " + say("playing")
    if player.speed != 1:
        state += f"  {player.speed:g}×"
    if player.heard is not None:
        state += f"  heard: {player.heard}"
    return Panel(
        Group(body, timer, Text(""), session, Text(upcoming, style="bold magenta")),
        title=Text(player.show.title, style="bold"),
        title_align="left",
        subtitle=Text(f"{state}   {say('keys_help')}"),
        subtitle_align="left",
        padding=(1, 2),
        width=width,
    )


class ScreenView:
    """The live full-screen view (rich), refreshed about ten times a second."""

    def __init__(self, player: Player, device: str) -> None:
        self.player = player
        self.device = device
        self._live: Any = None

    def __enter__(self) -> ScreenView:
        from rich.console import Console
        from rich.live import Live

        self.console = Console()
        self._live = Live(
            screen(self.player, self._width()),
            console=self.console,
            screen=True,
            auto_refresh=False,
            transient=True,
        )
        self._live.__enter__()
        return self

    def _width(self) -> int:
        return min(self.console.width, 100)

    def __exit__(self, *exc: object) -> None:
        self._live.__exit__(None, None, None)
        self.console.print(f"{self.player.show.title}: {summary(self.player)}")

    def event(self, event: Event) -> None:
        pass

    def refresh(self) -> None:
        self._live.update(screen(self.player, self._width()), refresh=True)
