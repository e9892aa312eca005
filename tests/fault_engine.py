"""Speech engines that misbehave on purpose, loaded by worker processes in the fault tests.

They make a tone instead of speech; the text decides the fault: "<hang>" sleeps forever, "<crash>"
kills the worker, "once:<path>" hangs only the first time (it leaves a marker file at <path>).
"""

from __future__ import annotations

import math
import os
import struct
import time
from pathlib import Path

from guidecast.speech.engine import SpeechClip, SpeechRequest, VoiceInfo

RATE = 22050


class FaultyEngine:
    name = "faulty"

    def load(self) -> FaultyEngine:
        return self

    def version(self) -> str:
        return "faulty-1"

    def voices(self) -> list[VoiceInfo]:
        return [VoiceInfo("tone", "Tone", ("en",), self.name)]

    def resolve_voice(self, voice_id: str | None, language: str) -> str:
        return "tone"

    def synthesize(self, request: SpeechRequest) -> SpeechClip:
        text = request.text
        if "<hang>" in text:
            time.sleep(3600)
        if "<crash>" in text:
            os._exit(9)
        if text.startswith("once:"):
            marker = Path(text.split(":", 1)[1])
            if not marker.exists():
                marker.write_text("hung once")
                time.sleep(3600)
        samples = RATE // 2
        pcm = b"".join(
            struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / RATE)))
            for i in range(samples)
        )
        return SpeechClip(pcm=pcm, sample_rate=RATE)
