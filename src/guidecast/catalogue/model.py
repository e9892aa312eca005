"""A catalogue: the dimensions of a set of sessions, and the sessions they expand to."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from guidecast.output.settings import AudioSettings, Extras
from guidecast.routine.model import Background


@dataclass(frozen=True)
class VoiceChoice:
    """One voice of the matrix: an engine and a voice id (None: the routine's own), limited to
    some languages when a voice speaks only those (an espeak-ng id such as en+f3)."""

    label: str
    engine: str | None = None
    id: str | None = None
    rate: int | None = None
    languages: tuple[str, ...] = ()  # empty: every language

    def fits(self, language: str) -> bool:
        base = language.split("-")[0].lower()
        return not self.languages or base in self.languages or language.lower() in self.languages


@dataclass(frozen=True)
class LengthChoice:
    """One length of the matrix: a target length in seconds, a pace, or the routine as written."""

    label: str
    seconds: float | None = None
    pace: float | None = None


AS_WRITTEN = LengthChoice("as-written")


@dataclass(frozen=True)
class Catalogue:
    file: Path  # the catalogue file; routine paths and globs are relative to its folder
    title: str
    routines: tuple[str, ...]  # shipped names, files or globs, as written
    languages: tuple[str, ...]  # empty: each routine's own language
    voices: tuple[VoiceChoice, ...]
    lengths: tuple[LengthChoice, ...]
    audio: AudioSettings = field(default_factory=AudioSettings)
    extras: Extras = field(default_factory=Extras)
    background: Background | None = None
    cache: str | None = None  # a folder or an fsspec URL; None: the user's clip cache
