"""A careless environment never makes an "internal error": a clip cache that cannot be written
only costs speed, a bad environment variable is one line naming it, a reader that goes away
stops the command quietly; and titles in any script get file names of their own.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from guidecast.cli import app
from tests.test_edges_input import F, guidecast, refused
from tests.test_faults import mounted_tmpfs

ROUTINE = (
    "guidecast: 1\ntitle: {title}\nsteps:\n  - {{id: a, title: A, say: {say}, duration: 2s}}\n"
)
CACHE_WARNING = (
    "warning: cannot write the speech cache {path}: {reason}; going on without it "
    "(speech not cached is made again next time)\n"
)


def _full_disk(work: Path, stack: contextlib.ExitStack) -> tuple[Path, str]:
    disk = work / "disk"
    stack.enter_context(mounted_tmpfs(disk, "size=64k"))
    (disk / "cache" / "ab").mkdir(parents=True)  # the folders are there: the clips do not fit
    with open(disk / "fill", "wb", buffering=0) as fill, contextlib.suppress(OSError):
        while True:  # every last block
            fill.write(b"\0" * 4096)
    return disk / "cache", "No space left on device"


def _read_only(work: Path, stack: contextlib.ExitStack) -> tuple[Path, str]:
    disk = work / "disk"
    stack.enter_context(mounted_tmpfs(disk, "size=64k,ro"))
    return disk / "cache", "Read-only file system"


def _file_in_the_way(work: Path, stack: contextlib.ExitStack) -> tuple[Path, str]:
    (work / "a-file").write_text("not a folder")
    return work / "a-file" / "cache", "Not a directory"


def _cache_is_a_file(work: Path, stack: contextlib.ExitStack) -> tuple[Path, str]:
    (work / "cache").write_text("not a folder")
    return work / "cache", "Not a directory"


Fault = Callable[[Path, contextlib.ExitStack], tuple[Path, str]]


@pytest.mark.parametrize(
    "make", [_full_disk, _read_only, _file_in_the_way, _cache_is_a_file], ids=lambda f: f.__name__
)
@pytest.mark.parametrize("command", ["build", "preview"])
def test_a_cache_that_cannot_be_written_only_costs_speed(
    tmp_path: Path, make: Fault, command: str
) -> None:
    # Words no other test speaks: the speech is made, and the cache cannot take it.
    (tmp_path / F).write_text(ROUTINE.format(title="Cache Test", say=f"Unwritten {command}."))
    args = ["-o", "out"] if command == "build" else []
    with contextlib.ExitStack() as stack:
        cache, reason = make(tmp_path, stack)
        result = guidecast(command, F, *args, cwd=tmp_path, GUIDECAST_CACHE_DIR=str(cache))
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr == CACHE_WARNING.format(path=cache, reason=reason)  # once
    assert result.returncode == 0
    if command == "build":
        assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
            "cache-test.json",
            "cache-test.mp3",
            "cache-test.png",
        ]


BAD_TIMEOUT = (
    "guidecast: GUIDECAST_SPEECH_TIMEOUT must be a number of seconds more than 0 and at most "
    "86400 (such as 30), got {!r}\n"
)


@pytest.mark.parametrize("value", ["abc", "0", "-5", "nan", "inf", "1e999", "30s", "86401", "½"])
@pytest.mark.parametrize(
    "args",
    [
        ("validate", F),
        ("build", F, "-o", "out"),
        ("preview", F, "--pace", "1.5"),
        ("list",),
        ("voices", "--engine", "pyttsx3"),
    ],
    ids=lambda args: args[0],
)
def test_a_bad_environment_variable_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, args: tuple[str, ...]
) -> None:
    (tmp_path / F).write_text(ROUTINE.format(title="T", say="Go."))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, list(args), env={"GUIDECAST_SPEECH_TIMEOUT": value})
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert (result.stdout, result.stderr) == ("", BAD_TIMEOUT.format(value))
    assert result.exit_code == 2
    assert not (tmp_path / "out").exists()


def test_a_bad_environment_variable_from_a_shell(tmp_path: Path) -> None:
    (tmp_path / F).write_text(ROUTINE.format(title="T", say="Go."))
    result = guidecast("build", F, "-o", "out", cwd=tmp_path, GUIDECAST_SPEECH_TIMEOUT="abc")
    refused(result, BAD_TIMEOUT.format("abc").rstrip("\n"), tmp_path / "out")


@pytest.mark.parametrize("value", ["", " ", "45", " 2.5 ", "86400"])
def test_good_environment_values_are_taken(tmp_path: Path, value: str) -> None:
    (tmp_path / F).write_text(ROUTINE.format(title="T", say="Go."))
    result = guidecast("validate", F, cwd=tmp_path, GUIDECAST_SPEECH_TIMEOUT=value)
    assert (result.returncode, result.stderr) == (0, "")


@pytest.mark.parametrize(
    "args",
    [
        ("list",),
        ("preview", "lactation-massage"),
        ("voices", "--engine", "pyttsx3"),
        ("schema",),
        ("validate", "baby-back-massage"),
        ("cache", "info"),
    ],
    ids=" ".join,
)
def test_a_reader_that_goes_away_stops_the_command_quietly(args: tuple[str, ...]) -> None:
    """`guidecast list | head -1`: the pipe closes before guidecast writes; it stops as a
    tool stopped by SIGPIPE does, with nothing on stderr."""
    process = subprocess.Popen(
        [sys.executable, "-m", "guidecast", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the first line
    stderr = process.stderr.read()
    assert process.wait(timeout=300) == 141
    assert stderr == ""


def test_a_reader_that_goes_away_through_a_shell() -> None:
    if shutil.which("head") is None:
        pytest.skip("no head")
    result = subprocess.run(
        f"'{sys.executable}' -m guidecast voices --engine pyttsx3 | head -1",
        shell=True,  # a pipeline, as a user types it
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert len(result.stdout.splitlines()) == 1


def test_a_broken_pipe_that_is_not_standard_output_is_still_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import guidecast.routine.library as library

    def broken() -> list[str]:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(library, "shipped_names", broken)
    result = CliRunner().invoke(app, ["list"])
    assert result.stderr == (
        "guidecast: internal error: BrokenPipeError: [Errno 32] Broken pipe "
        "(run with --verbose for details)\n"
    )
    assert result.exit_code == 1


TITLES = [
    "Массаж груди",
    "Массаж спины",
    "تدليك الثدي",
    "マッサージ",
    "授乳のあとに",
    "Μασάζ στήθους",
    "妈妈",
    "麻麻",
    "★☆",
    "✿",
    "Feeding \U0001f469\u200d\U0001f37c",
]


def test_titles_in_any_script_get_file_names_of_their_own(tmp_path: Path) -> None:
    folder = tmp_path / "routines"
    folder.mkdir()
    for number, title in enumerate(TITLES):
        text = ROUTINE.format(title=f'"{title}"', say="Go.")
        (folder / f"r{number:02d}.yaml").write_text(text, encoding="utf-8")
    result = guidecast("build-all", "routines", "-o", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    manifests = sorted((tmp_path / "out").glob("*.json"))
    titles = {json.loads(path.read_text(encoding="utf-8"))["title"] for path in manifests}
    assert titles == set(TITLES)  # none overwrote another
    assert len(list((tmp_path / "out").glob("*.mp3"))) == len(TITLES)
    for path in manifests:
        assert path.stem.isascii() and path.stem != "routine", path.stem
    assert any(path.stem.startswith("massazh-grudi-") for path in manifests)
