"""The shipped translations: found by name and language, faithful to their English original,
safe in their own words, and with no English left in what the listener hears."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont
from typer.testing import CliRunner

from guidecast.cli import app
from guidecast.core.errors import UsageError
from guidecast.language.phrases import ENGLISH, supported
from guidecast.output.cover import cover_png, noto
from guidecast.routine.library import resolve, routines_dir, shipped_names, translations
from guidecast.routine.model import Rounds, Routine
from guidecast.routine.reader import read_routine_file
from guidecast.script.model import make_script

TRANSLATED = [
    (name, tag, path)
    for name in shipped_names()
    for tag, path in translations(name).items()
    if tag != "en"
]
IDS = [f"{tag}/{name}" for name, tag, _ in TRANSLATED]

# Each language's words for what every shipped routine must say (test_shipped checks English).
NOT_MEDICAL_ADVICE = {
    "es": "no un consejo médico",
    "fr": "pas un avis médical",
    "de": "kein ärztlicher rat",
    "pt": "não um conselho médico",
    "it": "non un consiglio medico",
    "ru": "не медицинский совет",
}
STOP = {
    "es": r"\bpara\b",
    "fr": "arrêtez",
    "de": "hör auf",
    "pt": "pare",
    "it": "fermati",
    "ru": "остановитесь",
}
CLINICIAN = {
    "es": "médico|matrona",
    "fr": "médecin|sage-femme",
    "de": "arzt|ärztin|hebamme",
    "pt": "médico|parteira",
    "it": "medico|ostetrica",
    "ru": "врач|акушерк",
}


def load(path: Path) -> Routine:
    return read_routine_file(path)


def test_every_routine_is_in_spanish_and_lactation_massage_in_every_language() -> None:
    assert all("es" in translations(name) for name in shipped_names())
    assert set(translations("lactation-massage")) == {"en", "es", "fr", "de", "pt", "it", "ru"}


@pytest.mark.parametrize(("name", "tag", "path"), TRANSLATED, ids=IDS)
def test_a_translation_says_its_language_and_keeps_the_source(
    name: str, tag: str, path: Path
) -> None:
    routine, original = load(path), load(routines_dir() / f"{name}.yaml")
    assert routine.language == tag and supported(tag)
    assert routine.source == original.source
    assert routine.source in path.read_text().split("guidecast: 1")[0]  # named in the header


def shape(routine: Routine) -> list[object]:
    """Everything but the words: steps, times, sides, cues, counts, rounds."""
    found: list[object] = [routine.chime, routine.cues.countdown, routine.cues.next_up]
    for item in routine.steps:
        if isinstance(item, Rounds):
            found.append(("rounds", item.times, len(item.steps)))
        for step in item.steps if isinstance(item, Rounds) else [item]:
            cues = step.cues
            found.append(
                (
                    step.id,
                    step.duration,
                    step.pause,
                    len(step.sides),
                    step.side_pause,
                    step.count,
                    step.ticks,
                    cues.countdown,
                    cues.halfway,
                    cues.time_left,
                    cues.next_up,
                    cues.keep_going and (cues.keep_going.every, len(cues.keep_going.say)),
                )
            )
    return found


@pytest.mark.parametrize(("name", "tag", "path"), TRANSLATED, ids=IDS)
def test_a_translation_has_the_originals_shape(name: str, tag: str, path: Path) -> None:
    routine, original = load(path), load(routines_dir() / f"{name}.yaml")
    if routine.version != original.version:
        pytest.skip(f"{tag}/{name} translates version {routine.version}, not {original.version}")
    assert shape(routine) == shape(original)
    assert len(routine.safety) >= len(original.safety)
    assert len(routine.intro) == len(original.intro)


@pytest.mark.parametrize(("name", "tag", "path"), TRANSLATED, ids=IDS)
def test_a_translation_speaks_its_safety_lines(name: str, tag: str, path: Path) -> None:
    routine = load(path)
    base = tag.split("-")[0]
    assert NOT_MEDICAL_ADVICE[base] in " ".join(routine.intro).lower()
    safety = " ".join(routine.safety).lower()
    assert re.search(STOP[base], safety) and re.search(CLINICIAN[base], safety)


# The words English cues are made of: a non-English session must say none of them.
ENGLISH_CUE_WORDS = {
    word
    for text in [
        *ENGLISH.templates.values(),
        *(ENGLISH.number(n) for n in range(1, 61)),
        *(ENGLISH.time(s) for s in (1, 2, 3600, 7200)),
    ]
    for word in re.findall(r"[a-z]+", text.lower())
    if len(word) > 1
}


# Words of these languages spelled like an English cue word ("ten paciencia", "six minutes").
HOMOGRAPHS = {"es": {"ten"}, "fr": {"six"}}


def english_words(text: str, tag: str = "") -> set[str]:
    # Whole words, accents and all: "pressão" is not the English "press".
    found = set(re.findall(r"[^\W\d_]+", text.lower())) & ENGLISH_CUE_WORDS
    return found - HOMOGRAPHS.get(tag.split("-")[0], set())


@pytest.mark.parametrize(("name", "tag", "path"), TRANSLATED, ids=IDS)
def test_no_english_word_in_a_translations_script(name: str, tag: str, path: Path) -> None:
    script = make_script(load(path))
    bank = script.phrases
    said = [text for text, _ in script.fixed_texts()]
    said += [bank.session_length(s) for s in (40, 600, 23 * 60, 3600 + 120)]
    said += [bank.time_left(s) for s in (30, 60, 90)]
    said += [bank.round_line(1, 3)]
    leaked = {text: english_words(text, tag) for text in said if english_words(text, tag)}
    assert not leaked


def test_the_english_word_check_can_fail() -> None:
    assert english_words("Ronda one de two. Quedan thirty seconds.") == {
        "one",
        "two",
        "thirty",
        "seconds",
    }


@pytest.mark.parametrize(
    ("asked", "folder"), [("es", "es"), ("es-MX", "es"), ("ES", "es"), ("ru", "ru"), ("en", None)]
)
def test_resolve_finds_a_translation(asked: str, folder: str | None) -> None:
    path = resolve("lactation-massage", asked)
    expected = routines_dir() / (f"{folder}/" if folder else "") / "lactation-massage.yaml"
    assert path == expected


def test_a_missing_translation_names_the_languages_there_are() -> None:
    with pytest.raises(UsageError, match=r"has no 'nl' version; it comes in: en, .*es"):
        resolve("lactation-massage", "nl")
    with pytest.raises(UsageError, match="--language picks a translation of a shipped routine"):
        resolve("my-routine.yaml", "es")


def test_the_cli_refuses_a_missing_translation_with_exit_2() -> None:
    result = CliRunner().invoke(app, ["validate", "lactation-massage", "--language", "nl"])
    assert result.exit_code == 2
    assert "has no 'nl' version" in result.output and "Traceback" not in result.output


def test_validate_names_a_language_without_phrases(tmp_path: Path) -> None:
    routine = tmp_path / "nl.yaml"
    routine.write_text(
        "guidecast: 1\ntitle: Handen\nlanguage: nl\n"
        "steps: [{id: a, title: A, say: Wrijf je handen., duration: 3s}]\n"
    )
    result = CliRunner().invoke(app, ["validate", str(routine)])
    assert result.exit_code == 0, result.output
    assert "language 'nl' has no built-in cue phrases" in result.output
    assert "de, en, es, fr, it, pt, ru" in result.output


# -- The cover draws every letter -----------------------------------------------------------

MISSING = "\ue000"  # a private-use code point no font draws: its .notdef box


def glyph(character: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> Image.Image:
    image = Image.new("L", (120, 120), 0)
    ImageDraw.Draw(image).text((10, 10), character, font=font, fill=255)
    return image


@pytest.mark.parametrize("character", ["é", "ñ", "ü", "ç", "ã", "ß", "Ж", "ё", "Щ"])
def test_the_covers_font_draws_accents_and_cyrillic(character: str) -> None:
    font = noto(80)
    drawn = glyph(character, font)
    assert drawn.getbbox() is not None  # something is drawn
    assert ImageChops.difference(drawn, glyph(MISSING, font)).getbbox() is not None  # not a box
    # Its base letter is drawn too, and the accent adds ink of its own above it.
    if character in "éñüçã":
        base = {"é": "e", "ñ": "n", "ü": "u", "ç": "c", "ã": "a"}[character]
        assert ImageChops.difference(drawn, glyph(base, font)).getbbox() is not None


def test_the_box_test_would_catch_a_font_without_the_glyph() -> None:
    builtin = ImageFont.load_default(size=80)
    if glyph("Ж", builtin).tobytes() != glyph(MISSING, builtin).tobytes():
        pytest.skip("this Pillow's built-in font draws Cyrillic")
    assert glyph("Ж", builtin).tobytes() == glyph(MISSING, builtin).tobytes()


def test_a_cover_title_in_cyrillic_is_not_boxes() -> None:
    title_area = (0, 0, 1000, 300)
    real = Image.open(__import__("io").BytesIO(cover_png("Массаж", ["Круги"], "5:00", "ru")))
    boxes = Image.open(__import__("io").BytesIO(cover_png(MISSING * 6, ["Круги"], "5:00", "ru")))
    assert ImageChops.difference(real.crop(title_area), boxes.crop(title_area)).getbbox()
