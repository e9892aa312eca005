"""Writing output files atomically: all of a build's files appear together, or none do.

Each file is written under a temporary name in the output folder and renamed into place only
when the whole build has succeeded, so a failed or interrupted build never leaves a broken file
where a good one stood.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from guidecast.errors import OutputError


class AtomicOutputs:
    """`with AtomicOutputs(folder) as out: path = out.temp_for("x.mp3")` ... committed on exit."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._pending: list[tuple[Path, Path]] = []  # (temporary, final)
        self._scratch: list[Path] = []

    def __enter__(self) -> AtomicOutputs:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise OutputError(
                f"cannot create the output folder {self.folder}: {err.strerror}"
            ) from None
        if not os.access(self.folder, os.W_OK | os.X_OK):
            raise OutputError(f"cannot write to the output folder {self.folder}: permission denied")
        return self

    def temp_for(self, name: str) -> Path:
        """A temporary file for `name` (which may be in a subfolder, made when committed)."""
        final = self.folder / name
        fd, temp = tempfile.mkstemp(dir=self.folder, prefix=f".{final.name}.", suffix=".part")
        os.close(fd)
        self._pending.append((Path(temp), final))
        return Path(temp)

    def temp_path(self, name: str) -> Path:
        """The temporary file already made for `name`."""
        final = self.folder / name
        for temp, pending in self._pending:
            if pending == final:
                return temp
        raise KeyError(name)

    def scratch(self) -> Path:
        """A temporary file that is never committed, removed with the others."""
        fd, temp = tempfile.mkstemp(dir=self.folder, prefix=".guidecast.", suffix=".part")
        os.close(fd)
        self._scratch.append(Path(temp))
        return Path(temp)

    def discard(self) -> None:
        for temp, _ in self._pending:
            with contextlib.suppress(OSError):
                temp.unlink()
        self._pending.clear()

    def commit(self) -> list[Path]:
        written = []
        for temp, final in self._pending:
            final.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(temp, 0o644)
            os.replace(temp, final)
            written.append(final)
        self._pending.clear()
        return written

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if exc_type is None:
                self.commit()
            else:
                self.discard()
        finally:
            for temp in self._scratch:
                with contextlib.suppress(OSError):
                    temp.unlink()
