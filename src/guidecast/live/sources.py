"""Audio for `play --listen` to hear (live/listen.py): the microphone, or a WAV file."""

from __future__ import annotations

import contextlib
import threading
import time
import wave
from collections import deque
from collections.abc import Iterator
from pathlib import Path

from guidecast.core.errors import UsageError

RATE = 16000  # what the acoustic model was trained on
CHUNK_S = 0.03


class Source:
    """Audio to listen to, 16 kHz mono 16-bit, in chunks, with the wall time of its start."""

    began: float = 0.0

    def chunks(self, stop: threading.Event) -> Iterator[bytes]:
        raise NotImplementedError

    def close(self) -> None:
        pass


def read_wav(path: Path) -> bytes:
    """A WAV file's audio as 16 kHz mono 16-bit PCM; a clear error naming it otherwise."""
    import miniaudio

    try:
        with wave.open(str(path), "rb") as wav:
            channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            data = wav.readframes(wav.getnframes())
    except FileNotFoundError:
        raise UsageError(f"--listen-from {path}: no such file") from None
    except (OSError, wave.Error, EOFError) as err:
        raise UsageError(f"--listen-from {path}: not a WAV file ({err})") from None
    formats = {1: miniaudio.SampleFormat.UNSIGNED8, 2: miniaudio.SampleFormat.SIGNED16}
    if width not in formats:
        raise UsageError(f"--listen-from {path}: {8 * width}-bit WAV; expected 8 or 16-bit PCM")
    if channels == 1 and rate == RATE and width == 2:
        return data
    out = miniaudio.convert_frames(
        formats[width], channels, rate, data, miniaudio.SampleFormat.SIGNED16, 1, RATE
    )
    return bytes(out)


class FileSource(Source):
    """A WAV file played into the recognizer in real time, from when listening starts: its
    second 3.0 is heard 3.0 s after the session's first sound, as a microphone would."""

    def __init__(self, path: Path, realtime: bool = True) -> None:
        self.path = path
        self.pcm = read_wav(path)
        self.realtime = realtime

    def chunks(self, stop: threading.Event) -> Iterator[bytes]:
        size = round(CHUNK_S * RATE) * 2
        self.began = time.monotonic()
        for offset in range(0, len(self.pcm), size):
            if stop.is_set():
                return
            if self.realtime:
                due = self.began + offset / 2 / RATE
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
            yield self.pcm[offset : offset + size]
        # the endpointer needs silence after a last word to end it
        yield bytes(round(1.0 * RATE) * 2)


class MicSource(Source):
    """The default microphone through miniaudio, captured at 16 kHz mono."""

    def __init__(self) -> None:
        import miniaudio

        from guidecast.live.devices import _quiet_stderr

        self._queue: deque[bytes] = deque()
        self._ready = threading.Event()
        try:
            with _quiet_stderr():
                self.device = miniaudio.CaptureDevice(
                    input_format=miniaudio.SampleFormat.SIGNED16,
                    nchannels=1,
                    sample_rate=RATE,
                    buffersize_msec=round(CHUNK_S * 1000),
                )
        except miniaudio.MiniaudioError as err:
            reason = err.args[0] if err.args else str(err)
            raise OSError(f"no microphone ({reason})") from None
        if self.device.backend.lower() == "null":
            self.device.close()
            raise OSError("no microphone found")

    def chunks(self, stop: threading.Event) -> Iterator[bytes]:
        def take() -> Iterator[None]:
            while True:
                data = yield
                self._queue.append(bytes(data))
                self._ready.set()

        taker = take()
        next(taker)
        self.device.start(taker)
        self.began = time.monotonic()
        while not stop.is_set():
            if not self._ready.wait(0.1):
                continue
            self._ready.clear()
            while self._queue:
                yield self._queue.popleft()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.device.close()


def open_source(listen_from: Path | None) -> Source:
    """The WAV file, or the microphone (OSError when there is none)."""
    if listen_from is not None:
        return FileSource(listen_from)
    return MicSource()
