"""The practice log: each session played in the app's player, to its end or stopped.

One SQLite file in the user's data folder (GUIDECAST_DATA_DIR overrides it, as
GUIDECAST_CACHE_DIR does for the clip cache). A row is made when a session starts playing and
updated as it plays, so a session closed mid-way is still there, as stopped. The streak is the
number of days in a row, up to today or yesterday, with a session played to its end. For
routines with sides, the side heard first is kept, so the next session can offer the other.
"""

from __future__ import annotations

import csv
import io
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from guidecast.core.errors import OutputError

LOG_NAME = "practice.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY,
    routine TEXT NOT NULL,          -- the routine's slug
    title TEXT NOT NULL,
    started TEXT NOT NULL,          -- ISO 8601, UTC
    length_s REAL NOT NULL,         -- the session's length
    played_s REAL NOT NULL DEFAULT 0,
    finished INTEGER NOT NULL DEFAULT 0,
    first_side TEXT                 -- the side heard first, for routines with sides
);
"""


def data_dir() -> Path:
    override = os.environ.get("GUIDECAST_DATA_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_data_dir("guidecast", appauthor=False))


@dataclass(frozen=True)
class Played:
    id: int
    routine: str
    title: str
    started: datetime
    length_s: float
    played_s: float
    finished: bool
    first_side: str | None


class PracticeLog:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or data_dir() / LOG_NAME

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # closing() closes the connection; the connection's own `with` is one transaction.
            with closing(sqlite3.connect(self.path, timeout=10)) as db, db:
                db.execute(_SCHEMA)
                yield db
        except sqlite3.Error as err:
            raise OutputError(f"cannot use the practice log {self.path}: {err}") from None
        except OSError as err:
            raise OutputError(f"cannot use the practice log {self.path}: {err.strerror}") from None

    def start(self, routine: str, title: str, length_s: float, first_side: str | None) -> int:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._db() as db:
            cursor = db.execute(
                "INSERT INTO sessions (routine, title, started, length_s, first_side) "
                "VALUES (?, ?, ?, ?, ?)",
                (routine, title, now, length_s, first_side),
            )
            return int(cursor.lastrowid or 0)

    def update(self, row: int, played_s: float, finished: bool) -> bool:
        """Record how far a session got; False when there is no such row."""
        with self._db() as db:
            cursor = db.execute(
                "UPDATE sessions SET played_s = MAX(played_s, MIN(?, length_s)), "
                "finished = MAX(finished, ?) WHERE id = ?",
                (max(0.0, played_s), int(finished), row),
            )
            return cursor.rowcount == 1

    def entries(self, limit: int | None = None) -> list[Played]:
        query = "SELECT * FROM sessions ORDER BY started DESC, id DESC"
        with self._db() as db:
            rows = db.execute(query + (f" LIMIT {int(limit)}" if limit else "")).fetchall()
        return [
            Played(r[0], r[1], r[2], datetime.fromisoformat(r[3]), r[4], r[5], bool(r[6]), r[7])
            for r in rows
        ]

    def last_first_side(self, routine: str) -> str | None:
        with self._db() as db:
            row = db.execute(
                "SELECT first_side FROM sessions WHERE routine = ? AND first_side IS NOT NULL "
                "AND played_s > 0 ORDER BY started DESC, id DESC LIMIT 1",
                (routine,),
            ).fetchone()
        return row[0] if row else None

    def streak(self, today: date | None = None) -> int:
        return streak(self.entries(), today)

    def csv_text(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(
            ["started", "routine", "title", "length_s", "played_s", "finished", "first_side"]
        )
        for e in reversed(self.entries()):
            writer.writerow(
                [
                    e.started.isoformat(),
                    e.routine,
                    e.title,
                    round(e.length_s, 1),
                    round(e.played_s, 1),
                    "yes" if e.finished else "no",
                    e.first_side or "",
                ]
            )
        return out.getvalue()


def streak(entries: list[Played], today: date | None = None) -> int:
    """Days in a row with a finished session, ending today (or yesterday: today may come)."""
    days = {e.started.astimezone().date() for e in entries if e.finished}
    day = today or datetime.now().astimezone().date()
    if day not in days:
        day -= timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count
