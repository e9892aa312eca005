"""How many spoken commands `play --listen` recognizes, in noise and in the session's echo.

The recordings are made here, as a microphone in a room would take them: steady noise all
through, and each command said by a real voice (espeak-ng's, male and female, and the natural
hibari and piper voices; two rates each) at a set SNR over it, a second and a half apart. The
SNR is the command's active speech power (its frames within 30 dB of its loudest) over the
noise's power. The recognizer hears each recording whole, as it would hear a session.

Conditions: white noise at 40 (quiet), 20, 10 and 5 dB SNR; the rain bed (core.defaults
BED_SOUNDS) as the noise at 10 dB; and the session's echo: before each command one of the
guide's lines at ECHO_DB, ending ECHO_GAP_S before the command (a listener waits for the guide
to stop), with the gate (live/listen.py) told where the lines were, as the player tells it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import numpy
import pytest

from guidecast.audio.beds import generated_loop
from guidecast.language.commands import ENGLISH
from guidecast.live.listen import RATE, Gate, Heard, Recognizer
from tests.live.recordings import ECHO_DB, pcm, say

VOICES = [  # (engine, voice, family)
    ("pyttsx3", "gmw/en-us", "espeak"),
    ("pyttsx3", "gmw/en-us+f3", "espeak"),
    ("pyttsx3", "gmw/en", "espeak"),
    ("pyttsx3", "gmw/en+f2", "espeak"),
    ("pyttsx3", "gmw/en-gb-scotland", "espeak"),
    ("pyttsx3", "gmw/en-us+m3", "espeak"),
    ("hibari", "heart", "natural"),  # female
    ("piper", "joe", "natural"),  # male
]
RATES = (130, 190)
NOISE_RMS = 300.0  # the room's noise, steady; the commands are scaled over it
SPACING_S = 1.5  # between commands
ECHO_GAP_S = 0.5  # from the end of the guide's line to the command
ECHO_LINES = (
    "Now, your left side. Make slow circles with your fingertips.",
    "Next up: strokes toward the nipple.",
    "Now the rhythm. Keep going, slowly, and breathe.",
    "Rest your hands for a moment.",
)
CONDITIONS = ("quiet", "20 dB", "10 dB", "5 dB", "rain 10 dB", "echo")
# The phrase each action is asked by first in the table: chosen to be heard in noise
# (language/commands.py); the others are the plain words.
CHOSEN = set({action: phrase for phrase, action in reversed(ENGLISH.phrases.items())}.values())
GOAL = 0.95  # of the chosen phrases, at 10 dB SNR and below the guide's echo (issue 21)
# piper samples its prosody afresh on every call (VITS noise; onnxruntime's seed does not fix
# it): its 38 utterances differ from run to run, so the goal is asserted over the voices that
# speak the same samples every time, and piper's count is only printed with the others.
VARIES = {"joe"}
# The same recordings vary a little from run to run even so (espeak-ng's chosen phrases at
# 10 dB: 103 to 106 of 108 over three runs on one machine), so the test guards the goal with
# a floor three points under it; the table it prints is the measurement.
FLOOR = GOAL - 0.03


@dataclass(frozen=True)
class Said:
    family: str
    phrase: str
    samples: numpy.ndarray
    steady: bool  # the voice says it with the same samples every time


def _active_power(samples: numpy.ndarray) -> float:
    frames = samples[: len(samples) // 160 * 160].reshape(-1, 160)
    power = (frames**2).mean(axis=1)
    return float(power[power > power.max() * 1e-3].mean())


def _recording(
    said: list[Said], condition: str, echo: list[numpy.ndarray], rng: numpy.random.Generator
) -> tuple[numpy.ndarray, list[tuple[float, float, str]], Gate | None]:
    """The recording, where each command is (start, end, phrase in seconds), and the gate."""
    snr = {"quiet": 40.0, "echo": 40.0}.get(condition) or float(condition.split()[-2])
    spacing = round(SPACING_S * RATE)
    placed: list[tuple[int, numpy.ndarray]] = []
    marks: list[tuple[float, float, str]] = []
    gate = Gate() if condition == "echo" else None
    at = spacing
    for index, one in enumerate(said):
        gain = numpy.sqrt(NOISE_RMS**2 * 10 ** (snr / 10) / _active_power(one.samples))
        if gate is not None:
            line = echo[index % len(echo)]
            level = gain * numpy.sqrt(_active_power(one.samples) / _active_power(line))
            placed.append((at, line * level * 10 ** (ECHO_DB / 20)))
            gate.sounding(at / RATE, (at + len(line)) / RATE)
            at += len(line) + round(ECHO_GAP_S * RATE)
        placed.append((at, one.samples * gain))
        marks.append((at / RATE, (at + len(one.samples)) / RATE, one.phrase))
        at += len(one.samples) + spacing
    if condition.startswith("rain"):
        noise = generated_loop("rain", RATE).take(0, at).astype(float)
        noise *= NOISE_RMS / numpy.sqrt(numpy.mean(noise**2))
    else:
        noise = rng.normal(0, NOISE_RMS, at)
    for start, samples in placed:
        noise[start : start + len(samples)] += samples
    return noise, marks, gate


def _heard(recording: numpy.ndarray, gate: Gate | None) -> Iterator[Heard]:
    recognizer = Recognizer(ENGLISH)
    data = pcm(recording) + bytes(RATE * 2)
    step = round(0.03 * RATE) * 2  # as the microphone delivers it
    for offset in range(0, len(data), step):
        for heard in recognizer.feed(data[offset : offset + step]):
            if gate is None or gate.open_during(heard.start, heard.end):
                yield heard


def _speak_all() -> list[Said]:
    phrases = list(ENGLISH.phrases)
    said = []
    for engine, voice, family in VOICES:
        for rate in RATES:
            for phrase, samples in zip(phrases, say(engine, voice, phrases, rate), strict=True):
                said.append(Said(family, phrase, samples, voice not in VARIES))
    return said


@pytest.mark.slow
def test_command_accuracy_per_noise_level() -> None:
    said = _speak_all()
    echo = say("pyttsx3", "gmw/en-us", list(ECHO_LINES))
    right: Counter[tuple[str, str, str]] = Counter()  # (family, chosen or plain, condition)
    total: Counter[tuple[str, str, str]] = Counter()
    steady_right: Counter[tuple[str, str]] = Counter()  # (chosen or plain, condition)
    steady_total: Counter[tuple[str, str]] = Counter()
    false: Counter[str] = Counter()  # commands heard where none was said
    for condition in CONDITIONS:
        for family in ("espeak", "natural"):
            mine = [one for one in said if one.family == family]
            rng = numpy.random.default_rng(21)
            recording, marks, gate = _recording(mine, condition, echo, rng)
            heard = list(_heard(recording, gate))
            matched: set[int] = set()
            for (start, end, phrase), one in zip(marks, mine, strict=True):
                near = [h for h in heard if h.start < end + 0.3 and h.end > start - 0.3]
                matched.update(id(h) for h in near)
                kind = "chosen" if phrase in CHOSEN else "plain"
                total[(family, kind, condition)] += 1
                steady_total[(kind, condition)] += one.steady
                if [h.action for h in near] == [ENGLISH.phrases[phrase]]:
                    right[(family, kind, condition)] += 1
                    steady_right[(kind, condition)] += one.steady
            false[condition] += sum(1 for h in heard if id(h) not in matched)
    print("\ncommands recognized with the right action (of those said):")
    print(f"  {'voices':<8} {'phrases':<7} " + " ".join(f"{c:>11}" for c in CONDITIONS))
    for family in ("espeak", "natural", "all"):
        for kind in ("chosen", "plain"):
            cells = []
            for condition in CONDITIONS:
                keys = [(f, kind, condition) for f in ("espeak", "natural") if family in (f, "all")]
                ok, n = sum(right[k] for k in keys), sum(total[k] for k in keys)
                cells.append(f"{ok}/{n} {100 * ok / n:.0f}%")
            print(f"  {family:<8} {kind:<7} " + " ".join(f"{c:>11}" for c in cells))
    print("  commands heard where none was said: " + ", ".join(f"{c} {false[c]}" for c in false))

    def share(kind: str, condition: str) -> float:
        return steady_right[(kind, condition)] / steady_total[(kind, condition)]

    for condition in ("quiet", "20 dB", "10 dB", "echo"):
        assert share("chosen", condition) >= FLOOR, condition
    assert share("plain", "quiet") >= 0.85
    assert sum(false.values()) == 0
