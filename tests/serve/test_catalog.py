"""Routines the app offers, and routines people add: checked first, stored only when valid."""

from __future__ import annotations

from pathlib import Path

import pytest

from guidecast.core.errors import RoutineError
from guidecast.routine.library import shipped_names
from guidecast.serve.catalog import Catalog, problem_lines
from tests.serve.running import SMALL_ROUTINE

BROKEN = [
    ("title: x\nsteps: [\n", "pasted routine:3:1"),
    (SMALL_ROUTINE.replace("duration: 6s", "duration: six"), "pasted routine:16:15"),
    (SMALL_ROUTINE.replace("guidecast: 1", "guidecast: 7"), "pasted routine:1:12"),
    ("", "pasted routine:1:1"),
    (SMALL_ROUTINE + "\tbad: tab\n", "pasted routine:"),
]


@pytest.mark.parametrize(("text", "place"), BROKEN)
def test_a_broken_routine_is_not_stored_and_says_where(
    tmp_path: Path, text: str, place: str
) -> None:
    catalog = Catalog(None, tmp_path / "mine")
    with pytest.raises(RoutineError) as caught:
        catalog.add_own(text, None)
    lines = problem_lines(caught.value)
    assert lines[0].startswith(place), lines
    assert not (tmp_path / "mine").exists()


def test_an_uploaded_file_is_named_by_its_own_name(tmp_path: Path) -> None:
    catalog = Catalog(None, tmp_path / "mine")
    with pytest.raises(RoutineError) as caught:
        catalog.add_own("title: [", "../../etc/My Routine.yaml")
    assert str(caught.value).startswith("My Routine.yaml:1:")
    entry = catalog.add_own(SMALL_ROUTINE, "../../etc/My Routine.yaml")
    assert entry.path == tmp_path / "mine" / "my-routine.yaml"  # never outside its folder
    assert entry.origin == "mine"
    assert catalog.add_own(SMALL_ROUTINE, "My Routine.yaml").path == entry.path  # same text
    other = catalog.add_own(SMALL_ROUTINE.replace("Rest", "Relax"), "My Routine.yaml")
    assert other.path.name == "my-routine-2.yaml"


def test_ids_are_unique_and_shipped_routines_come_first(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    name = shipped_names()[0]
    (folder / f"{name}.yaml").write_text(SMALL_ROUTINE)
    (folder / "broken.yml").write_text("title: [")
    catalog = Catalog(folder, tmp_path / "mine")
    entries = catalog.entries()
    ids = [e.id for e in entries]
    assert len(ids) == len(set(ids))
    assert catalog.entry(name).origin == "shipped"
    assert catalog.entry(f"{name}-2").origin == "folder"
    with pytest.raises(RoutineError):
        catalog.load("broken")
    for unknown in ("../broken", "nope", "", "BROKEN"):
        with pytest.raises(LookupError):
            catalog.entry(unknown)
