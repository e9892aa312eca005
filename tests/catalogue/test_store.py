"""A clip store given by an fsspec URL: entries travel whole and checked, a torn one is never
used, and a catalogue builds through it (here file://, the same code as s3:// with s3fs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from guidecast.catalogue.reader import read_catalogue_file
from guidecast.catalogue.run import run_catalogue
from guidecast.catalogue.store import RemoteClips
from guidecast.core.errors import UsageError
from guidecast.speech.cache import ClipCache
from guidecast.speech.engine import SpeechClip
from tests.catalogue.helpers import check_index, write_catalogue


def test_entries_travel_whole_and_a_torn_one_is_refused(tmp_path: Path) -> None:
    store = RemoteClips(f"file://{tmp_path / 'store'}")
    here, there = ClipCache(tmp_path / "a"), ClipCache(tmp_path / "b")
    clip = SpeechClip(pcm=bytes(range(200)) * 10, sample_rate=22050)
    here.put("ab" * 32, clip)
    assert not store.has("ab" * 32)
    store.upload("ab" * 32, here)
    assert store.has("ab" * 32)
    assert [p.name for p in (tmp_path / "store").rglob("*")] == ["ab", "ab" * 32 + ".clip"]
    assert store.download("ab" * 32, there)
    assert there.get("ab" * 32) == clip

    entry = tmp_path / "store" / "cd" / ("cd" * 32 + ".clip")
    entry.parent.mkdir()
    entry.write_bytes((tmp_path / "store" / "ab" / ("ab" * 32 + ".clip")).read_bytes()[:-10])
    assert not store.download("cd" * 32, there)  # cut short: not taken
    assert there.samples("cd" * 32) is None


def test_an_unknown_protocol_is_one_line() -> None:
    with pytest.raises(UsageError, match="cache: nosuch://x: "):
        RemoteClips("nosuch://x")


@pytest.mark.slow
def test_a_catalogue_builds_through_a_store_by_url(tmp_path: Path) -> None:
    file = write_catalogue(tmp_path)
    text = file.read_text().replace("cache: clips", f"cache: file://{tmp_path / 'store'}")
    file.write_text(text.replace("lengths: [1m, 2m]", "lengths: [1m]"))
    report = run_catalogue(read_catalogue_file(file), tmp_path / "out", workers=1)
    assert (report.built, report.failures) == (4, [])
    check_index(tmp_path / "out", 4)
    assert len(list((tmp_path / "store").rglob("*.clip"))) == report.clips
