"""The command line: `guidecast build`, `play`, `validate` ... (typer). Thin: each command
parses its options and calls the stages."""

from guidecast.cli.app import app, main

__all__ = ["app", "main"]
