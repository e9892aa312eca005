"""Installed versions read from the import path's folder names agree with importlib.metadata,
and a build's main process asks for them without importing it (1.2 MB: email, csv, zipfile),
nor num2words' package (all its languages' converters, for the one a session speaks)."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

import pytest

from guidecast.core import installed

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "name", ["pyttsx3", "espeakng-loader", "espeakng_loader", "numpy", "PyYAML", "typer"]
)
def test_a_version_is_the_one_importlib_metadata_reads(name: str) -> None:
    assert installed._from_folder_name(name) == importlib.metadata.version(name)


def test_a_distribution_not_installed_has_no_version() -> None:
    assert installed._from_folder_name("no-such-distribution-here") is None
    assert installed.version("no-such-distribution-here") is None


def test_the_build_s_main_process_does_not_import_importlib_metadata(tmp_path: Path) -> None:
    routine = tmp_path / "r.yaml"
    routine.write_text(
        "guidecast: 1\ntitle: Tiny\ncues: {countdown: 3}\nsteps:\n"
        "  - id: a\n    title: A\n    say: Breathe in.\n    duration: 5s\n"
    )
    code = (
        "import sys\n"
        "from guidecast.cli import main\n"
        f"sys.argv = ['guidecast', 'build', {str(routine)!r}, '-o', {str(tmp_path / 'o')!r}]\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print(sorted(m for m in ('importlib.metadata', 'email', 'num2words') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "GUIDECAST_CACHE_DIR": str(tmp_path / "cache")},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
