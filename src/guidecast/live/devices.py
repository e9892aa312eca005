"""Sound output through miniaudio: a real device, or the null device that plays in silence.

miniaudio's null backend consumes audio in real time without any sound card, so a session on it
runs at its true pace: the view, the keys and the tests work the same on a machine without
sound. When no real device can be opened, `open_output` falls back to it with a warning.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import sys
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any

from guidecast.core.errors import UsageError

NULL = "null"
PERIOD_MS = 20  # one device callback's worth of audio: the clock's resolution at speed 1
MAX_AHEAD_S = 0.5  # no device buffers more than this ahead of what it has played


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """ALSA prints its search for a sound card to stderr from C; hide it while we look."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


@dataclass(frozen=True)
class DeviceInfo:
    name: str
    backend: str
    id: Any = None  # miniaudio's device id (cdata)


def list_devices() -> list[DeviceInfo]:
    """The playback devices miniaudio finds, then the null device."""
    import miniaudio

    found: list[DeviceInfo] = []
    with _quiet_stderr(), contextlib.suppress(miniaudio.MiniaudioError):
        devices = miniaudio.Devices()
        found = [
            DeviceInfo(str(d["name"]), devices.backend, d["id"]) for d in devices.get_playbacks()
        ]
    return [*found, DeviceInfo(NULL, "Null")]


class Output:
    """An open playback device, pulling mono 16-bit PCM from `fill(frames) -> bytes`."""

    def __init__(self, device: Any, name: str) -> None:
        self.device = device
        self.name = name
        self.backend: str = device.backend
        self.sample_rate: int = device.sample_rate
        self.error: BaseException | None = None

    @property
    def is_null(self) -> bool:
        return self.backend.lower() == "null"

    def start(self, fill: Callable[[int], bytes]) -> None:
        rate = self.sample_rate

        def pull() -> Generator[bytes, int, None]:
            frames = yield b""
            began = time.monotonic()
            taken = 0
            while True:
                # A device that swallows audio faster than it could play it (ALSA's "discard
                # all samples" does) would race the clock through the session: hold it to
                # real time. A real device is never this far ahead, so it never waits here.
                ahead = taken / rate - (time.monotonic() - began)
                if ahead > MAX_AHEAD_S:
                    time.sleep(ahead - MAX_AHEAD_S)
                try:
                    data = fill(frames)
                except BaseException as err:  # never let the audio thread die silently
                    self.error = err
                    data = bytes(frames * 2)
                taken += frames
                frames = yield data

        generator = pull()
        next(generator)
        self.device.start(generator)

    def close(self) -> None:
        self.device.close()


def open_output(name: str | None, sample_rate: int) -> tuple[Output, str | None]:
    """Open device `name` (None: the default, "null": no sound). Returns it and a warning when
    no real device could be opened and the null device plays instead."""
    import miniaudio

    def null() -> Output:
        device = miniaudio.PlaybackDevice(
            nchannels=1,
            sample_rate=sample_rate,
            buffersize_msec=PERIOD_MS,
            backends=[miniaudio.Backend.NULL],
        )
        return Output(device, NULL)

    if name is not None and name.lower() == NULL:
        return null(), None
    device_id = None
    backends = None
    label = "the default sound device"
    if name is not None:
        info = _find(name)
        device_id, label = info.id, info.name
        backends = [b for b in miniaudio.Backend if _backend_name(b) == info.backend]
    try:
        with _quiet_stderr():
            device = miniaudio.PlaybackDevice(
                nchannels=1,
                sample_rate=sample_rate,
                buffersize_msec=PERIOD_MS,
                device_id=device_id,
                backends=backends,
            )
    except miniaudio.MiniaudioError as err:
        reason = err.args[0] if err.args else str(err)
        return null(), f"cannot open {label} ({reason}); playing on the null device, in silence"
    output = Output(device, label if name is not None else "default")
    if output.is_null:
        return output, "no sound device found; playing on the null device, in silence"
    return output, None


def _backend_name(backend: Any) -> str:
    import miniaudio

    return miniaudio.ffi.string(miniaudio.lib.ma_get_backend_name(backend.value)).decode()


def _find(name: str) -> DeviceInfo:
    devices = [d for d in list_devices() if d.name != NULL]
    wanted = name.lower()
    for exact in (True, False):
        matches = [
            d for d in devices if (d.name.lower() == wanted if exact else wanted in d.name.lower())
        ]
        if len(matches) == 1 or (matches and exact):
            return matches[0]
        if len(matches) > 1:
            raise UsageError(
                f"--device {name!r} matches several devices: " + "; ".join(d.name for d in matches)
            )
    names = [d.name for d in devices] + [NULL]
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
    hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
    raise UsageError(
        f"no sound device {name!r}{hint}; devices: {', '.join(names)} (--device list shows them)"
    )
