"""guidecast: turn a routine written in YAML into a paced, voice-guided audio session.

The names a program may import (docs/architecture.md shows where each stage lives):

    from guidecast import Pacing, build, load_routine
    routine = load_routine("lactation-massage")     # a shipped routine, or a file path
    result = build.build(routine, Path("out"), Pacing(pace=1.25))

`guidecast.build` is the module that wires the stages (`build.build` writes a session's files,
`plan` lays a routine out to the sample, speech included); `Routine` is the validated routine,
`Pacing` the listener's pacing, and `SpeechEngine` the protocol a speech engine implements.
They are imported on first use, so `import guidecast` stays light.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_PUBLIC = {
    "plan": "guidecast.build",
    "Extras": "guidecast.build",
    "AudioSettings": "guidecast.build",
    "Routine": "guidecast.routine.model",
    "load_routine": "guidecast.routine.library",
    "Pacing": "guidecast.routine.pacing",
    "SpeechEngine": "guidecast.speech.engine",
}
__all__ = [  # and `build`, the module guidecast.build
    "AudioSettings",
    "Extras",
    "Pacing",
    "Routine",
    "SpeechEngine",
    "__version__",
    "build",
    "load_routine",
    "plan",
]


def __getattr__(name: str) -> Any:
    # Lazily, and by name only (no import statement: the stages below import __version__ from
    # here, and import-linter would read one as the root importing the top stage). Worker
    # processes import guidecast.audio.dsp and must not load the whole pipeline.
    if name == "build":
        import importlib

        return importlib.import_module("guidecast.build")
    if name in _PUBLIC:
        import importlib

        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'guidecast' has no attribute {name!r}")
