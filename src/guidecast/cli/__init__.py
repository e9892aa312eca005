"""The command line: `guidecast build`, `play`, `validate` ... (typer). Thin: each command
parses its options and calls the stages."""

from guidecast.cli import catalogue, tools  # noqa: F401  (they register commands on the app)
from guidecast.cli.app import app, main

__all__ = ["app", "main"]
