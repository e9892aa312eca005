"""The planned timeline, as the page's controls change: no audio is made.

Laying out a timeline needs each spoken line's length, so the first plan of a routine in a
voice speaks its lines once (into the clip cache, which the build then reuses); after that a
plan is the pure layout: about 25 ms for the longest shipped routine. Plans run one at a time,
in a worker thread, with one `Voice` (and its speech workers) kept per voice setting.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from guidecast.build import Session, plan
from guidecast.core.defaults import SAMPLE_RATE as DEFAULT_SAMPLE_RATE
from guidecast.core.durations import format_length
from guidecast.output.manifest import manifest
from guidecast.routine.model import Routine, VoiceSettings
from guidecast.routine.pacing import Pacing
from guidecast.speech.voice import Voice, voice_for

KEPT_VOICES = 3  # each keeps its speech worker processes: a few, not one per voice tried


class Planner:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._voices: OrderedDict[tuple[VoiceSettings, str], Voice] = OrderedDict()

    def session(self, routine: Routine, pacing: Pacing) -> Session:
        """The routine planned with this pacing (raises the library's errors)."""
        with self._lock:
            voice = voice_for(routine, pacing, DEFAULT_SAMPLE_RATE)
            key = (voice.settings, voice.language)
            kept = self._voices.pop(key, None)
            if kept is not None:
                voice = kept
            self._voices[key] = voice
            while len(self._voices) > KEPT_VOICES:
                self._voices.popitem(last=False)[1].close()
            # A fresh spool each time: a voice appends every plan's clips to its spool, which
            # would grow with each change on the page; the old one goes with its session.
            voice.spool = None
            return plan(routine, pacing, voice)

    def close(self) -> None:
        with self._lock:
            for voice in self._voices.values():
                voice.close()
            self._voices.clear()


def plan_view(session: Session) -> dict[str, Any]:
    """The plan as the page shows it: total length, and each step's span (sides and rounds
    apart), in the manifest's own terms."""
    timeline = session.timeline
    data = manifest(session.routine, timeline, "")
    return {
        "seconds": round(timeline.seconds, 3),
        "clock": format_length(timeline.seconds),
        "steps": data["steps"],
        "notes": data["notes"],
    }
