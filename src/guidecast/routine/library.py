"""The routines shipped inside the package, found by name: `guidecast build lactation-massage`.

The originals are `shipped/<name>.yaml`, in English. A translation is `shipped/<tag>/<name>.yaml`
under the same name (`shipped/es/lactation-massage.yaml`), found with a language:
`guidecast build lactation-massage --language es`. `guidecast list` shows which languages each
routine has.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from guidecast.core.errors import UsageError
from guidecast.core.spelling import did_you_mean
from guidecast.routine.model import Routine
from guidecast.routine.reader import read_routine_file

ORIGINAL_LANGUAGE = "en"


def routines_dir() -> Path:
    return Path(str(resources.files("guidecast.routine") / "shipped"))


def shipped_names() -> list[str]:
    folder = routines_dir()
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def translations(name: str) -> dict[str, Path]:
    """Every language a shipped routine comes in, the original first: {"en": ..., "es": ...}."""
    folder = routines_dir()
    found = (
        {ORIGINAL_LANGUAGE: folder / f"{name}.yaml"} if (folder / f"{name}.yaml").is_file() else {}
    )
    if folder.is_dir():
        for path in sorted(folder.glob(f"*/{name}.yaml")):
            found.setdefault(path.parent.name, path)
    return found


def shipped_languages() -> list[str]:
    """Every language some shipped routine comes in."""
    folder = routines_dir()
    subfolders = [p.name for p in folder.iterdir() if p.is_dir() and any(p.glob("*.yaml"))]
    return sorted({ORIGINAL_LANGUAGE, *subfolders}) if folder.is_dir() else []


def resolve(name_or_path: str, language: str | None = None) -> Path:
    """A path to a routine file: the path given, or the shipped routine of that name (in
    `language`, when given: its translation)."""
    path = Path(name_or_path)
    if path.exists() or path.suffix in (".yaml", ".yml") or "/" in name_or_path:
        if language is not None:
            raise UsageError(
                f"--language picks a translation of a shipped routine; {name_or_path} is a "
                "file, and speaks the language its 'language:' names"
            )
        return path
    shipped = routines_dir() / f"{name_or_path}.yaml"
    if shipped.is_file():
        return shipped if language is None else _translation(name_or_path, language)
    names = shipped_names()
    raise UsageError(
        f"{name_or_path!r} is neither a file nor a shipped routine"
        f"{did_you_mean(name_or_path, names)}; shipped routines: {', '.join(names) or 'none'}"
    )


def pick_version(versions: dict[str, Path], language: str) -> Path | None:
    """The version for `language` among {tag: path}: `es-MX` takes `es-mx/` if there is one,
    else `es/`; None if neither."""
    tag = language.replace("_", "-").lower()
    for wanted in (tag, tag.split("-")[0]):
        if wanted in versions:
            return versions[wanted]
    return None


def _translation(name: str, language: str) -> Path:
    found = translations(name)
    picked = pick_version(found, language)
    if picked is not None:
        return picked
    raise UsageError(
        f"the shipped routine {name!r} has no {language!r} version; it comes in: {', '.join(found)}"
    )


def load_routine(name_or_path: str, language: str | None = None) -> Routine:
    """The routine a user named: a file, or a shipped routine (in `language`, when given);
    messages name it as given."""
    path = resolve(name_or_path, language)
    return read_routine_file(path, display=name_or_path if path.name == name_or_path else str(path))
