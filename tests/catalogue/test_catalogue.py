"""The catalogue through the real command line, on the default local cluster: a bad routine is
reported with its message while the rest build; a bad catalogue file is refused at its line
before any work; the index lists every session; the matrix expands as documented."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from guidecast.catalogue.expand import expand, find_routines
from guidecast.catalogue.reader import read_catalogue_file
from guidecast.core.errors import RoutineError
from guidecast.output.page import page_policy
from tests.catalogue.helpers import check_index, check_session, write_catalogue
from tests.serve.running import serving

DOCS = Path(__file__).resolve().parents[2] / "docs"


def guidecast(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "guidecast", *args],
        cwd=cwd,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=600,
    )


BAD_ROUTINE = (
    "guidecast: 1\ntitle: Broken\nsteps:\n  - id: a\n    title: A\n    say: Go.\n"
    "    duration: soon\n"
)


@pytest.mark.slow
def test_a_bad_routine_is_reported_and_the_rest_build(tmp_path: Path) -> None:
    write_catalogue(tmp_path, {"broken.yaml": BAD_ROUTINE})
    result = guidecast("catalogue", "catalogue.yaml", "-o", "out", cwd=tmp_path)
    assert "Traceback" not in result.stderr
    assert result.returncode == 2, result.stderr
    assert "failed: broken: " in result.stderr
    assert "failed: broken: routines/broken.yaml:7:15: step 'a' duration: 'soon'" in result.stderr
    # 10 clips of the scripts, and the intro's length sentence once per language and length
    # (4), shared by both routines.
    assert result.stdout.endswith("8 built, 0 up to date, 1 failed of 9; 14 clips spoken\n"), (
        result.stdout
    )
    check_index(tmp_path / "out", 8)
    index = json.loads((tmp_path / "out" / "index.json").read_text())
    assert [f["id"] for f in index["failures"]] == ["broken"]

    again = guidecast("catalogue", "catalogue.yaml", "-o", "out", cwd=tmp_path)
    assert again.returncode == 2
    assert again.stdout.endswith("0 built, 8 up to date, 1 failed of 9; 0 clips spoken\n")
    check_served(tmp_path, index["sessions"][0])


def check_served(tmp_path: Path, session: dict) -> None:
    """`guidecast serve OUT` on the catalogue: the index, a player page with the player's
    policy, audio in ranges (seeking); nothing outside the folder; localhost only."""
    with serving(tmp_path, str(tmp_path / "out")) as server:
        status, _, body = server.request("GET", "/")
        assert status == 200
        assert f'href="{session["page"]}"'.encode() in body
        assert server.request("GET", "/index.css")[0] == 200
        status, headers, body = server.request("GET", "/" + session["page"])
        assert status == 200
        assert headers["content-security-policy"] == page_policy(served=True)
        status, headers, body = server.request(
            "GET", "/" + session["audio"], headers={"range": "bytes=100-199"}
        )
        assert (status, len(body)) == (206, 100)
        assert server.request("GET", "/../catalogue.yaml")[0] == 404
        assert server.request("GET", "/", headers={"host": "evil.example:80"})[0] != 200
        assert any("serving the catalogue" in line for line in server.lines)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("routines: []\n", "catalogue.yaml:1:11: routines is an empty list"),
        (
            "routines: [a.yaml]\nlanguages: [en, xx]\n",
            "catalogue.yaml:2:17: language 'xx' has no cue phrases; expected one of: "
            "en, es, fr, de, pt, it, ru",
        ),
        (
            "routines: [a.yaml]\nlengths: [1m, 1 min]\n",
            "catalogue.yaml:2:15: length '1m' is given twice (first on line 2)",
        ),
        (
            "routines: [a.yaml]\nlenghts: [1m]\n",
            "catalogue.yaml:2:1: unknown key 'lenghts' in the catalogue (did you mean "
            "'lengths'?); expected one of: title, routines, languages, voices, lengths, paces, "
            "output, cache",
        ),
        (
            "routines: [a.yaml]\noutput: {bitrate: 65}\n",
            "catalogue.yaml:2:19: bitrate at 22050 Hz must be one of 8, 16, 24, 32, 40, 48, 56, "
            "64, 80, 96, 112, 128, 144, 160, got 65",
        ),
        (
            "routines: [a.yaml]\nvoices: [{engine: espeak}]\n",
            "catalogue.yaml:2:19: unknown speech engine 'espeak'; expected one of: pyttsx3,",
        ),
        (
            "routines: [a.yaml]\nlengths: [1m]\npaces: [1]\n",
            "catalogue.yaml:3:1: give lengths or paces",
        ),
    ],
)
def test_a_bad_catalogue_file_is_refused_at_its_place(tmp_path: Path, text: str, line: str) -> None:
    (tmp_path / "catalogue.yaml").write_text(text)
    result = guidecast("catalogue", "catalogue.yaml", "-o", "out", cwd=tmp_path)
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(line), result.stderr
    assert (result.stdout, result.returncode) == ("", 2)
    assert not (tmp_path / "out").exists()


def test_a_routine_that_is_not_there_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "catalogue.yaml").write_text("routines: [lactation-masage]\n")
    result = guidecast("catalogue", "catalogue.yaml", "-o", "out", cwd=tmp_path)
    assert result.returncode == 2
    assert "'lactation-masage' is neither a file nor a shipped routine" in result.stderr
    assert not (tmp_path / "out").exists()


def test_the_matrix_expands_every_dimension_and_skips_what_does_not_exist(
    tmp_path: Path,
) -> None:
    """Shipped routines with their translations, files with theirs; a voice limited to some
    languages; a language a routine is not in is skipped, not failed."""
    write_catalogue(tmp_path)
    (tmp_path / "catalogue.yaml").write_text(
        "routines: [lactation-massage, baby-daily-back, routines/hands.yaml]\n"
        "languages: [en, es, fr]\n"
        "voices: [{name: plain}, {name: bright, id: en+f3, languages: [en]}]\n"
        "paces: [1, 1.5]\n"
    )
    catalogue = read_catalogue_file(tmp_path / "catalogue.yaml")
    sources = find_routines(catalogue)
    sessions, failures = expand(catalogue, sources)
    assert failures == []
    ids = {s.id for s in sessions}
    # lactation-massage: en, es, fr; baby-daily-back: en, es; hands: en, es.
    # Each language x 2 paces with `plain`, and English also with `bright`.
    assert len(ids) == len(sessions) == (3 + 2 + 2) * 2 + 3 * 2
    assert "lactation-massage/fr/plain/pace-1.5" in ids
    assert "baby-daily-back/fr/plain/pace-1" not in ids
    assert "hands/es/bright/pace-1" not in ids
    assert expand(catalogue, sources) == (sessions, failures)  # pure: the same every time


def test_the_reader_reports_every_problem_at_once(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(
        "routines: [a.yaml, a.yaml]\npaces: [9]\noutput: {captions: maybe}\n"
    )
    with pytest.raises(RoutineError) as caught:
        read_catalogue_file(tmp_path / "c.yaml", display="c.yaml")
    lines = str(caught.value).splitlines()
    assert [line.split(": ")[0] for line in lines] == ["c.yaml:1:20", "c.yaml:2:9", "c.yaml:3:20"]


def test_the_documented_example_reads_and_matches_the_schema(tmp_path: Path) -> None:
    """docs/catalogue-example.yaml is valid for the reader and the JSON Schema; a file the
    reader refuses, the schema refuses too; the schema's durations are the routine schema's."""
    schema = json.loads(guidecast("schema", "--catalogue", cwd=tmp_path).stdout)
    validator = jsonschema.Draft7Validator(schema)
    example = DOCS / "catalogue-example.yaml"
    catalogue = read_catalogue_file(example)
    assert [v.label for v in catalogue.voices] == ["standard", "bright"]
    assert [c.label for c in catalogue.lengths] == ["5m", "10m", "20m"]
    assert list(validator.iter_errors(yaml.safe_load(example.read_text()))) == []
    for bad in (
        {"routines": []},
        {"routines": ["a"], "lengths": ["1m"], "paces": [1]},
        {"routines": ["a"], "voices": [{"engine": "espeak"}]},
        {"routines": ["a"], "languages": ["xx"]},
        {"routines": ["a"], "output": {"captons": True}},
    ):
        assert list(validator.iter_errors(bad)), bad
        (tmp_path / "bad.yaml").write_text(yaml.safe_dump(bad))
        with pytest.raises(RoutineError):
            read_catalogue_file(tmp_path / "bad.yaml")
    routine_schema = json.loads(guidecast("schema", cwd=tmp_path).stdout)
    assert schema["definitions"]["duration"] == routine_schema["definitions"]["duration"]


@pytest.mark.slow
def test_without_a_cluster_the_same_tasks_build_the_catalogue(tmp_path: Path) -> None:
    """--workers 0: no Dask at all, the same speak and assemble tasks in the command's process."""
    file = write_catalogue(tmp_path)
    file.write_text(file.read_text().replace("lengths: [1m, 2m]", "lengths: [1m]"))
    result = guidecast("catalogue", "catalogue.yaml", "-o", "out", "--workers", "0", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("4 built, 0 up to date, 0 failed of 4; 12 clips spoken\n")
    assert "dashboard" not in result.stderr
    check_index(tmp_path / "out", 4)
    # A changed routine: only its session is built again, and only its new words are spoken.
    hands = tmp_path / "routines" / "hands.yaml"
    hands.write_text(hands.read_text().replace("Rub your hands together.", "Rub your palms."))
    again = guidecast("catalogue", "catalogue.yaml", "-o", "out", "--workers", "0", cwd=tmp_path)
    assert again.stdout.endswith("1 built, 3 up to date, 0 failed of 4; 1 clips spoken\n")
    check_index(tmp_path / "out", 4)
    bad = guidecast("catalogue", "catalogue.yaml", "-o", "out", "--workers", "-1", cwd=tmp_path)
    assert bad.returncode == 2
    assert bad.stderr.startswith("guidecast: --workers must be from 0 (no cluster) to ")


def test_a_scheduler_address_is_checked_before_any_work(tmp_path: Path) -> None:
    write_catalogue(tmp_path)
    result = guidecast("catalogue", "catalogue.yaml", "--scheduler", "nonsense", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "guidecast: --scheduler must be a scheduler's address such as tcp://HOST:8786, "
        "got 'nonsense'\n"
    )
    assert not (tmp_path / "catalogue_out").exists()


@pytest.mark.slow
def test_the_matrix_takes_other_engines(tmp_path: Path) -> None:
    """A voice of another engine (hibari, the neural extra) is a dimension like any other."""
    pytest.importorskip("hibari")
    file = write_catalogue(tmp_path)
    file.write_text(
        file.read_text()
        .replace("languages: [en, es]", "languages: [en]")
        .replace("lengths: [1m, 2m]", "lengths: [1m]")
        + "voices: [{name: espeak}, {name: heart, engine: hibari}]\n"
    )
    result = guidecast("catalogue", "catalogue.yaml", "-o", "out", "--workers", "0", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    sessions = json.loads((tmp_path / "out" / "index.json").read_text())["sessions"]
    assert sorted(s["id"] for s in sessions) == [
        "hands/en/espeak/1m", "hands/en/heart/1m", "shoulders/en/espeak/1m",
        "shoulders/en/heart/1m",
    ]  # fmt: skip
    for entry in sessions:
        check_session(tmp_path / "out" / entry["id"], Path(entry["manifest"]).name)
    heard = {
        entry["voice"]: (tmp_path / "out" / entry["audio"]).read_bytes()
        for entry in sessions
        if entry["routine"] == "hands"
    }
    assert heard["espeak"] != heard["heart"]
