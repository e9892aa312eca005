"""The words a listener may say to steer `guidecast play --listen`, per language.

Each language maps a spoken phrase to an action; several phrases may share one ("wait",
"pause" and "stop"). The recognizer (live/listen.py) decodes each stand-alone utterance
against these phrases and a garbage path (any one phone) that stands for anything else, so a
phrase here should not sound like another one, nor be a word the guide itself says alone.

Each action has a phrase chosen to be heard in noise, first, and the plain word of the issue
that asked for listening after it. Measured before the noise filter (live/denoise.py), with
the voices and rates of tests/live/test_listen_accuracy.py, in white noise at 10 dB SNR: the
plain one-syllable words lose their stops and fricatives ("next", "stop", "back", "pause",
"finish", "faster", "slower": 0 to 7 of 16 each) while voiced phrases of two or three
syllables survive ("wait", "move on", "previous", "more time", "less time",
"finish now", "i'm done": 14 to 16 of 16 each). "the end" was tried for finish and dropped: a
"pause" in quiet was heard as it 9 times in 16.

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
        "wait": "pause",
        "pause": "pause",
        "stop": "pause",
        "continue": "resume",
        "go on": "resume",
        "move on": "next",
        "next": "next",
        "previous": "back",
        "back": "back",
        "say again": "repeat",
        "repeat": "repeat",
        "more time": "slower",
        "slower": "slower",
        "less time": "faster",
        "faster": "faster",
        "finish now": "finish",
        "finish": "finish",
        "i'm done": "done",
        "done": "done",
    },
    model="en-us/en-us",
    dictionary="en-us/cmudict-en-us.dict",
)

COMMANDS: dict[str, CommandWords] = {"en": ENGLISH}


def commands_for(language: str) -> CommandWords | None:
    """The command words for a language tag (`en-GB` -> `en`), or None when it has none yet."""
    return COMMANDS.get(language.lower().split("-")[0].split("_")[0])
