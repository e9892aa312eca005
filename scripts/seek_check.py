"""Where do decoders land when they seek in a built MP3? (A measurement, not a test.)

    .venv/bin/python scripts/seek_check.py SESSION.mp3 [--manifest SESSION.json] [--at SECONDS]...

For each time asked for (by default: just before a cue deep in the longest silence, and just
before a cue in hour seven, or at 30% and 90% of a shorter session), each decoder seeks there
and the sound that comes out is compared with the manifest: the onsets of sound heard after
the seek are matched against the cues' starts, and the shift that matches them best is the
decoder's seek error (positive: it plays later material than the time it reports).

Decoders: ffmpeg `-ss` (each binary found: /usr/bin/ffmpeg and the imageio-ffmpeg wheel's),
miniaudio (`stream_file(seek_frame=...)`, dr_mp3), and Chromium's `<audio>` (Debian's chromium
through Playwright: `currentTime` set, then played in real time into a Web Audio recorder; its
output latency is taken out by measuring a constant-bitrate copy of the same file the same way,
when one is given with --reference).
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import functools
import http.server
import io
import itertools
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np

FRAME_S = 0.01  # onsets are found on 10 ms frames
LOUD = 300  # RMS of a frame with sound in it (espeak speech is in the thousands)
QUIET_BEFORE = 0.25  # seconds of quiet before an onset
WINDOW_S = 30.0  # seconds decoded after each seek (ffmpeg, miniaudio)
BROWSER_S = 8.0  # seconds played after each seek in the browser (real time)
CHROMIUM = "/usr/bin/chromium"


def onsets(samples: np.ndarray, rate: int) -> list[float]:
    """Seconds into `samples` where sound starts after a quiet stretch."""
    n = int(FRAME_S * rate)
    frames = samples[: len(samples) // n * n].astype(np.float64).reshape(-1, n)
    loud = np.sqrt((frames**2).mean(axis=1)) > LOUD
    need = int(QUIET_BEFORE / FRAME_S)
    found, quiet = [], need  # the start of the window counts as quiet
    for i, flag in enumerate(loud):
        if flag and quiet >= need:
            found.append(i * FRAME_S)
        quiet = 0 if flag else quiet + 1
    return found


def seek_error(heard: list[float], at: float, cue_starts: list[float]) -> float | None:
    """The shift (seconds) that best lines up the onsets heard after seeking to `at` with the
    cues' starts; None if nothing was heard."""
    if not heard:
        return None
    heard = [h for h in heard if h > 2 * FRAME_S]  # not sound the seek landed inside
    if not heard:
        return None
    expected = [s - at for s in cue_starts if at - 600 <= s <= at + 600]
    best: tuple[int, float] | None = None
    for candidate, first in ((e, h) for e in expected for h in heard[:3]):
        shift = candidate - first  # heard + shift = where it really is, minus `at`
        score = sum(any(abs(h + shift - e) < 0.06 for e in expected) for h in heard)
        if best is None or (score, -abs(shift)) > (best[0], -abs(best[1])):
            best = (score, shift)
    assert best is not None
    return round(best[1], 3)


def ffmpeg_window(exe: str, path: Path, at: float, rate: int, fast: bool = False) -> np.ndarray:
    """`fast`: with FFmpeg's fast seek, as Chromium opens every file (media/filters/
    ffmpeg_glue.cc), so the MP3 demuxer seeks a Xing file by its table; the command line
    then drops what comes before the time, as Chromium does."""
    out = subprocess.run(
        [
            exe,
            "-v",
            "error",
            *(["-fflags", "fastseek"] if fast else []),
            "-ss",
            f"{at:.3f}",
            "-i",
            str(path),
            "-t",
            str(WINDOW_S),
            "-f",
            "s16le",
            "-ac",
            "1",
            "-ar",
            str(rate),
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(out, dtype="<i2")


def miniaudio_window(path: Path, at: float, rate: int) -> np.ndarray:
    import miniaudio

    chunks, wanted = [], int(WINDOW_S * rate)
    stream = miniaudio.stream_file(
        str(path),
        output_format=miniaudio.SampleFormat.SIGNED16,
        nchannels=1,
        sample_rate=rate,
        frames_to_read=rate,
        seek_frame=round(at * rate),
    )
    for chunk in stream:
        chunks.append(np.frombuffer(chunk, dtype="<i2"))
        if sum(map(len, chunks)) >= wanted:
            break
    return np.concatenate(chunks)[:wanted]


PAGE = """<!doctype html><meta charset=utf-8><audio id=audio preload=auto src="%s"></audio>
<script>
const audio = document.getElementById('audio');
window.record = [];
window.startRecording = async () => {
  const context = new AudioContext();
  const source = context.createMediaElementSource(audio);
  const node = context.createScriptProcessor(1024, 1, 1);
  node.onaudioprocess = (e) => {
    const data = e.inputBuffer.getChannelData(0);
    let sum = 0;
    for (let i = 0; i < data.length; i++) sum += data[i] * data[i];
    window.record.push([audio.currentTime, Math.sqrt(sum / data.length) * 32768, data.length,
                        context.sampleRate]);
  };
  source.connect(node);
  node.connect(context.destination);
  await context.resume();
};
</script>"""


class _RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Files with byte ranges: Chromium seeks in a long MP3 by asking for a range."""

    def send_head(self):  # type: ignore[no-untyped-def]
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        path = Path(self.translate_path(self.path))
        if not match or not path.is_file():
            return super().send_head()
        size = path.stat().st_size
        start = int(match[1])
        end = min(int(match[2]) if match[2] else size - 1, size - 1)
        file = open(path, "rb")  # noqa: SIM115 - closed by the handler after copying
        file.seek(start)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        return _Limited(file, end - start + 1)

    def end_headers(self) -> None:
        self.send_header("Accept-Ranges", "bytes")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass

    def handle(self) -> None:
        with contextlib.suppress(ConnectionError):  # Chromium drops ranges it no longer wants
            super().handle()


class _Limited(io.RawIOBase):
    def __init__(self, file: io.BufferedReader, left: int) -> None:
        self._file, self._left = file, left

    def read(self, size: int = -1) -> bytes:
        size = self._left if size < 0 else min(size, self._left)
        data = self._file.read(size)
        self._left -= len(data)
        return data

    def close(self) -> None:
        self._file.close()
        super().close()


def chromium_onsets(path: Path, times: list[float]) -> dict[float, list[float]]:
    """For each time: the onsets heard after seeking there, in the element's own time
    (`currentTime` when the recorder saw them, minus the time sought).

    The page and the MP3 come from a server on 127.0.0.1 (Web Audio hears only zeros from a
    file:// page: the audio counts as another origin)."""
    from playwright.sync_api import sync_playwright

    found: dict[float, list[float]] = {}
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        os.symlink(path.resolve(), Path(folder) / "audio.mp3")
        (Path(folder) / "seek.html").write_text(PAGE % "audio.mp3", encoding="utf-8")
        handler = functools.partial(_RangeHandler, directory=folder)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"],
        )
        try:
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/seek.html")
            page.wait_for_function("document.getElementById('audio').readyState >= 1")
            page.evaluate("window.startRecording()")
            for at in times:
                page.evaluate(
                    "(t) => new Promise((done) => { audio.pause(); window.record = [];"
                    " audio.addEventListener('seeked', done, {once: true});"
                    " audio.currentTime = t; })",
                    at,
                )
                page.evaluate("window.record = []; audio.play()")
                page.wait_for_timeout(int(BROWSER_S * 1000))
                record = page.evaluate("window.record")
                page.evaluate("audio.pause()")
                heard, quiet = [], 0.0
                for current, rms, length, rate in record:
                    if current <= at + 1e-6:
                        continue  # not yet playing
                    if rms > LOUD and quiet >= QUIET_BEFORE:
                        heard.append(current - at)
                    quiet = 0.0 if rms > LOUD else quiet + length / rate
                found[at] = heard
        finally:
            browser.close()
            server.shutdown()
            server.server_close()
    return found


def toc_landing(path: Path, times: list[float]) -> dict[float, float]:
    """What a demuxer that seeks by the Xing table (FFmpeg's mp3 demuxer with fast seeking,
    as Chromium runs it) plays at each time: it takes the table's entry at or before the
    time, syncs to the frame there, and counts frames on from the entry's nominal time.
    The seek error of each time, in seconds, worked out from the file's own frames."""
    from guidecast.output.mp3frames import frame_size

    data = path.read_bytes()
    start = 0
    if data[:3] == b"ID3":
        start = 10 + (data[6] << 21 | data[7] << 14 | data[8] << 7 | data[9])
    header = struct.unpack_from(">I", data, start)[0]
    version = (header >> 19) & 3  # 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
    rate = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}[version][
        (header >> 10) & 3
    ]
    side, spf = (17, 1152) if version == 3 else (9, 576)
    tag = data[start + 4 + side : start + 4 + side + 116]
    if tag[:4] != b"Xing":
        return dict.fromkeys(times, 0.0)  # "Info": constant bitrate, seeks by proportion
    frames, size = struct.unpack_from(">II", tag, 8)
    toc = tag[16:116]
    first = start + frame_size(header)
    starts, position = [], first
    while position + 4 <= len(data):
        word = struct.unpack_from(">I", data, position)[0]
        if word >> 21 != 0x7FF:
            break
        starts.append(position)
        position += frame_size(word)
    duration = frames * spf / rate
    errors = {}
    for at in times:
        entry = min(99, int(at / duration * 100))
        # av_rescale rounds to nearest; the demuxer then takes the frame at or before the byte
        landed = bisect.bisect_right(starts, first + (toc[entry] * size + 128) // 256) - 1
        errors[at] = round(landed * spf / rate - entry * duration / 100, 3)
    return errors


def default_times(manifest: dict) -> list[float]:
    """Just before a cue: the one ending the longest silence, and one in hour seven (or at
    30% and 90% of a shorter session)."""
    cues = manifest["cues"]
    gaps = [(b["start_s"] - a["end_s"], b["start_s"]) for a, b in itertools.pairwise(cues)]
    times = [max(gaps)[1] - 2.0] if gaps else []
    duration = manifest["duration_s"]
    spots = [7 * 3600 + 600] if duration > 7.5 * 3600 else [0.3 * duration, 0.9 * duration]
    for spot in spots:
        later = [c["start_s"] for c in cues if c["start_s"] >= spot]
        if later:
            times.append(later[0] - 1.0)
    return [round(t, 3) for t in times if t > 0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mp3", type=Path)
    parser.add_argument("--manifest", type=Path, help="default: the MP3's name with .json")
    parser.add_argument("--at", type=float, action="append", help="seconds to seek to")
    parser.add_argument(
        "--reference", type=Path, help="a CBR build of the same session (Chromium's latency)"
    )
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the results here")
    options = parser.parse_args()
    manifest = json.loads((options.manifest or options.mp3.with_suffix(".json")).read_text())
    rate = manifest["sample_rate"]
    starts = [c["start_s"] for c in manifest["cues"]]
    times = options.at or default_times(manifest)
    results: dict[str, dict[float, float | None]] = {}
    exes = [("ffmpeg " + _version(e), e) for e in _ffmpegs()]
    for name, exe in exes:
        results[name] = {
            t: seek_error(onsets(ffmpeg_window(exe, options.mp3, t, rate), rate), t, starts)
            for t in times
        }
    for name, exe in exes[:1]:
        results[name.replace("ffmpeg", "ffmpeg fastseek")] = {
            t: seek_error(
                onsets(ffmpeg_window(exe, options.mp3, t, rate, fast=True), rate), t, starts
            )
            for t in times
        }
    results["miniaudio"] = {
        t: seek_error(onsets(miniaudio_window(options.mp3, t, rate), rate), t, starts)
        for t in times
    }
    if not options.no_browser and os.access(CHROMIUM, os.X_OK):
        heard = chromium_onsets(options.mp3, times)
        latency = 0.0
        if options.reference:
            # The recorder sees sound a little after the element's clock: measure that lag
            # on a file every decoder seeks exactly (CBR), the same way.
            ref = chromium_onsets(options.reference, times)
            lags = [seek_error(ref[t], t, starts) for t in times]
            known = [lag for lag in lags if lag is not None]
            latency = float(np.median(known)) if known else 0.0
            results["chromium (CBR reference)"] = dict(zip(times, lags, strict=True))
        results["chromium"] = {
            t: None if (e := seek_error(heard[t], t, starts)) is None else round(e - latency, 3)
            for t in times
        }
    results["Xing table lookup (worked out)"] = toc_landing(options.mp3, times)
    print(f"{options.mp3.name}: seek error in seconds (+: plays later material than reported)")
    print(f"{'decoder':<32}" + "".join(f"{_clock(t):>14}" for t in times))
    for name, row in results.items():
        cells = "".join(f"{'-' if v is None else f'{v:+.3f}':>14}" for v in row.values())
        print(f"{name:<32}{cells}")
    if options.json:
        options.json.write_text(
            json.dumps({k: {str(t): v for t, v in row.items()} for k, row in results.items()})
        )
    return 0


def _ffmpegs() -> list[str]:
    found = [exe for exe in [shutil.which("ffmpeg")] if exe]
    try:
        import imageio_ffmpeg

        found.append(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError):
        pass
    return list(dict.fromkeys(found))


def _version(exe: str) -> str:
    out = subprocess.run([exe, "-version"], capture_output=True, text=True).stdout
    return out.split()[2] if out.count(" ") > 2 else "?"


def _clock(seconds: float) -> str:
    h, rest = divmod(seconds, 3600)
    return f"{int(h)}:{int(rest // 60):02d}:{rest % 60:06.3f}"


if __name__ == "__main__":
    sys.exit(main())
