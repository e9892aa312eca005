"""A small catalogue written in the test: two routines, each in English and Spanish, at two
lengths (8 sessions of 1 and 2 minutes), and how to check a built one as the build tests do."""

from __future__ import annotations

import json
from pathlib import Path

from tests.listening import SPEECH_RMS, decode_mp3

ROUTINE = """\
guidecast: 1
title: {title}
language: {tag}
intro: {hello}
steps:
  - id: rub
    title: {first}
    say: {rub}
    duration: 20s
  - id: rest
    title: {second}
    say: {rest}
    duration: 20s
"""
WORDS = {
    ("hands", "en"): ("Warm hands", "Welcome.", "Rub", "Rub your hands together.", "Rest",
                      "Rest your hands."),
    ("hands", "es"): ("Manos calientes", "Bienvenida.", "Frotar", "Frota las manos.",
                      "Descanso", "Descansa las manos."),
    ("shoulders", "en"): ("Soft shoulders", "Welcome.", "Roll", "Roll your shoulders slowly.",
                          "Rest", "Rest your hands."),
    ("shoulders", "es"): ("Hombros suaves", "Bienvenida.", "Girar", "Gira los hombros despacio.",
                          "Descanso", "Descansa las manos."),
}  # fmt: skip
CATALOGUE = """\
title: Test catalogue
routines: ["routines/*.yaml"]
languages: [en, es]
lengths: [1m, 2m]
output: {page: true, cover: false}
cache: clips
"""


def write_catalogue(folder: Path, extra_routines: dict[str, str] | None = None) -> Path:
    """The catalogue file, its routines in routines/ (Spanish in routines/es/)."""
    for (name, tag), (title, hello, first, rub, second, rest) in WORDS.items():
        path = folder / "routines" / (f"{tag}/" if tag != "en" else "") / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            ROUTINE.format(
                title=title, tag=tag, hello=hello, first=first, rub=rub, second=second, rest=rest
            ),
            encoding="utf-8",
        )
    for name, text in (extra_routines or {}).items():
        (folder / "routines" / name).write_text(text, encoding="utf-8")
    catalogue = folder / "catalogue.yaml"
    catalogue.write_text(CATALOGUE, encoding="utf-8")
    return catalogue


def check_session(folder: Path, manifest_name: str) -> dict:
    """A session as a listener gets it: its MP3 decodes to exactly the manifest's samples, its
    first spoken cue is speech, and the length asked for is the length built."""
    manifest = json.loads((folder / manifest_name).read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        assert (folder / entry["path"]).stat().st_size > 0, entry
    decoded = decode_mp3(folder / manifest["audio"], manifest["sample_rate"])
    assert len(decoded.samples) == manifest["samples"]
    first = manifest["cues"][0]
    assert decoded.rms(first["start_s"], first["end_s"]) > SPEECH_RMS
    return manifest


def check_index(out: Path, expected: int) -> list[dict]:
    """Every session is in index.json and linked from index.html, and checks out whole."""
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    page = (out / "index.html").read_text(encoding="utf-8")
    assert len(index["sessions"]) == expected
    for entry in index["sessions"]:
        folder = out / entry["id"]
        manifest = check_session(folder, Path(entry["manifest"]).name)
        wanted = {"1m": 60, "2m": 120}[entry["length"]]
        assert abs(manifest["duration_s"] - wanted) < 1.5, (entry["id"], manifest["duration_s"])
        assert manifest["language"] == entry["language"]
        assert f'href="{entry["page"]}"' in page
        assert (out / entry["page"]).is_file()
    return index["sessions"]
