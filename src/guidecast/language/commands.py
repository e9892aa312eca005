"""The words a listener may say to steer `guidecast play --listen`, per language.

Each language maps a spoken phrase to an action; several phrases may share one ("pause" and
"stop"). Short, common, acoustically distinct words: the recognizer (live/listen.py) decodes
each stand-alone utterance against these phrases and the session's own words, so a phrase here
should not sound like another one, nor be a word the guide itself says alone.

Recognition needs an acoustic model and dictionary for the language. The pocketsphinx wheel
ships US English only; no other pocketsphinx model is published on the package index (CMU's
models for German, French, Spanish, Russian, Italian, Portuguese and others are downloads from
the CMU Sphinx project, which guidecast never fetches). A language gets listening when a table
here and a model directory (`model`, relative to the pocketsphinx package or absolute) exist.
"""

from __future__ import annotations

from dataclasses import dataclass

ACTIONS = ("pause", "resume", "next", "back", "repeat", "slower", "faster", "finish", "done")


@dataclass(frozen=True)
class CommandWords:
    language: str
    phrases: dict[str, str]  # phrase as spoken (lowercase) -> action
    model: str  # acoustic model directory, relative to pocketsphinx's model folder
    dictionary: str  # pronunciation dictionary, relative to the same folder

    def action(self, phrase: str) -> str | None:
        return self.phrases.get(" ".join(phrase.lower().split()))


ENGLISH = CommandWords(
    language="en",
    phrases={
        "pause": "pause",
        "stop": "pause",
        "continue": "resume",
        "go on": "resume",
        "next": "next",
        "back": "back",
        "repeat": "repeat",
        "slower": "slower",
        "faster": "faster",
        "finish": "finish",
        "done": "done",
    },
    model="en-us/en-us",
    dictionary="en-us/cmudict-en-us.dict",
)

COMMANDS: dict[str, CommandWords] = {"en": ENGLISH}


def commands_for(language: str) -> CommandWords | None:
    """The command words for a language tag (`en-GB` -> `en`), or None when it has none yet."""
    return COMMANDS.get(language.lower().split("-")[0].split("_")[0])
