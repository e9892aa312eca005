"""The routines the app offers: the shipped library, the routines in the served folder, and the
person's own (uploaded or pasted, kept in the data folder once valid).

Each routine has an id for URLs: its file's stem, made unique ("-2", "-3") when two origins
share a stem, the shipped ones first. Ids are matched against this list, never joined to a
path, so no URL can name a file outside these folders.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from guidecast.core.errors import GuidecastError, RoutineError, UsageError
from guidecast.core.names import slugify
from guidecast.output.files import AtomicOutputs
from guidecast.routine.library import routines_dir, shipped_names
from guidecast.routine.model import Routine
from guidecast.routine.reader import parse_routine, read_routine_file
from guidecast.routine.yaml_safety import MAX_FILE_BYTES, read_text

ORIGINS = ("shipped", "folder", "mine")
_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,80}")


@dataclass(frozen=True)
class Entry:
    id: str
    path: Path
    origin: str  # one of ORIGINS


@dataclass(frozen=True)
class Loaded:
    entry: Entry
    routine: Routine
    text: str  # the file's text: part of every build's key, so an edit makes a new build

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


class Catalog:
    def __init__(self, folder: Path | None, mine: Path) -> None:
        self.folder = folder
        self.mine = mine

    def entries(self) -> list[Entry]:
        found: list[Entry] = []
        taken: set[str] = set()

        def add(path: Path, origin: str) -> None:
            base = slugify(path.stem) or "routine"
            name, n = base, 1
            while name in taken:
                n += 1
                name = f"{base}-{n}"
            taken.add(name)
            found.append(Entry(name, path, origin))

        for name in shipped_names():
            add(routines_dir() / f"{name}.yaml", "shipped")
        for origin, folder in (("folder", self.folder), ("mine", self.mine)):
            if folder is not None and folder.is_dir():
                for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
                    add(path, origin)
        return found

    def entry(self, routine_id: str) -> Entry:
        if _ID.fullmatch(routine_id):
            for entry in self.entries():
                if entry.id == routine_id:
                    return entry
        raise LookupError(routine_id)

    def load(self, routine_id: str) -> Loaded:
        """The routine; RoutineError when its file is not valid, LookupError when unknown."""
        entry = self.entry(routine_id)
        text = read_text(entry.path, entry.path.name)
        return Loaded(entry, read_routine_file(entry.path, display=entry.path.name), text)

    def add_own(self, text: str, file_name: str | None) -> Entry:
        """Store a routine the person uploaded or pasted, once it is valid; nothing otherwise."""
        name = _display_name(file_name)
        if len(text.encode("utf-8")) > MAX_FILE_BYTES:
            raise UsageError(f"{name}: a routine file must be at most {MAX_FILE_BYTES:,} bytes")
        routine = parse_routine(text.removeprefix("\ufeff"), name)  # RoutineError: not stored
        stem = slugify(Path(file_name).stem if file_name else routine.title) or "routine"
        target = self.mine / f"{stem}.yaml"
        n = 1
        while target.exists() and target.read_text(encoding="utf-8", errors="replace") != text:
            n += 1
            target = self.mine / f"{stem}-{n}.yaml"
        with AtomicOutputs(self.mine) as outputs:
            outputs.temp_for(target.name).write_text(text, encoding="utf-8")
        return next(e for e in self.entries() if e.path == target)


def _display_name(file_name: str | None) -> str:
    """The name errors are shown under: the uploaded file's own name, or "pasted routine"."""
    if not file_name:
        return "pasted routine"
    return Path(file_name.replace("\\", "/")).name[:100] or "uploaded routine"


def problem_lines(err: GuidecastError) -> list[str]:
    """Each problem as `validate` prints it (file:line:column: message), and an option's
    message as a page says it ("--length 10m cannot..." -> "Length 10m cannot...")."""
    if isinstance(err, RoutineError):
        return [str(problem) for problem in err.problems]
    return [re.sub(r"^--([a-z]+)", lambda m: m.group(1).capitalize(), str(err))]
