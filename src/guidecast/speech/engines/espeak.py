"""The default engine: pyttsx3 driving espeak-ng, with espeak-ng loaded from a wheel.

pyttsx3 2.99's espeak driver is wrapped defensively (see docs/stack-notes in the README):
only the last of several queued files is written, so one clip per `runAndWait`; the first
`runAndWait` may return before the file exists, so we wait for `finished-utterance`; empty text
hangs forever, so it never reaches the driver; an unknown voice raises nothing, so voices are
checked against the list first; each `runAndWait` cancels whatever espeak-ng is still doing
(which resets the rate), so the rate is set for every clip and settled before speaking, and a
clip spoken around a cancel is said again. This module runs inside a worker process, never in
the CLI's.
"""

from __future__ import annotations

import contextlib
import ctypes
import difflib
import os
import tempfile
import threading
import time
import wave
from pathlib import Path
from typing import Any

from guidecast.core import installed
from guidecast.core.defaults import SPEECH_RATE
from guidecast.core.errors import SpeechError, VoiceNotFoundError
from guidecast.language.phrases import default_voice, voice_table
from guidecast.speech.engine import SpeechClip, SpeechRequest, VoiceInfo

FINISH_TIMEOUT_S = 30.0
# Each language's espeak-ng voice, and the regions' that differ (es-419, pt-br): cache keys
# carry them, so a clip made before a default changed is never taken for one made after.
DEFAULT_VOICES = voice_table()
DRIVER_VERSION = 3  # bump when the way this module drives espeak-ng changes the sound


def load_espeak_library() -> str:
    """Make libespeak-ng loadable by pyttsx3; prefer the `espeakng-loader` wheel's copy.

    The wheel's library has its build machine's data path compiled in, so ESPEAK_DATA_PATH must
    point at the wheel's data; loading it RTLD_GLOBAL lets pyttsx3's own
    `cdll.LoadLibrary("libespeak-ng.so.1")` find this copy. Returns where it came from.
    """
    try:
        import espeakng_loader

        ctypes.CDLL(espeakng_loader.get_library_path(), mode=ctypes.RTLD_GLOBAL)
        os.environ["ESPEAK_DATA_PATH"] = espeakng_loader.get_data_path()
        return "espeakng-loader"
    except (ImportError, OSError):
        pass
    try:  # a system espeak-ng, if the wheel cannot load here
        ctypes.CDLL("libespeak-ng.so.1", mode=ctypes.RTLD_GLOBAL)
        return "system"
    except OSError:
        raise SpeechError(
            "espeak-ng is missing: reinstall guidecast (pip install guidecast) so the "
            "espeakng-loader wheel is present, or install the espeak-ng system package"
        ) from None


class Pyttsx3Engine:
    name = "pyttsx3"
    requires: tuple[str, ...] = ()  # a dependency of guidecast itself: always installed

    def __init__(self) -> None:
        self._engine: Any = None
        self._finished = threading.Event()
        self._errors: list[str] = []
        self._voices: list[VoiceInfo] | None = None
        self._voice: str | None = None
        self._completed = False
        self._cancelled = False
        self._espeak: Any = None
        self._driver: Any = None
        self._is_playing: Any = lambda: False

    def load(self) -> Pyttsx3Engine:
        self._workdir = Path(tempfile.mkdtemp(prefix="guidecast-espeak-"))
        self.library = load_espeak_library()
        import pyttsx3

        try:
            self._engine = pyttsx3.init("espeak")
        except (RuntimeError, OSError) as err:
            raise SpeechError(f"cannot start the espeak-ng voice: {err}") from None
        from pyttsx3.drivers import _espeak

        self._espeak = _espeak
        self._is_playing = _espeak.IsPlaying
        # The driver's stop(), called by every runAndWait, cancels whatever espeak-ng is doing:
        # note when it does, so a clip spoken around a cancel is never kept.
        driver = self._driver = self._engine.proxy._driver

        def stop() -> None:
            if _espeak.IsPlaying():
                self._cancelled = True
                driver._stopping = True
                _espeak.Cancel()

        driver.stop = stop
        self._engine.connect("finished-utterance", self._on_finished)
        self._engine.connect("error", self._on_error)
        return self

    def _on_finished(self, name: object = None, completed: object = True) -> None:
        self._completed = bool(completed)
        self._finished.set()

    def _on_error(self, name: object = None, exception: object = None) -> None:
        self._errors.append(str(exception))

    def version(self) -> str:
        """Versions of everything that shapes the sound; cheap, needs no `load()`."""
        espeak = installed.version("espeakng-loader") or f"system-{_system_espeak_version()}"
        pyttsx3 = installed.version("pyttsx3")
        if pyttsx3 is None:
            raise SpeechError(
                "cannot start the pyttsx3 speech engine: pyttsx3 is not installed; "
                "reinstall guidecast"
            )
        return (
            f"pyttsx3-{pyttsx3}+espeakng-loader-{espeak}+rate-{SPEECH_RATE}"
            f"+voices-{_voices_key()}+driver-{DRIVER_VERSION}"
        )

    def voices(self) -> list[VoiceInfo]:
        if self._voices is None:
            self._voices = [
                VoiceInfo(
                    id=v.id,
                    name=v.name,
                    languages=tuple(_language_text(lang) for lang in (v.languages or ())),
                    engine=self.name,
                )
                for v in self._engine.getProperty("voices")
            ]
        return self._voices

    def resolve_voice(self, voice_id: str | None, language: str) -> str:
        """The voice id to use: the one asked for (checked), else the language's default."""
        ids = [v.id for v in self.voices()]
        if voice_id is None:
            base = language.lower().split("-")[0]
            wanted = default_voice(language)
            if wanted in ids:
                return wanted
            for voice in self.voices():
                if any(lang.lower().startswith(base) for lang in voice.languages):
                    return voice.id
            return ids[0]
        if voice_id in ids:
            return voice_id
        base, plus, variant = voice_id.partition("+")
        if plus:  # a variant over a voice: `gmw/en-us+f3` (f1-f5 female, m1-m7 male, ...)
            variants = _variants()
            if variants is not None and variant not in variants:
                close = difflib.get_close_matches(variant, sorted(variants), n=3, cutoff=0.5)
                hint = f"; close matches: {', '.join(close)}" if close else ""
                raise VoiceNotFoundError(
                    f"voice {voice_id!r}: espeak-ng has no variant {variant!r}{hint} "
                    "(f1 to f5 are female, m1 to m7 male)"
                )
            return f"{self.resolve_voice(base, language)}+{variant}"
        by_suffix = [i for i in ids if i.split("/")[-1] == voice_id]
        if by_suffix:
            return by_suffix[0]
        close = difflib.get_close_matches(voice_id, ids, n=3, cutoff=0.5)
        hint = f"; close matches: {', '.join(close)}" if close else ""
        raise VoiceNotFoundError(
            f"voice {voice_id!r} does not exist in espeak-ng{hint} (guidecast voices lists all)"
        )

    def synthesize(self, request: SpeechRequest) -> SpeechClip:
        if not any(ch.isalnum() for ch in request.text):
            raise SpeechError(f"nothing to speak in {request.text!r}")
        settings = (
            self.resolve_voice(request.voice_id, request.language),
            request.rate or SPEECH_RATE,
            1.0 if request.volume is None else request.volume,
        )
        # The driver now and then finishes with an empty buffer (measured: about 1 clip in
        # 900); saying the same text again works, so try a few times before giving up.
        for _ in range(3):
            clip = self._speak_once(request.text, settings)
            if clip is not None:
                return clip
        raise SpeechError(f"espeak-ng wrote no audio for {request.text[:40]!r}")

    def _speak_once(self, text: str, settings: tuple[str, int, float]) -> SpeechClip | None:
        # espeak-ng's own thread runs on a moment after the finished event. A runAndWait in
        # that moment makes the driver call espeak_Cancel, which cancels the new utterance
        # and puts the rate back to the value of an earlier one: clips came out 25% fast.
        # Setting the rate queues a command for espeak-ng's thread, and a cancel drops queued
        # commands. So set the rate and volume for every clip, wait until espeak-ng has taken
        # them and is idle, and throw away a clip spoken around any cancel. They go to the
        # driver itself: pyttsx3's proxy holds them back while it thinks it is busy (as it
        # does from init until the first runAndWait), to send them just before the speech.
        voice, rate, volume = settings
        if voice != self._voice:
            self._driver.setProperty("voice", voice)
            self._voice = voice
        self._driver.setProperty("rate", rate)
        self._driver.setProperty("volume", volume)
        self._settle(rate, int(round(volume * 100, 2)))  # as the driver sets the volume
        target = self._workdir / "clip.wav"
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
        self._finished.clear()
        self._completed = False
        self._cancelled = False
        self._errors.clear()
        # One clip per runAndWait: the driver keeps only one pending file.
        self._engine.save_to_file(text, str(target))
        self._engine.runAndWait()
        if not self._finished.wait(FINISH_TIMEOUT_S):
            raise SpeechError(f"espeak-ng did not finish speaking {text[:40]!r}")
        if self._errors:
            raise SpeechError(f"espeak-ng failed: {self._errors[0]}")
        self._wait_idle()
        if self._cancelled or not self._completed:
            return None  # cancelled: say it again
        return _read_wav(target)

    def _wait_idle(self) -> None:
        """Return once espeak-ng has no utterance in progress (or after FINISH_TIMEOUT_S)."""
        deadline = time.monotonic() + FINISH_TIMEOUT_S
        while self._is_playing() and time.monotonic() < deadline:
            time.sleep(0.0005)

    def _settle(self, rate: int, volume: int) -> None:
        """Wait until espeak-ng uses this rate and volume and is idle (at most FINISH_TIMEOUT_S).

        pyttsx3's GetParameter leaves out the `current` argument, so the library is called
        directly: current=1 gives the value in use, set once the queued command has run.
        """
        espeak = self._espeak
        get = espeak.dll.espeak_GetParameter
        deadline = time.monotonic() + FINISH_TIMEOUT_S
        while time.monotonic() < deadline:
            if (
                not self._is_playing()
                and get(espeak.RATE, 1) == rate
                and get(espeak.VOLUME, 1) == volume
            ):
                return
            time.sleep(0.0005)


def _variants() -> set[str] | None:
    """The names of espeak-ng's voice variants (its data's `voices/!v`), None if unknown (a
    system espeak-ng's data is not where the wheel's is): an unknown variant would be ignored
    without a word, the voice staying as it was."""
    data = os.environ.get("ESPEAK_DATA_PATH")
    folder = Path(data) / "voices" / "!v" if data else None
    if folder is None or not folder.is_dir():
        return None
    return {entry.name for entry in folder.iterdir() if entry.is_file()}


def _read_wav(path: Path) -> SpeechClip | None:
    """The clip at `path`, or None when it came out empty.

    The file can appear a moment after the finished event, so missing files get a short wait.
    """
    deadline = time.monotonic() + 2.0
    while True:
        try:
            with wave.open(str(path), "rb") as wav:
                if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
                    raise SpeechError("espeak-ng wrote audio in an unexpected format")
                pcm = wav.readframes(wav.getnframes())
                rate = wav.getframerate()
            return SpeechClip(pcm=pcm, sample_rate=rate) if pcm else None
        except (FileNotFoundError, EOFError, wave.Error):
            pass
        if time.monotonic() > deadline:
            return None
        time.sleep(0.005)


def _system_espeak_version() -> str:
    """The version of a system libespeak-ng (its espeak_Info needs no initialising)."""
    try:
        library = ctypes.CDLL("libespeak-ng.so.1")
        library.espeak_Info.restype = ctypes.c_char_p
        return (library.espeak_Info(None) or b"unknown").decode("ascii", "replace")
    except (OSError, AttributeError):
        return "unknown"


def _voices_key() -> str:
    """The default voices, as part of the version: a clip keyed by language says no voice."""
    return ",".join(f"{lang}={voice}" for lang, voice in sorted(DEFAULT_VOICES.items()))


def _language_text(language: object) -> str:
    if isinstance(language, bytes):
        return language.decode("utf-8", "replace").lstrip("\x05")
    return str(language)
