"""The guidecast benchmark: is a build fast and small at any length? (Run it with scripts/bench.)

It writes its own routines into a temporary folder (a 60-minute routine of 120 steps and an
8-hour one of 960 steps, every step with its own words), then measures, on this machine, with
the same voice and the same MP3 settings (22.05 kHz mono, 64 kbps, lameenc quality 3):

- guidecast build, cold: an empty speech cache (GUIDECAST_CACHE_DIR set to a fresh folder);
- guidecast build, warm, after a pacing change (--set STEP=TIME on one step);
- speech synthesis alone, cold (what a cold build spends speaking);
- the floor: lameenc alone, encoding the session's final PCM (rendered beforehand);
- a pydub baseline: the same clips joined with `seg = seg + silence + clip` and exported as MP3
  with ffmpeg (from the imageio-ffmpeg wheel), with the same bitrate and LAME quality;
- guidecast play on the null device, cold cache and warm: how soon the first audio and the
  first speech come, as play reports them, and from the launch of the process;
- the bed case: the warm build again with `--background rain`, against its own floor (lameenc
  alone on that session's final PCM): a bed leaves no digital silence to splice.

Every measurement runs in a process of its own (scripts/bench_child.py), so its wall time and
peak RSS are its own; speech workers (and pydub's ffmpeg) are reported apart from the main
process. Each measurement is repeated (--repeat, best time and worst RSS are kept), interleaved
so that a burst of load elsewhere on the machine does not fall on one measurement only.

To add a measurement: write a kind in bench_child.py, add a `Measurement` in `measurements()`,
and, if it has a target, a `Target` in `targets()`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = Path(__file__).resolve().parent / "bench_child.py"
RATE = 22050
BED = "rain"  # the bed case: the brightest bed, the most for the encoder to do

ACTIONS = (
    "Press gently",
    "Stroke slowly",
    "Make small circles",
    "Rest your palm",
    "Sweep lightly",
    "Hold a soft pressure",
    "Tap with your fingertips",
    "Glide your thumb",
    "Knead softly",
    "Let your hand rest",
)
PLACES = (
    "near the collarbone",
    "along the outer edge",
    "towards the armpit",
    "below the breast",
    "around the areola",
    "over the upper arm",
    "at the base of the neck",
    "across the shoulder blade",
    "along the side of the ribs",
    "over the lower back",
    "around the sore spot",
    "beside the spine",
)
MANNERS = (
    "breathing out as you go",
    "keeping your shoulders low",
    "with a flat, warm hand",
    "as slowly as feels good",
    "without pressing into pain",
    "letting your jaw relax",
    "counting your breaths quietly",
)


def routine_yaml(title: str, steps: int, perform_s: int) -> str:
    """A routine with `steps` steps, each with words of its own, a countdown and "next up",
    and "halfway" on every third step: about 30 s a step at perform_s=21."""
    lines = [
        "guidecast: 1",
        f"title: {title}",
        "intro: Welcome. Find a comfortable seat and get ready.",
        "safety: [Stop if anything hurts, and see a doctor or midwife about a lump or a fever.]",
        "outro: That is the end of the session. Well done.",
        "cues: {countdown: 3, next_up: true}",
        "steps:",
    ]
    for n in range(1, steps + 1):
        action = ACTIONS[n % len(ACTIONS)]
        place = PLACES[(n * 7) % len(PLACES)]
        manner = MANNERS[(n * 3) % len(MANNERS)]
        lines += [
            f"  - id: s{n}",
            f"    title: Part {n}",
            f"    say: Part {n}. {action} {place}, {manner}.",
            f"    duration: {perform_s}s",
            "    pause: 2s",
        ]
        if n % 3 == 0:
            lines.append("    cues: {halfway: true}")
    return "\n".join(lines) + "\n"


def sleep_yaml(title: str, quiet_s: int) -> str:
    """A sleep routine as a user writes one: ten minutes of guidance (20 steps), one long
    quiet step, then a gentle wake-up."""
    return (
        routine_yaml(title, 20, 21)
        + "\n".join(
            [
                "  - id: sleep",
                "    title: Sleep",
                "    say: Now let go and rest. I will wake you gently.",
                f"    duration: {quiet_s}s",
                "  - id: wake",
                "    title: Wake up",
                "    say: Good morning. Wiggle your fingers and toes, and stretch slowly.",
                "    duration: 30s",
            ]
        )
        + "\n"
    )


@dataclass
class SessionSpec:
    key: str  # "60m"
    label: str  # "60 min"
    steps: int
    perform_s: int
    change: str  # the pacing change of the warm rebuild, as --set takes it
    repeat: int
    pydub: bool  # run the pydub baseline
    pydub_skip_reason: str = ""
    routine: Path = Path()
    quiet_s: int = 0  # a sleep session: its quiet step (sleep_yaml), else a speech session

    @property
    def sleep(self) -> bool:
        return self.quiet_s > 0


@dataclass
class Result:
    walls: list[float] = field(default_factory=list)  # spawn to exit, seen from outside
    timeds: list[float] = field(default_factory=list)  # the measured part, seen from inside
    rss_self_kb: float = 0.0
    rss_children_kb: float = 0.0
    extra: dict = field(default_factory=dict)
    note: str = ""

    @property
    def wall(self) -> float:
        return min(self.walls)

    @property
    def timed(self) -> float:
        return min(self.timeds)


FLOORS = ("cold", "warm", "bed")  # the floors' sessions, each a file of final PCM


@dataclass
class Measurement:
    key: str  # "cold", "warm", ...
    title: str
    uses: str  # which time the targets use: "wall" or "timed"
    run: Callable[[SessionSpec, int], Result | None]  # (session, round) -> one run's result
    rounds: Callable[[SessionSpec], int] = lambda spec: spec.repeat
    # Which sessions it measures: sleep sessions skip the speech, pydub and play rows, and
    # have no warm PCM (24 h is 3.8 GB of it); only they have the --cbr build.
    applies: Callable[[SessionSpec], bool] = lambda spec: not spec.sleep


class Bench:
    def __init__(
        self, work: Path, python: str, verbose: bool, floors: tuple[str, ...] = FLOORS
    ) -> None:
        self.floors = floors  # the sessions whose final PCM the floors need: cold, warm, bed
        self.work = work
        self.python = python
        self.verbose = verbose
        self.results: dict[tuple[str, str], Result] = {}
        self.warm_cache: dict[str, Path] = {}
        self.pcm: dict[tuple[str, str], Path] = {}

    # -- running one child --------------------------------------------------------------

    def child(
        self,
        kind: str,
        args: list[str],
        cache: Path,
        timeout: float | None = None,
        limit_bytes: int | None = None,
    ) -> tuple[float, dict]:
        result_file = self.work / "result.json"
        result_file.unlink(missing_ok=True)
        env = dict(os.environ, GUIDECAST_CACHE_DIR=str(cache), BENCH_RESULT=str(result_file))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))

        def limit() -> None:
            if limit_bytes:
                import resource

                resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))

        log = self.work / "child.log"
        env["BENCH_LAUNCHED"] = repr(time.monotonic())  # for play: seconds from the launch
        start = time.perf_counter()
        with open(log, "w") as err:
            process = subprocess.Popen(
                [self.python, str(CHILD), kind, *args],
                env=env,
                stdin=subprocess.DEVNULL,  # no terminal: no keys, and play's plain view
                stdout=subprocess.DEVNULL,
                stderr=err,
                preexec_fn=limit if limit_bytes else None,
            )
            children: dict[int, int] = {}  # pid -> peak RSS in kB, sampled from outside
            names: dict[int, str] = {}
            try:
                while True:
                    try:
                        process.wait(timeout=0.05)
                        break
                    except subprocess.TimeoutExpired:
                        _sample_children(process.pid, children, names)
                        if timeout is not None and time.perf_counter() - start > timeout:
                            raise
            except BaseException:
                process.kill()
                process.wait()
                raise
        wall = time.perf_counter() - start
        stderr = log.read_text(errors="replace")
        if process.returncode != 0 or not result_file.exists():
            raise RuntimeError(
                f"{kind} {' '.join(args)} failed ({process.returncode}):\n{stderr[-2000:]}"
            )
        if self.verbose:
            sys.stderr.write(stderr)
        data = json.loads(result_file.read_text())
        if children:  # /proc seen from outside: each child's own peak, not its parent's at fork
            largest = max(children, key=children.__getitem__)
            data["rss_children_kb"] = children[largest]
            data["children"] = sorted(
                f"{names.get(p, '?')} {kb // 1024} MB" for p, kb in children.items()
            )
            data["largest_child"] = names.get(largest, "?")
        elif sys.platform.startswith("linux"):
            data["rss_children_kb"] = 0
            data["children"] = []
        return wall, data

    def record(self, spec: SessionSpec, key: str, wall: float, data: dict) -> Result:
        result = self.results.setdefault((spec.key, key), Result())
        result.walls.append(wall)
        result.timeds.append(data["timed"])
        result.rss_self_kb = max(result.rss_self_kb, data["rss_self_kb"])
        result.rss_children_kb = max(result.rss_children_kb, data["rss_children_kb"])
        result.extra.update({k: v for k, v in data.items() if k not in ("timed", "code")})
        return result

    def fresh_cache(self) -> Path:
        return Path(tempfile.mkdtemp(prefix="cache-", dir=self.work))

    # -- the measurements ---------------------------------------------------------------

    def cold(self, spec: SessionSpec, round_: int) -> Result:
        cache = self.fresh_cache()
        out = self.work / f"out-{spec.key}-cold"
        wall, data = self.child("cli", ["build", str(spec.routine), "-o", str(out)], cache)
        result = self.record(spec, "cold", wall, data)
        result.extra["clips"] = _entries(cache)
        result.extra["mp3_bytes"] = _mp3_bytes(out)
        if spec.sleep:
            result.note = f"{_mp3_bytes(out) / 1e6:.1f} MB file"
        if spec.key not in self.warm_cache:
            self.warm_cache[spec.key] = cache  # the warm rebuilds start from this cache
            self.prepare_pcm(spec)
        else:
            shutil.rmtree(cache, ignore_errors=True)
        return result

    def warm(self, spec: SessionSpec, round_: int) -> Result:
        cache = self.warm_cache[spec.key]
        before = _entries(cache)
        out = self.work / f"out-{spec.key}-warm"
        args = ["build", str(spec.routine), "-o", str(out)]
        args += ["--set", spec.change] if spec.change else []  # sleep: the same session again
        wall, data = self.child("cli", args, cache)
        result = self.record(spec, "warm", wall, data)
        result.extra["mp3_bytes"] = _mp3_bytes(out)
        spoken = _entries(cache) - before
        result.note = f"{spoken} clips spoken" + (
            "" if data["rss_children_kb"] else ", no speech worker started"
        )
        return result

    def cbr(self, spec: SessionSpec, round_: int) -> Result:
        """The warm session of the cold build again, with --cbr: the size small silence
        (the default) is measured against."""
        out = self.work / f"out-{spec.key}-cbr"
        args = ["build", str(spec.routine), "-o", str(out), "--cbr"]
        wall, data = self.child("cli", args, self.warm_cache[spec.key])
        result = self.record(spec, "cbr", wall, data)
        size = result.extra["mp3_bytes"] = _mp3_bytes(out)
        default = self.results[(spec.key, "cold")].extra["mp3_bytes"]
        result.note = f"{size / 1e6:.1f} MB file; the default build's is {default / size:.3f} of it"
        return result

    def speech(self, spec: SessionSpec, round_: int) -> Result:
        cache = self.fresh_cache()
        wall, data = self.child("speech", [str(spec.routine)], cache)
        shutil.rmtree(cache, ignore_errors=True)
        result = self.record(spec, "speech", wall, data)
        result.note = f"{data['clips']} clips"
        return result

    def bed(self, spec: SessionSpec, round_: int) -> Result:
        """The warm session again with a sound bed under it: no digital silence to splice."""
        cache = self.warm_cache[spec.key]
        out = self.work / f"out-{spec.key}-bed"
        args = ["build", str(spec.routine), "-o", str(out), "--background", BED]
        wall, data = self.child("cli", args, cache)
        return self.record(spec, "bed", wall, data)

    def prepare_pcm(self, spec: SessionSpec) -> None:
        """The final PCM of the cold and of the warm session, and of the session with a bed,
        for the floors (not timed); a sleep session only the cold one."""
        cases = (("cold", []), ("warm", [spec.change]), ("bed", [f"background={BED}"]))
        for which, sets in cases[: 1 if spec.sleep else 3]:
            if which not in self.floors:
                continue
            path = self.work / f"{spec.key}-{which}.pcm"
            args = [str(spec.routine), str(path), *sets]
            _, data = self.child("render", args, self.warm_cache[spec.key])
            self.pcm[(spec.key, which)] = path
            self.results.setdefault((spec.key, f"session-{which}"), Result()).extra.update(data)

    def floor(self, which: str) -> Callable[[SessionSpec, int], Result]:
        def run(spec: SessionSpec, round_: int) -> Result:
            path = self.pcm[(spec.key, which)]
            wall, data = self.child("floor", [str(path), str(RATE)], self.work)
            return self.record(spec, f"floor-{which}", wall, data)

        return run

    def pydub(self, spec: SessionSpec, round_: int) -> Result | None:
        if not spec.pydub:
            result = self.results.setdefault((spec.key, "pydub"), Result())
            session = self.results.get((spec.key, "session-cold"))
            if spec.pydub_skip_reason or session is None:
                result.note = spec.pydub_skip_reason or "skipped"
            else:
                gb = session.extra["samples"] * 2 / 1e9
                result.note = (
                    f"skipped: seg = seg + clip copies the whole session so far at each of "
                    f"{session.extra['cues']:,} cues (up to {gb:.1f} GB); --pydub-long SECONDS "
                    "runs it with a time cap"
                )
            return None
        out = self.work / f"{spec.key}-pydub.mp3"
        try:
            wall, data = self.child(
                "pydub",
                [str(spec.routine), str(out)],
                self.warm_cache[spec.key],
                timeout=spec_cap(spec),
                limit_bytes=8 << 30 if spec.key != "60m" else None,
            )
        except (subprocess.TimeoutExpired, RuntimeError) as err:
            result = self.results.setdefault((spec.key, "pydub"), Result())
            result.note = f"did not finish: {str(err).splitlines()[0][:80]}"
            return None
        finally:
            out.unlink(missing_ok=True)
        result = self.record(spec, "pydub", wall, data)
        result.note = f"assembly {data['assembly']:.1f} s of it"
        return result

    def play(self, which: str) -> Callable[[SessionSpec, int], Result]:
        """`guidecast play ROUTINE --device null`, quit once the first speech is heard; cold:
        an empty cache, warm: the cache of the cold build."""

        def run(spec: SessionSpec, round_: int) -> Result:
            cache = self.fresh_cache() if which == "cold" else self.warm_cache[spec.key]
            wall, data = self.child("play", [str(spec.routine)], cache)
            if which == "cold":
                shutil.rmtree(cache, ignore_errors=True)
            result = self.record(spec, f"play-{which}", wall, data)
            for key in ("first_speech", "launch_audio", "launch_speech"):
                result.extra.setdefault(f"{key}s", []).append(data[key])
            best = {k: min(result.extra[f"{k}s"]) for k in ("first_speech", "launch_audio")}
            result.note = (
                f"first speech {best['first_speech']:.3f} s; from launch: audio "
                f"{best['launch_audio']:.3f} s, speech {min(result.extra['launch_speechs']):.3f} s"
            )
            return result

        return run

    def measurements(self) -> list[Measurement]:
        return [
            Measurement(
                "cold", "guidecast build, cold (empty cache)", "wall", self.cold, applies=_all
            ),
            Measurement("speech", "speech synthesis alone, cold", "timed", self.speech),
            Measurement(
                "warm", "guidecast build, warm, after --set", "wall", self.warm, applies=_all
            ),
            Measurement(
                "cbr",
                "guidecast build --cbr, warm",
                "wall",
                self.cbr,
                applies=lambda spec: spec.sleep,
            ),
            Measurement(
                "floor-cold",
                "floor: lameenc alone, final PCM",
                "timed",
                self.floor("cold"),
                applies=_all,
            ),
            Measurement(
                "floor-warm", "floor: lameenc alone, warm session", "timed", self.floor("warm")
            ),
            # Minutes per run, and far from its target: once is enough.
            Measurement(
                "pydub", "pydub baseline: seg + clip, export", "timed", self.pydub, lambda s: 1
            ),
            Measurement("play-cold", "play: first audio, cold cache", "timed", self.play("cold")),
            Measurement("play-warm", "play: first audio, warm cache", "timed", self.play("warm")),
            Measurement("bed", f"guidecast build, warm, --background {BED}", "wall", self.bed),
            Measurement(
                "floor-bed", "floor: lameenc alone, session with bed", "timed", self.floor("bed")
            ),
        ]


def _all(spec: SessionSpec) -> bool:
    return True


def _mp3_bytes(out: Path) -> int:
    return sum(path.stat().st_size for path in out.glob("*.mp3"))


PYDUB_CAP = {"60m": None}


def spec_cap(spec: SessionSpec) -> float | None:
    return PYDUB_CAP.get(spec.key)


def _process_name(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            args = f.read().split(b"\0")
    except OSError:
        return "?"
    text = b" ".join(args).decode(errors="replace")
    if "spawn_main" in text:
        return "speech worker"
    if "resource_tracker" in text:
        return "resource tracker"
    return Path(args[0].decode(errors="replace")).name.split("-")[0]


def _sample_children(pid: int, peaks: dict[int, int], names: dict[int, str]) -> None:
    """Record the peak RSS (VmHWM) of every process below `pid`, from /proc (Linux only)."""
    stack = [pid]
    while stack:
        parent = stack.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{parent}/task/{task}/children") as f:
                    found = [int(p) for p in f.read().split()]
            except OSError:
                continue
            for child in found:
                stack.append(child)
                try:
                    with (
                        open(f"/proc/{child}/cmdline", "rb") as f,
                        open(f"/proc/{parent}/cmdline", "rb") as g,
                    ):
                        if f.read() == g.read():
                            continue  # forked but not yet started: its memory is its parent's
                    with open(f"/proc/{child}/status") as f:
                        for line in f:
                            if line.startswith("VmHWM:"):
                                kb = int(line.split()[1])
                                peaks[child] = max(peaks.get(child, 0), kb)
                                break
                    if child not in names:
                        names[child] = _process_name(child)
                except OSError:
                    pass


def _entries(cache: Path) -> int:
    return sum(1 for _ in cache.glob("*/*.clip"))


# -- the targets ------------------------------------------------------------------------------


@dataclass
class Target:
    title: str
    value: Callable[[Bench], float | None]  # None: not measured
    limit: float
    higher_is_better: bool
    show: Callable[[float], str]
    why_missing: str = ""


def _get(bench: Bench, session: str, key: str) -> Result | None:
    result = bench.results.get((session, key))
    return result if result and result.walls else None


def _time(bench: Bench, session: str, key: str) -> float | None:
    result = _get(bench, session, key)
    if result is None:
        return None
    uses = {m.key: m.uses for m in bench.measurements()}[key]
    return result.wall if uses == "wall" else result.timed


def _ratio(bench: Bench, session: str, top: tuple[str, ...], bottom: tuple[str, ...]):
    tops = [_time(bench, session, k) for k in top]
    bottoms = [_time(bench, session, k) for k in bottom]
    if None in tops or None in bottoms:
        return None
    return sum(tops) / sum(bottoms)  # type: ignore[arg-type]


def _rss(bench: Bench, session: str) -> float | None:
    builds = ("cold", "warm", "cbr", "bed")
    values = [r.rss_self_kb for k in builds if (r := _get(bench, session, k))]
    return max(values) / 1024 if values else None


def targets(sessions: list[SessionSpec]) -> list[Target]:
    found: list[Target] = []
    keys = [s.key for s in sessions]
    labels = {s.key: s.label for s in sessions}
    if "60m" in keys:
        found += [
            Target(
                "60 min cold: faster than the pydub baseline",
                lambda b: _ratio(b, "60m", ("pydub",), ("cold",)),
                4.0,
                True,
                lambda v: f"{v:.2f}x faster",
            ),
            Target(
                "60 min cold: within 1.25x of floor + speech",
                lambda b: _ratio(b, "60m", ("cold",), ("floor-cold", "speech")),
                1.25,
                False,
                lambda v: f"{v:.2f}x",
            ),
        ]
    sleeping = {s.key for s in sessions if s.sleep}
    for key in keys:
        if key != "60m" and key not in sleeping:
            found.append(
                Target(
                    f"{labels[key]} cold: within 1.25x of floor + speech",
                    lambda b, k=key: _ratio(b, k, ("cold",), ("floor-cold", "speech")),
                    1.25,
                    False,
                    lambda v: f"{v:.2f}x",
                )
            )
    for key in keys:
        if key in sleeping:
            found += [
                Target(
                    f"{labels[key]}: the default file at most a fifth of --cbr",
                    lambda b, k=key: _size_ratio(b, k),
                    0.2,
                    False,
                    lambda v: f"{v:.3f}",
                ),
                Target(
                    f"{labels[key]} warm: within 1.1x of the floor",
                    lambda b, k=key: _ratio(b, k, ("warm",), ("floor-cold",)),
                    1.1,
                    False,
                    lambda v: f"{v:.2f}x",
                ),
            ]
            continue
        found.append(
            Target(
                f"{labels[key]} warm after a pacing change: within 1.1x of the floor",
                lambda b, k=key: _ratio(b, k, ("warm",), ("floor-warm",)),
                1.1,
                False,
                lambda v: f"{v:.2f}x",
            )
        )
    for key in keys:
        if key in sleeping:  # no warm session to put a bed under
            continue
        found.append(
            Target(
                f"{labels[key]} warm with a bed ({BED}): within 1.1x of its floor",
                lambda b, k=key: _ratio(b, k, ("bed",), ("floor-bed",)),
                1.1,
                False,
                lambda v: f"{v:.2f}x",
            )
        )
    for key in keys:
        found.append(
            Target(
                f"{labels[key]} peak RSS, main process (every build)",
                lambda b, k=key: _rss(b, k),
                60,
                False,
                lambda v: f"{v:.0f} MB",
            )
        )
    for key in keys:
        if key in sleeping:
            continue
        found.append(
            Target(
                f"{labels[key]} play, cold cache: first audio within 0.3 s",
                lambda b, k=key: _time(b, k, "play-cold"),
                0.3,
                False,
                lambda v: f"{v:.3f} s",
            )
        )
    if "8h" in keys:
        found.append(
            Target(
                "8 h play, warm cache: first speech within 0.5 s",
                lambda b: (r := _get(b, "8h", "play-warm")) and min(r.extra["first_speechs"]),
                0.5,
                False,
                lambda v: f"{v:.3f} s",
            )
        )
    return found


def _size_ratio(bench: Bench, session: str) -> float | None:
    vbr, cbr = _get(bench, session, "cold"), _get(bench, session, "cbr")
    if vbr is None or cbr is None:
        return None
    return vbr.extra["mp3_bytes"] / cbr.extra["mp3_bytes"]


# -- the report -------------------------------------------------------------------------------


def report(bench: Bench, sessions: list[SessionSpec], started: str) -> str:
    lines = [
        f"guidecast benchmark, {started}",
        f"machine: {os.cpu_count()} cores, {platform.machine()}, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}",
        f"load average at the end: {', '.join(f'{v:.2f}' for v in os.getloadavg())}",
        "audio: 22050 Hz mono, 64 kbps, lameenc quality 3",
        "",
    ]
    for spec in sessions:
        session = bench.results.get((spec.key, "session-cold"))
        if session:
            seconds = session.extra["samples"] / RATE
            lines.append(
                f"{spec.label}: {spec.steps} steps, {session.extra['cues']} cues, "
                f"{seconds / 60:.1f} min of audio; warm rebuild: --set {spec.change}; "
                f"best of {spec.repeat}"
            )
    lines.append("")
    header = (
        f"{'session':<8} {'measurement':<38} {'time s':>8} {'main RSS':>9} {'children':>9}  note"
    )
    lines += [header, "-" * len(header)]
    for spec in sessions:
        for m in bench.measurements():
            if not m.applies(spec):
                continue
            result = bench.results.get((spec.key, m.key))
            if result is None or not result.walls:
                note = result.note if result else "not measured"
                lines.append(f"{spec.label:<8} {m.title:<38} {'-':>8} {'':>9} {'':>9}  {note}")
                continue
            seconds = result.wall if m.uses == "wall" else result.timed
            children = f"{result.rss_children_kb / 1024:.0f} MB" if result.rss_children_kb else "-"
            note = result.note
            if m.uses == "timed":
                note = f"{note}; " if note else ""
                note += f"process {result.wall:.1f} s"
            lines.append(
                f"{spec.label:<8} {m.title:<38} {seconds:>8.2f} "
                f"{result.rss_self_kb / 1024:>6.0f} MB {children:>9}  {note}"
            )
    lines += [
        "",
        "time s: wall time of the whole command for guidecast builds; for the others, the",
        "measured part only (speech: plan with an empty cache; floor: lameenc calls only;",
        "pydub: assembly and export, without loading the clips; play: from the command's start",
        "to the first audio on the null device, as guidecast play reports it, at speed 1, quit",
        "once the first speech is heard). children: the largest child process (speech and",
        "leveling workers; ffmpeg for pydub), not counted in main RSS.",
        "",
    ]
    header = f"{'target':<58} {'measured':>14} {'limit':>9}  result"
    lines += [header, "-" * len(header)]
    for target in targets(sessions):
        value = target.value(bench)
        limit = f"{'>=' if target.higher_is_better else '<='} {target.limit:g}"
        if value is None:
            lines.append(f"{target.title:<58} {'-':>14} {limit:>9}  not measured")
            continue
        ok = value >= target.limit if target.higher_is_better else value <= target.limit
        lines.append(
            f"{target.title:<58} {target.show(value):>14} {limit:>9}  {'PASS' if ok else 'FAIL'}"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only",
        choices=["60m", "8h", "sleep-8h", "sleep-24h", "speech", "sleep", "catalogue", "listen"],
        help="measure one session only, or the speech sessions (60m, 8h), or the sleep ones "
        "(ten minutes of guidance, then 7 h 45 min or 23 h 35 min of quiet), or a catalogue "
        "on Dask with 1 and 2 workers (scripts/bench_catalogue.py), or what play --listen "
        "costs (scripts/bench_listen.py); default: all but catalogue and listen",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each 60-min measurement")
    parser.add_argument("--repeat-long", type=int, default=1, help="runs of each 8-h measurement")
    parser.add_argument(
        "--pydub-long",
        type=float,
        metavar="SECONDS",
        help="also run the pydub baseline for 8 h, stopped after SECONDS (and 8 GB of memory)",
    )
    parser.add_argument(
        "--no-pydub", action="store_true", help="skip the pydub baseline (a quicker run)"
    )
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--verbose", action="store_true", help="show the children's stderr")
    parser.add_argument(
        "--bed-only", action="store_true", help="the bed case only (and the cold build it needs)"
    )
    parser.add_argument(
        "--play-only",
        action="store_true",
        help="play's first audio and first word, cold and warm (and the cold build the warm "
        "one needs)",
    )
    options = parser.parse_args()
    if options.only == "catalogue":
        import bench_catalogue

        return bench_catalogue.main()
    if options.only == "listen":
        import bench_listen  # scripts/ is on the path: this script's own folder

        return bench_listen.main()

    sessions = [
        SessionSpec("60m", "60 min", 120, 21, "s60=45s", options.repeat, pydub=True),
        SessionSpec(
            "8h",
            "8 h",
            960,
            21,
            "s480=45s",
            options.repeat_long,
            pydub=options.pydub_long is not None,
        ),
        SessionSpec("sleep-8h", "sleep 8 h", 20, 21, "", 1, pydub=False, quiet_s=27900),
        SessionSpec("sleep-24h", "sleep 24h", 20, 21, "", 1, pydub=False, quiet_s=84900),
    ]
    if options.no_pydub:
        for spec in sessions:
            spec.pydub = False
            spec.pydub_skip_reason = "skipped (--no-pydub)"
    if options.only == "speech":
        sessions = [s for s in sessions if not s.sleep]
    elif options.only == "sleep":
        sessions = [s for s in sessions if s.sleep]
    elif options.only:
        sessions = [s for s in sessions if s.key == options.only]
    if options.pydub_long:
        PYDUB_CAP["8h"] = options.pydub_long

    # Stopped from outside: still stop the running measurement and remove the folder.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = Path(tempfile.mkdtemp(prefix="guidecast-bench-"))
    started = f"{date.today().isoformat()} {time.strftime('%H:%M')}"
    only: tuple[str, ...] = ()  # every measurement
    if options.bed_only:
        only = ("cold", "bed", "floor-bed")
    elif options.play_only:
        only = ("cold", "play-cold", "play-warm")
    floors = tuple(m.removeprefix("floor-") for m in only if m.startswith("floor-"))
    bench = Bench(work, sys.executable, options.verbose, floors if only else FLOORS)
    try:
        for spec in sessions:
            spec.routine = work / f"bench-{spec.key}.yaml"
            title = f"Benchmark {spec.label}"
            spec.routine.write_text(
                sleep_yaml(title, spec.quiet_s)
                if spec.sleep
                else routine_yaml(title, spec.steps, spec.perform_s)
            )
        for spec in sessions:
            for round_ in range(spec.repeat):
                for m in bench.measurements():
                    if only and m.key not in only:
                        continue
                    if m.applies(spec) and round_ < m.rounds(spec):
                        t0 = time.perf_counter()
                        ran = m.run(spec, round_)
                        took = f"{time.perf_counter() - t0:.1f} s" if ran else "skipped"
                        print(f"  {spec.label} {m.key} run {round_ + 1}: {took}", file=sys.stderr)
        text = report(bench, sessions, started)
        print(text)
        if options.json:
            raw = {
                f"{s}/{k}": {
                    "walls": r.walls,
                    "timeds": r.timeds,
                    "rss_self_kb": r.rss_self_kb,
                    "rss_children_kb": r.rss_children_kb,
                    "extra": r.extra,
                    "note": r.note,
                }
                for (s, k), r in bench.results.items()
            }
            options.json.write_text(json.dumps(raw, indent=2) + "\n")
    finally:
        if options.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
