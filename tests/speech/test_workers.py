"""Speech workers survive engines that hang or crash; the cache never synthesizes twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from guidecast.core.errors import SpeechError
from guidecast.routine.model import VoiceSettings
from guidecast.speech.cache import ClipCache
from guidecast.speech.engine import SpeechRequest
from guidecast.speech.voice import Voice
from guidecast.speech.workers import SpeechPool

FAULTY = "tests.fault_engine:FaultyEngine"


@pytest.fixture(autouse=True)
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUIDECAST_SPEECH_TIMEOUT", "2")


def speak(pool: SpeechPool, *texts: str) -> dict[int, int]:
    got: dict[int, int] = {}
    pool.synthesize(
        [(SpeechRequest(t), f"step {t!r}") for t in texts],
        lambda i, clip: got.__setitem__(i, clip.samples),
    )
    return got


def test_a_hang_is_retried_once_on_a_fresh_worker(tmp_path: Path) -> None:
    with SpeechPool(FAULTY, workers=2) as pool:
        got = speak(pool, "first", f"once:{tmp_path / 'marker'}", "third")
    assert sorted(got) == [0, 1, 2]
    assert (tmp_path / "marker").exists()


def test_a_step_that_always_hangs_fails_with_its_name() -> None:
    with SpeechPool(FAULTY, workers=1) as pool, pytest.raises(SpeechError) as caught:
        speak(pool, "fine", "please <hang>")
    assert str(caught.value).startswith("step 'please <hang>': the ")
    assert "hung for 2 s twice" in str(caught.value)


def test_a_crashing_worker_is_replaced_then_fails_clearly() -> None:
    with SpeechPool(FAULTY, workers=1) as pool:
        with pytest.raises(SpeechError, match="crashed twice"):
            speak(pool, "<crash> now")
        got = speak(pool, "after the crash")  # the pool still works
        assert list(got) == [0] and got[0] > 10_000


def test_a_cache_hit_makes_no_synthesis_call(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path / "cache")
    voice = Voice(VoiceSettings(engine=FAULTY), "en", 22050, cache)
    try:
        voice.clips([("Hello.", "a"), ("Again.", "b")])
        assert voice.synthesized == 2
        voice.clips([("Hello.", "a"), ("Again.", "b")])
        assert voice.synthesized == 2
    finally:
        voice.close()


def test_a_damaged_cache_entry_is_made_again(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path / "cache")
    voice = Voice(VoiceSettings(engine=FAULTY), "en", 22050, cache)
    try:
        first = voice.clips([("Hello.", "a")])["Hello."]
        (entry,) = (tmp_path / "cache").glob("*/*.clip")
        data = bytearray(entry.read_bytes())
        data[-100] ^= 0xFF  # one flipped byte in the audio
        entry.write_bytes(bytes(data))
        again = voice.clips([("Hello.", "a")])["Hello."]
        assert voice.synthesized == 2
        assert again == first
        entry.write_bytes(b"")  # a truncated entry too
        assert voice.clips([("Hello.", "a")])["Hello."] == first
        assert voice.synthesized == 3
    finally:
        voice.close()
