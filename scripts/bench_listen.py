"""The listening benchmark (`scripts/bench --only listen`): what `play --listen` costs.

A routine of long silent holds plays on the null device at speed 1, once steered by a
recording of spoken commands (`--listen-from`) and once without listening. Each run is a
process of its own (`scripts/bench_listen.py child ...`), which reports:

- latency: from the end of each command word (where the recording puts it) to the player
  acting on it, as the listener measures it;
- CPU: the player's process's CPU seconds (all its threads: the device callback, the view,
  the listener thread feeding the recognizer; not the speech workers) over the wall seconds
  of the steady part (from STEADY_S in to the end), and the recognizer process's own CPU
  seconds over the time it listened;
- the device callback: the longest gap between two calls and the longest call. The null
  device asks every PERIOD_MS; a real device plays from a buffer a few periods deep, so a
  gap of more than LATE_MS is counted as a period a real device could have run dry in.

The recording: "wait" and "continue" in turn (the session pauses and resumes, so the gate
stays open: the holds are silent), said by espeak-ng's American voice (always installed) over
steady white noise at 20 dB SNR. Latency is measured from where the recording ends each word.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy

SECONDS = 90.0  # of recording: the listening run lasts this long
STEADY_S = 10.0  # the speech workers start and the first line is said before this
EVERY_S = 6.0  # a command every this many seconds, from STEADY_S
LATE_MS = 40.0  # two 20 ms periods: what a device buffer typically holds
RATE = 16000
ROUTINE = """\
guidecast: 1
title: Listening Bench
chime: false
cues: {countdown: 0, next_up: false, halfway: false}
steps:
  - id: rest
    title: Rest
    say: Rest quietly.
    duration: 30m
"""


def make_recording(path: Path) -> list[float]:
    """The commands' WAV; returns where each word ends (seconds)."""
    from guidecast.speech.engine import SpeechRequest
    from guidecast.speech.workers import SpeechPool

    words: dict[int, numpy.ndarray] = {}
    with SpeechPool("pyttsx3", RATE) as pool:
        pool.synthesize(
            [(SpeechRequest(t, "gmw/en-us", 160), t) for t in ("wait", "continue")],
            lambda i, clip: words.__setitem__(i, numpy.frombuffer(clip.pcm, numpy.int16)),
        )
    rng = numpy.random.default_rng(3)
    speech_rms = numpy.sqrt(numpy.mean(words[1].astype(float) ** 2))
    out = rng.normal(0, speech_rms / 10, round(SECONDS * RATE))  # 20 dB SNR
    ends = []
    at, index = STEADY_S, 0
    while at + 2 < SECONDS:
        word = words[index % 2].astype(float)
        loud = numpy.flatnonzero(numpy.abs(word) > 0.01 * numpy.abs(word).max())
        word = word[: loud[-1] + 1]  # the word ends where its sound does, not its clip
        start = round(at * RATE)
        out[start : start + len(word)] += word
        ends.append(at + len(word) / RATE)
        at += EVERY_S
        index += 1
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(numpy.clip(out, -32768, 32767).astype(numpy.int16).tobytes())
    return ends


def child(routine: str, recording: str, ends: list[float]) -> dict:
    """One play run, in this process; its figures as a dict. `ends`: where the recording's
    words end, in seconds."""
    from guidecast.live.events import Event
    from guidecast.live.play import play
    from guidecast.live.player import Player
    from guidecast.routine.pacing import Pacing

    gaps: list[float] = []  # between the starts of two callbacks
    calls: list[float] = []
    fills: list[float] = []  # each callback's own time
    fill = Player.fill

    def timed_fill(self: Player, frames: int) -> bytes:
        began = time.perf_counter()
        if calls:
            gaps.append(began - calls[-1])
        calls.append(began)
        data = fill(self, frames)
        fills.append(time.perf_counter() - began)
        return data

    Player.fill = timed_fill  # type: ignore[method-assign]
    marks: dict[str, tuple[float, float]] = {}
    heard: list[float] = []  # wall times of the commands acted on

    class Timer:
        def __init__(self, player: Player, device: str) -> None:
            self.player = player
            self.began = time.monotonic()

        def __enter__(self) -> Timer:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

        def event(self, event: Event) -> None:
            if event.kind == "heard":
                heard.append(event.wall)

        def refresh(self) -> None:
            now = time.monotonic() - self.began
            usage = resource.getrusage(resource.RUSAGE_SELF)
            cpu = usage.ru_utime + usage.ru_stime
            if now >= STEADY_S and "steady" not in marks:
                marks["steady"] = (time.monotonic(), cpu)
            if now >= SECONDS + 1:
                marks["end"] = (time.monotonic(), cpu)
                self.player.stop()

    listen_from = Path(recording) if recording != "-" else None
    player = play(routine, Pacing(), "null", 1.0, view=Timer, listen_from=listen_from)
    (w0, c0), (w1, c1) = marks["steady"], marks["end"]
    listener = player.listener
    steady = [g for g, t in zip(gaps, calls[1:], strict=False) if t - calls[0] > STEADY_S]
    listening = w1 - listener.source.began if listener else 1.0
    said = [listener.source.began + end for end in ends] if listener else []
    latencies = [wall - max(e for e in said if e <= wall) for wall in heard]
    return {
        "cpu_share": (c1 - c0) / (w1 - w0),
        "listener_share": listener.busy / listening if listener else 0.0,
        "recognizer_share": getattr(listener.recognizer, "cpu", 0.0) / listening
        if listener
        else 0.0,
        "latencies": latencies,
        "gated": listener.gated if listener else 0,
        "heard": len(heard),
        "max_gap_ms": 1000 * max(steady, default=0.0),
        "late_periods": sum(1 for g in steady if g * 1000 > LATE_MS),
        "periods": len(steady),
        "max_fill_ms": 1000 * max(fills, default=0.0),
    }


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="guidecast-bench-listen-"))
    routine = work / "listening-bench.yaml"
    routine.write_text(ROUTINE)
    recording = work / "commands.wav"
    ends = make_recording(recording)
    runs = {}
    for label, source in (("without --listen", "-"), ("with --listen-from", str(recording))):
        print(f"  listen bench: {label} ({SECONDS:.0f} s)", file=sys.stderr)
        done = subprocess.run(
            [sys.executable, __file__, "child", str(routine), source, json.dumps(ends)],
            capture_output=True,
            text=True,
            check=True,
        )
        runs[label] = json.loads(done.stdout.strip().splitlines()[-1])
    listened = runs["with --listen-from"]
    latencies = sorted(listened["latencies"])
    print(f"# play --listen: {len(ends)} commands in {SECONDS:.0f} s, 20 dB SNR, null device")
    print(f"commands acted on: {listened['heard']} of {len(ends)} (gated: {listened['gated']})")
    if latencies:
        print(
            "latency, end of word to action: "
            f"median {latencies[len(latencies) // 2]:.3f} s, max {latencies[-1]:.3f} s"
        )
    print(
        "| run | player process, CPU of one core | recognizer process | longest callback gap "
        f"| gaps over {LATE_MS:.0f} ms | longest fill |"
    )
    print("|---|---|---|---|---|---|")
    for label, run in runs.items():
        print(
            f"| {label} | {100 * run['cpu_share']:.1f}% | {100 * run['recognizer_share']:.1f}% | "
            f"{run['max_gap_ms']:.1f} ms | {run['late_periods']} of {run['periods']} | "
            f"{run['max_fill_ms']:.2f} ms |"
        )
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        print(json.dumps(child(sys.argv[2], sys.argv[3], json.loads(sys.argv[4]))))
        sys.exit(0)
    sys.exit(main())
