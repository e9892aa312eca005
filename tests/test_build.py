"""build.py wires plan -> level -> write; the side files are a list of writers
(output/sidefiles.py) whose files appear in the manifest, in order, with their roles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guidecast.build import Extras, build
from guidecast.output import sidefiles
from guidecast.routine.reader import parse_routine
from tests.test_end_to_end import ROUTINE


def test_every_side_file_is_written_and_listed_in_order(tmp_path: Path) -> None:
    routine = parse_routine(ROUTINE, "r.yaml")
    result = build(routine, tmp_path, extras=Extras(captions=True, split=True, page=True))
    manifest = json.loads((tmp_path / f"{routine.slug}.json").read_text())
    roles = [entry["role"] for entry in manifest["files"]]
    tracks = len(manifest["chapters"])
    assert roles == ["audio"] + ["track"] * tracks + [
        "cover",
        "captions",
        "captions",
        "lyrics",
        "chapters",
        "playlist",
        "page",
        "manifest",
    ]
    assert [tmp_path / entry["path"] for entry in manifest["files"]] == result.files
    assert all(path.is_file() and path.stat().st_size > 0 for path in result.files)


def test_a_new_side_file_is_one_writer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The recipe of docs/architecture.md: a writer and an entry in SIDE_FILES."""

    def write_steps(written: sidefiles.Written) -> sidefiles.Files:
        name = f"{written.name}.steps.txt"
        titles = [span.title for span in written.session.timeline.steps]
        written.outputs.temp_for(name).write_text("\n".join(titles), encoding="utf-8")
        return [(name, "steps")]

    monkeypatch.setattr(
        "guidecast.output.write.SIDE_FILES", (*sidefiles.SIDE_FILES, (lambda e: True, write_steps))
    )
    routine = parse_routine(ROUTINE, "r.yaml")
    build(routine, tmp_path, extras=Extras(cover=False))
    manifest = json.loads((tmp_path / f"{routine.slug}.json").read_text())
    assert [e["role"] for e in manifest["files"]] == ["audio", "steps", "manifest"]
    steps = (tmp_path / f"{routine.slug}.steps.txt").read_text().splitlines()
    assert steps == [span["title"] for span in manifest["steps"]]


def test_the_intro_says_the_length_it_settled_on(tmp_path: Path) -> None:
    routine = parse_routine(ROUTINE, "r.yaml")
    session = build(routine, tmp_path, extras=Extras(cover=False)).session
    said = [c.text for c in session.timeline.cues if c.text and "This session takes" in c.text]
    assert said == [session.script.session_length_line(session.timeline.seconds)]
