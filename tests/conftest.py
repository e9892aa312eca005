"""Shared test set-up: a private speech cache, and helpers to hear what a listener would."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every test run starts with an empty speech cache of its own (never the user's)."""
    folder = tmp_path_factory.mktemp("clip-cache")
    os.environ["GUIDECAST_CACHE_DIR"] = str(folder)
    return folder
