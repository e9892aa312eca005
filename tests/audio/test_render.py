"""Chunks made ahead on a thread of their own (audio/render.made_ahead): the same chunks in the
same order, a failure raised where they are read, and no thread left behind."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from guidecast.audio.render import made_ahead


def _numbered(count: int) -> Iterator[bytes]:
    for n in range(count):
        yield n.to_bytes(4, "little")


@pytest.mark.parametrize("count", [0, 1, 7, 8, 9, 100])
def test_the_same_chunks_in_the_same_order(count: int) -> None:
    assert list(made_ahead(_numbered(count), batch=8)) == list(_numbered(count))


def test_a_failure_while_making_is_raised_to_the_reader() -> None:
    def failing() -> Iterator[bytes]:
        yield b"ok"
        raise OSError("the spool file is gone")

    chunks = made_ahead(failing(), batch=1)
    assert next(chunks) == b"ok"
    with pytest.raises(OSError, match="spool file is gone"):
        next(chunks)


def test_a_reader_that_stops_early_leaves_no_thread() -> None:
    made: list[int] = []

    def endless() -> Iterator[bytes]:
        while True:
            made.append(1)
            yield b"x"

    chunks = made_ahead(endless(), batch=4, depth=2)
    assert next(chunks) == b"x"
    chunks.close()  # as when the encoder fails: the maker is told to stop, and is waited for
    assert not [t for t in threading.enumerate() if t.name == "guidecast-mix"]
    # never further ahead than the batch being read, two waiting and one being made
    assert len(made) <= 4 * (1 + 2 + 1)
