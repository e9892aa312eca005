"""The tag goes in front of the audio with the bytes mutagen's own save writes there (its
padding counts the audio behind it), without mutagen moving the whole file up in Python."""

from __future__ import annotations

import errno
import os
import random
from pathlib import Path

import pytest
from mutagen.id3 import APIC, CHAP, ID3, TIT2, Encoding

from guidecast.output import tags as tags_module


def _tags() -> ID3:
    tags = ID3()
    tags.add(TIT2(encoding=Encoding.UTF8, text="Slow circles, ümlaut and all"))
    tags.add(CHAP(element_id="ch0", start_time=0, end_time=1000, sub_frames=[]))
    tags.add(APIC(encoding=Encoding.UTF8, mime="image/png", type=3, desc="", data=b"\x89PNG" * 999))
    return tags


@pytest.mark.parametrize("size", [0, 417, 2_345_678])
@pytest.mark.parametrize("kernel_copy", [True, False])
def test_the_tag_in_front_is_the_one_mutagen_writes(
    tmp_path: Path, size: int, kernel_copy: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    audio = random.Random(size).randbytes(size)
    theirs, ours = tmp_path / "theirs.mp3", tmp_path / "ours.mp3"
    theirs.write_bytes(audio)
    ours.write_bytes(audio)
    _tags().save(str(theirs), v2_version=3)
    if not kernel_copy:

        def refused(*args: object) -> int:
            raise OSError(errno.EXDEV, "cross-device")

        monkeypatch.setattr(os, "copy_file_range", refused)
    tags_module._save_in_front(_tags(), ours)
    assert ours.read_bytes() == theirs.read_bytes()
    assert ID3(ours)["TIT2"].text == ["Slow circles, ümlaut and all"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ours.mp3", "theirs.mp3"]
