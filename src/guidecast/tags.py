"""ID3 tags for a built MP3: title, artist, album, description, length."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mutagen import MutagenError
from mutagen.id3 import COMM, ID3, TALB, TCON, TIT2, TLEN, TPE1, TXXX

from guidecast import __version__
from guidecast.errors import AudioError

if TYPE_CHECKING:
    from guidecast.build import Session

ARTIST = "guidecast"
ALBUM = "guidecast sessions"


def write_tags(path: Path, session: Session) -> None:
    routine, timeline = session.routine, session.timeline
    tags = ID3()
    tags.add(TIT2(encoding=3, text=routine.title))
    tags.add(TPE1(encoding=3, text=ARTIST))
    tags.add(TALB(encoding=3, text=ALBUM))
    tags.add(TCON(encoding=3, text="Speech"))
    tags.add(TLEN(encoding=3, text=str(round(timeline.seconds * 1000))))
    if routine.description:
        tags.add(COMM(encoding=3, lang="eng", desc="", text=routine.description))
    tags.add(TXXX(encoding=3, desc="guidecast", text=f"guidecast {__version__}"))
    try:
        tags.save(str(path), v2_version=3)
    except MutagenError as err:
        if err.args and isinstance(err.args[0], OSError):
            raise  # the file could not be written: AtomicOutputs names it
        raise AudioError(f"cannot write the MP3's tags: {err}") from err
