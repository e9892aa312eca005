"""The neural engines (hibari, piper) behind the same interface as pyttsx3.

Tests that speak need the engine installed (`pip install 'guidecast[neural]'`, which
scripts/test does); without it they are skipped, with the install hint as the reason. The rest
check the engine-independent parts: the missing-engine message, the calibration tables, voice
choice, the cache key.
"""

from __future__ import annotations

import array
import json
import math
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from guidecast.core.errors import EngineNotInstalledError, VoiceNotFoundError
from guidecast.routine.library import routines_dir
from guidecast.routine.model import VoiceSettings
from guidecast.speech.cache import ClipCache
from guidecast.speech.engine import SpeechClip, SpeechRequest, VoiceInfo
from guidecast.speech.engines import neural
from guidecast.speech.workers import ENGINES, SpeechPool, engine_class
from tests.listening import SILENCE_PEAK, SPEECH_RMS, Decoded, decode_mp3

NEURAL = ["hibari", "piper"]
SENTENCE = "Breathe in slowly, and let your shoulders drop."  # 8 words: about 2.5 s at 160
BLOCK_IMPORTS = """\
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ModuleNotFoundError(name)
sys.meta_path.insert(0, Block())
sys.argv = ["guidecast", *{args!r}]
from guidecast.cli import main
main()
"""


def installed(engine: str) -> None:
    try:
        engine_class(engine)
    except EngineNotInstalledError as err:
        pytest.skip(str(err))


def run_guidecast(*args: str, blocked: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """The CLI in a subprocess; `blocked` top-level modules cannot be imported there."""
    code = BLOCK_IMPORTS.format(blocked=set(blocked), args=list(args))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)


def rms(clip: SpeechClip) -> float:
    samples = array.array("h", clip.pcm)
    return math.sqrt(sum(v * v for v in samples) / len(samples))


def peak(clip: SpeechClip) -> int:
    return max(abs(v) for v in array.array("h", clip.pcm))


@pytest.fixture(scope="module", params=NEURAL)
def pool(request: pytest.FixtureRequest) -> Iterator[SpeechPool]:
    installed(request.param)
    with SpeechPool(request.param, 22050, workers=1) as speech:
        yield speech


def speak(pool: SpeechPool, *requests: SpeechRequest) -> list[SpeechClip]:
    clips: dict[int, SpeechClip] = {}
    pool.synthesize([(r, "test") for r in requests], clips.__setitem__)
    return [clips[i] for i in range(len(requests))]


# Speech from each installed neural engine.


def test_a_sentence_is_speech_of_the_expected_length(pool: SpeechPool) -> None:
    (clip,) = speak(pool, SpeechRequest(SENTENCE))
    assert clip.sample_rate == 22050  # resampled to the session rate (hibari makes 24 kHz)
    assert 1.0 < clip.seconds < 4.0
    assert rms(clip) > 4 * SPEECH_RMS  # espeak-ng's level: about -21 dBFS, RMS near 3000
    assert peak(clip) <= 32767 * neural.PEAK_LIMIT + 1  # never clipped
    # trimmed to the words: sound within the first and last 60 ms
    edge = round(0.06 * clip.sample_rate) * 2
    assert peak(SpeechClip(clip.pcm[:edge], clip.sample_rate)) > SILENCE_PEAK
    assert peak(SpeechClip(clip.pcm[-edge:], clip.sample_rate)) > SILENCE_PEAK // 4


def test_twice_the_rate_is_shorter(pool: SpeechPool) -> None:
    calm, fast = speak(pool, SpeechRequest(SENTENCE, rate=150), SpeechRequest(SENTENCE, rate=300))
    assert 0.4 < fast.seconds / calm.seconds < 0.7


def test_rate_means_the_pace_of_espeak(pool: SpeechPool) -> None:
    """At the same rate, a neural voice takes about as long as espeak-ng over a few lines."""
    lines = [SENTENCE, "Wash your hands, and rub them together until they are warm and dry."]
    neural_s = sum(c.seconds for c in speak(pool, *(SpeechRequest(t, rate=180) for t in lines)))
    with SpeechPool("pyttsx3", 22050, workers=1) as espeak:
        espeak_s = sum(
            c.seconds for c in speak(espeak, *(SpeechRequest(t, rate=180) for t in lines))
        )
    assert 0.8 < neural_s / espeak_s < 1.25


def test_volume_is_a_gain(pool: SpeechPool) -> None:
    full, half = speak(
        pool, SpeechRequest(SENTENCE, volume=1.0), SpeechRequest(SENTENCE, volume=0.5)
    )
    # about half (a clip that would peak above the limit is scaled down at volume 1)
    assert 0.45 < rms(half) / rms(full) < 0.62
    assert abs(half.seconds - full.seconds) < 0.15 * full.seconds


def test_the_default_voice_speaks_english(pool: SpeechPool) -> None:
    voice = pool.check_voice(None, "en-GB")
    assert voice in {"heart", "joe"}
    infos = {v.id: v for v in pool.voices()}
    assert infos[voice].offline


def test_an_unknown_voice_names_the_voices_there(pool: SpeechPool) -> None:
    with pytest.raises(
        VoiceNotFoundError, match=r"voice 'nobody' does not exist in the \w+ engine"
    ):
        pool.check_voice("nobody", "en")


def test_a_language_without_a_voice_is_an_error(pool: SpeechPool) -> None:
    with pytest.raises(VoiceNotFoundError, match="has no voice for language 'de'"):
        pool.check_voice(None, "de")


def test_a_voice_that_needs_a_download_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed("hibari")
    monkeypatch.setenv("HIBARI_HOME", str(tmp_path))  # hibari's download cache: empty
    with SpeechPool("hibari", workers=1) as hibari:
        listed = {v.id: v.offline for v in hibari.voices()}
        assert listed["heart"] is True
        assert listed["emma"] is False  # listed as "needs download", never used
        with pytest.raises(VoiceNotFoundError, match="'emma' of the hibari engine needs a down"):
            hibari.check_voice("emma", "en")
    assert not any(tmp_path.iterdir())  # nothing was downloaded


def test_hibari_gives_the_same_clip_for_the_same_request() -> None:
    installed("hibari")
    with SpeechPool("hibari", 16000, workers=1) as hibari:
        first, again = speak(hibari, SpeechRequest(SENTENCE), SpeechRequest(SENTENCE))
    assert first == again  # a fixed seed: hibari's noise component is reproducible
    assert first.sample_rate == 16000  # any session rate


# The same interface without the neural packages: what a user without the extra meets.


class NeedsAMissingModule:
    name = "absent"
    requires = ("guidecast_no_such_module",)


def test_a_missing_engine_names_the_extra_to_install() -> None:
    with pytest.raises(EngineNotInstalledError) as caught:
        engine_class("tests.speech.test_neural:NeedsAMissingModule")
    assert caught.value.exit_code == 2
    assert str(caught.value) == (
        "the tests.speech.test_neural:NeedsAMissingModule engine is not installed; "
        "install it with: pip install 'guidecast[neural]'"
    )


@pytest.mark.parametrize("engine", NEURAL)
def test_build_with_a_missing_engine_is_one_line_and_exit_2(engine: str, tmp_path: Path) -> None:
    result = run_guidecast(
        "build", "baby-daily-back", "--engine", engine, "-o", str(tmp_path), blocked=(engine,)
    )
    assert result.returncode == 2
    assert result.stderr == (
        f"guidecast: the {engine} engine is not installed; "
        "install it with: pip install 'guidecast[neural]'\n"
    )
    assert not any(tmp_path.iterdir())


def test_a_routine_asking_for_a_missing_engine_is_one_line_and_exit_2(tmp_path: Path) -> None:
    routine = tmp_path / "r.yaml"
    routine.write_text(
        "guidecast: 1\ntitle: R\nvoice: {engine: piper}\n"
        "steps:\n  - {id: a, title: A, say: Breathe in., duration: 2s}\n"
    )
    result = run_guidecast("validate", str(routine), blocked=("piper",))
    assert result.returncode == 2
    assert result.stderr == (
        "guidecast: the piper engine is not installed; "
        "install it with: pip install 'guidecast[neural]'\n"
    )


def test_voices_lists_what_is_installed_and_notes_the_rest() -> None:
    result = run_guidecast("voices", "--language", "en", blocked=("hibari", "piper"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("pyttsx3 ")
    assert "gmw/en-us " in result.stdout
    assert "note: the hibari engine is not installed" in result.stderr
    assert "note: the piper engine is not installed" in result.stderr


def test_an_unknown_engine_option_is_exit_2() -> None:
    result = run_guidecast("preview", "baby-daily-back", "--engine", "hibary")
    assert result.returncode == 2
    assert result.stderr == (
        "guidecast: --engine: unknown speech engine 'hibary' (did you mean 'hibari'?); "
        "expected one of: pyttsx3, hibari, piper\n"
    )


# Calibration and voice choice, without any engine.


def test_rate_maps_to_the_pace_espeak_speaks() -> None:
    assert neural.target_wpm(160) == pytest.approx(195.9)
    assert neural.target_wpm(180) == pytest.approx((195.9 + 244.0) / 2)
    assert neural.target_wpm(40) == pytest.approx(102.1 / 2)
    speeds = [neural.target_wpm(rate) for rate in range(80, 401, 5)]
    assert speeds == sorted(set(speeds))  # faster with every step up


def test_speed_curves_interpolate_and_clamp() -> None:
    from guidecast.speech.engines import hibari as hibari_engine
    from guidecast.speech.engines import piper as piper_engine

    curve = neural.SpeedCurve([(1.0, 200.0), (2.0, 400.0), (0.5, 100.0)])
    assert curve.setting(300) == pytest.approx(1.5)
    assert curve.setting(50) == 0.5 and curve.setting(900) == 2.0
    for module in (hibari_engine, piper_engine):
        points = module.SPEED_CURVE.points
        faster = [s for s, _ in points]
        # more words a minute needs a faster setting: hibari's speed rises, piper's length falls
        assert faster == sorted(faster, reverse=module is piper_engine)
        low, high = module.SPEED_CURVE.range
        assert low <= neural.target_wpm(90) and high >= neural.target_wpm(300)


VOICES = [
    VoiceInfo("heart", "Heart", ("en-US",), "hibari"),
    VoiceInfo("emma", "Emma", ("en-GB",), "hibari", offline=False),
]


def test_only_offline_voices_are_chosen() -> None:
    assert neural.match_voice("hibari", VOICES, None, "en-GB", "heart").id == "heart"
    assert neural.match_voice("hibari", VOICES, "HEART", "en", "heart").id == "heart"
    with pytest.raises(VoiceNotFoundError, match="needs a download"):
        neural.match_voice("hibari", VOICES, "emma", "en", "heart")


def test_switching_engine_drops_the_voice_id_of_the_other_engine() -> None:
    routine = VoiceSettings(id="en-gb", rate=150)
    assert routine.merged(VoiceSettings(engine="hibari")) == VoiceSettings("hibari", None, 150)
    assert routine.merged(VoiceSettings(engine="pyttsx3")).id == "en-gb"
    hibari = VoiceSettings(engine="hibari", id="heart")
    assert hibari.merged(VoiceSettings(engine="hibari")).id == "heart"
    assert hibari.merged(VoiceSettings(rate=200)) == VoiceSettings("hibari", "heart", 200)


def test_the_cache_key_covers_every_engine(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    request = SpeechRequest("Rest.", voice_id=None, rate=None, volume=None, language="en")
    keys = set()
    for name, spec in ENGINES.items():
        module, _, cls = spec.partition(":")
        version = getattr(__import__(module, fromlist=[cls]), cls)().version
        try:
            keys.add(cache.key(name, version(), request, 22050))
        except EngineNotInstalledError:
            keys.add(cache.key(name, "missing", request, 22050))
    assert len(keys) == len(ENGINES)
    base = cache.key("hibari", "v", request, 22050)
    changed = [
        cache.key("hibari", "v2", request, 22050),
        cache.key("hibari", "v", SpeechRequest("Rest.", voice_id="heart"), 22050),
        cache.key("hibari", "v", SpeechRequest("Rest.", rate=170), 22050),
        cache.key("hibari", "v", SpeechRequest("Rest.", volume=0.5), 22050),
        cache.key("hibari", "v", SpeechRequest("Rest.", language="en-GB"), 22050),
        cache.key("hibari", "v", SpeechRequest("Rest!"), 22050),
        cache.key("hibari", "v", request, 24000),
        cache.key("piper", "v", request, 22050),
    ]
    assert len({base, *changed}) == 1 + len(changed)


def test_engine_versions_name_their_packages() -> None:
    for engine, package in (("hibari", "hibari-tts-"), ("piper", "piper-tts-")):
        try:
            cls = engine_class(engine)
        except EngineNotInstalledError:
            continue
        version = cls().version()
        assert version.startswith(package) and "+onnxruntime-" in version and "+cal-" in version


# A shipped routine built end to end with each neural voice, and heard back.


@pytest.fixture(scope="module", params=NEURAL)
def built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, dict, Decoded]:
    """baby-daily-back at half pace: hibari through --engine, piper through the routine's own
    `voice:` (the shipped text with one line added)."""
    engine = request.param
    installed(engine)
    folder = tmp_path_factory.mktemp(f"neural-{engine}")
    if engine == "hibari":
        args = ["build", "baby-daily-back", "--engine", "hibari"]
    else:
        text = (routines_dir() / "baby-daily-back.yaml").read_text(encoding="utf-8")
        routine = folder / "baby-daily-back.yaml"
        routine.write_text(text.replace("\nintro:", "\nvoice: {engine: piper}\n\nintro:", 1))
        args = ["build", str(routine)]
    result = run_guidecast(*args, "--pace", "0.5", "-o", str(folder / "out"))
    assert result.returncode == 0, result.stderr
    manifest = json.loads((folder / "out" / "daily-back-massage-for-your-baby.json").read_text())
    audio = decode_mp3(folder / "out" / manifest["audio"], manifest["sample_rate"])
    return engine, manifest, audio


def test_the_decoded_length_equals_the_manifest(built: tuple[str, dict, Decoded]) -> None:
    _, manifest, audio = built
    assert len(audio.samples) == manifest["samples"]
    assert 4 * 60 < manifest["duration_s"] < 7 * 60


def test_speech_is_where_the_manifest_says(built: tuple[str, dict, Decoded]) -> None:
    _, manifest, audio = built
    spoken = [c for c in manifest["cues"] if c["text"]]
    assert len(spoken) >= 30
    for cue in spoken:
        assert audio.rms(cue["start_s"], cue["end_s"]) > SPEECH_RMS, cue
        assert audio.peak(cue["start_s"], cue["start_s"] + 0.06) > SILENCE_PEAK, cue


def test_the_gaps_are_silent(built: tuple[str, dict, Decoded]) -> None:
    _, manifest, audio = built
    margin = 0.03
    position = 0.0
    for cue in sorted(manifest["cues"], key=lambda c: c["start_s"]):
        if cue["start_s"] - position > 2 * margin + 0.05:
            assert audio.peak(position + margin, cue["start_s"] - margin) <= SILENCE_PEAK
        position = max(position, cue["end_s"])
