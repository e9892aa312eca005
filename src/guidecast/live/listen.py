"""Spoken commands for `guidecast play --listen`: offline, with pocketsphinx.

Audio (the microphone through miniaudio, or a WAV file) is cut into utterances by
pocketsphinx's voice-activity endpointer. An utterance counts as a command only when all of
these hold:

- it stands alone: from MIN_COMMAND_S to MAX_COMMAND_S long (the guide's sentences and a
  conversation in the room are longer);
- it is not the session's own voice: the player marks when a cue (speech, a chime) is
  sounding, from the timeline, not the mix (a sound bed under it is no voice), and an
  utterance that overlaps that time, or the ECHO_TAIL_S after it, is dropped (the gate);
- decoded (after live/denoise.py takes the room's steady noise out) against a grammar that
  offers, besides the command phrases, any one phone held as long as it lasts (a garbage
  path), its best path is one command phrase alone. So "Next up: circles", said by the guide
  or anyone, goes to the garbage path and is no command; the bare word "next" is one.

The decoder only runs on short utterances after they end, so it costs little while the
session plays (scripts/bench measures it).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import numpy

from guidecast.language.commands import CommandWords
from guidecast.live.denoise import Denoiser
from guidecast.live.sources import RATE, Source

MIN_COMMAND_S = 0.12
MAX_COMMAND_S = 1.6
ECHO_TAIL_S = 0.35  # the room's echo of the guide's voice, and the device's own buffering
ENDPOINT_WINDOW_S = 0.24  # silence that ends an utterance: most of the latency
VAD_MODE = 0  # webrtc VAD, loose: an aggressive mode cut short words at 40 dB SNR

COMMAND_WEIGHT = 1  # prior of the command path against the phone loop (see Recognizer)


@dataclass(frozen=True)
class Heard:
    """A command recognized in the audio: `start`/`end` are seconds from the stream's start."""

    action: str
    phrase: str
    start: float
    end: float


class Recognizer:
    """Feed 16 kHz mono 16-bit PCM; get the commands heard, as each utterance ends."""

    def __init__(self, words: CommandWords) -> None:
        from pocketsphinx import Decoder, Endpointer, get_model_path

        self.words = words
        model = Path(get_model_path())
        self.decoder = Decoder(
            hmm=str(model / words.model),
            dict=str(model / words.dictionary),
            lm=None,
            samprate=RATE,
            loglevel="FATAL",
        )
        commands = sorted(words.phrases)
        # A phone loop stands for anything else said: each phone in it costs a transition
        # probability, so a lone command word wins on its own model and longer or other words
        # go to the loop. Phones as one-phone "words" of the dictionary.
        phones = sorted({p for line in _phone_lines(model / words.dictionary) for p in line})
        for phone in phones:
            self.decoder.add_word(f"_{phone.lower()}", phone, False)
        loop = " | ".join(f"_{phone.lower()}" for phone in phones)
        grammar = (
            "#JSGF V1.0;\ngrammar listen;\n"
            f"public <utterance> = /{COMMAND_WEIGHT}/ <command> | /1/ <other>;\n"
            f"<command> = {' | '.join(commands)};\n"
            f"<other> = {loop};\n"
        )
        self.decoder.add_jsgf_string("listen", grammar)
        self.decoder.activate_search("listen")
        self.endpointer = Endpointer(
            window=ENDPOINT_WINDOW_S, ratio=0.8, vad_mode=VAD_MODE, sample_rate=RATE
        )
        self.frame_bytes: int = self.endpointer.frame_bytes
        self.denoiser = Denoiser(RATE)
        self._pending = bytearray()
        self._utterance = bytearray()
        self._start = 0.0
        self.samples = 0  # fed so far
        self.utterances = 0  # ended, of any length
        self.decoded = 0  # short enough to decode

    def feed(self, pcm: bytes) -> list[Heard]:
        self._pending += pcm
        heard: list[Heard] = []
        step = self.frame_bytes
        while len(self._pending) >= step:
            frame = bytes(self._pending[:step])
            del self._pending[:step]
            self.samples += step // 2
            self.denoiser.hear(numpy.frombuffer(frame, dtype=numpy.int16).astype(float))
            was = self.endpointer.in_speech
            speech = self.endpointer.process(frame)
            if speech is None:
                continue
            if not was:
                self._utterance = bytearray()
                self._start = self.endpointer.speech_start
            if len(self._utterance) <= MAX_COMMAND_S * RATE * 2:
                self._utterance += speech
            if not self.endpointer.in_speech:
                found = self._decode(self._start, self.endpointer.speech_end)
                if found is not None:
                    heard.append(found)
        return heard

    def _decode(self, start: float, end: float) -> Heard | None:
        self.utterances += 1
        heard = numpy.frombuffer(bytes(self._utterance), dtype=numpy.int16).astype(float)
        self._utterance = bytearray()
        spoken = end - start
        if not MIN_COMMAND_S <= spoken <= MAX_COMMAND_S:
            return None
        self.decoded += 1
        cleaned = self.denoiser.clean(heard)
        pcm = numpy.clip(numpy.round(cleaned), -32768, 32767).astype(numpy.int16).tobytes()
        decoder = self.decoder
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        hyp = decoder.hyp()
        if hyp is None:
            return None
        phrase = " ".join(hyp.hypstr.split())
        action = self.words.action(phrase)
        return None if action is None else Heard(action, phrase, start, end)


def _phone_lines(dictionary: Path) -> Iterator[list[str]]:
    """The phones of each pronunciation in a pocketsphinx dictionary."""
    with dictionary.open(encoding="utf-8") as lines:
        for line in lines:
            yield line.split()[1:]


# -- the gate: when the session itself is sounding ----------------------------------------


class Gate:
    """Wall-clock spans when the session's voice is sounding; thread-safe.

    The player calls `sounding(start, end)` from its device callback for every period with a
    cue in it (a spoken line or a chime: the timeline says where they are); an utterance that
    overlaps a span, or ECHO_TAIL_S after it, is the session's own voice (or could hide it),
    and is dropped. A sound bed is not the voice: it is steady, it is under every minute of a
    session, and gating on it would drop every command (the recognizer copes with it as with
    any steady room noise).
    """

    def __init__(self, tail: float = ECHO_TAIL_S) -> None:
        self.tail = tail
        self._spans: deque[tuple[float, float]] = deque(maxlen=4096)
        self._lock = threading.Lock()

    def sounding(self, start: float, end: float) -> None:
        with self._lock:
            if self._spans and start <= self._spans[-1][1] + 0.05:
                first, last = self._spans[-1]
                self._spans[-1] = (first, max(last, end))
            else:
                self._spans.append((start, end))

    def open_during(self, start: float, end: float) -> bool:
        """True when nothing sounded from `start` to `end` (tail included)."""
        with self._lock:
            return not any(a < end and start < b + self.tail for a, b in self._spans)


# -- the recognizer's own process ---------------------------------------------------------


class RecognizerProcess:
    """A Recognizer in a process of its own, fed and answered over a pipe.

    pocketsphinx holds the GIL while it decodes: a 1.5 s utterance took 0.22 s, and a thread
    asking for the GIL every 2 ms waited up to 0.4 s meanwhile. The player's device callback is
    such a thread, so in the player's process every command would risk a gap in the sound. Here
    the listener thread only waits on the pipe (the GIL free), and the decoding runs on the
    other core. `cpu` is the process's CPU seconds so far.
    """

    def __init__(self, language: str) -> None:
        from guidecast.core.processes import WorkerProcess

        self.worker = WorkerProcess(_recognize, language)
        self.cpu = 0.0

    def feed(self, pcm: bytes) -> list[Heard]:
        self.worker.conn.send_bytes(pcm)
        answer, detail = self.worker.conn.recv()
        if answer == "error":
            raise RuntimeError(f"the recognizer stopped: {detail}")
        heard, self.cpu = detail
        return list(heard)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.worker.conn.send_bytes(b"")  # the end: the process returns
        self.worker.stop()


def _recognize(conn: Connection, language: str) -> None:
    """The recognizer process: PCM in, the commands heard (and the CPU time so far) out, until
    an empty message or the pipe closes."""
    from guidecast.core.processes import ignore_sigint
    from guidecast.language.commands import commands_for

    ignore_sigint()
    try:
        words = commands_for(language)
        if words is None:
            raise ValueError(f"no command words for language {language!r}")
        recognizer = Recognizer(words)
    except Exception as err:  # sent as text, answered to the first audio
        conn.recv_bytes()
        conn.send(("error", f"{type(err).__name__}: {err}"))
        return
    while True:
        try:
            pcm = conn.recv_bytes()
        except (EOFError, OSError):
            return
        if not pcm:
            return
        conn.send(("ok", (recognizer.feed(pcm), time.process_time())))


# -- the listener thread ------------------------------------------------------------------


class Listener:
    """Runs a recognizer over a source in a thread; hands each command that passes the gate to
    `act(heard, wall_time)`, and counts what it dropped."""

    def __init__(
        self,
        source: Source,
        recognizer: Recognizer | RecognizerProcess,
        gate: Gate | None,
        act: Callable[[Heard, float], None],
    ) -> None:
        self.source = source
        self.recognizer = recognizer
        self.gate = gate
        self.act = act
        self.gated = 0  # commands heard while the session sounded: dropped
        self.latencies: list[float] = []  # end of the word -> acted on, wall seconds
        self.busy = 0.0  # CPU seconds this thread took (the recognizer's own: its `cpu`)
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="guidecast-listen", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            for chunk in self.source.chunks(self._stop):
                began = time.thread_time()
                heard = self.recognizer.feed(chunk)
                self.busy += time.thread_time() - began
                for found in heard:
                    start = self.source.began + found.start
                    end = self.source.began + found.end
                    if self.gate is not None and not self.gate.open_during(start, end):
                        self.gated += 1
                        continue
                    now = time.monotonic()
                    self.latencies.append(now - end)
                    self.act(found, now)
        except BaseException as err:  # the session plays on with keys
            self.error = err

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        self.source.close()
        if isinstance(self.recognizer, RecognizerProcess):
            self.recognizer.close()
