"""Faults a build must survive: one clear line, an exit code, and nothing lost.

Every test starts with a good earlier build in the output folder (the same routine title, so the
same file names). Whatever goes wrong, those files must still be there byte for byte, and no
temporary file may be left behind. Faults are made for real where a test can (a full tmpfs, a
read-only mount, signals to a real `guidecast build`), and injected where it cannot.
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from guidecast.cli import app
from guidecast.core.errors import OutputError
from guidecast.output import files as output_module
from guidecast.output.files import AtomicOutputs
from guidecast.routine.model import VoiceSettings
from guidecast.speech.cache import ClipCache
from guidecast.speech.voice import Voice

MP3, JSON, PNG = "fault-test.mp3", "fault-test.json", "fault-test.png"
ENOSPC = os.strerror(errno.ENOSPC)  # "No space left on device"
_real_open = io.open


def routine(duration: str = "5s", steps: int = 1) -> str:
    """A routine titled "Fault Test" (so its files are fault-test.*) of `steps` steps."""
    text = "guidecast: 1\ntitle: Fault Test\nsteps:\n"
    for i in range(steps):
        text += f"  - id: s{i}\n    title: Step {i}\n    say: Step {i}, go.\n"
        text += f"    duration: {duration}\n"
    return text


def guidecast_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "guidecast", *args]


def run(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The real CLI in a subprocess, as a user runs it."""
    return subprocess.run(
        guidecast_cmd(*args),
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def earlier_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The files of a good build of the short routine: what every test must keep intact."""
    folder = tmp_path_factory.mktemp("earlier")
    (folder / "routine.yaml").write_text(routine())
    result = run("build", "routine.yaml", "-o", "out", cwd=folder)
    assert result.returncode == 0, result.stderr
    files = {p.name: p.read_bytes() for p in (folder / "out").iterdir()}
    assert sorted(files) == [JSON, MP3, PNG]
    return files


@pytest.fixture
def work(tmp_path: Path, earlier_build: dict[str, bytes]) -> Path:
    """A working folder with routine.yaml and out/ holding the earlier good build."""
    (tmp_path / "routine.yaml").write_text(routine())
    put_earlier(tmp_path / "out", earlier_build)
    return tmp_path


def put_earlier(out: Path, earlier: dict[str, bytes]) -> None:
    out.mkdir(exist_ok=True)
    for name, data in earlier.items():
        (out / name).write_bytes(data)


def assert_untouched(out: Path, earlier: dict[str, bytes]) -> None:
    """The earlier build is there, byte for byte, and nothing else (no temporary files)."""
    assert sorted(p.name for p in out.iterdir()) == sorted(earlier)
    for name, data in earlier.items():
        assert (out / name).read_bytes() == data, name


def cli(work: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    """The CLI in this process (so faults can be injected), run from `work`."""
    monkeypatch.chdir(work)
    return CliRunner().invoke(app, list(args))


def assert_one_line(result: Any, message: str, code: int) -> None:
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr == message + "\n"
    assert result.exit_code == code


# --- the speech engine cannot load ----------------------------------------------------------

BLOCK_ESPEAK = """\
import ctypes, sys

class _Block:
    def find_spec(self, name, path=None, target=None):
        if name == "espeakng_loader":
            raise ImportError("espeakng_loader is not installed")

sys.meta_path.insert(0, _Block())
_load = ctypes.CDLL.__init__

def _no_espeak(self, name, *args, **kwargs):
    if name and "espeak" in str(name):
        raise OSError(f"{name}: cannot open shared object file: No such file or directory")
    _load(self, name, *args, **kwargs)

ctypes.CDLL.__init__ = _no_espeak
"""
BLOCK_PYTTSX3 = """\
import sys

class _Block:
    def find_spec(self, name, path=None, target=None):
        if name == "pyttsx3":
            raise ImportError("No module named 'pyttsx3'")

sys.meta_path.insert(0, _Block())
"""


@pytest.mark.parametrize(
    ("blocker", "message"),
    [
        pytest.param(
            BLOCK_ESPEAK,
            "guidecast: espeak-ng is missing: reinstall guidecast (pip install guidecast) so the "
            "espeakng-loader wheel is present, or install the espeak-ng system package",
            id="espeak-ng-library-cannot-load",
        ),
        pytest.param(
            BLOCK_PYTTSX3,
            "guidecast: cannot start the pyttsx3 speech engine: No module named 'pyttsx3'; "
            "reinstall guidecast",
            id="pyttsx3-cannot-import",
        ),
    ],
)
def test_missing_speech_engine(
    work: Path, earlier_build: dict[str, bytes], blocker: str, message: str
) -> None:
    # The block is a sitecustomize module, so the speech workers (new processes) get it too.
    site = work / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(blocker)
    result = run(
        "build",
        "routine.yaml",
        "-o",
        "out",
        cwd=work,
        PYTHONPATH=str(site),
        GUIDECAST_CACHE_DIR=str(work / "empty-cache"),  # nothing cached: speech is needed
    )
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr == message + "\n"
    assert result.returncode == 1
    assert_untouched(work / "out", earlier_build)


def test_speech_engine_not_installed_at_all(
    work: Path, earlier_build: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    # No pyttsx3 package (not even its metadata): found before any clip, cached or not.
    import importlib.metadata

    real_version = importlib.metadata.version

    def version(name: str) -> str:
        if name == "pyttsx3":
            raise importlib.metadata.PackageNotFoundError(name)
        return real_version(name)

    monkeypatch.setattr(importlib.metadata, "version", version)
    result = cli(work, monkeypatch, "build", "routine.yaml", "-o", "out")
    assert_one_line(
        result,
        "guidecast: cannot start the pyttsx3 speech engine: pyttsx3 is not installed; "
        "reinstall guidecast",
        1,
    )
    assert_untouched(work / "out", earlier_build)


# --- the encoder fails ----------------------------------------------------------------------


def test_encoder_fails_mid_stream(
    work: Path, earlier_build: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    import lameenc

    real = lameenc.Encoder

    class FailingEncoder:
        """The real encoder, until its third chunk: some MP3 is already on disk by then."""

        def __init__(self) -> None:
            self._real = real()
            self._chunks = 0

        def __getattr__(self, name: str) -> Any:
            return getattr(self._real, name)

        def encode(self, pcm: bytes) -> bytes:
            self._chunks += 1
            if self._chunks == 3:
                raise RuntimeError("lame_encode_buffer returned -1")
            return self._real.encode(pcm)

    monkeypatch.setattr(lameenc, "Encoder", FailingEncoder)
    result = cli(work, monkeypatch, "build", "routine.yaml", "-o", "out")
    assert_one_line(
        result, "guidecast: the MP3 encoder (lameenc) failed: lame_encode_buffer returned -1", 1
    )
    assert_untouched(work / "out", earlier_build)


def test_encoder_cannot_load(
    work: Path, earlier_build: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "lameenc", None)  # import lameenc raises ImportError
    result = cli(work, monkeypatch, "build", "routine.yaml", "-o", "out")
    assert_one_line(
        result, "guidecast: the MP3 encoder (lameenc) cannot be loaded: reinstall guidecast", 1
    )
    assert_untouched(work / "out", earlier_build)


# --- the disk fills up ----------------------------------------------------------------------


@contextlib.contextmanager
def mounted_tmpfs(folder: Path, options: str) -> Iterator[None]:
    """A real tmpfs at `folder`; skips the test where mounting is not allowed."""
    if sys.platform != "linux" or os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root on Linux (the injected faults cover the rest)")
    folder.mkdir(exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield
    finally:
        if subprocess.run(["umount", str(folder)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def test_disk_full_on_a_real_tmpfs(work: Path, earlier_build: dict[str, bytes]) -> None:
    out = work / "out"
    shutil.rmtree(out)
    with mounted_tmpfs(out, "size=256k,mode=755"):
        put_earlier(out, earlier_build)  # about 110 KB of the 256 KB
        (work / "routine.yaml").write_text(routine("1m"))  # an MP3 of about 500 KB
        result = run("build", "routine.yaml", "-o", "out", cwd=work)
        assert "Traceback" not in result.stdout + result.stderr
        assert result.stderr == f"guidecast: cannot write out/{MP3}: {ENOSPC}\n"
        assert result.returncode == 1
        assert_untouched(out, earlier_build)


class DiskFull:
    """Files written in `folder` share `free` bytes; the write holding the next byte fails.

    Installed over `open` (builtins and io, so pathlib and mutagen use it too). With `free`
    None it only records each file opened for writing and how many bytes came before it.
    """

    def __init__(self, folder: Path, free: int | None = None) -> None:
        self.folder = folder.resolve()
        self.free = free
        self.written = 0
        self.opened: list[tuple[str, int]] = []  # (file name, bytes written before it)

    def open(self, file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        handle = _real_open(file, mode, *args, **kwargs)
        if isinstance(file, int) or not set(mode) & set("wax+"):
            return handle
        if Path(os.fsdecode(file)).resolve().parent != self.folder:
            return handle
        self.opened.append((Path(os.fsdecode(file)).name, self.written))
        return _Counted(handle, self)


class _Counted:
    def __init__(self, handle: Any, disk: DiskFull) -> None:
        self._handle = handle
        self._disk = disk

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)

    def __enter__(self) -> _Counted:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.__exit__(*exc)

    def write(self, data: Any) -> int:
        size = len(data.encode()) if isinstance(data, str) else memoryview(data).nbytes
        disk = self._disk
        if disk.free is not None and disk.written + size > disk.free:
            room = disk.free - disk.written
            if room > 0 and not isinstance(data, str):
                self._handle.write(bytes(memoryview(data).cast("B")[:room]))
                disk.written += room
            raise OSError(errno.ENOSPC, ENOSPC)
        disk.written += size
        return self._handle.write(data)


def install(disk: DiskFull, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(builtins, "open", disk.open)
    monkeypatch.setattr(io, "open", disk.open)


@pytest.mark.parametrize(
    ("stage", "blamed"),
    [
        ("first byte of the MP3", MP3),
        ("middle of the MP3", MP3),
        ("tagging the MP3", MP3),
        ("first byte of the cover", PNG),
        ("first byte of the manifest", JSON),
        ("last byte of the manifest", JSON),
    ],
)
def test_disk_full_at_each_stage(
    work: Path,
    earlier_build: dict[str, bytes],
    monkeypatch: pytest.MonkeyPatch,
    stage: str,
    blamed: str,
) -> None:
    # A first build with room to spare finds where each stage's bytes start.
    (work / "routine.yaml").write_text(routine("6s"))  # other audio than the earlier build
    scout = DiskFull(work / "scout")
    install(scout, monkeypatch)
    assert cli(work, monkeypatch, "build", "routine.yaml", "-o", "scout").exit_code == 0
    # the encoder, the tagged MP3 (the tag, then the audio after it), the cover, the manifest
    mp3, tagging, cover, manifest = scout.opened
    assert mp3[0].startswith(f".{MP3}.") and tagging[0].startswith(f"{mp3[0]}.")
    assert cover[0].startswith(f".{PNG}.")
    assert manifest[0].startswith(f".{JSON}.")
    free = {
        "first byte of the MP3": 0,
        "middle of the MP3": tagging[1] // 2,
        "tagging the MP3": tagging[1],
        "first byte of the cover": cover[1],
        "first byte of the manifest": manifest[1],
        "last byte of the manifest": scout.written - 1,
    }[stage]

    install(DiskFull(work / "out", free), monkeypatch)
    result = cli(work, monkeypatch, "build", "routine.yaml", "-o", "out")
    assert_one_line(result, f"guidecast: cannot write out/{blamed}: {ENOSPC}", 1)
    assert_untouched(work / "out", earlier_build)


# --- the output folder cannot be written -------------------------------------------------------


def test_a_file_in_the_way_of_the_output_folder(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (work / "sessions").write_text("my notes")
    result = cli(work, monkeypatch, "build", "routine.yaml", "-o", "sessions")
    assert_one_line(
        result,
        "guidecast: cannot use sessions as the output folder: a file of that name is in the way",
        1,
    )
    assert (work / "sessions").read_text() == "my notes"


def test_a_file_in_the_way_of_a_parent_folder(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (work / "sessions").write_text("my notes")
    result = cli(work, monkeypatch, "build", "routine.yaml", "-o", "sessions/today")
    assert_one_line(
        result,
        f"guidecast: cannot create the output folder sessions/today: {os.strerror(errno.ENOTDIR)}",
        1,
    )
    assert (work / "sessions").read_text() == "my notes"


@pytest.mark.parametrize("name", [MP3, JSON])
def test_a_folder_in_the_way_of_an_output_file(
    work: Path, earlier_build: dict[str, bytes], monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    out = work / "out"
    (out / name).unlink()
    (out / name).mkdir()
    result = cli(work, monkeypatch, "build", "routine.yaml", "-o", "out")
    assert_one_line(
        result, f"guidecast: cannot write out/{name}: a folder of that name is in the way", 1
    )
    other = JSON if name == MP3 else MP3
    assert sorted(p.name for p in out.iterdir()) == sorted([name, other, PNG])
    assert (out / other).read_bytes() == earlier_build[other]  # the pair was not half replaced
    assert list((out / name).iterdir()) == []


def test_a_read_only_output_folder(work: Path, earlier_build: dict[str, bytes]) -> None:
    out = work / "out"
    if os.geteuid() == 0:  # root writes through permissions: only a read-only mount stops it
        shutil.rmtree(out)
        context: contextlib.AbstractContextManager[None] = mounted_tmpfs(out, "size=1m")
        reason = os.strerror(errno.EROFS)
    else:
        context = contextlib.nullcontext()
        reason = os.strerror(errno.EACCES)
    with context:
        if os.geteuid() == 0:
            put_earlier(out, earlier_build)
            subprocess.run(["mount", "-o", "remount,ro", str(out)], check=True)
        else:
            out.chmod(0o555)
        try:
            result = run("build", "routine.yaml", "-o", "out", cwd=work)
            assert "Traceback" not in result.stdout + result.stderr
            assert result.stderr == f"guidecast: cannot write to the output folder out: {reason}\n"
            assert result.returncode == 1
            assert_untouched(out, earlier_build)
        finally:
            if os.geteuid() != 0:
                out.chmod(0o755)


# --- a commit is all or nothing ---------------------------------------------------------------


def staged(folder: Path, content: str) -> AtomicOutputs:
    """An AtomicOutputs with both files written (not yet committed), each holding `content`."""
    outputs = AtomicOutputs(folder).__enter__()
    for name in (MP3, JSON):
        outputs.temp_for(name).write_text(f"{content} {name}")
    return outputs


def test_a_failed_rename_puts_back_the_files_already_renamed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    put_earlier(out, {MP3: b"old mp3", JSON: b"old json"})
    real_replace = os.replace

    def replace(src: Any, dst: Any) -> None:
        if Path(dst).name == JSON:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real_replace(src, dst)

    outputs = staged(out, "new")
    monkeypatch.setattr(output_module.os, "replace", replace)
    with pytest.raises(OutputError) as caught:
        outputs.__exit__(None, None, None)
    assert str(caught.value) == f"cannot write {out / JSON}: {os.strerror(errno.EIO)}"
    assert_untouched(out, {MP3: b"old mp3", JSON: b"old json"})


def test_two_commits_never_interleave(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Build B commits while build A is between its two renames: B must wait for A."""
    out = tmp_path / "out"
    first = staged(out, "A")
    second = staged(out, "B")
    real_replace = os.replace
    others: list[threading.Thread] = []

    def replace(src: Any, dst: Any) -> None:
        real_replace(src, dst)
        if threading.current_thread() is threading.main_thread() and not others:
            others.append(threading.Thread(target=second.__exit__, args=(None, None, None)))
            others[0].start()
            others[0].join(timeout=1)  # without a lock, B's commit ends within this

    monkeypatch.setattr(output_module.os, "replace", replace)
    first.__exit__(None, None, None)
    others[0].join(timeout=60)
    assert not others[0].is_alive()
    assert sorted(p.name for p in out.iterdir()) == [JSON, MP3]
    assert {(out / n).read_text() for n in (MP3, JSON)} == {f"B {MP3}", f"B {JSON}"}


def test_two_builds_at_once_leave_a_matching_pair(
    work: Path, earlier_build: dict[str, bytes]
) -> None:
    # Each build on its own first, for the pair of files it makes.
    paces = ("1", "2.5")
    expected = []
    for pace in paces:
        alone = run("build", "routine.yaml", "-o", f"alone-{pace}", "--pace", pace, cwd=work)
        assert alone.returncode == 0, alone.stderr
        expected.append({n: (work / f"alone-{pace}" / n).read_bytes() for n in (MP3, JSON)})
    assert expected[0] != expected[1]
    builds = [
        subprocess.Popen(
            guidecast_cmd("build", "routine.yaml", "-o", "out", "--pace", pace),
            cwd=work,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for pace in paces
    ]
    for build in builds:
        _, stderr = build.communicate(timeout=300)
        assert build.returncode == 0, stderr
    final = {n: (work / "out" / n).read_bytes() for n in (MP3, JSON)}
    assert final in expected  # both from one build, never a mix
    assert sorted(p.name for p in (work / "out").iterdir()) == [JSON, MP3, PNG]
    assert json.loads(final[JSON])["audio"] == MP3


# --- the clip cache is damaged ------------------------------------------------------------


@pytest.mark.parametrize(
    "damage",
    ["flipped-byte", "truncated", "empty", "garbage", "folder"],
)
def test_a_damaged_cache_entry_is_spoken_again(tmp_path: Path, damage: str) -> None:
    cache = ClipCache(tmp_path / "cache")
    voice = Voice(VoiceSettings(engine="tests.fault_engine:FaultyEngine"), "en", 22050, cache)
    try:
        first = voice.clips([("Hello.", "a")])["Hello."]
        (entry,) = (tmp_path / "cache").glob("*/*.clip")
        data = entry.read_bytes()
        if damage == "flipped-byte":
            entry.write_bytes(data[:60] + bytes([data[60] ^ 1]) + data[61:])
        elif damage == "truncated":
            entry.write_bytes(data[: len(data) // 2])
        elif damage == "empty":
            entry.write_bytes(b"")
        elif damage == "garbage":
            entry.write_bytes(os.urandom(len(data)))
        else:
            entry.unlink()
            entry.mkdir()
        assert voice.clips([("Hello.", "a")])["Hello."] == first
        assert voice.synthesized == 2  # made again, not taken from the damaged entry
    finally:
        voice.close()


# --- interrupted by a signal ----------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    """Running: not gone and not a zombie (a dead child its new parent has not reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _cmdline(pid: int) -> str:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    return ""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
@pytest.mark.parametrize(
    ("signum", "to_group", "when"),
    [
        pytest.param(signal.SIGINT, True, "writing", id="ctrl-c-in-a-terminal"),
        pytest.param(signal.SIGINT, True, "speaking", id="ctrl-c-while-speaking"),
        pytest.param(signal.SIGINT, False, "writing", id="sigint-to-guidecast"),
        pytest.param(signal.SIGTERM, False, "writing", id="sigterm"),
        pytest.param(signal.SIGTERM, True, "writing", id="sigterm-to-group"),
    ],
)
def test_a_signal_mid_build_stops_cleanly(
    work: Path, earlier_build: dict[str, bytes], signum: int, to_group: bool, when: str
) -> None:
    # Writing: a long session, so encoding goes on long after the signal. Speaking: many lines,
    # and the signal as soon as a speech worker exists (it may land just after the speech).
    text = routine("3h") if when == "writing" else routine("30m", steps=40)
    (work / "routine.yaml").write_text(text)
    out = work / "out"

    def sigint_as_usual() -> None:  # a shell may start jobs with SIGINT ignored
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    build = subprocess.Popen(
        guidecast_cmd("build", "routine.yaml", "-o", "out"),
        cwd=work,
        env={**os.environ, "GUIDECAST_CACHE_DIR": str(work / "cache")},  # nothing cached
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal gives a command
        preexec_fn=sigint_as_usual,
    )
    children: set[int] = set()  # every process guidecast started: speech workers and helpers
    try:
        while True:
            assert build.poll() is None, build.communicate()
            children.update(_children(build.pid))
            workers = [pid for pid in children if "multiprocessing.spawn" in _cmdline(pid)]
            writing = bool(list(out.glob(".*.part")))
            if workers and (writing or when == "speaking"):
                # A worker in Python's own start-up, before it can ignore SIGINT, can die of a
                # group Ctrl-C with a "Fatal Python error" line (a ~0.1 s window per worker):
                # give the workers that long to boot; the build is still speaking after it.
                time.sleep(0.3)
                break
            time.sleep(0.01)
        if to_group:
            os.killpg(build.pid, signum)
        else:
            os.kill(build.pid, signum)
        stdout, stderr = build.communicate(timeout=60)
    finally:
        if build.poll() is None:
            os.killpg(build.pid, signal.SIGKILL)
            build.wait()
    assert "Traceback" not in stdout + stderr
    message = "interrupted" if signum == signal.SIGINT else "stopped by SIGTERM"
    assert stderr == f"guidecast: {message}; nothing was written\n"
    assert build.returncode == 128 + signum  # 130 and 143, as shells report them
    assert_untouched(out, earlier_build)
    assert list((work / "cache").glob("*/.tmp-*")) == []  # no half-stored speech clip either
    for _ in range(500):  # they may take a moment to notice guidecast has gone
        if not any(_alive(pid) for pid in children):
            break
        time.sleep(0.02)
    assert [_cmdline(pid) for pid in children if _alive(pid)] == []


# --- --verbose ------------------------------------------------------------------------------


def test_problems_are_one_line_each_without_verbose_and_traced_with_it(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (work / "routine.yaml").write_text("guidecast: 1\ntitle: 'T\nsteps: []\n")
    problem = "routine.yaml:2:8: a quoted string is never closed: add the closing quote\n"
    plain = cli(work, monkeypatch, "validate", "routine.yaml")
    assert (plain.exit_code, plain.stderr) == (2, problem)
    verbose = cli(work, monkeypatch, "--verbose", "validate", "routine.yaml")
    assert verbose.exit_code == 2
    assert verbose.stderr.startswith("Traceback (most recent call last):")
    assert "yaml.scanner.ScannerError: while scanning a quoted scalar" in verbose.stderr
    assert "guidecast.core.errors.RoutineError" in verbose.stderr
    assert verbose.stderr.endswith("\n" + problem)


def test_verbose_shows_the_os_error_behind_a_write_failure(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install(DiskFull(work / "out", free=1000), monkeypatch)
    message = f"guidecast: cannot write out/{MP3}: {ENOSPC}\n"
    plain = cli(work, monkeypatch, "build", "routine.yaml", "-o", "out")
    assert (plain.exit_code, plain.stderr) == (1, message)
    verbose = cli(work, monkeypatch, "-v", "build", "routine.yaml", "-o", "out")
    assert verbose.exit_code == 1
    assert f"OSError: [Errno {errno.ENOSPC}] {ENOSPC}" in verbose.stderr
    assert "guidecast.core.errors.OutputError" in verbose.stderr
    assert verbose.stderr.endswith("\n" + message)


def test_a_bug_is_one_line_without_verbose_and_a_traceback_with_it(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("timeline went backwards")

    monkeypatch.setattr("guidecast.build.build_timeline", broken)
    plain = cli(work, monkeypatch, "validate", "routine.yaml")
    assert_one_line(
        plain,
        "guidecast: internal error: ValueError: timeline went backwards "
        "(run with --verbose for details)",
        1,
    )
    verbose = cli(work, monkeypatch, "--verbose", "validate", "routine.yaml")
    assert verbose.exit_code == 1
    assert "Traceback (most recent call last):" in verbose.stderr
    assert 'in broken\n    raise ValueError("timeline went backwards")' in verbose.stderr
    assert verbose.stderr.splitlines()[-1].startswith("guidecast: internal error: ValueError")
