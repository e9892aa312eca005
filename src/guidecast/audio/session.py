"""A session planned to the sample: the routine, its script and timeline, and a clip for every
text. `build.plan` makes it; leveling brings its voice to one loudness; output writes it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from guidecast.audio.bed import Bed, BedLayout
from guidecast.audio.leveling import Loudness, level
from guidecast.language.phrases import unsupported_note
from guidecast.routine.model import Routine
from guidecast.script.model import Script
from guidecast.speech.engine import SpeechClip
from guidecast.timeline.layout import Timeline
from guidecast.timeline.notes import Note

if TYPE_CHECKING:
    from guidecast.speech.cache import ClipCache


@dataclass
class Session:
    """A routine planned to the sample: everything needed to render it."""

    routine: Routine
    script: Script
    timeline: Timeline
    clips: dict[str, SpeechClip] = field(repr=False)
    loudness: float | None = None  # LUFS, once leveled
    leveled_to: Loudness | None = None  # what the leveling aimed for
    loudness_capped: bool = False  # the gain stopped short: the limiter would flatten the voice
    bed_layout: BedLayout | None = None  # where a sound bed plays, if anywhere
    bed: Bed | None = None  # ... at its gains, once leveled

    @property
    def notes(self) -> tuple[Note | str, ...]:
        """What the build should tell the user: a language without built-in phrases, the
        timeline's notes, and a loudness target the voice could not reach."""
        notes: tuple[Note | str, ...] = (
            *filter(None, [unsupported_note(self.routine.language)]),
            *self.timeline.notes,
        )
        if self.bed_layout is not None:
            notes += self.bed_layout.notes
        aim, reached = self.leveled_to, self.loudness
        if self.loudness_capped and aim and aim.target is not None and reached is not None:
            notes += (
                f"the session reaches {reached:.1f} LUFS, not {aim.target:g}: a louder voice "
                f"would be flattened by limiting its peaks under {aim.ceiling:g} dBTP",
            )
        return notes


def level_session(session: Session, loudness: Loudness, cache: ClipCache | None = None) -> Session:
    """The session with its voice at the target loudness and its peaks limited.

    The session's clips are replaced in place: the session given is leveled too."""
    made = level(session.timeline, session.clips, loudness, cache, bed=session.bed_layout)
    return replace(
        session,
        loudness=made.loudness,
        leveled_to=loudness,
        loudness_capped=made.capped,
        bed=made.bed,
    )
