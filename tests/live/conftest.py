"""Fixtures the live tests share: a routine file and its planned session."""

from tests.live.test_play import planned, routine_file

__all__ = ["planned", "routine_file"]
