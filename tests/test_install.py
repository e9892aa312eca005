"""guidecast needs no system espeak-ng and no ffmpeg: everything comes from pip packages."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def bare_env() -> dict[str, str]:
    """An environment whose PATH holds only the virtualenv: no system espeak-ng or ffmpeg."""
    env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "ESPEAK_DATA_PATH")}
    env["PATH"] = str(BIN)
    return env


def test_no_espeak_or_ffmpeg_on_the_bare_path() -> None:
    for tool in ("espeak-ng", "espeak", "ffmpeg", "ffprobe"):
        assert shutil.which(tool, path=str(BIN)) is None


def test_espeak_comes_from_the_wheel() -> None:
    code = (
        "from guidecast.speech.engines.espeak import load_espeak_library; "
        "print(load_espeak_library())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=bare_env(), timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "espeakng-loader"


def test_build_with_nothing_but_the_virtualenv(tmp_path: Path) -> None:
    routine = tmp_path / "r.yaml"
    routine.write_text(
        "guidecast: 1\ntitle: Bare\nsteps:\n  - {id: a, title: A, say: Breathe in., duration: 2s}\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "guidecast", "build", str(routine), "-o", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=bare_env(),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "bare.mp3").stat().st_size > 10_000
