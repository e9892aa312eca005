"""The routines shipped inside the package, found by name: `guidecast build lactation-massage`."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from guidecast.core.errors import UsageError
from guidecast.core.spelling import did_you_mean
from guidecast.routine.model import Routine
from guidecast.routine.reader import read_routine_file


def routines_dir() -> Path:
    return Path(str(resources.files("guidecast.routine") / "shipped"))


def shipped_names() -> list[str]:
    folder = routines_dir()
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def resolve(name_or_path: str) -> Path:
    """A path to a routine file: the path given, or the shipped routine of that name."""
    path = Path(name_or_path)
    if path.exists() or path.suffix in (".yaml", ".yml") or "/" in name_or_path:
        return path
    shipped = routines_dir() / f"{name_or_path}.yaml"
    if shipped.is_file():
        return shipped
    names = shipped_names()
    raise UsageError(
        f"{name_or_path!r} is neither a file nor a shipped routine"
        f"{did_you_mean(name_or_path, names)}; shipped routines: {', '.join(names) or 'none'}"
    )


def load_routine(name_or_path: str) -> Routine:
    """The routine a user named: a file, or a shipped routine; messages name it as given."""
    path = resolve(name_or_path)
    return read_routine_file(path, display=name_or_path if path.name == name_or_path else str(path))
