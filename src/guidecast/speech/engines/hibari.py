"""The hibari engine: a small neural voice (ONNX, distilled from Kokoro), in the `hibari-tts` wheel.

The `heart` voice (American English, female) is inside the wheel and works offline. hibari's
other voices download on first use; guidecast never downloads while it builds, so they count as
available only when hibari's own cache already holds them, and are listed as "needs download"
otherwise. Output is float audio at 24 kHz; `speech.shaping` resamples it to the session rate.
Installed by `pip install 'guidecast[neural]'`.
"""

from __future__ import annotations

import os
from typing import Any

from guidecast.core.defaults import SPEECH_RATE
from guidecast.core.errors import SpeechError
from guidecast.speech.engine import SpeechClip, SpeechRequest, VoiceInfo
from guidecast.speech.engines import neural

DEFAULT_VOICE = "heart"
SEED = 0  # hibari adds a noise component: a fixed seed makes every clip reproducible
# Measured by guidecast.speech.measure.calibrate (scripts/engine_speed.py --calibrate):
# hibari's `speed` and the words per minute it gives (trimmed speech, routine sentences).
# Its pace moves in steps (it jumps by a fifth between speed 1.32 and 1.34), so a rate comes
# out within 7% of espeak-ng's pace from 100 to 360 (piper: within 1.5%); above, it tops out
# near 420 wpm (espeak-ng's pace at about 345).
SPEED_CURVE = neural.SpeedCurve(
    [(0.4, 90.2), (0.45, 105.4), (0.5, 111.8), (0.55, 118.0), (0.65, 138.5), (0.75, 163.5),
     (0.85, 200.7), (0.95, 218.4), (1.05, 225.2), (1.2, 246.5), (1.32, 261.7), (1.34, 323.4),
     (1.5, 345.2), (1.75, 357.5), (2.0, 394.1), (2.25, 420.9)]
)  # fmt: skip
GAIN = 1.85  # hibari speaks about 5 dB quieter than espeak-ng: level them at volume 1
CALIBRATION = 1  # bump when SPEED_CURVE, GAIN or the edge gating change


class HibariEngine:
    name = "hibari"
    requires = ("hibari", "onnxruntime", "numpy")

    def __init__(self) -> None:
        self._models: dict[str, Any] = {}

    def load(self) -> HibariEngine:
        """Cheap: checks the packages are there. The model loads on the first clip."""
        neural.require(self.name, self.requires)
        neural.worker_environment()
        return self

    def version(self) -> str:
        neural.require(self.name, self.requires)
        return (
            f"hibari-tts-{neural.dist_version('hibari-tts')}"
            f"+onnxruntime-{neural.dist_version('onnxruntime')}"
            f"+cal-{CALIBRATION}+rate-{SPEECH_RATE}+voice-{DEFAULT_VOICE}"
        )

    def voices(self) -> list[VoiceInfo]:
        from hibari.voices import VOICES

        found = []
        for voice_id, meta in VOICES.items():
            found.append(
                VoiceInfo(
                    id=voice_id,
                    name=f"{voice_id.capitalize()} ({meta['accent']} English, {meta['gender']})",
                    languages=(meta["language"],),
                    engine=self.name,
                    offline=_on_disk(voice_id),
                )
            )
        return found

    def resolve_voice(self, voice_id: str | None, language: str) -> str:
        return neural.match_voice(self.name, self.voices(), voice_id, language, DEFAULT_VOICE).id

    def _model(self, voice_id: str) -> Any:
        if voice_id not in self._models:
            from hibari import Hibari
            from hibari.voices import voice_path

            path = voice_path(voice_id, download_missing=False)
            self._models[voice_id] = Hibari(voice=voice_id, model=path, threads=neural.ONNX_THREADS)
        return self._models[voice_id]

    def synthesize(self, request: SpeechRequest) -> SpeechClip:
        if not any(ch.isalnum() for ch in request.text):
            raise SpeechError(f"nothing to speak in {request.text!r}")
        voice_id = self.resolve_voice(request.voice_id, request.language)
        tts = self._model(voice_id)
        volume = 1.0 if request.volume is None else request.volume
        rate = request.rate or SPEECH_RATE
        speed = SPEED_CURVE.setting(neural.target_wpm(rate))
        parts = list(tts.stream(request.text, speed=speed, seed=SEED))
        clip = neural.float_to_clip(
            parts, tts.sample_rate, GAIN * volume, neural.sentence_gap(rate)
        )
        if not clip.pcm:
            raise SpeechError(f"hibari made no audio for {request.text[:40]!r}")
        return clip


def _on_disk(voice_id: str) -> bool:
    from hibari.voices import voice_path

    try:
        return os.path.isfile(voice_path(voice_id, download_missing=False))
    except (FileNotFoundError, ValueError):
        return False
