"""Real builds in every language, heard as a listener would: real espeak-ng voices, real MP3,
decoded. No English word in what a non-English session says or shows, counts and countdowns
complete however long the voice takes over its numbers, and the audio as long as promised."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from mutagen.id3 import ID3

from guidecast.language.phrases import ENGLISH, bank_for
from tests.listening import SPEECH_RMS, decode_mp3

pytestmark = pytest.mark.slow

# What an author writes, in each language: a count, a countdown, rounds, sides, time cues.
WORDS = {
    "en": (
        "Breathing",
        "Warm hands",
        "Rub your hands.",
        "Breathe in and out.",
        "Circles",
        "Make small circles.",
        ["left side", "right side"],
        "Welcome.",
    ),
    "es": (
        "Respiración",
        "Manos calientes",
        "Frota las manos.",
        "Inspira y espira.",
        "Círculos",
        "Haz círculos pequeños.",
        ["lado izquierdo", "lado derecho"],
        "Hola.",
    ),
    "fr": (
        "Respiration",
        "Mains chaudes",
        "Frottez vos mains.",
        "Inspirez, expirez.",
        "Cercles",
        "Faites de petits cercles.",
        ["côté gauche", "côté droit"],
        "Bienvenue.",
    ),
    "de": (
        "Atmung",
        "Warme Hände",
        "Reib deine Hände.",
        "Atme ein und aus.",
        "Kreise",
        "Mach kleine Kreise.",
        ["linke Seite", "rechte Seite"],
        "Willkommen.",
    ),
    "pt": (
        "Respiração",
        "Mãos quentes",
        "Esfregue as mãos.",
        "Inspire e expire.",
        "Círculos",
        "Faça pequenos círculos.",
        ["lado esquerdo", "lado direito"],
        "Olá.",
    ),
    "it": (
        "Respiro",
        "Mani calde",
        "Strofina le mani.",
        "Inspira ed espira.",
        "Cerchi",
        "Fai piccoli cerchi.",
        ["lato sinistro", "lato destro"],
        "Benvenuta.",
    ),
    "ru": (
        "Дыхание",
        "Тёплые руки",
        "Потрите ладони.",
        "Вдох и выдох.",
        "Круги",
        "Делайте маленькие круги.",
        ["левая сторона", "правая сторона"],
        "Здравствуйте.",
    ),
}
COUNT_TO, COUNTDOWN = 12, 5


def routine_text(tag: str) -> str:
    title, warm, rub, breathe, circles, small, sides, hello = WORDS[tag]
    return f"""\
guidecast: 1
title: {title}
language: {tag}
intro: {hello}
cues: {{countdown: {COUNTDOWN}, next_up: true}}
steps:
  - id: warm
    title: {warm}
    say: {rub}
    duration: 40s
    cues: {{halfway: true, time_left: [15s]}}
  - id: breathe
    title: {title}
    say: {breathe}
    duration: 3s
    count: {{to: {COUNT_TO}, every: 0.8s}}
    cues: {{countdown: {COUNTDOWN}}}  # a count and a countdown in one step: both complete
  - rounds: 2
    steps:
      - id: circles
        title: {circles}
        say: {small}
        duration: 6s
        sides: {{names: [{sides[0]}, {sides[1]}]}}
"""


def run_guidecast(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "guidecast", *args], capture_output=True, text=True, timeout=600
    )


# The words English cues are made of: counts, times, rounds, chapters.
ENGLISH_WORDS = {
    word
    for text in [
        *ENGLISH.templates.values(),
        *(ENGLISH.number(n) for n in range(1, 61)),
        *(ENGLISH.time(s) for s in (1, 2, 3600, 7200)),
        "Introduction Closing round of",
    ]
    for word in re.findall(r"[a-z]+", text.lower())
    if len(word) > 1
}


# Words of these languages spelled like an English one: French "six", "Introduction".
HOMOGRAPHS = {"es": {"ten"}, "fr": {"six", "introduction"}}


def english_in(texts: list[str], tag: str) -> dict[str, set[str]]:
    # Whole words, accents and all: "pressão" is not the English "press".
    found = {t: set(re.findall(r"[^\W\d_]+", t.lower())) & ENGLISH_WORDS for t in texts}
    found = {t: words - HOMOGRAPHS.get(tag, set()) for t, words in found.items()}
    return {t: words for t, words in found.items() if words}


@pytest.fixture(scope="module", params=sorted(WORDS))
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    tag = request.param
    folder = tmp_path_factory.mktemp(f"lang-{tag}")
    (folder / "routine.yaml").write_text(routine_text(tag), encoding="utf-8")
    out = folder / "out"
    result = run_guidecast("build", str(folder / "routine.yaml"), "-o", str(out), "--captions")
    assert result.returncode == 0, result.stderr
    [manifest_path] = out.glob("*.json")
    return tag, out, json.loads(manifest_path.read_text(encoding="utf-8"))


def test_the_manifest_is_in_the_routines_language(built) -> None:
    tag, _, manifest = built
    assert manifest["language"] == tag
    if tag == "en":
        return
    said = [c["text"] for c in manifest["cues"] if c["text"]]
    assert not english_in(said + [c["title"] for c in manifest["chapters"]], tag)
    kinds = {c["kind"] for c in manifest["cues"]}
    assert {"round", "side", "halfway", "time_left", "next_up", "count", "countdown"} <= kinds


def test_counts_and_countdowns_are_complete_and_heard(built) -> None:
    tag, out, manifest = built
    bank = bank_for(tag)
    audio = decode_mp3(out / manifest["audio"], manifest["sample_rate"])
    for step in manifest["steps"]:
        inside = [
            c
            for c in manifest["cues"]
            if c["step"] == step["id"] and step["perform_start_s"] <= c["start_s"] < step["end_s"]
        ]
        countdown = [c["text"] for c in inside if c["kind"] == "countdown"]
        assert countdown == [bank.number(n) for n in range(COUNTDOWN, 0, -1)], step
        if step["id"] == "breathe":
            counted = [c["text"] for c in inside if c["kind"] == "count"]
            assert counted == [bank.number(n) for n in range(1, COUNT_TO + 1)]
        for cue in inside:
            if cue["kind"] in ("count", "countdown"):
                assert audio.rms(cue["start_s"], cue["end_s"]) > SPEECH_RMS, cue
    assert not [n for n in manifest["notes"] if "dropped count" in n or "dropped countdown" in n]


def test_the_audio_is_as_long_as_the_manifest(built) -> None:
    _, out, manifest = built
    audio = decode_mp3(out / manifest["audio"], manifest["sample_rate"])
    assert len(audio.samples) == manifest["samples"]


def test_tags_and_captions_name_the_language(built) -> None:
    tag, out, manifest = built
    codes = {
        "en": "eng",
        "es": "spa",
        "fr": "fra",
        "de": "deu",
        "pt": "por",
        "it": "ita",
        "ru": "rus",
    }
    tags = ID3(out / manifest["audio"])
    assert tags["TLAN"].text == [codes[tag]]
    assert [frame.lang for frame in tags.getall("USLT")] == [codes[tag]]
    slug = manifest["slug"]
    assert (out / f"{slug}.vtt").read_text(encoding="utf-8").splitlines()[1] == f"Language: {tag}"


@pytest.mark.parametrize("tag", ["es", "fr", "de", "pt", "it", "ru"])
def test_lactation_massage_in_each_language(tag: str, tmp_path: Path) -> None:
    """The issue's 'done when': every spoken word, chapter, page string and cover letter."""
    out = tmp_path / "out"
    result = run_guidecast(
        "build", "lactation-massage", "--language", tag, "-o", str(out), "--page"
    )
    assert result.returncode == 0, result.stderr
    [manifest_path] = out.glob("*.json")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert manifest["language"] == tag
    texts = [c["text"] for c in manifest["cues"] if c["text"]]
    assert not english_in(texts, tag)
    assert not english_in([c["title"] for c in manifest["chapters"]], tag)
    page = (out / f"{manifest['slug']}.html").read_text(encoding="utf-8")
    assert f'<html lang="{tag}">' in page and "Before you start" not in page
    audio = decode_mp3(out / manifest["audio"], manifest["sample_rate"])
    assert len(audio.samples) == manifest["samples"]
    assert (out / f"{manifest['slug']}.png").stat().st_size > 10_000
