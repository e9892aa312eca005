"""The practice log: rows as sessions play, the streak, the side started on, CSV, and
`guidecast log`."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

from guidecast.serve.practice import Played, PracticeLog, streak


def played(day: date, finished: bool = True) -> Played:
    when = datetime(day.year, day.month, day.day, 12).astimezone()
    return Played(1, "r", "R", when, 60, 60 if finished else 10, finished, None)


def test_the_streak_counts_days_in_a_row_with_a_finished_session() -> None:
    today = date(2026, 3, 10)
    days = [today - timedelta(days=n) for n in (0, 1, 2, 4)]
    assert streak([played(d) for d in days], today) == 3
    # Nothing yet today: the streak up to yesterday still stands.
    assert streak([played(d) for d in days[1:]], today) == 2
    assert streak([played(today - timedelta(days=2))], today) == 0
    # Stopped sessions do not count; two on one day count once.
    assert streak([played(today, finished=False), played(today - timedelta(days=1))], today) == 1
    assert streak([played(today), played(today)], today) == 1
    assert streak([], today) == 0


def test_rows_are_kept_as_sessions_play(tmp_path: Path) -> None:
    log = PracticeLog(tmp_path / "log.sqlite3")
    first = log.start("massage", "Massage", 600.0, "left breast")
    assert log.update(first, 120.0, finished=False)
    second = log.start("massage", "Massage", 600.0, "right breast")
    assert log.update(second, 700.0, finished=True)  # never more than the session's length
    assert log.update(second, 5.0, finished=False)  # a late, smaller update changes nothing
    assert not log.update(999, 1.0, finished=True)
    newest, oldest = log.entries()
    assert (newest.played_s, newest.finished) == (600.0, True)
    assert (oldest.played_s, oldest.finished) == (120.0, False)
    assert log.last_first_side("massage") == "right breast"
    assert log.last_first_side("other") is None
    assert log.streak() == 1
    rows = list(csv.DictReader(io.StringIO(log.csv_text())))
    assert [r["finished"] for r in rows] == ["no", "yes"]  # oldest first
    assert rows[1]["first_side"] == "right breast"


def test_guidecast_log_prints_the_log_and_its_csv(tmp_path: Path) -> None:
    env = {**os.environ, "GUIDECAST_DATA_DIR": str(tmp_path)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "guidecast", "log", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )

    empty = run()
    assert empty.returncode == 0 and "no sessions played yet" in empty.stdout
    log = PracticeLog(tmp_path / "practice.sqlite3")
    row = log.start("baby", "Back massage for your baby", 420.0, None)
    log.update(row, 420.0, finished=True)
    shown = run()
    assert shown.returncode == 0, shown.stderr
    assert "Back massage for your baby" in shown.stdout
    assert "7:00 of 7:00" in shown.stdout and "played to the end" in shown.stdout
    assert "streak: 1 day in a row" in shown.stdout
    as_csv = run("--csv")
    assert as_csv.stdout.startswith("started,routine,title,")
    assert "Back massage for your baby,420.0,420.0,yes" in as_csv.stdout


def test_an_unusable_log_is_one_line_naming_it(tmp_path: Path) -> None:
    (tmp_path / "practice.sqlite3").write_text("not a database " * 100)
    result = subprocess.run(
        [sys.executable, "-m", "guidecast", "log"],
        capture_output=True,
        text=True,
        env={**os.environ, "GUIDECAST_DATA_DIR": str(tmp_path)},
        timeout=60,
    )
    assert result.returncode == 1
    assert "practice.sqlite3" in result.stderr and "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
