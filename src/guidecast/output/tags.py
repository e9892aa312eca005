"""ID3 tags for a built MP3: title and the like, chapters, lyrics and cover art.

Chapters are CHAP frames (one per step) listed in order by a CTOC table of contents. Players
such as ffmpeg (and so mpv and VLC) list chapters in the order their frames sit in the file,
and mutagen writes frames sorted by size, then by element id. So every CHAP frame is made the
same size (a PRIV frame, which players ignore, pads the shorter titles) and element ids sort
in time order: the file order is then the time order.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from mutagen import MutagenError, PaddingInfo
from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    PRIV,
    SYLT,
    TALB,
    TCON,
    TIT2,
    TLAN,
    TLEN,
    TPE1,
    TRCK,
    TXXX,
    USLT,
    CTOCFlags,
    Encoding,
)

from guidecast import __version__
from guidecast.core import defaults
from guidecast.core.errors import AudioError
from guidecast.timeline.chapters import Chapter

ARTIST = "guidecast"
ALBUM = "guidecast sessions"
NO_OFFSET = 0xFFFFFFFF  # CHAP byte offsets unused: players seek by time
PAD_OWNER = "guidecast:pad"
MAX_TOC_ENTRIES = 255


@dataclass(frozen=True)
class TrackInfo:
    """What the tags say about one audio file."""

    title: str
    seconds: float
    album: str = ALBUM
    description: str | None = None
    track: tuple[int, int] | None = None  # (number, of)
    chapters: tuple[Chapter, ...] = ()
    sample_rate: int = defaults.SAMPLE_RATE
    lyrics: str | None = None
    synced_lyrics: tuple[tuple[str, int], ...] = ()  # (text, start ms)
    cover_png: bytes | None = None
    language: str = "eng"  # ISO 639-2, as ID3 frames name a language (TLAN, USLT, SYLT, COMM)


def write_tags(path: Path, info: TrackInfo) -> None:
    tags = ID3()
    tags.add(TIT2(encoding=Encoding.UTF8, text=info.title))
    tags.add(TPE1(encoding=Encoding.UTF8, text=ARTIST))
    tags.add(TALB(encoding=Encoding.UTF8, text=info.album))
    tags.add(TCON(encoding=Encoding.UTF8, text="Speech"))
    tags.add(TLEN(encoding=Encoding.UTF8, text=str(round(info.seconds * 1000))))
    tags.add(TLAN(encoding=Encoding.UTF8, text=info.language))
    if info.track:
        tags.add(TRCK(encoding=Encoding.UTF8, text=f"{info.track[0]}/{info.track[1]}"))
    if info.description:
        tags.add(COMM(encoding=Encoding.UTF8, lang=info.language, desc="", text=info.description))
    tags.add(TXXX(encoding=Encoding.UTF8, desc="guidecast", text=f"guidecast {__version__}"))
    if info.lyrics:
        tags.add(USLT(encoding=Encoding.UTF8, lang=info.language, desc="", text=info.lyrics))
    if info.synced_lyrics:
        # format 2: times in milliseconds; type 1: lyrics
        tags.add(
            SYLT(
                encoding=Encoding.UTF8,
                lang=info.language,
                format=2,
                type=1,
                desc="",
                text=list(info.synced_lyrics),
            )
        )
    if info.chapters:
        _add_chapters(tags, info.chapters, info.sample_rate)
    if info.cover_png:
        tags.add(
            APIC(
                encoding=Encoding.UTF8,
                mime="image/png",
                type=3,  # front cover
                desc="Cover",
                data=info.cover_png,
            )
        )
    try:
        _save_in_front(tags, path)
    except MutagenError as err:
        if err.args and isinstance(err.args[0], OSError):
            raise  # the file could not be written: AtomicOutputs names it
        raise AudioError(f"cannot write the MP3's tags: {err}") from err


def chapter_id(index: int) -> str:
    return f"chp{index:04d}"  # fixed width: sorts as text in time order


def _add_chapters(tags: ID3, chapters: tuple[Chapter, ...], sample_rate: int) -> None:
    # UTF-16 titles (what ID3v2.3 stores anyway) make each frame's size known from the text.
    sizes = [len(chapter.title.encode("utf-16-le")) for chapter in chapters]
    widest = max(sizes)
    ids = []
    for index, (chapter, size) in enumerate(zip(chapters, sizes, strict=True)):
        element = chapter_id(index)
        ids.append(element)
        start, end = chapter.milliseconds(sample_rate)
        tags.add(
            CHAP(
                element_id=element,
                start_time=start,
                end_time=end,
                start_offset=NO_OFFSET,
                end_offset=NO_OFFSET,
                sub_frames=[
                    TIT2(encoding=Encoding.UTF16, text=[chapter.title]),
                    PRIV(owner=PAD_OWNER, data=bytes(widest - size)),
                ],
            )
        )
    if len(ids) <= MAX_TOC_ENTRIES:
        tags.add(_toc("toc", CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED, ids, "Steps"))
        return
    # A table of contents lists at most 255 entries (a one-byte count): a long session gets
    # a top-level table of sub-tables, each of up to 255 chapters, all in order.
    parts = []
    for number, first in enumerate(range(0, len(ids), MAX_TOC_ENTRIES), 1):
        part = f"toc{number:03d}"
        parts.append(part)
        chunk = ids[first : first + MAX_TOC_ENTRIES]
        tags.add(_toc(part, CTOCFlags.ORDERED, chunk, f"Steps, part {number}"))
    tags.add(_toc("toc", CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED, parts, "Steps"))


def _toc(element: str, flags: int, children: list[str], title: str) -> CTOC:
    return CTOC(
        element_id=element,
        flags=flags,
        child_element_ids=children,
        sub_frames=[TIT2(encoding=Encoding.UTF16, text=[title])],
    )


def _save_in_front(tags: ID3, path: Path) -> None:
    """`tags` in front of the audio at `path`, the bytes mutagen's own `save` writes there.

    mutagen makes room at the start by moving the whole file up in 1 MB reads and writes: an
    8-hour file with a bed is 230 MB moved by Python, and its buffers were the top of the
    build's peak memory (2.5 MB). Here the tag is made apart, padded as mutagen pads it in
    front of that much audio, and the audio is copied after it by the kernel."""
    size = path.stat().st_size
    head = io.BytesIO()
    tags.save(
        head,
        v2_version=3,
        padding=lambda info: PaddingInfo(info.padding, size).get_default_padding(),
    )
    try:
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f"{path.name}.", suffix=".tagged")
        os.close(fd)
        try:
            with open(temp, "wb") as out, path.open("rb") as audio:
                out.write(head.getvalue())
                out.flush()
                _copy(audio, out, size)
            os.replace(temp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
    except OSError as err:  # about the MP3 being tagged, whichever file the system named
        raise OSError(err.errno, err.strerror, str(path)) from err


# copy_file_range refused: another file system, an old kernel, a file system without it.
_NO_KERNEL_COPY = {errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EPERM}


def _copy(source: BinaryIO, target: BinaryIO, size: int) -> None:
    """`size` bytes from `source` to the end of `target`, in the kernel where it can."""
    left = size
    try:
        while left:
            copied = os.copy_file_range(source.fileno(), target.fileno(), left)
            if not copied:
                break
            left -= copied
    except (AttributeError, OSError) as err:
        if isinstance(err, OSError) and err.errno not in _NO_KERNEL_COPY:
            raise
        source.seek(size - left)
        shutil.copyfileobj(source, target, 1 << 16)
