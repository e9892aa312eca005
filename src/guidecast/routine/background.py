"""The `background` key (a sound bed under the voice) and the --background options: one reading
of a sound's name, a file's path, `off`, a level and a duck, for routine files and options."""

from __future__ import annotations

from pathlib import Path

from yaml.nodes import MappingNode, Node

from guidecast.core.defaults import (
    BED_FILE_TYPES,
    BED_SOUNDS,
    MAX_BED_DUCK,
    MAX_BED_LEVEL,
    MIN_BED_LEVEL,
)
from guidecast.core.errors import UsageError
from guidecast.core.spelling import did_you_mean
from guidecast.routine.model import Background
from guidecast.routine.nodes import InvalidValue, NodeReader, cut
from guidecast.routine.yaml_safety import BOOL_TAG

BACKGROUND_KEYS = ("sound", "level", "duck")
EXPECTED = f"one of {', '.join(BED_SOUNDS)}, off, or a sound file ({', '.join(BED_FILE_TYPES)})"


def source(value: str, folder: Path | None) -> Background | str:
    """A sound's name, `off` or a file's path as a `Background`; or what is wrong with it.
    A relative path is taken from `folder` (the routine file's), else the working folder."""
    name = value.strip()
    if name == "off":
        return Background(off=True)
    if name in BED_SOUNDS:
        return Background(sound=name)
    path = Path(name).expanduser()
    if path.suffix.lower() not in BED_FILE_TYPES:
        return f"unknown sound {cut(name)!r}{did_you_mean(name, BED_SOUNDS)}; " + (
            f"expected {EXPECTED}"
        )
    if not path.is_absolute() and folder is not None:
        path = folder / path
    if not path.is_file():
        return f"file {cut(name, 80)!r} not found (looked for {cut(str(path), 120)})"
    return Background(file=path)


def read_background(reader: NodeReader, node: Node, what: str, folder: Path | None) -> Background:
    """`background: rain`, `background: off`, `background: ./loop.ogg`, or the mapping
    `{sound, level, duck}` (a step's may leave out the sound: the routine's plays)."""
    place = f"{reader.name}:{node.start_mark.line + 1}:{node.start_mark.column + 1}"
    if not isinstance(node, MappingNode):
        return _sound(reader, node, what, folder, place)
    entries = reader.mapping(node, what, BACKGROUND_KEYS)
    found = reader.field(
        entries, "sound", lambda n: _sound(reader, n, f"{what} sound", folder, place), None
    )
    level = reader.field(
        entries,
        "level",
        lambda n: reader.number(n, f"{what} level (LU under the voice)", *_LEVELS),
        None,
    )
    duck = reader.field(
        entries,
        "duck",
        lambda n: reader.number(n, f"{what} duck (dB under speech)", 0, MAX_BED_DUCK),
        None,
    )
    if "sound" in entries and found is None:
        raise InvalidValue()
    base = found or Background()
    return Background(base.sound, base.file, level, duck, base.off, base.place)


_LEVELS = (MIN_BED_LEVEL, MAX_BED_LEVEL)


def _sound(reader: NodeReader, node: Node, what: str, folder: Path | None, place: str):
    if getattr(node, "tag", None) == BOOL_TAG and node.value.lower() in ("off", "false", "no"):
        return Background(off=True)  # YAML 1.1 reads a bare `off` as false
    made = source(reader.string(node, what), folder)
    if isinstance(made, str):
        raise reader.fail(node, f"{what}: {made}")
    return Background(made.sound, made.file, off=made.off, place=place)


def background_option(value: str | None, level: float | None) -> Background | None:
    """--background SOUND|FILE|off and --background-level LU, checked; None if neither."""
    if value is None and level is None:
        return None
    made = Background()
    if value is not None:
        found = source(value, None)
        if isinstance(found, str):
            raise UsageError(f"--background: {found}")
        made = Background(found.sound, found.file, off=found.off, place="--background")
    if level is not None and not MIN_BED_LEVEL <= level <= MAX_BED_LEVEL:
        raise UsageError(
            f"--background-level must be from {MIN_BED_LEVEL:g} to {MAX_BED_LEVEL:g} LU "
            f"(under the voice), got {level:g}"
        )
    return Background(made.sound, made.file, level, None, made.off, made.place)
