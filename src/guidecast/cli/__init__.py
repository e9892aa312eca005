"""The command line: `guidecast build`, `play`, `validate` ... (typer). Thin: each command
parses its options and calls the stages."""

from guidecast.cli import tools  # noqa: F401  (registers its commands on the app)
from guidecast.cli.app import app, main

__all__ = ["app", "main"]
