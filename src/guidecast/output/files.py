"""Writing output files atomically: all of a build's files appear together, or none do.

Each file is written under a temporary name in the output folder and renamed into place only
when the whole build has succeeded, so a failed or interrupted build never leaves a broken file
where a good one stood. The renames are one step:

- a lock on the output folder keeps two builds of the same routine from interleaving their
  renames, so the MP3 and the manifest always come from the same build;
- SIGINT and SIGTERM wait until the renames are done;
- if one rename fails, the files already renamed are put back as they were.

Any `OSError` inside the `with` block becomes an `OutputError` naming the file being written,
such as "cannot write audio_out/x.mp3: No space left on device".
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from guidecast.core.errors import GuidecastError, OutputError
from guidecast.core.interrupts import Interrupted, signals_deferred

try:
    import fcntl
except ImportError:  # Windows: no folder locks; each rename is still atomic
    fcntl = None  # type: ignore[assignment]

TEMP_SUFFIX = ".part"


class AtomicOutputs:
    """`with AtomicOutputs(folder) as out: path = out.temp_for("x.mp3")` ... committed on exit."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._pending: list[tuple[Path, Path]] = []  # (temporary, final)
        self._scratch: list[Path] = []  # temporary files never committed

    def __enter__(self) -> AtomicOutputs:
        if self.folder.exists() and not self.folder.is_dir():
            raise OutputError(
                f"cannot use {self.folder} as the output folder: a file of that name is in the way"
            )
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise OutputError(
                f"cannot create the output folder {self.folder}: {_reason(err)}"
            ) from err
        try:  # the real test of writing there; os.access() says yes to root on read-only mounts
            with signals_deferred():
                fd, probe = tempfile.mkstemp(dir=self.folder, prefix=".guidecast-", suffix=".probe")
                os.close(fd)
                os.unlink(probe)
        except OSError as err:
            raise OutputError(
                f"cannot write to the output folder {self.folder}: {_reason(err)}"
            ) from err
        return self

    def temp_for(self, name: str) -> Path:
        """A new empty temporary file in the folder, renamed to `name` when the block ends.

        `name` may be in a subfolder (split tracks); the subfolder is made when committed.
        """
        final = self.folder / name
        _check_not_a_folder(final)
        try:
            with signals_deferred():  # never a temporary file that nobody will remove
                fd, temp = tempfile.mkstemp(
                    dir=self.folder, prefix=f".{final.name}.", suffix=TEMP_SUFFIX
                )
                os.close(fd)
                self._pending.append((Path(temp), final))
        except OSError as err:
            raise OutputError(f"cannot write {final}: {_reason(err)}") from err
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
        try:
            with signals_deferred():
                fd, temp = tempfile.mkstemp(
                    dir=self.folder, prefix=".guidecast.", suffix=TEMP_SUFFIX
                )
                os.close(fd)
                self._scratch.append(Path(temp))
        except OSError as err:
            raise OutputError(f"cannot write to {self.folder}: {_reason(err)}") from err
        return Path(temp)

    def discard(self) -> None:
        with signals_deferred():
            for temp in [temp for temp, _ in self._pending] + self._scratch:
                with contextlib.suppress(OSError):
                    temp.unlink()
            self._pending.clear()
            self._scratch.clear()

    def commit(self) -> list[Path]:
        """Rename every temporary file into place, all or none (see the module's notes)."""
        written: list[Path] = []
        with _folder_lock(self.folder):  # waiting for the lock can still be interrupted
            try:
                with signals_deferred():
                    for _, final in self._pending:
                        _check_not_a_folder(final)
                    written = self._rename_all()
            except Interrupted as err:  # it came during the renames, and waited for them
                err.files_written = bool(written)  # type: ignore[attr-defined]
                raise
        self._pending.clear()
        return written

    def _rename_all(self) -> list[Path]:
        backups: list[tuple[Path, Path]] = []  # (final, hard link to what it was before)
        done: list[Path] = []
        try:
            for temp, final in self._pending:
                backup = _backup(final)
                if backup is not None:
                    backups.append((final, backup))
                try:
                    final.parent.mkdir(parents=True, exist_ok=True)
                    os.chmod(temp, 0o644)
                    os.replace(temp, final)
                except OSError as err:
                    raise OutputError(f"cannot write {final}: {_reason(err)}") from err
                done.append(final)
        except BaseException:
            restore = dict(backups)
            for final in done:
                with contextlib.suppress(OSError):
                    if final in restore:
                        os.replace(restore.pop(final), final)
                    else:
                        final.unlink()
            raise
        finally:
            for _, backup in backups:
                with contextlib.suppress(OSError):
                    backup.unlink()
        return done

    def _blamed(self, err: OSError) -> Path:
        """The final name of the file an error was about: the one named, else the newest."""
        for temp, final in self._pending:
            if err.filename is not None and Path(err.filename) == temp:
                return final
        return self._pending[-1][1] if self._pending else self.folder

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        if exc is None:
            try:
                self.commit()
            finally:
                self.discard()  # whatever is still pending after a failed commit
            return
        os_error = _os_error(exc)
        blamed = self._blamed(os_error) if os_error is not None else None
        self.discard()
        if os_error is not None:
            raise OutputError(f"cannot write {blamed}: {_reason(os_error)}") from exc


def _os_error(exc: BaseException) -> OSError | None:
    """The OSError behind an exception: itself, or one a library wrapped (mutagen does).

    Never for the project's own errors (already worded) or for interruptions.
    """
    if isinstance(exc, GuidecastError) or not isinstance(exc, Exception):
        return None
    for candidate in (exc, *exc.args[:1], exc.__cause__):
        if isinstance(candidate, OSError):
            return candidate
    return None


def _reason(err: OSError) -> str:
    return err.strerror or str(err) or type(err).__name__


def _check_not_a_folder(final: Path) -> None:
    if final.is_dir():
        raise OutputError(f"cannot write {final}: a folder of that name is in the way")


def _backup(final: Path) -> Path | None:
    """A hard link to the file at `final`, to put it back if the commit fails; None if none."""
    if not final.is_file():
        return None
    backup = final.with_name(f".{final.name}.{os.getpid()}.old")
    with contextlib.suppress(OSError):
        backup.unlink()
    try:
        os.link(final, backup)
    except OSError:  # a file system without hard links: no roll-back for this file
        return None
    return backup


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive lock on the folder itself (no lock file left behind), where possible."""
    if fcntl is None:
        yield
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        yield
        return
    try:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
