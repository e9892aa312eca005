"""Every promise of the routine format holds at its edges, through the real command line.

Documented limits are accepted (2,000 steps are built, not only validated); values the docs
forbid are refused; every exit-2 message names its place (file:line:column, or the option);
text in any script is text. Each refusal: the exact line, exit 2, no traceback, no file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.listening import SPEECH_RMS, decode_mp3

F = "routine.yaml"
HEAD = "guidecast: 1\ntitle: T\n"
DURATION = "a duration such as 45, 45s, 1m30s, 2 min or 1.5m"


def guidecast(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The real CLI, run from `cwd` with the test run's clip cache (speech made once)."""
    return subprocess.run(
        [sys.executable, "-m", "guidecast", *args],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=600,
    )


def refused(result: subprocess.CompletedProcess[str], line: str, out: Path | None = None) -> None:
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr == line + "\n"
    assert (result.stdout, result.returncode) == ("", 2)
    if out is not None:
        assert not out.exists() or list(out.iterdir()) == []


def step(step_id: str = "a", duration: str = "5s", extra: str = "") -> str:
    return f"  - {{id: {step_id}, title: A, say: Go., duration: {duration}{extra}}}\n"


# --- documented limits are accepted -----------------------------------------------------------


def test_a_routine_of_2000_steps_builds(tmp_path: Path) -> None:
    """The most steps the docs allow, each as short as allowed: built, and heard whole."""
    text = HEAD + "chime: false\nsteps:\n" + "".join(step(f"s{i}", "1s") for i in range(2000))
    (tmp_path / F).write_text(text)
    result = guidecast("build", F, "-o", "out", "--no-cover", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("  2000 steps\n")
    manifest = json.loads((tmp_path / "out" / "t.json").read_text())
    assert [s["id"] for s in manifest["steps"]] == [f"s{i}" for i in range(2000)]
    heard = decode_mp3(tmp_path / "out" / "t.mp3", 22050)
    assert len(heard.samples) == manifest["samples"]  # the whole session, to the sample
    last = [c for c in manifest["cues"] if c["step"] == "s1999" and c["kind"] == "instruction"]
    assert heard.rms(last[0]["start_s"], last[0]["end_s"]) > SPEECH_RMS  # the last step is said
    (tmp_path / F).write_text(text + step("s2000", "1s"))
    refused(
        guidecast("validate", F, cwd=tmp_path),
        f"{F}:5:3: 2001 steps; a routine may have at most 2000",
    )


REALISTIC_STEP = """\
  - id: s{i}
    title: Step {i}
    say: [Place your hands on the spot., Keep your shoulders soft.]
    duration: 20-40s
    pause: 2s
    sides: {{names: [left, right], pause: 1s}}
    cues: {{countdown: 3, halfway: true, time_left: [10s]}}
"""
SHARED = "x-cues: &c {countdown: 3, keep_going: {every: 10s, say: [Slow., Soft., Breathe.]}}\n"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            HEAD + "steps:\n" + "".join(REALISTIC_STEP.format(i=i) for i in range(1100)),
            id="1100-steps-with-sides-and-cues",
        ),
        pytest.param(
            HEAD
            + "steps:\n"
            + "".join(REALISTIC_STEP.format(i=i).replace("20-40s", "5-9s") for i in range(2000)),
            id="2000-steps-with-sides-and-cues",
        ),
        pytest.param(
            HEAD.replace("T\n", "T\ncues: *c\n")
            + "steps:\n"
            + "".join(step(f"s{i}", "10s", ", cues: *c, sides: *lr") for i in range(1, 2000)),
            id="2000-steps-sharing-values-through-aliases",
        ),
    ],
)
def test_large_routines_within_the_limits_are_read(tmp_path: Path, text: str) -> None:
    if "*c" in text:  # the anchors come first
        text = text.replace("steps:\n", "steps:\n" + step("s0", "10s", ", sides: &lr [l, r]"), 1)
        text = SHARED.replace("x-cues: ", "cues: ") + text.replace("cues: *c\n", "", 1)
    (tmp_path / F).write_text(text)
    result = guidecast("validate", F, cwd=tmp_path)
    assert "Traceback" not in result.stderr
    assert result.returncode == 0, result.stderr[:500]
    assert result.stdout.startswith("ok  ")


# --- text in any script is text; what is not text is named truly ------------------------------

ZWJ, ZWNJ = "\u200d", "\u200c"
TEXTS = [
    "Feeding \U0001f469\u200d\U0001f37c",  # woman feeding a baby
    "\U0001f468\u200d\U0001f469\u200d\U0001f467 family time",
    "\U0001f3f3\ufe0f\u200d\U0001f308 pride",  # rainbow flag (with a variation selector)
    "\U0001f469\U0001f3fd\u200d\U0001f37c",  # with a skin tone
    "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f England",
    "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian: "I want", with ZWNJ
    "\u0915\u094d\u200d\u0937",  # Devanagari half form with ZWJ
    "\u0dc1\u0dca\u200d\u0dbb\u0dd3",  # Sinhala "shri" with ZWJ
]


@pytest.mark.parametrize("text", TEXTS, ids=range(len(TEXTS)))
def test_joiners_inside_words_and_emoji_are_text(tmp_path: Path, text: str) -> None:
    (tmp_path / F).write_text(
        f'guidecast: 1\ntitle: "{text}"\nsteps:\n  - {{id: a, title: "{text}", say: "Go. {text}",'
        " duration: 5s}\n",
        encoding="utf-8",
    )
    result = guidecast("validate", F, cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")


STRAY = "that joins no letters or emoji"


@pytest.mark.parametrize(
    ("title", "message"),
    [
        (f"{ZWJ}Massage", f"the format character U+200D {STRAY}"),
        (f"Massage{ZWJ}", f"the format character U+200D {STRAY}"),
        (f"Breast {ZWJ} massage", f"the format character U+200D {STRAY}"),
        (f"a{ZWJ}{ZWJ}b", f"the format character U+200D {STRAY}"),
        (f"1{ZWJ}2", f"the format character U+200D {STRAY}"),
        (f"{ZWNJ} x", f"the format character U+200C {STRAY}"),
        ("zero\\u200bwidth", "the format character U+200B"),
        ("word\\u2060joiner", "the format character U+2060"),
        ("soft\\u00adhyphen", "the format character U+00AD"),
        ("right\\u202eto left", "the format character U+202E"),
        ("mark\\ufeffinside", "the format character U+FEFF"),
        ("\\U000e0067 stray tag", "the format character U+E0067"),
        ("\\U0001f3f4\\U000e0067 unended flag", "the format character U+E0067"),
        ("bell\\a", "the control character U+0007"),
        ("esc\\e", "the control character U+001B"),
        ("half \\ud83d pair", "the surrogate U+D83D"),
        ("own \\ue000 glyph", "the private-use character U+E000"),
    ],
)
def test_characters_that_are_not_text_are_named_by_their_class(
    tmp_path: Path, title: str, message: str
) -> None:
    (tmp_path / F).write_text(f'guidecast: 1\ntitle: "{title}"\nsteps:\n{step()}')
    result = guidecast("build", F, "-o", "out", cwd=tmp_path)
    refused(result, f"{F}:2:8: title contains {message}; remove it", tmp_path / "out")


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (
            b"title: \x01",
            f"{F}:1:8: the control character U+0001 is not allowed in YAML; remove it",
        ),
        (
            b"title: \xc2\x85\xc2\x9f",
            f"{F}:1:9: the control character U+009F is not allowed in YAML; remove it",
        ),
        (
            "title: \uffff".encode(),
            f"{F}:1:8: the noncharacter U+FFFF is not allowed in YAML; remove it",
        ),
    ],
)
def test_characters_yaml_refuses_are_named_by_their_class(
    tmp_path: Path, data: bytes, line: str
) -> None:
    (tmp_path / F).write_bytes(data)
    refused(guidecast("validate", F, cwd=tmp_path), line)


UTF = "text: expected UTF-8; save the file as UTF-8"


@pytest.mark.parametrize(
    ("data", "line"),
    [
        ("guidecast: 1\n".encode("utf-32"), f"{F}:1:1: file is UTF-32 {UTF}"),
        ("guidecast: 1\n".encode("utf-32-le"), f"{F}:1:1: file is UTF-32 {UTF}"),
        ("guidecast: 1\n".encode("utf-32-be"), f"{F}:1:1: file is UTF-32 {UTF}"),
        (b"\0\0\xfe\xff" + "# x\n".encode("utf-32-be"), f"{F}:1:1: file is UTF-32 {UTF}"),
        ("guidecast: 1\n".encode("utf-16"), f"{F}:1:1: file is UTF-16 {UTF}"),
        ("guidecast: 1\n".encode("utf-16-le"), f"{F}:1:1: file is UTF-16 {UTF}"),
        ("guidecast: 1\n".encode("utf-16-be"), f"{F}:1:1: file is UTF-16 {UTF}"),
        (
            b"\x7fELF\x02\x01\x01\x00",
            f"{F}:1:8: binary data (a NUL byte): expected a YAML text file",
        ),
    ],
)
def test_files_in_other_encodings_are_named(tmp_path: Path, data: bytes, line: str) -> None:
    (tmp_path / F).write_bytes(data)
    refused(guidecast("validate", F, cwd=tmp_path), line)


# --- values the docs forbid are refused, never read as another value -------------------------

ZERO = "a duration must be more than zero"
DECIMAL = "write the number in decimal digits, such as 30 or 30s"


def clock(text: str, *ways: str) -> str:
    """The message for a clock time written as a duration."""
    how = {
        2: "{} (minutes and seconds) or {} (hours and minutes)",
        1: "{} (hours, minutes and seconds)",
    }
    return f"{text!r} is not {DURATION}: write " + how[len(ways)].format(*ways)


def whole(what: str, low: int, high: int, text: str) -> str:
    return f"{what} must be a whole number from {low} to {high} in decimal digits, got {text!r}"


@pytest.mark.parametrize(
    ("lines", "problem"),
    [
        (["pause: 0"], f"8:12: step 'a' pause: {ZERO}"),
        (["pause: 0.0"], f"8:12: step 'a' pause: {ZERO}"),
        (["pause: 0s"], f"8:12: step 'a' pause: {ZERO}"),
        (["pause: 0 min"], f"8:12: step 'a' pause: {ZERO}"),
        (['pause: "0"'], f"8:12: step 'a' pause: {ZERO}"),
        (["sides: {names: [l, r], pause: 0}"], f"8:35: step 'a' sides pause: {ZERO}"),
        (["sides:", "  names: [l, r]", "  pause: 0"], f"10:14: step 'a' sides pause: {ZERO}"),
        (["pause: 1:30"], "8:12: step 'a' pause: " + clock("1:30", "1m30s", "1h30m")),
        (["pause: 0:45"], "8:12: step 'a' pause: " + clock("0:45", "45s", "45m")),
        (["pause: 1:00:30"], "8:12: step 'a' pause: " + clock("1:00:30", "1h30s")),
        (['pause: "2:30"'], "8:12: step 'a' pause: " + clock("2:30", "2m30s", "2h30m")),
        (["pause: 0x1e"], f"8:12: step 'a' pause: '0x1e' is not {DURATION}: {DECIMAL}"),
        (["pause: 0o17"], f"8:12: step 'a' pause: '0o17' is not {DURATION}: {DECIMAL}"),
        (["pause: 0b11"], f"8:12: step 'a' pause: '0b11' is not {DURATION}: {DECIMAL}"),
        (
            ["pause: 1_000"],
            f"8:12: step 'a' pause: '1_000' is not {DURATION}: "
            "write the number without '_', such as 1000",
        ),
        (
            ["pause: 1_0.5"],
            f"8:12: step 'a' pause: '1_0.5' is not {DURATION}: "
            "write the number without '_', such as 10.5",
        ),
        (
            ["cues: {time_left: [1:00]}"],
            "8:24: step 'a' cues: time_left: " + clock("1:00", "1m", "1h"),
        ),
        (["count: {to: 0x10, every: 1}"], "8:17: " + whole("step 'a' count to", 1, 200, "0x10")),
        (["count: {to: 1_0, every: 1}"], "8:17: " + whole("step 'a' count to", 1, 200, "1_0")),
        (
            ["cues: {countdown: 0b11}"],
            "8:23: " + whole("step 'a' cues: countdown", 0, 10, "0b11"),
        ),
        (
            ["ticks: 1:00"],
            "8:12: step 'a' ticks (per minute) must be a number from 5 to 240 in decimal "
            "digits, got '1:00'",
        ),
    ],
)
def test_forbidden_values_are_refused(tmp_path: Path, lines: list[str], problem: str) -> None:
    text = HEAD + "steps:\n  - id: a\n    title: A\n    say: Go.\n    duration: 5s\n"
    (tmp_path / F).write_text(text + "".join(f"    {line}\n" for line in lines))
    refused(guidecast("build", F, "-o", "out", cwd=tmp_path), f"{F}:{problem}", tmp_path / "out")


RATE = "voice rate (words per minute)"


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ("voice: {rate: 0xa0}", "3:15: " + whole(RATE, 80, 400, "0xa0")),
        ("voice: {rate: 2:40}", "3:15: " + whole(RATE, 80, 400, "2:40")),
        (
            "voice: {volume: 0x1}",
            "3:17: voice volume must be a number from 0.05 to 1 in decimal digits, got '0x1'",
        ),
    ],
)
def test_yaml_1_1_numbers_are_refused_everywhere(tmp_path: Path, extra: str, problem: str) -> None:
    (tmp_path / F).write_text(HEAD + extra + "\nsteps:\n" + step())
    refused(guidecast("validate", F, cwd=tmp_path), f"{F}:{problem}")


def test_numbers_with_leading_zeros_are_decimal_as_written(tmp_path: Path) -> None:
    """YAML 1.1 reads 010 as octal 8; as written it is ten, as YAML 1.2 and people read it."""
    text = HEAD + "steps:\n" + step(duration="010", extra=", pause: 08") + step("b")
    (tmp_path / F).write_text(text)
    result = guidecast("preview", F, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    # 10 s to perform, then a pause of 8 s, after 0.3 s before performing: 18.3 s, shown
    # rounded up as every length is (core/durations.py)
    assert "(silence 19s)" in result.stdout
