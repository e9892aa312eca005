"""Captions of every spoken cue: WebVTT, SRT, LRC and the lyrics text. Pure text from the timeline.

Each caption runs from where the words start to where they end, exactly as in the manifest,
so a partner can read along and a player can show the words.
"""

from __future__ import annotations

from collections.abc import Set

from guidecast.timeline.chapters import Chapter
from guidecast.timeline.layout import Cue, Timeline

LRC_CLEAR_AFTER_S = 1.0  # clear the LRC line when the next words are further away than this


def spoken(timeline: Timeline) -> list[Cue]:
    return [cue for cue in timeline.cues if cue.text]


def _ms(samples: int, rate: int) -> int:
    return round(samples * 1000 / rate)


def timestamp(ms: int, separator: str = ".") -> str:
    """`HH:MM:SS.mmm` (SRT uses a comma before the milliseconds)."""
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def _one_line(text: str) -> str:
    # A blank line ends a caption block in WebVTT and SRT, and "-->" starts a timing line.
    return " ".join(text.split()).replace("-->", "->")


def _header(title: str | None, language: str | None) -> str:
    # "Language:" in the header block is how caption tools (and people) read the language;
    # players ignore header lines they do not know.
    head = "WEBVTT" + (f" - {_one_line(title)}" if title else "")
    return head + (f"\nLanguage: {_one_line(language)}" if language else "")


def webvtt(
    timeline: Timeline, title: str, language: str | None = None, open_steps: Set[str] = frozenset()
) -> str:
    """WebVTT captions. An open step (`until: done`) is marked by a NOTE where its perform time
    starts: players show no NOTE, but a reader of the file learns the time there is nominal."""
    rate = timeline.sample_rate
    blocks = [(0, _header(title, language))]
    for span in timeline.steps:
        if span.id in open_steps:
            start, end = _ms(span.perform_start, rate), _ms(span.perform_end, rate)
            note = (
                f"NOTE until done: step {_one_line(span.id)} waits for the listener in guidecast "
                f"play; here it has its nominal time, {timestamp(start)} to {timestamp(end)}"
            )
            blocks.append((span.perform_start, note))
    for number, cue in enumerate(spoken(timeline), 1):
        start, end = _ms(cue.start, rate), _ms(cue.end, rate)
        text = (
            f"{number}\n{timestamp(start, '.')} --> {timestamp(end, '.')}\n{_escape_vtt(cue.text)}"
        )
        blocks.append((cue.start, text))
    blocks.sort(key=lambda block: block[0])  # stable: a note comes before words at its time
    return "\n\n".join(text for _, text in blocks) + "\n"


def chapters_webvtt(
    chapter_list: list[Chapter], sample_rate: int, language: str | None = None
) -> str:
    """Chapters as a WebVTT file, for an HTML `<track kind="chapters">`."""
    blocks = [_header(None, language)]
    for chapter in chapter_list:
        start, end = chapter.milliseconds(sample_rate)
        blocks.append(
            f"{timestamp(start, '.')} --> {timestamp(end, '.')}\n{_escape_vtt(chapter.title)}"
        )
    return "\n\n".join(blocks) + "\n"


def _escape_vtt(text: str | None) -> str:
    return _one_line(text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def srt(timeline: Timeline) -> str:
    rate = timeline.sample_rate
    blocks = []
    for number, cue in enumerate(spoken(timeline), 1):
        start, end = _ms(cue.start, rate), _ms(cue.end, rate)
        blocks.append(
            f"{number}\n{timestamp(start, ',')} --> {timestamp(end, ',')}\n"
            f"{_one_line(cue.text or '')}"
        )
    return "\n\n".join(blocks) + "\n"


def _lrc_time(samples: int, rate: int) -> str:
    centis = round(samples * 100 / rate)  # LRC counts hundredths of a second
    minutes, rest = divmod(centis, 6000)
    return f"[{minutes:02d}:{rest // 100:02d}.{rest % 100:02d}]"


def lrc(timeline: Timeline, title: str, artist: str) -> str:
    """LRC: a line per spoken cue, and an empty line where a long silence follows it."""
    rate = timeline.sample_rate
    length_ms = _ms(timeline.length, rate)
    lines = [
        f"[ti:{_one_line(title)}]",
        f"[ar:{artist}]",
        f"[length:{length_ms // 60000:02d}:{length_ms // 1000 % 60:02d}]",
    ]
    cues = spoken(timeline)
    for index, cue in enumerate(cues):
        lines.append(f"{_lrc_time(cue.start, rate)}{_one_line(cue.text or '')}")
        following = cues[index + 1].start if index + 1 < len(cues) else timeline.length
        if following - cue.end > LRC_CLEAR_AFTER_S * rate:
            lines.append(_lrc_time(cue.end, rate))
    return "\n".join(lines) + "\n"


def lyrics_text(timeline: Timeline) -> str:
    """Everything said, a line per cue: the unsynchronized lyrics (ID3 USLT)."""
    return "\n".join(_one_line(cue.text or "") for cue in spoken(timeline))


def synced_lyrics(timeline: Timeline) -> list[tuple[str, int]]:
    """(text, start in ms) per spoken cue: the synchronized lyrics (ID3 SYLT)."""
    rate = timeline.sample_rate
    return [(_one_line(cue.text or ""), _ms(cue.start, rate)) for cue in spoken(timeline)]
