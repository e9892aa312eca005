"""Every exit-2 message names its place: a line and column of the file that caused it, or the
option. Problems found after reading (a voice that does not exist, a session over 24 hours)
too. Through the real command line: the exact line, exit 2, no traceback, no file written.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.test_edges_input import HEAD, F, guidecast, refused, step

NEURAL = importlib.util.find_spec("hibari") is not None
LONG = "more than 24h, the most a session may last"
ESPEAK_NOPE = "voice 'nope' does not exist in espeak-ng (guidecast voices lists all)"
HIBARI_VOICES = "voices here: heart (en-US)"


def voice(*keys: str) -> str:
    return "voice: {" + ", ".join(keys) + "}\n"


VOICE_CASES = [
    pytest.param(HEAD + voice("id: nope"), (), f"{F}:3:13: {ESPEAK_NOPE}", id="espeak-id"),
    pytest.param(
        HEAD + "voice:\n  rate: 150\n  id: nope\n",
        (),
        f"{F}:5:7: {ESPEAK_NOPE}",
        id="espeak-id-block",
    ),
    pytest.param(
        HEAD + voice("engine: pyttsx3", "id: gmw/en-xx"),
        ("--engine", "pyttsx3"),
        f"{F}:3:30: voice 'gmw/en-xx' does not exist in espeak-ng; close matches: gmw/en, "
        "gmw/en-us, gmw/en-029 (guidecast voices lists all)",
        id="espeak-id-same-engine-option",
    ),
    pytest.param(
        HEAD + voice("id: gmw/en-us+f9"),
        (),
        f"{F}:3:13: voice 'gmw/en-us+f9': espeak-ng has no variant 'f9'; close matches: f5, "
        "f4, f3 (f1 to f5 are female, m1 to m7 male)",
        id="espeak-variant",
    ),
]
NEURAL_CASES = [
    pytest.param(
        HEAD + voice("engine: hibari", "id: nope"),
        (),
        f"{F}:3:29: voice 'nope' does not exist in the hibari engine; {HIBARI_VOICES} "
        "(guidecast voices lists all)",
        id="hibari-id",
    ),
    pytest.param(
        HEAD + "language: de\n" + voice("engine: hibari"),
        (),
        f"{F}:3:11: the hibari engine has no voice for language 'de': it speaks en-US only "
        f"({HIBARI_VOICES}); the default engine, pyttsx3 (espeak-ng), speaks it",
        id="hibari-language",
    ),
    pytest.param(
        HEAD + voice("engine: hibari").replace("}", ", rate: 140}") + "language: fr\n",
        (),
        f"{F}:4:11: the hibari engine has no voice for language 'fr': it speaks en-US only "
        f"({HIBARI_VOICES}); the default engine, pyttsx3 (espeak-ng), speaks it",
        id="hibari-language-after-voice",
    ),
    pytest.param(
        HEAD + "language: de\n",
        ("--engine", "hibari"),
        f"guidecast: --engine hibari: the hibari engine has no voice for language 'de': "
        f"it speaks en-US only ({HIBARI_VOICES}); the default engine, pyttsx3 (espeak-ng), "
        "speaks it",
        id="engine-option",
    ),
    pytest.param(
        HEAD + "language: es\n" + voice("id: roa/es"),
        ("--engine", "hibari"),  # the routine's id belongs to pyttsx3: not used
        f"guidecast: --engine hibari: the hibari engine has no voice for language 'es': "
        f"it speaks en-US only ({HIBARI_VOICES}); the default engine, pyttsx3 (espeak-ng), "
        "speaks it",
        id="engine-option-drops-the-id",
    ),
]


@pytest.mark.parametrize(
    ("text", "options", "line"),
    VOICE_CASES
    + [
        pytest.param(
            *case.values, id=case.id, marks=pytest.mark.skipif(not NEURAL, reason="neural")
        )
        for case in NEURAL_CASES
    ],
)
@pytest.mark.parametrize("command", ["validate", "preview", "build"])
def test_a_voice_that_does_not_exist_is_named_where_it_was_asked_for(
    tmp_path: Path, text: str, options: tuple[str, ...], line: str, command: str
) -> None:
    if command == "validate" and options:
        pytest.skip("validate takes no options")
    (tmp_path / F).write_text(text + "steps:\n" + step())
    args = [*options, "-o", "out"] if command == "build" else list(options)
    refused(guidecast(command, F, *args, cwd=tmp_path), line, tmp_path / "out")


def _steps(*items: str) -> str:
    return HEAD + "steps:\n" + "".join(items)


DAY_CASES = [
    pytest.param(
        _steps(step("s0", "13h"), step("s1", "13h")),
        (),
        f"{F}:4:5: this session would last 26h10s, {LONG}: shorten its steps "
        "(step 's0' takes 13h of it)",
        id="two-long-steps",
    ),
    pytest.param(
        _steps(step("s0", "1h"), step("s1", "24h")),
        (),
        f"{F}:5:5: this session would last 25h10s, {LONG}: shorten its steps "
        "(step 's1' takes 24h of it)",
        id="the-longest-step-is-named",
    ),
    pytest.param(
        _steps("  - rounds: 100\n    steps:\n" + "  " + step("r", "15m")),
        (),
        f"{F}:6:7: this session would last 25h7m19s, {LONG}: shorten its steps "
        "(step 'r' takes 25h of it)",
        id="rounds",
    ),
    pytest.param(
        _steps(step("s0", "13h", ", sides: [left, right]")),
        (),
        f"{F}:4:5: this session would last 26h13s, {LONG}: shorten its steps "
        "(step 's0' takes 26h of it)",
        id="sides",
    ),
    pytest.param(
        _steps(step("s0", "9h")),
        ("--pace", "3"),
        f"guidecast: --pace 3: this session would last 27h9s, {LONG}; use a lower --pace "
        "or a --length",
        id="pace-option",
    ),
    pytest.param(
        _steps(step("s0", "9h"), step("s1")),
        ("--set", "s1=20h"),
        f"guidecast: --set s1=20h: this session would last 29h10s, {LONG}; give that step a "
        "shorter time",
        id="set-option",
    ),
    pytest.param(
        _steps(step("s0", "9h")),
        ("--pacing", "pace.yaml"),
        f"pace.yaml:2:7: this session would last 27h9s, {LONG}; use a lower pace, or a length",
        id="pacing-file-pace",
    ),
    pytest.param(
        _steps(step("s0", "9h"), step("s1")),
        ("--pacing", "steps.yaml"),
        f"steps.yaml:2:9: this session would last 29h10s, {LONG}; give that step a shorter time",
        id="pacing-file-step",
    ),
]


@pytest.mark.parametrize(("text", "options", "line"), DAY_CASES)
def test_a_session_over_a_day_is_named_where_it_was_made_long(
    tmp_path: Path, text: str, options: tuple[str, ...], line: str
) -> None:
    (tmp_path / F).write_text(text)
    (tmp_path / "pace.yaml").write_text("chime: true\npace: 3\n")
    (tmp_path / "steps.yaml").write_text("chime: true\nsteps: {s1: 20h}\n")
    for command, args in (("preview", options), ("build", (*options, "-o", "out"))):
        refused(guidecast(command, F, *args, cwd=tmp_path), line, tmp_path / "out")
