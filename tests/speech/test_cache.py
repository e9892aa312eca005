"""The speech clip cache with the real espeak-ng voice: hits, damage, concurrency, keys."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from guidecast.routine.model import VoiceSettings
from guidecast.speech.cache import _HEADER, MAGIC, ClipCache, _digest
from guidecast.speech.engine import SpeechRequest
from guidecast.speech.engines import espeak
from guidecast.speech.voice import Voice

TEXTS = [("Breathe in slowly.", "step 'a'"), ("Now rest your hands.", "step 'b'")]


def real_voice(cache_dir: Path, **settings: object) -> Voice:
    return Voice(VoiceSettings(**settings), "en", 22050, ClipCache(cache_dir))  # type: ignore[arg-type]


def entries(cache_dir: Path) -> list[Path]:
    return sorted(cache_dir.glob("*/*.clip"))


def test_a_cache_hit_makes_no_synthesis_call(tmp_path: Path) -> None:
    first = real_voice(tmp_path)
    try:
        made = first.clips(TEXTS)
        assert first.synthesized == 2
        assert len(entries(tmp_path)) == 2
    finally:
        first.close()
    again = real_voice(tmp_path)  # a new build: same cache, nothing in memory
    try:
        hits = again.clips(TEXTS)
        assert again.synthesized == 0
        assert again.pool is None  # not one speech worker was started
        assert hits == made
        assert all(clip.samples > 5000 for clip in hits.values())  # real speech, not empty
    finally:
        again.close()


def _flip_byte(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x5A
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda p: _flip_byte(p, p.stat().st_size // 2), id="flipped-audio-byte"),
        pytest.param(lambda p: _flip_byte(p, 9), id="flipped-header-byte"),
        pytest.param(lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 3]), id="cut"),
        pytest.param(lambda p: p.write_bytes(p.read_bytes()[:10]), id="cut-in-header"),
        pytest.param(lambda p: p.write_bytes(b""), id="empty"),
    ],
)
def test_a_damaged_entry_is_detected_and_made_again(tmp_path: Path, damage) -> None:
    voice = real_voice(tmp_path)
    try:
        original = voice.clips(TEXTS[:1])[TEXTS[0][0]]
        (entry,) = entries(tmp_path)
        good = entry.read_bytes()
        damage(entry)
        assert entry.read_bytes() != good
        remade = voice.clips(TEXTS[:1])[TEXTS[0][0]]
        assert voice.synthesized == 2  # spoken again, not read back damaged
        assert abs(remade.samples - original.samples) < 0.05 * original.samples
        (entry,) = entries(tmp_path)  # a sound entry is back in its place
        magic, rate, samples, digest = _HEADER.unpack_from(entry.read_bytes())
        pcm = entry.read_bytes()[_HEADER.size :]
        assert (rate, samples) == (22050, remade.samples)
        assert magic == MAGIC
        assert _digest(rate, samples, pcm) == digest
        assert pcm == remade.pcm
    finally:
        voice.close()


CONCURRENT_ROUTINE = """\
guidecast: 1
title: Two at once
intro: Two builds share one cache.
steps:
  - id: one
    title: First
    say: [Lift your shoulders gently., Let them drop.]
    duration: 3s
  - id: two
    title: Second
    say: Breathe out slowly through your mouth.
    duration: 3s
    cues: {countdown: 2}
"""


def test_two_builds_at_once_share_the_cache_and_agree(tmp_path: Path) -> None:
    routine = tmp_path / "two.yaml"
    routine.write_text(CONCURRENT_ROUTINE)
    cache = tmp_path / "cache"
    env = dict(os.environ, GUIDECAST_CACHE_DIR=str(cache))
    builds = [
        subprocess.Popen(
            [sys.executable, "-m", "guidecast", "build", str(routine), "-o", str(tmp_path / out)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for out in ("a", "b")
    ]
    for build in builds:
        _, stderr = build.communicate(timeout=300)
        assert build.returncode == 0, stderr
    a = (tmp_path / "a" / "two-at-once.mp3").read_bytes()
    b = (tmp_path / "b" / "two-at-once.mp3").read_bytes()
    assert len(a) > 10_000
    assert a == b
    manifest_a = json.loads((tmp_path / "a" / "two-at-once.json").read_text())
    manifest_b = json.loads((tmp_path / "b" / "two-at-once.json").read_text())
    assert manifest_a == manifest_b
    assert not list(cache.glob("*/.tmp-*"))  # no half-written entries left behind
    stored = entries(cache)
    check = ClipCache(cache)
    assert all(check.get(path.stem) is not None for path in stored)  # every entry sound
    # The cache holds the very clips both builds used: a third build speaks nothing new and
    # makes the same file.
    third = subprocess.run(
        [sys.executable, "-m", "guidecast", "build", str(routine), "-o", str(tmp_path / "c")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert third.returncode == 0, third.stderr
    assert entries(cache) == stored
    assert (tmp_path / "c" / "two-at-once.mp3").read_bytes() == a


def test_the_key_changes_with_everything_that_changes_the_sound() -> None:
    cache = ClipCache(Path("unused"))
    request = SpeechRequest("Rest your hands.", voice_id="gmw/en-us", rate=160, volume=1.0)
    base = ("pyttsx3", "v1", request, 22050)
    variants = {
        "engine": ("other", "v1", request, 22050),
        "engine version": ("pyttsx3", "v2", request, 22050),
        "voice": ("pyttsx3", "v1", replace(request, voice_id="gmw/en-gb-x-rp"), 22050),
        "default voice": ("pyttsx3", "v1", replace(request, voice_id=None), 22050),
        "rate": ("pyttsx3", "v1", replace(request, rate=180), 22050),
        "volume": ("pyttsx3", "v1", replace(request, volume=0.5), 22050),
        "language": ("pyttsx3", "v1", replace(request, language="de"), 22050),
        "text": ("pyttsx3", "v1", replace(request, text="Rest your hand."), 22050),
        "sample rate": ("pyttsx3", "v1", request, 44100),
    }
    keys = {name: cache.key(*args) for name, args in variants.items()}
    keys["base"] = cache.key(*base)
    assert cache.key(*base) == keys["base"]  # stable
    assert len(set(keys.values())) == len(keys), keys


def test_a_voice_keys_clips_by_the_engine_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine's version (library versions, driver revision, default voices) is in the
    key, so a clip made by another espeak-ng or another way of driving it is not reused."""

    def key(voice: Voice) -> str:
        version = espeak.Pyttsx3Engine().version()
        return voice.cache.key(voice.engine, version, voice.request("Hello."), voice.sample_rate)

    # What Voice.clips uses is what keys the entries on disk.
    voice = real_voice(tmp_path / "cache")
    try:
        voice.clips([("Hello.", "x")])
        (entry,) = entries(tmp_path / "cache")
        assert entry.stem == key(voice)
    finally:
        voice.close()
    version = espeak.Pyttsx3Engine().version()
    assert "pyttsx3-" in version and "espeakng-loader-" in version
    before = key(voice)
    monkeypatch.setattr(espeak, "DRIVER_VERSION", espeak.DRIVER_VERSION + 1)
    after_driver = key(voice)
    monkeypatch.setattr(espeak, "DEFAULT_VOICES", {"en": "gmw/en-gb-x-rp"})
    after_voices = key(voice)
    assert len({before, after_driver, after_voices}) == 3
    # Rate and voice reach the key through the request, and the sample rate directly.
    faster = real_voice(tmp_path, rate=200)
    other = real_voice(tmp_path, id="gmw/en-gb-x-rp")
    assert len({key(voice), key(faster), key(other)}) == 3


def test_a_worker_speaks_every_clip_at_the_rate_asked() -> None:
    """Clips are cached for good, so a clip at the wrong rate would stay wrong: each clip,
    the first of a fresh worker too, is spoken at its own rate, the same every time."""
    from guidecast.speech.workers import SpeechPool

    text = "Rest your hands on your knees."
    rates = [300, 100, 300, 100, 300]
    got: dict[int, int] = {}
    with SpeechPool("pyttsx3", 22050, workers=1) as pool:
        pool.synthesize(
            [(SpeechRequest(text, rate=rate), "x") for rate in rates],
            lambda i, clip: got.__setitem__(i, clip.samples),
        )
    fast = [got[i] for i, rate in enumerate(rates) if rate == 300]
    slow = [got[i] for i, rate in enumerate(rates) if rate == 100]
    assert max(fast) - min(fast) < 0.02 * min(fast), fast
    assert max(slow) - min(slow) < 0.02 * min(slow), slow
    assert min(slow) > 2.2 * max(fast)  # 100 wpm against 300 wpm


def test_a_spool_that_cannot_be_written_moves_on_and_keeps_every_clip(tmp_path: Path) -> None:
    """A full disk (here: a file size limit, which the system's temporary folder meets too)
    fails a write at once; the spool moves on (temporary folder, then memory), and every
    clip, those written before and after, reads back whole."""
    script = """
import resource, sys
from pathlib import Path
from guidecast.speech.engine import SpeechClip
from guidecast.speech.spool import ClipSpool, _FileStore

spool = ClipSpool(Path(sys.argv[1]))
resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))
kept = []
for n in range(250):  # small clips: a buffered file would hold several unwritten
    clip = SpeechClip(bytes([n]) * 1_000, 22050)
    kept.append((spool.add(clip), clip))
assert all(spooled.pcm == clip.pcm for spooled, clip in kept)
kinds = [
    ("temp" if spooled._store.in_temp else "folder")
    if isinstance(spooled._store, _FileStore) else "memory"
    for spooled, _ in kept
]
print(*(kinds.count(kind) for kind in ("folder", "temp", "memory")))
"""
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    # 100 KB in each file: the cache folder's, the temporary folder's, then memory.
    assert result.stdout.split() == ["100", "100", "50"]
