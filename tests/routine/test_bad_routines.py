"""Bad routine files, through the real command line: exact messages, exit 2, nothing written.

Each case is one kind of broken file and every line `guidecast validate` must print for it,
`file:line:column: message`, all problems of the file at once. The file is always written as
`routine.yaml` in a fresh folder that is also the working directory, so messages name it so.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from guidecast.routine.library import shipped_names

F = "routine.yaml"
MISSING = object()  # the file is not created
FOLDER = object()  # a folder of that name instead of a file


def y(text: str) -> str:
    """YAML written indented in this file, as it would sit in a routine file."""
    return textwrap.dedent(text).lstrip("\n")


STEP = """\
  - id: a
    title: A
    say: Go.
    duration: 5s
"""
HEAD = "guidecast: 1\ntitle: T\n"
GOOD = HEAD + "steps:\n" + STEP  # a valid routine, for cases that break one thing


def one_step(*lines: str) -> str:
    """A routine whose one step has `lines` (indented 4) after its duration, line 8 onwards."""
    return GOOD + "".join(f"    {line}\n" for line in lines)


def say_is(value: str) -> str:
    """A routine whose one step says `value` (written as is, on line 6)."""
    return HEAD + f"steps:\n  - id: a\n    title: A\n    say: {value}\n    duration: 5s\n"


def duration_is(value: str) -> str:
    """A routine whose one step lasts `value` (written as is, on line 7, column 15)."""
    return HEAD + f"steps:\n  - id: a\n    title: A\n    say: Go.\n    duration: {value}\n"


BILLION_LAUGHS = y(
    """
    guidecast: 1
    title: Laughs
    a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
    b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
    c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
    d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
    e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
    f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
    steps: [*f, *f, *f, *f, *f, *f, *f, *f, *f]
    """
)
STEP_BOMB = (  # valid steps reused through aliases: 300 x 100 steps
    HEAD
    + "steps:\n  - &s {id: a, title: A, say: Go., duration: 1s}\n"
    + "  - &r {rounds: 2, steps: ["
    + ", ".join(["*s"] * 100)
    + "]}\n"
    + "  - *r\n" * 300
)
TOP_KEYS = (
    "guidecast, title, description, language, source, version, voice, intro, safety, outro, "
    "chime, cues, phrases, background, steps"
)
STEP_KEYS = "id, title, say, duration, pause, sides, cues, count, ticks, background"
CUE_KEYS = "countdown, halfway, time_left, keep_going, next_up"
TOP_MAPPING = "the routine must be a mapping of keys (guidecast, title, description, language, ...)"
DURATION = "a duration such as 45, 45s, 1m30s, 2 min or 1.5m"
BOMB = (
    "aliases (*name) add more than 100,000 values to this routine; "
    "write the values out, or repeat fewer of them"
)

CASES = [
    # --- not a readable text file -----------------------------------------------------------
    pytest.param(MISSING, [f"{F}:1:1: no such file"], id="file-does-not-exist"),
    pytest.param(FOLDER, [f"{F}:1:1: is a folder, expected a routine file"], id="folder"),
    pytest.param(
        "",
        [f"{F}:1:1: file is empty: expected a routine with 'guidecast: 1', 'title' and 'steps'"],
        id="empty-file",
    ),
    pytest.param(
        "\n   \n\n",
        [f"{F}:1:1: file is empty: expected a routine with 'guidecast: 1', 'title' and 'steps'"],
        id="blank-lines-only",
    ),
    pytest.param(
        "# my routine\n# todo: write it\n",
        [f"{F}:1:1: file is empty: expected a routine with 'guidecast: 1', 'title' and 'steps'"],
        id="comments-only",
    ),
    pytest.param(
        b"guidecast: 1\ntitle: Caf\xe9 massage\n",
        [f"{F}:2:11: byte 0xe9 is not UTF-8 text; save the file as UTF-8"],
        id="latin-1-not-utf-8",
    ),
    pytest.param(
        "guidecast: 1\ntitle: T\n".encode("utf-16"),
        [f"{F}:1:1: file is UTF-16 text: expected UTF-8; save the file as UTF-8"],
        id="utf-16",
    ),
    pytest.param(
        b"guidecast: 1\nti\x00\x01\x02\xff",
        [f"{F}:2:3: binary data (a NUL byte): expected a YAML text file"],
        id="binary-nul-bytes",
    ),
    pytest.param(
        b"# padding\n" * 110_000,
        [f"{F}:1:1: file is 1,100,000 bytes; a routine file must be at most 1,048,576 bytes"],
        id="larger-than-1-mib",
    ),
    # --- not valid YAML ---------------------------------------------------------------------
    pytest.param(
        HEAD + "steps:\n\t- id: a\n",
        [f"{F}:4:1: a tab character: YAML allows only spaces here; replace the tab with spaces"],
        id="tab-indentation",
    ),
    pytest.param(
        "guidecast: 1\ntitle:\tT\n",
        [f"{F}:2:7: a tab character: YAML allows only spaces here; replace the tab with spaces"],
        id="tab-after-colon",
    ),
    pytest.param(
        HEAD + "steps:\n- id: a\n  title: A\n say: Go.\n",
        [f"{F}:6:2: bad indentation: keys of one mapping must line up in the same column"],
        id="key-indented-less",
    ),
    pytest.param(
        HEAD + "steps:\n  - id: a\n    title: A\n      say: Go.\n",
        [
            f"{F}:6:10: a ':' inside a value: line this key up with the keys above it, "
            "or put text that contains ': ' in quotes"
        ],
        id="key-indented-more",
    ),
    pytest.param(
        HEAD + "steps:\n  - id: a\n    title: Step: one\n",
        [
            f"{F}:5:16: a ':' inside a value: line this key up with the keys above it, "
            "or put text that contains ': ' in quotes"
        ],
        id="unquoted-colon-in-text",
    ),
    pytest.param(
        HEAD + 'steps:\n  - id: a\n    title: A\n    say: "Go.\n    duration: 5s\n',
        [f"{F}:6:10: a quoted string is never closed: add the closing quote"],
        id="unclosed-double-quote",
    ),
    pytest.param(
        "guidecast: 1\ntitle: 'T\nsteps: []\n",
        [f"{F}:2:8: a quoted string is never closed: add the closing quote"],
        id="unclosed-single-quote",
    ),
    pytest.param(
        one_step("sides: [left, right", "pause: 1s"),
        [f"{F}:8:12: this '[' is never closed: expected items separated by ',' and a closing ']'"],
        id="unclosed-bracket",
    ),
    pytest.param(
        GOOD + "---\n" + GOOD,
        [f"{F}:8:1: a second YAML document (after '---'): expected one routine per file"],
        id="two-documents",
    ),
    pytest.param(
        "guidecast: 1\ntitle: *name\n",
        [f"{F}:2:8: found undefined alias 'name'"],
        id="undefined-alias",
    ),
    pytest.param(BILLION_LAUGHS, [f"{F}:8:8: {BOMB}"], id="alias-bomb-billion-laughs"),
    pytest.param(STEP_BOMB, [f"{F}:115:5: {BOMB}"], id="alias-bomb-of-valid-steps"),
    pytest.param(
        HEAD + "steps: &s\n  - *s\n",
        [f"{F}:4:5: this value contains itself through an alias (*name); expected plain values"],
        id="alias-cycle",
    ),
    pytest.param(
        HEAD + "steps: " + "[" * 60 + "]" * 60 + "\n",
        [
            f"{F}:3:57: lists and mappings nested more than 50 levels deep; "
            "a routine needs fewer than ten"
        ],
        id="nested-too-deep",
    ),
    pytest.param(
        HEAD + "steps: " + "[" * 5000 + "]" * 5000 + "\n",
        [
            f"{F}:3:57: lists and mappings nested more than 50 levels deep; "
            "a routine needs fewer than ten"
        ],
        id="nested-deeper-than-python-recursion",
    ),
    pytest.param(
        "guidecast: 1\ntitle: !!python/object/apply:os.system [echo hacked]\n" + "steps:\n" + STEP,
        [
            f"{F}:2:8: unsupported tag 'tag:yaml.org,2002:python/object/apply:os.system': "
            "use plain values"
        ],
        id="python-object-tag",
    ),
    pytest.param(  # found by the fuzzer: was "not valid YAML: ... position 0" on two lines, at 1:1
        b"guidecast: 1\ntitle: Morning\x1f massage\n",
        [f"{F}:2:15: the control character U+001F is not allowed in YAML; remove it"],
        id="raw-control-character",
    ),
    pytest.param(
        "guidecast: 1\ntitle: 'Morning \ufffe'\n".encode(),
        [f"{F}:2:17: the noncharacter U+FFFE is not allowed in YAML; remove it"],
        id="raw-noncharacter",
    ),
    pytest.param(
        GOOD.replace("title: T", "title: !secret T").replace("say: Go.", "say: !!binary R28u"),
        [
            f"{F}:2:8: unsupported tag '!secret': use plain values",
            f"{F}:6:10: unsupported tag 'tag:yaml.org,2002:binary': use plain values",
        ],
        id="other-tags",
    ),
    # --- the wrong shape --------------------------------------------------------------------
    pytest.param(
        "- guidecast: 1\n- title: T\n", [f"{F}:1:1: {TOP_MAPPING}, got a list"], id="top-is-list"
    ),
    pytest.param(
        "Rub gently for five minutes, then rest. " * 3 + "\n",
        [f"{F}:1:1: {TOP_MAPPING}, got 'Rub gently for five minutes, then rest. ...'"],
        id="top-is-plain-text",
    ),
    pytest.param(
        "guidecast: 1\ndescription: no title, no steps\n",
        [
            f"{F}:1:1: the routine is missing the required key 'title'",
            f"{F}:1:1: the routine is missing the required key 'steps'",
        ],
        id="missing-title-and-steps",
    ),
    pytest.param(
        "guidecast: 1\nsteps:\n" + STEP,
        [f"{F}:1:1: the routine is missing the required key 'title'"],
        id="missing-title",
    ),
    pytest.param(
        HEAD, [f"{F}:1:1: the routine is missing the required key 'steps'"], id="missing-steps"
    ),
    pytest.param(
        GOOD.replace("guidecast: 1\n", ""),
        [f"{F}:1:1: the routine is missing the required key 'guidecast'"],
        id="missing-guidecast-key",
    ),
    pytest.param(
        HEAD + "steps: []\n",
        [f"{F}:3:8: steps is an empty list: expected at least one step"],
        id="empty-steps",
    ),
    pytest.param(
        HEAD + "steps: rub, then rest\n",
        [f"{F}:3:8: steps must be a list, got 'rub, then rest'"],
        id="steps-not-a-list",
    ),
    pytest.param(
        HEAD + "steps:\n  - Rub gently.\n",
        [
            f"{F}:4:5: a step must be a mapping of keys (id, title, say, duration, ...), "
            "got 'Rub gently.'"
        ],
        id="step-not-a-mapping",
    ),
    pytest.param(
        HEAD + "steps:\n  - id: a\n    title: A\n",
        [
            f"{F}:4:5: a step is missing the required key 'say'",
            f"{F}:4:5: a step is missing the required key 'duration'",
        ],
        id="step-missing-keys",
    ),
    # --- keys -------------------------------------------------------------------------------
    pytest.param(
        GOOD + "descripton: typo\n",
        [
            f"{F}:8:1: unknown key 'descripton' in the routine (did you mean 'description'?); "
            f"expected one of: {TOP_KEYS}"
        ],
        id="unknown-top-key-did-you-mean",
    ),
    pytest.param(
        GOOD.replace("title: T", "Title: T"),
        [
            f"{F}:2:1: unknown key 'Title' in the routine (did you mean 'title'?); "
            f"expected one of: {TOP_KEYS}"
        ],
        id="key-with-capital-letter",
    ),
    pytest.param(
        GOOD.replace("duration:", "duraton:"),
        [
            f"{F}:7:5: unknown key 'duraton' in a step (did you mean 'duration'?); "
            f"expected one of: {STEP_KEYS}"
        ],
        id="unknown-step-key-did-you-mean",
    ),
    pytest.param(
        one_step("repeat: 3"),
        [f"{F}:8:5: unknown key 'repeat' in a step; expected one of: {STEP_KEYS}"],
        id="unknown-step-key-no-suggestion",
    ),
    pytest.param(
        GOOD + "voice:\n  speed: 3\n",
        [f"{F}:9:3: unknown key 'speed' in voice; expected one of: engine, id, rate, volume"],
        id="unknown-voice-key",
    ),
    pytest.param(
        HEAD + "title: U\nsteps:\n" + STEP.replace("    duration: 5s\n", "    say: Again.\n"),
        [
            f"{F}:3:1: duplicate key 'title' in the routine (first on line 2)",
            f"{F}:5:5: a step is missing the required key 'duration'",
            f"{F}:8:5: duplicate key 'say' in a step (first on line 7)",
        ],
        id="duplicate-keys",
    ),
    pytest.param(  # YAML 1.1's merge key: was "unsupported tag 'tag:yaml.org,2002:merge'"
        GOOD + "<<: {chime: false}\n",
        [f"{F}:8:1: unknown key '<<' in the routine; expected one of: {TOP_KEYS}"],
        id="merge-key",
    ),
    pytest.param(
        GOOD + "? [a, b]\n: 1\n~: 2\n",
        [
            f"{F}:8:3: the routine has a key that is not a name",
            f"{F}:10:1: the routine has a key that is not a name",
        ],
        id="key-not-a-name",
    ),
    # --- steps ------------------------------------------------------------------------------
    pytest.param(
        GOOD + STEP + STEP.replace("id: a", "id: b"),
        [f"{F}:8:9: duplicate step id 'a' (first on line 4)"],
        id="duplicate-step-ids",
    ),
    pytest.param(
        GOOD.replace("id: a", "id: Warm Up")
        + STEP.replace("id: a", "id: -x-")
        + STEP.replace("id: a", "id: ../b"),
        [
            f"{F}:4:9: step id 'Warm Up' must be lowercase letters, digits and hyphens, "
            "such as 'warm-up'",
            f"{F}:8:9: step id '-x-' must be lowercase letters, digits and hyphens, "
            "such as 'warm-up'",
            f"{F}:12:9: step id '../b' must be lowercase letters, digits and hyphens, "
            "such as 'warm-up'",
        ],
        id="bad-step-ids",
    ),
    pytest.param(say_is('""'), [f"{F}:6:10: step 'a' say is empty: expected text"], id="empty-say"),
    pytest.param(say_is(""), [f"{F}:6:9: step 'a' say is empty: expected text"], id="null-say"),
    pytest.param(
        say_is("[]"),
        [f"{F}:6:10: step 'a' say is an empty list: expected words to speak"],
        id="empty-say-list",
    ),
    pytest.param(
        say_is('"... !?"'),
        [f"{F}:6:10: step 'a' say has no words to speak: '... !?'"],
        id="punctuation-only-say",
    ),
    pytest.param(
        say_is('"Breathe\\u0007 in."'),
        [f"{F}:6:10: step 'a' say contains the control character U+0007; remove it"],
        id="control-character",
    ),
    pytest.param(
        say_is('"Breathe\\u202e in."'),
        [f"{F}:6:10: step 'a' say contains the format character U+202E; remove it"],
        id="bidi-override-character",
    ),
    pytest.param(
        say_is("{text: Go.}"),
        [f"{F}:6:10: step 'a' say must be text or a list of texts, got a mapping"],
        id="say-is-mapping",
    ),
    pytest.param(
        say_is("word " * 130),
        [
            f"{F}:6:10: step 'a' say is 649 characters long; split it into a list of lines "
            "of at most 600 characters"
        ],
        id="text-over-600-chars",
    ),
    pytest.param(
        GOOD + "intro:\n  - Welcome.\n  - ''\n  - '???'\n",
        [f"{F}:10:5: intro is empty: expected text"],
        id="intro-line-empty",
    ),
    # --- durations --------------------------------------------------------------------------
    # --- open durations: {until: done, nominal: TIME} (routine/until.py) ---------------------
    pytest.param(
        duration_is("until done"),
        [
            f"{F}:7:15: step 'a' duration: 'until done' needs the time a built file gives "
            "the step: write duration: {until: done, nominal: 3m}"
        ],
        id="open-duration-without-nominal-as-text",
    ),
    pytest.param(
        duration_is("{until: done}"),
        [f"{F}:7:15: step 'a' duration is missing the required key 'nominal'"],
        id="open-duration-missing-nominal",
    ),
    pytest.param(
        duration_is("{nominal: 3m}"),
        [f"{F}:7:15: step 'a' duration is missing the required key 'until'"],
        id="open-duration-missing-until",
    ),
    pytest.param(
        duration_is("{until: dne, nominal: 3m}"),
        [
            f"{F}:7:23: step 'a' duration until must be 'done' (did you mean 'done'?), "
            "got 'dne': an open step waits until the listener says done"
        ],
        id="open-duration-until-misspelt",
    ),
    pytest.param(
        duration_is("{until: done, nominal: 3m, nominall: 2m}"),
        [
            f"{F}:7:42: unknown key 'nominall' in step 'a' duration (did you mean 'nominal'?); "
            "expected one of: until, nominal"
        ],
        id="open-duration-unknown-key",
    ),
    pytest.param(
        duration_is("{until: done, nominal: 0}"),
        [f"{F}:7:38: step 'a' duration nominal: a duration must be more than zero"],
        id="open-duration-nominal-zero",
    ),
    pytest.param(
        duration_is("[until, done]"),
        [f"{F}:7:15: step 'a' duration must be a duration such as 45s or 2 min, got a list"],
        id="open-duration-as-a-list",
    ),
    pytest.param(
        duration_is("{until: done, nominal: 3m}")
        + "    count: {to: 3, every: 1s}\n    ticks: 60\n",
        [
            f"{F}:8:5: step 'a' count: an open step (duration: until done) has no fixed time "
            "to count or tick through; give the step a fixed duration",
            f"{F}:9:5: step 'a' ticks: an open step (duration: until done) has no fixed time "
            "to count or tick through; give the step a fixed duration",
        ],
        id="open-duration-with-count-and-ticks",
    ),
    pytest.param(
        duration_is("0"),
        [f"{F}:7:15: step 'a' duration: a duration must be more than zero"],
        id="duration-zero",
    ),
    pytest.param(
        duration_is("-5s"),
        [f"{F}:7:15: step 'a' duration: a duration must be more than zero"],
        id="duration-negative",
    ),
    pytest.param(
        duration_is("-3"),
        [f"{F}:7:15: step 'a' duration: a duration must be more than zero"],
        id="duration-negative-number",
    ),
    pytest.param(
        duration_is(".nan"),
        [f"{F}:7:15: step 'a' duration: expected {DURATION}, got nan"],
        id="duration-nan",
    ),
    pytest.param(
        duration_is(".inf"),
        [f"{F}:7:15: step 'a' duration: expected {DURATION}, got inf"],
        id="duration-infinite",
    ),
    pytest.param(
        duration_is("25h"),
        [f"{F}:7:15: step 'a' duration: '25h' is longer than 24 hours"],
        id="duration-over-24h",
    ),
    pytest.param(
        duration_is("86401"),
        [f"{F}:7:15: step 'a' duration: 86401 is longer than 24 hours"],
        id="duration-over-24h-in-seconds",
    ),
    pytest.param(
        duration_is("5 parsecs"),
        [f"{F}:7:15: step 'a' duration: unknown unit 'parsecs' in '5 parsecs': use h, m, min or s"],
        id="duration-bad-unit",
    ),
    pytest.param(
        duration_is("a while"),
        [f"{F}:7:15: step 'a' duration: 'a while' is not {DURATION}"],
        id="duration-words",
    ),
    pytest.param(
        duration_is("1m 2m"),
        [f"{F}:7:15: step 'a' duration: '1m 2m' names the same unit twice"],
        id="duration-same-unit-twice",
    ),
    pytest.param(
        duration_is("7-5 min"),
        [
            f"{F}:7:15: step 'a' duration: range '7-5 min' runs backwards: "
            "the shorter time comes first"
        ],
        id="duration-backwards-range",
    ),
    pytest.param(
        duration_is(""),
        [f"{F}:7:14: step 'a' duration is empty: expected a duration such as 45s or 2 min"],
        id="duration-empty",
    ),
    pytest.param(
        duration_is("[1m, 2m]"),
        [f"{F}:7:15: step 'a' duration must be a duration such as 45s or 2 min, got a list"],
        id="duration-list",
    ),
    pytest.param(  # found by the fuzzer: an internal error (OverflowError, int to float)
        duration_is("1" + "0" * 400),
        [f"{F}:7:15: step 'a' duration: 1{'0' * 39}... is longer than 24 hours"],
        id="duration-of-400-digits",
    ),
    pytest.param(  # found by the fuzzer: an internal error (Python's 4,300-digit limit)
        one_step("pause: 1" + "0" * 5000, "count: {to: 1" + "0" * 5000 + ", every: 1}"),
        [
            f"{F}:8:12: step 'a' pause: 1{'0' * 39}... is longer than 24 hours",
            f"{F}:9:17: step 'a' count to must be from 1 to 200, got 1{'0' * 39}...",
        ],
        id="numbers-of-5000-digits",
    ),
    pytest.param(  # found by the fuzzer: the whole value was quoted, thousands of characters
        GOOD + "language: " + "w" * 3000 + "\nvoice: {engine: " + "e" * 3000 + "}\n",
        [
            f"{F}:8:11: language must be a language tag such as en or en-GB, got '{'w' * 40}...'",
            f"{F}:9:17: unknown speech engine '{'e' * 40}...'; "
            "expected one of: pyttsx3, hibari, piper",
        ],
        id="long-values-are-cut-short",
    ),
    pytest.param(  # each step may last 13 h, but a whole session at most 24 h
        HEAD
        + "steps:\n"
        + "".join(
            f"  - {{id: s{i}, title: S, say: Go., duration: 13h, ticks: 240}}\n" for i in range(2)
        ),
        [
            f"{F}:4:5: this session would last 26h10s, more than 24h, the most a session may "
            "last: shorten its steps (step 's0' takes 13h of it)"
        ],
        id="session-over-24h",
    ),
    pytest.param(
        one_step("pause: 0s"),
        [f"{F}:8:12: step 'a' pause: a duration must be more than zero"],
        id="pause-zero",
    ),
    # --- wrong types and ranges -------------------------------------------------------------
    pytest.param(
        GOOD.replace("title: T", "title: [Morning, massage]"),
        [f"{F}:2:8: title must be text, got a list"],
        id="title-is-list",
    ),
    pytest.param(
        GOOD + "voice:\n  rate: fast\n",
        [
            f"{F}:9:9: voice rate (words per minute) must be a whole number from 80 to 400, "
            "got 'fast'"
        ],
        id="rate-is-string",
    ),
    pytest.param(
        GOOD + 'voice:\n  rate: "150"\n',
        [
            f"{F}:9:9: voice rate (words per minute) must be a whole number from 80 to 400, "
            "got '150' in quotes, which makes it text: remove the quotes"
        ],
        id="rate-is-quoted-number",
    ),
    pytest.param(
        GOOD + "voice:\n  rate: 1000\n  volume: 2\n",
        [
            f"{F}:9:9: voice rate (words per minute) must be from 80 to 400, got 1000",
            f"{F}:10:11: voice volume must be from 0.05 to 1, got 2",
        ],
        id="rate-and-volume-out-of-range",
    ),
    pytest.param(
        GOOD + "chime: sometimes\n",
        [f"{F}:8:8: chime must be true or false, got 'sometimes'"],
        id="chime-is-string",
    ),
    pytest.param(
        GOOD + 'chime: "yes"\n',
        [
            f"{F}:8:8: chime must be true or false, "
            "got 'yes' in quotes, which makes it text: remove the quotes"
        ],
        id="chime-is-quoted-yes",
    ),
    pytest.param(
        GOOD + "language: english!\n",
        [f"{F}:8:11: language must be a language tag such as en or en-GB, got 'english!'"],
        id="bad-language-tag",
    ),
    pytest.param(
        GOOD.replace("guidecast: 1", "guidecast: 2"),
        [
            f"{F}:1:12: format version 2 is newer than this guidecast understands; "
            "upgrade guidecast (this guidecast reads version 1)"
        ],
        id="format-version-2",
    ),
    pytest.param(
        GOOD.replace("guidecast: 1", "guidecast: 0"),
        [f"{F}:1:12: format version 0 is not a format version (this guidecast reads version 1)"],
        id="format-version-0",
    ),
    pytest.param(
        GOOD.replace("guidecast: 1", 'guidecast: "1"'),
        [
            f"{F}:1:12: guidecast (the format version) must be 1, "
            "got '1' in quotes, which makes it text: remove the quotes"
        ],
        id="format-version-quoted",
    ),
    # --- cues, sides, count, rounds, phrases ------------------------------------------------
    pytest.param(
        GOOD + "cues:\n  countdwn: 3\n",
        [
            f"{F}:9:3: unknown key 'countdwn' in cues (did you mean 'countdown'?); "
            f"expected one of: {CUE_KEYS}"
        ],
        id="unknown-cue-key",
    ),
    pytest.param(
        GOOD + "cues:\n  keep_going:\n    every: 2s\n    say: Keep going.\n",
        [
            f"{F}:10:12: cues: keep_going every must be at least 5 seconds, "
            "so reminders do not run together"
        ],
        id="keep-going-every-too-short",
    ),
    pytest.param(
        one_step("cues:", "  keep_going:", "    say: Keep going."),
        [f"{F}:10:9: step 'a' cues: keep_going is missing the required key 'every'"],
        id="keep-going-without-every",
    ),
    pytest.param(
        one_step("cues:", "  time_left: [1m, 0]", "  halfway: maybe"),
        [
            f"{F}:9:23: step 'a' cues: time_left: a duration must be more than zero",
            f"{F}:10:16: step 'a' cues: halfway must be true or false, got 'maybe'",
        ],
        id="step-cue-values",
    ),
    pytest.param(
        one_step("sides: [left]"),
        [f"{F}:8:12: step 'a' sides must name at least two sides, such as [left, right]"],
        id="sides-with-one-name",
    ),
    pytest.param(
        one_step("sides: [left, left]"),
        [f"{F}:8:12: step 'a' sides names a side twice"],
        id="sides-name-twice",
    ),
    pytest.param(
        one_step("sides: {pause: 2s}"),
        [f"{F}:8:12: step 'a' sides is missing the required key 'names'"],
        id="sides-without-names",
    ),
    pytest.param(
        one_step("count: {to: 10}"),
        [f"{F}:8:12: step 'a' count is missing the required key 'every'"],
        id="count-without-every",
    ),
    pytest.param(
        one_step("count: {to: 10, every: 2m}"),
        [f"{F}:8:28: step 'a' count every must be from 0.5 to 60 seconds"],
        id="count-every-too-long",
    ),
    pytest.param(
        one_step("ticks: 1000"),
        [f"{F}:8:12: step 'a' ticks (per minute) must be from 5 to 240, got 1000"],
        id="ticks-out-of-range",
    ),
    pytest.param(
        HEAD
        + "steps:\n  - rounds: 2\n    steps:\n      - rounds: 3\n        steps:\n"
        + textwrap.indent(STEP, "        "),
        [f"{F}:6:9: rounds blocks cannot be nested"],
        id="nested-rounds",
    ),
    pytest.param(
        HEAD + "steps:\n  - rounds: 0\n    steps: []\n  - rounds: 2\n    title: R\n",
        [
            f"{F}:4:13: rounds (how many times) must be from 1 to 100, got 0",
            f"{F}:5:12: steps of a rounds block is an empty list: expected at least one step",
            f"{F}:6:5: a rounds block is missing the required key 'steps'",
        ],
        id="bad-rounds-blocks",
    ),
    pytest.param(
        GOOD + "phrases:\n  side: Now the {sid}.\n  halfway: Half of {time}.\n",
        [
            f"{F}:9:9: phrase 'side' uses {{sid}}; the fields it can use: {{side}}",
            f"{F}:10:12: phrase 'halfway' uses {{time}}; the fields it can use: none",
        ],
        id="phrase-unknown-field",
    ),
    pytest.param(
        GOOD + "phrases:\n  side: Now the {side.__class__}.\n  round: Round {round!r}.\n",
        [
            f"{F}:9:9: phrase 'side' uses {{side.__class__}}; the fields it can use: {{side}}",
            f"{F}:10:10: phrase 'round' uses {{round!r}}; the fields it can use: "
            "{round}, {rounds}",
        ],
        id="phrase-field-attribute-or-conversion",
    ),
    pytest.param(
        GOOD + "phrases:\n  side: 'Now the {side'\n  finished: 'Done }'\n",
        [
            f"{F}:9:9: phrase 'side' has a stray brace (expected '}}' before end of string); "
            "expected fields such as {side}, and {{ or }} for a brace itself",
            f"{F}:10:13: phrase 'finished' has a stray brace "
            "(Single '}' encountered in format string); "
            "expected fields such as {side}, and {{ or }} for a brace itself",
        ],
        id="phrase-stray-brace",
    ),
    pytest.param(
        GOOD + "phrases:\n  next_step: Next.\n",
        [
            f"{F}:9:3: unknown key 'next_step' in phrases (did you mean 'next_up'?); "
            "expected one of: side, round, halfway, time_left, next_up, session_length, finished, "
            "waiting, waiting_listen"
        ],
        id="unknown-phrase",
    ),
    # --- many problems in one file: all reported, in file order ----------------------------
    pytest.param(
        y(
            """
            guidecast: 1
            title: ""
            chime: maybe
            steps:
              - id: Bad Id
                title: A
                say: "..."
                duration: 0
              - id: b
                titel: B
                say: Go.
                duration: 5 parsecs
            """
        ),
        [
            f"{F}:2:8: title is empty: expected text",
            f"{F}:3:8: chime must be true or false, got 'maybe'",
            f"{F}:5:9: step id 'Bad Id' must be lowercase letters, digits and hyphens, "
            "such as 'warm-up'",
            f"{F}:7:10: step say has no words to speak: '...'",
            f"{F}:8:15: step duration: a duration must be more than zero",
            f"{F}:10:5: unknown key 'titel' in a step (did you mean 'title'?); "
            f"expected one of: {STEP_KEYS}",
            f"{F}:12:15: step 'b' duration: unknown unit 'parsecs' in '5 parsecs': "
            "use h, m, min or s",
        ],
        id="several-problems-at-once",
    ),
]


def guidecast(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GUIDECAST_CACHE_DIR": str(cwd / "cache")}
    return subprocess.run(
        [sys.executable, "-m", "guidecast", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )


def write_case(folder: Path, content: object) -> str:
    path = folder / F
    if content is FOLDER:
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_bytes(content.encode("utf-8"))
    return F


def expected_stderr(lines: list[str]) -> str:
    # Problems start with file:line:column, bare, so editors can jump to them.
    return "".join(f"{line}\n" for line in lines)


def assert_refused(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr == expected
    assert result.stdout == ""
    assert result.returncode == 2


def test_enough_kinds_of_bad_file() -> None:
    assert len(CASES) >= 30
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize(("content", "lines"), CASES)
def test_validate_reports_every_problem(tmp_path: Path, content: object, lines: list[str]) -> None:
    name = write_case(tmp_path, content)
    assert_refused(guidecast("validate", name, cwd=tmp_path), expected_stderr(lines))


@pytest.mark.parametrize(
    ("content", "lines"),
    [
        case
        for case in CASES
        if case.id
        in {
            "tab-indentation",
            "missing-title",
            "alias-bomb-billion-laughs",
            "duration-backwards-range",
            "phrase-stray-brace",
            "several-problems-at-once",
        }
    ],
)
def test_build_writes_nothing(tmp_path: Path, content: object, lines: list[str]) -> None:
    name = write_case(tmp_path, content)
    out = tmp_path / "out"
    out.mkdir()
    result = guidecast("build", name, "-o", "out", cwd=tmp_path)
    assert_refused(result, expected_stderr(lines))
    assert list(out.iterdir()) == []


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_endless_file_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    result = guidecast("validate", "/dev/zero", cwd=tmp_path)
    assert_refused(
        result,
        "/dev/zero:1:1: file is more than 1,048,576 bytes; "
        "a routine file must be at most 1,048,576 bytes\n",
    )


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [("lactaton-massage", " (did you mean 'lactation-massage'?)"), ("no-such-routine", "")],
)
def test_build_unknown_routine_name(tmp_path: Path, name: str, suggestion: str) -> None:
    result = guidecast("build", name, "-o", "out", cwd=tmp_path)
    assert_refused(
        result,
        f"guidecast: {name!r} is neither a file nor a shipped routine{suggestion}; "
        f"shipped routines: {', '.join(shipped_names())}\n",
    )
    assert not (tmp_path / "out").exists()
