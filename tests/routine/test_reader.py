"""Loader details that are not about one bad file's message."""

from __future__ import annotations

import pytest

from guidecast.core.errors import RoutineError
from guidecast.routine.reader import parse_routine

BASE = (
    "guidecast: {version}\ntitle: T\n{extra}"
    "steps:\n  - {{id: a, title: A, say: Go., duration: 5s{step}}}\n"
)


def routine(version: str = "1", extra: str = "", step: str = "") -> str:
    return BASE.format(version=version, extra=extra, step=step)


def test_a_routine_cannot_choose_a_module_to_import() -> None:
    with pytest.raises(RoutineError) as caught:
        parse_routine(routine(extra="voice: {engine: 'os:system'}\n"), "r.yaml")
    assert str(caught.value) == (
        "r.yaml:3:17: unknown speech engine 'os:system'; expected one of: pyttsx3, hibari, piper"
    )


@pytest.mark.parametrize("engine", ["pyttsx3", "hibari", "piper"])
def test_every_named_engine_is_accepted(engine: str) -> None:
    loaded = parse_routine(routine(extra=f"voice: {{engine: {engine}, rate: 150}}\n"), "r.yaml")
    assert loaded.voice.engine == engine


def test_a_misspelt_engine_gets_a_suggestion() -> None:
    with pytest.raises(RoutineError) as caught:
        parse_routine(routine(extra="voice: {engine: hibary}\n"), "r.yaml")
    assert "unknown speech engine 'hibary' (did you mean 'hibari'?)" in str(caught.value)


def test_a_step_without_a_pause_has_none() -> None:
    step = parse_routine(routine(), "r.yaml").all_steps()[0]
    assert (step.pause, step.side_pause) == (0.0, 0.0)


@pytest.mark.parametrize("version", ["0x2", "0b10", "010"])
def test_odd_version_numbers_are_errors_not_crashes(version: str) -> None:
    with pytest.raises(RoutineError, match=r"r\.yaml:1:12: "):
        parse_routine(routine(version=version), "r.yaml")


def test_version_option() -> None:
    import subprocess
    import sys

    from guidecast import __version__

    result = subprocess.run(
        [sys.executable, "-m", "guidecast", "--version"], capture_output=True, text=True
    )
    assert (result.returncode, result.stdout) == (0, f"guidecast {__version__}\n")


def test_dates_and_other_yaml_1_1_oddities_are_text_as_written() -> None:
    # YAML 1.1 reads these as a date, a "value" and a merge key: they were "unsupported tag"s.
    loaded = parse_routine(
        routine(extra="version: 2024-05-01\nsource: =\ndescription: <<\n"), "r.yaml"
    )
    assert (loaded.version, loaded.source, loaded.description) == ("2024-05-01", "=", "<<")


def test_a_tag_written_out_is_still_refused() -> None:
    with pytest.raises(RoutineError) as caught:
        parse_routine(routine(extra="version: !!timestamp 2024-05-01\n"), "r.yaml")
    assert str(caught.value) == (
        "r.yaml:3:10: unsupported tag 'tag:yaml.org,2002:timestamp': use plain values"
    )
