"""The matrix: which routine files a catalogue names, and every session they expand to.

`find_routines` looks at the disk (names, globs, translations); `expand` is pure: the same
catalogue and routines give the same sessions, in the same order.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path

from guidecast.catalogue.model import Catalogue, LengthChoice, VoiceChoice
from guidecast.core.errors import GuidecastError, UsageError
from guidecast.core.names import slugify
from guidecast.routine.library import pick_version, routines_dir, translations
from guidecast.routine.reader import read_routine_file


@dataclass(frozen=True)
class Source:
    """One routine of the catalogue: its versions by language, or why it cannot be read."""

    name: str  # a shipped routine's name, or a file's stem: the first folder of its sessions
    shown: str  # as the catalogue wrote it (or the file a glob found)
    versions: dict[str, Path] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True)
class SessionSpec:
    id: str  # routine/language/voice/length: its folder under the catalogue's output
    routine: str  # the Source's name
    path: Path
    language: str
    voice: VoiceChoice
    length: LengthChoice


@dataclass(frozen=True)
class Failure:
    id: str
    routine: str
    language: str | None
    message: str


def find_routines(catalogue: Catalogue) -> list[Source]:
    """Each routine the catalogue names: a shipped one (with its translations) or files
    (a glob relative to the catalogue file's folder; `<folder>/<tag>/<file>` is a translation,
    as shipped ones are kept). A name or glob that finds nothing is a `UsageError`."""
    base = catalogue.file.parent
    found: list[Source] = []
    names: set[str] = set()
    for entry in catalogue.routines:
        if "/" not in entry and "*" not in entry and not entry.endswith((".yaml", ".yml")):
            if not (routines_dir() / f"{entry}.yaml").is_file():
                raise UsageError(
                    f"{catalogue.file}: routines: {entry!r} is neither a file nor a shipped routine"
                    " (guidecast list shows them)"
                )
            found.append(Source(entry, entry, translations(entry)))
            names.add(entry)
            continue
        pattern = entry if Path(entry).is_absolute() else str(base / entry)
        paths = sorted(Path(p) for p in glob.glob(pattern)) if "*" in entry else [Path(pattern)]
        paths = [p for p in paths if p.is_file() and not p.samefile(catalogue.file)]
        if not paths:
            raise UsageError(f"{catalogue.file}: routines: {entry!r} finds no routine file")
        for path in paths:
            name = _unique(slugify(path.stem), names)
            found.append(_file_source(name, path))
    return found


def _unique(name: str, taken: set[str]) -> str:
    wanted, number = name, 2
    while name in taken:
        name, number = f"{wanted}-{number}", number + 1
    taken.add(name)
    return name


def _file_source(name: str, path: Path) -> Source:
    """A routine file's versions: its own language (read from it), and `<tag>/<file>` beside it."""
    versions: dict[str, Path] = {}
    error = None
    try:
        versions[read_routine_file(path).language.lower()] = path
    except GuidecastError as err:
        error = str(err)
    for translated in sorted(path.parent.glob(f"*/{path.name}")):
        versions.setdefault(translated.parent.name.lower(), translated)
    return Source(name, str(path), versions, error)


def expand(catalogue: Catalogue, sources: list[Source]) -> tuple[list[SessionSpec], list[Failure]]:
    """Every session: routine x language x voice x length. A routine that cannot be read is
    one failure; a language a routine has no version in is skipped (most catalogues are
    translated in part), and so is a voice limited to other languages."""
    sessions: list[SessionSpec] = []
    failures: list[Failure] = []
    for source in sources:
        if source.error is not None:
            failures.append(Failure(source.name, source.name, None, source.error))
        languages = catalogue.languages or tuple(source.versions)[:1]
        for language in languages:
            path = _version(source, language)
            if path is None:
                continue
            for voice in catalogue.voices:
                if not voice.fits(language):
                    continue
                for length in catalogue.lengths:
                    sessions.append(
                        SessionSpec(
                            f"{source.name}/{language}/{voice.label}/{length.label}",
                            source.name,
                            path,
                            language,
                            voice,
                            length,
                        )
                    )
    return sessions, failures


def _version(source: Source, language: str) -> Path | None:
    return pick_version(source.versions, language)


def missing_languages(catalogue: Catalogue, sources: list[Source]) -> list[str]:
    """`name: fr` for each routine without a version in a language the catalogue asks for."""
    return [
        f"{source.name}: {language}"
        for source in sources
        if source.error is None
        for language in catalogue.languages
        if _version(source, language) is None
    ]
