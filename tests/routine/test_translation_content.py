"""The shipped translations read as a clinician would, in their own language: one translation
version per routine, one set of storage lines per language with the right times, expressing
taught where it is done, who each routine is for, the belly guard, ticks explained; and, built
for real (espeak-ng, MP3, manifest), every line heard in its step and a baby face down only in
short spells with a face check in every step of them.

The English versions of these checks are in tests/test_library_content.py (with the English
routines' version 1.1); these hold each language to the same content in its own words.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TypeVar

import pytest

from guidecast.routine.library import translations
from guidecast.routine.model import Routine, Step
from tests.routine.test_translations import IDS, TRANSLATED, load
from tests.test_languages_end_to_end import run_guidecast

LANGUAGES = sorted({tag for _, tag, _ in TRANSLATED})

T = TypeVar("T")


def words(table: dict[str, T], tag: str, what: str) -> T:
    """A language's words for a check; a new language must add its own, not skip the check."""
    if tag not in table:
        pytest.fail(f"add {tag}'s words for {what} to {Path(__file__).name}")
    return table[tag]


def reminders(routine: Routine, step: Step) -> tuple[str, ...]:
    cues = step.cues if (step.count or step.ticks) else step.cues.over(routine.cues)
    return cues.keep_going.say if cues.keep_going else ()


@pytest.mark.parametrize("name", sorted({name for name, _, _ in TRANSLATED}))
def test_every_translation_of_a_routine_is_at_one_version(name: str) -> None:
    """A language left at an older version would miss the newer one's safety changes."""
    versions = {tag: load(path).version for tag, path in translations(name).items() if tag != "en"}
    assert len(set(versions.values())) == 1, versions


# The six storage lines' times, in each language's words (English: four hours at room
# temperature, three days in the fridge, six months in a freezer, two weeks in an ice box,
# twelve hours once thawed).
STORAGE_TIMES = {
    "es": ("cuatro horas", "tres días", "seis meses", "dos semanas", "doce horas"),
    "fr": ("quatre heures", "trois jours", "six mois", "deux semaines", "douze heures"),
    "de": ("vier stunden", "drei tagen", "sechs monate", "zwei wochen", "zwölf stunden"),
    "pt": ("quatro horas", "três dias", "seis meses", "duas semanas", "doze horas"),
    "it": ("quattro ore", "tre giorni", "sei mesi", "due settimane", "dodici ore"),
    "ru": ("четырёх часов", "трёх дней", "шести месяцев", "две недели", "двенадцати часов"),
}


@pytest.mark.parametrize("tag", LANGUAGES)
def test_milk_is_stored_by_one_set_of_lines_in_each_language(tag: str) -> None:
    routines = [load(path) for _, t, path in TRANSLATED if t == tag]
    milk = [r for r in routines if any("express" in s.id for s in r.all_steps())]
    stores = {r.title: [s.say for s in r.all_steps() if s.id == "store-milk"] for r in milk}
    assert all(len(found) == 1 for found in stores.values()), stores  # each collects, each stores
    sets = {found[0] for found in stores.values()}
    if not sets:
        pytest.skip(f"no {tag} routine collects milk")
    assert len(sets) == 1, f"the {tag} storage lines differ between routines"
    lines = sets.pop()
    assert len(lines) == 6  # the English six, one fact a line
    text = " ".join(lines).lower()
    for time in words(STORAGE_TIMES, tag, "the storage times"):
        assert time in text, time


# The rhythm's last word in each language: every expressing step says it itself.
RELEASE = {
    "es": "suelta",
    "fr": "relâchez",
    "de": "lass los",
    "pt": "solte",
    "it": "rilascia",
    "ru": "отпустите",
}


@pytest.mark.parametrize(("name", "tag", "path"), TRANSLATED, ids=IDS)
def test_expressing_is_taught_where_it_is_done(name: str, tag: str, path: Path) -> None:
    """The hold (a letter C, Latin or Cyrillic) in the expressing step or one before it, and
    the rhythm in the step itself, never only in a reminder later on."""
    taught = False
    for step in load(path).all_steps():
        say = " ".join(step.say).lower()
        hold = re.search(r"(?<!\w)[cс](?!\w)", say) is not None
        if "express" in step.id:
            assert hold or taught, step.id
            assert words(RELEASE, tag, "release") in say, step.id
        taught = taught or hold


# "It is for ..." in each language: whom the routine is for, said before the first step.
FOR_WHOM = {
    "es": r"\bes para\b|\bson para\b",
    "fr": r"\best pour vous\b|\bs'adresse\b",
    "de": r"\bist für dich\b|\bsind für dich\b",
    "pt": r"\bé para si\b|\bsão para\b",
    "it": r"\bè per te\b|\bsono per\b",
    "ru": r"\bдля вас\b",
}


@pytest.mark.parametrize(("name", "tag", "path"), TRANSLATED, ids=IDS)
def test_who_it_is_for_is_said(name: str, tag: str, path: Path) -> None:
    routine = load(path)
    opening = " ".join((*routine.intro, *routine.safety)).lower()
    assert re.search(words(FOR_WHOM, tag, "whom it is for"), opening)


TICK = {"es": "tic"}


@pytest.mark.parametrize(("name", "tag", "path"), TRANSLATED, ids=IDS)
def test_a_step_with_ticks_says_what_a_tick_means(name: str, tag: str, path: Path) -> None:
    for step in load(path).all_steps():
        if step.ticks:
            assert words(TICK, tag, "a tick") in " ".join(step.say).lower(), step.id


# The belly guard: "too soon" and "scar" in every belly step (ids as in English).
BELLY_GUARD = {"es": ("pronto", "cicatriz")}


@pytest.mark.parametrize(
    ("tag", "path"), [(t, p) for n, t, p in TRANSLATED if n == "postpartum-recovery"]
)
def test_every_belly_step_repeats_the_guard(tag: str, path: Path) -> None:
    belly = [s for s in load(path).all_steps() if s.id in ("belly-circles", "stretch-marks")]
    assert len(belly) == 2
    for step in belly:
        say = " ".join(step.say).lower()
        assert all(word in say for word in words(BELLY_GUARD, tag, "the belly guard")), step.id


# -- Built for real ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], dict]:
    """Every translation built (espeak-ng speech, MP3): its manifest by (name, language)."""
    out = tmp_path_factory.mktemp("translations")
    manifests: dict[tuple[str, str], dict] = {}
    for tag in LANGUAGES:
        result = run_guidecast("build-all", "--shipped", "--language", tag, "-o", str(out / tag))
        assert result.returncode == 0, result.stderr
        found = {
            json.loads(p.read_text(encoding="utf-8"))["title"]: p
            for p in (out / tag).glob("*.json")
        }
        for name, t, path in TRANSLATED:
            if t == tag:
                manifests[name, tag] = json.loads(found[load(path).title].read_text("utf-8"))
    return manifests


@pytest.mark.slow
@pytest.mark.parametrize(("name", "tag", "path"), TRANSLATED, ids=IDS)
def test_the_manifest_holds_every_line_of_a_translation(
    built: dict[tuple[str, str], dict], name: str, tag: str, path: Path
) -> None:
    """No reminder dropped for want of room (a longer language's lines take longer)."""
    routine, manifest = load(path), built[name, tag]
    assert manifest["notes"] == []
    heard = {(cue["kind"], cue["text"]) for cue in manifest["cues"] if cue["text"]}
    for kind, lines in (("intro", routine.intro), ("safety", routine.safety)):
        assert {(kind, line) for line in lines} <= heard
    assert {("outro", line) for line in routine.outro} <= heard
    for step in routine.all_steps():
        in_step = {c["text"] for c in manifest["cues"] if c["step"] == step.id and c["text"]}
        assert {*step.say, *reminders(routine, step)} <= in_step, step.id


# A baby on its tummy, on its back, and the face check, in each language's words.
FACE_DOWN = {"es": ("boca abajo", "boca arriba", "cara")}


def face_down_spells(manifest: dict, routine: Routine, tag: str) -> list[list[dict]]:
    """From a step that lays the baby on its tummy to the next that turns it onto its back."""
    tummy, back, _ = words(FACE_DOWN, tag, "face down")
    says = {step.id: " ".join(step.say).lower() for step in routine.all_steps()}
    spells: list[list[dict]] = []
    current: list[dict] | None = None
    for span in manifest["steps"]:
        if back in says[span["id"]]:
            current = None
        elif tummy in says[span["id"]] and current is None:
            current = []
            spells.append(current)
        if current is not None:
            current.append(span)
    return spells


BABY = [(name, tag, path) for name, tag, path in TRANSLATED if name.startswith("baby-")]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "tag", "path"), BABY, ids=[f"{t}/{n}" for n, t, _ in BABY])
def test_a_baby_is_face_down_only_in_short_watched_spells(
    built: dict[tuple[str, str], dict], name: str, tag: str, path: Path
) -> None:
    """NHS and WHO: a baby on the tummy only awake and watched, in short spells; the longer
    lines of a translation must not stretch a spell past three minutes."""
    routine, manifest = load(path), built[name, tag]
    face = words(FACE_DOWN, tag, "face down")[2]
    spells = face_down_spells(manifest, routine, tag)
    assert len(spells) >= 1
    for spell in spells:
        length = spell[-1]["end_s"] - spell[0]["start_s"]
        assert length <= 180, (spell[0]["id"], length)
        for span in spell[1:]:  # the first step lays the baby down and checks nose and mouth
            lines = [
                c["text"].lower()
                for c in manifest["cues"]
                if c["text"] and span["start_s"] <= c["start_s"] < span["end_s"]
            ]
            assert any(face in line for line in lines), (span["id"], span.get("side"))


def test_the_spell_check_can_fail() -> None:
    """Four minutes face down, found and too long; a step after the first without a face check."""
    name = "baby-back-massage"
    routine = load(translations(name)["es"])
    manifest = {
        "steps": [
            {"id": "onto-tummy", "start_s": 0.0, "end_s": 20.0},
            {"id": "stroke-together", "start_s": 20.0, "end_s": 240.0},
            {"id": "cuddle", "start_s": 240.0, "end_s": 270.0},
        ]
    }
    (spell,) = face_down_spells(manifest, routine, "es")
    assert [span["id"] for span in spell] == ["onto-tummy", "stroke-together"]
    assert spell[-1]["end_s"] - spell[0]["start_s"] > 180
