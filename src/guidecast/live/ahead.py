"""A routine spoken just ahead of the listener: playback starts before the speech is made.

The timeline is laid out in order, so a prefix of it depends only on the clips in that prefix.
`LiveShow` lays out the whole session again each time a clip arrives, with a length estimated
from the word count for every clip still missing, and works out how far that layout is final
(`Snapshot.ready`). A position stops being final at the earliest of:

- a spoken line (intro, instruction, side, outro) whose clip is missing: its own start;
- a step any of whose lines or cues is missing: the start of its perform time, because the
  cues inside it, which of them fit and the perform time itself (a count's last number sets
  its minimum) depend on those lengths;
- the intro's "this session lasts about N minutes": it depends on the whole session's length,
  so it stays open until that is settled;
- with `--length`, the first perform time: fitting depends on every line of the session.

Speech is asked for in that order of need. First, in session order, everything that decides the
session's length: the opening lines, each step's lines, the last number of each count, the
closing lines. Then the session-length sentence is settled exactly as `build.plan` settles it
(so the played session is the built one, to the sample, but for open steps: they wait for the
listener instead of running their nominal time, and the sentence says the built length). Then
the cues inside the steps, step by step. At start only the opening lines' lengths are read from
the cache (headers); the rest of the cache, the settling and the speech workers (their first
clip takes a few tenths of a second) follow on the speech thread while the first 0.4 s of
silence and the first words play.

A sound bed (`background`) plays under it as a build mixes it (live/bed.py).
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import replace

from guidecast.audio.dsp import to_pcm
from guidecast.audio.render import render_range
from guidecast.core.defaults import SPEECH_RATE
from guidecast.core.errors import UsageError, VoiceNotFoundError
from guidecast.live.bed import LiveBed
from guidecast.live.clips import Leveled, Recent, Stored, kept
from guidecast.live.lengths import Lengths
from guidecast.live.show import Snapshot
from guidecast.routine.model import Routine
from guidecast.routine.pacing import Pacing, voice_error_at_origin
from guidecast.script.cues import structural_texts, visit_texts
from guidecast.script.model import Script, make_script
from guidecast.speech.engine import SpeechClip
from guidecast.speech.spool import ClipSpool, SpooledClip
from guidecast.speech.voice import Voice
from guidecast.speech.workers import engine_class
from guidecast.timeline.layout import LEAD_IN, Timeline, build_timeline
from guidecast.timeline.settle import settle_session_length

Texts = list[tuple[str, str]]  # (text, label naming where it is said, for errors)


class _Stopped(Exception):
    """Raised inside synthesis when the show is closed early."""


LEVEL_AHEAD = 24  # clips leveled before they are needed


class LiveShow:
    """Speech synthesized in the background, in order of need; snapshots of the timeline so far."""

    def __init__(
        self, routine: Routine, pacing: Pacing, voice: Voice, wait_for: str = "keys"
    ) -> None:
        self.routine = routine
        self.pacing = pacing
        self.voice = voice
        self.title = routine.title
        self.language = routine.language
        self.sample_rate = voice.sample_rate
        # Open steps wait for the listener after their words ("keys", or "voice" too).
        self.script: Script = make_script(routine, wait_for)
        self.clips: dict[str, SpeechClip] = {}
        self.error: BaseException | None = None
        self.cached = 0  # clips taken from the cache
        self.synthesized = 0  # clips spoken by the engine
        self.published: list[Snapshot] = []  # every snapshot, for tests (kept when `record`)
        self.record = False
        self._lengths: dict[str, int] = {}
        self._recent = Recent()
        self._lock = threading.Lock()
        self._stop = False
        self._changed = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None
        self._engine = engine_class(voice.engine)  # fails early on an unknown engine
        self._version = ""  # the engine's version, for cache keys: read in start(), it is slow
        self._first, self._later = self._order()
        bank = self.script.phrases
        self._visit_texts = [frozenset(visit_texts(v, bank)) for v in self.script.visits]
        self._structural = frozenset(text for text, _ in self._first)
        self._settled: str | None = None  # the session-length sentence, once settled
        self._needs_settling = self.script.tells_length
        self._length_in_doubt = False  # --length looked out of reach with estimated lengths
        rate = voice.settings.rate or SPEECH_RATE
        self._estimate = Lengths(
            self._lengths, 60.0 / rate * self.sample_rate, round(0.3 * self.sample_rate)
        )
        # Until start(): the lead-in silence every session opens with. Laying out an 8-hour
        # session with estimated lengths took 0.25 s here, before the real lengths were known.
        lead = round(LEAD_IN * self.sample_rate)
        self._snap = Snapshot(Timeline(self.sample_rate, lead, (), ()), lead)
        self._bed = LiveBed(routine, pacing, voice, self._bed_failed)

    def _bed_failed(self, err: BaseException) -> None:
        self.error = err

    # -- what to speak, in order of need --------------------------------------------------

    def _order(self) -> tuple[Texts, Texts]:
        script = self.script
        first: Texts = [(line.text, "the intro") for line in script.opening]
        for visit in script.visits:
            first += [(text, visit.label) for text in structural_texts(visit, script.phrases)]
        first += [(line.text, "the outro") for line in script.closing]
        first = _unique(first)
        seen = {text for text, _ in first}
        later = _unique([(t, label) for t, label in script.fixed_texts() if t not in seen])
        return first, later

    # -- snapshots -------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        return self._snap

    def _compute(self) -> Snapshot:
        """The timeline with what is known now, and how far it is final."""
        with self._lock:
            known = dict(self._lengths)
        lengths = Lengths(known, self._estimate.per_word, self._estimate.pad)
        settled = self._settled is not None or not self._needs_settling
        pending = {text for text, _ in self._first + self._later if text not in known}
        session_text = self._settled
        if self._needs_settling and session_text is None:
            built = self.script.built()
            rough = build_timeline(built, _unfitted(self.pacing), lengths, self.sample_rate)
            session_text = self.script.session_length_line(rough.seconds)
            pending.add(session_text)
        elif session_text is not None and session_text not in known:
            pending.add(session_text)
        fitted = True
        try:
            timeline = build_timeline(
                self.script, self.pacing, lengths, self.sample_rate, session_text
            )
        except UsageError:
            if not pending and settled:
                raise  # the real lengths cannot reach --length: the user must hear why
            fitted = False
            self._length_in_doubt = True
            timeline = build_timeline(
                self.script, _unfitted(self.pacing), lengths, self.sample_rate, session_text
            )
        if not pending and settled:
            return Snapshot(timeline, timeline.length, final=True)
        return Snapshot(timeline, self._ready(timeline, pending, settled, fitted))

    def _ready(self, timeline: Timeline, pending: set[str], settled: bool, fitted: bool) -> int:
        ready = timeline.length
        if timeline.steps and (
            not fitted
            or (self.pacing.length is not None and (not settled or pending & self._structural))
        ):
            ready = min(ready, timeline.steps[0].perform_start)
        for cue in timeline.cues:
            if cue.text in pending:
                ready = min(ready, cue.start)
                break
        for span, texts in zip(timeline.steps, self._visit_texts, strict=True):
            if texts & pending:
                ready = min(ready, span.perform_start)
                break
        return ready

    def _publish(self) -> None:
        snap = self._compute()
        with self._lock:
            self._snap = snap
            if self.record:
                self.published.append(snap)
            self._changed.notify_all()

    def wait_final(self, timeout: float | None = None) -> Snapshot:
        """Block until every clip is made (or synthesis failed); the last snapshot."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while not self._snap.final and self.error is None:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    break
                self._changed.wait(left)
        if self.error is not None:
            raise self.error
        return self._snap

    # -- making the speech -----------------------------------------------------------------

    def start(self) -> None:
        """Publish the first words from the opening lines' cached lengths alone (their place
        does not depend on what follows: an 8-hour session's 1,928 lengths and three layouts
        cost 0.5 s more); the rest on the speech thread. With `--length`, all of it first: an
        unreachable length must be said before any word is heard."""
        self._version = self._engine().version()
        early = self.pacing.length is None
        if early:
            opening = [(line.text, "the intro") for line in self.script.opening]
            if self._from_cache(opening, lengths_only=True):
                self.voice._pool().prestart()  # cold: the workers boot while the rest is read
            self._publish()
        else:
            self._take_lengths()
        self._thread = threading.Thread(
            target=self._run, args=(early,), name="guidecast-speech", daemon=True
        )
        self._thread.start()

    def _take_lengths(self) -> None:
        """Every cached clip's length (headers only), the session length they settle, a snapshot."""
        missing = self._from_cache(self._first + self._later, lengths_only=True)
        if missing:
            self.voice._pool().prestart()  # they boot while the cached lines play
        if self._needs_settling and not (self._structural - self._lengths.keys()):
            self._settle(cached_only=True)
        self._publish()
        if not missing and self._snap.final:
            self.voice.close()  # all from the cache: speech workers started early are not needed
        if self._length_in_doubt:
            # --length looks out of reach: find out for sure, before the first word is heard.
            self._speak(self._first)
            if self._needs_settling and self._settled is None:
                self._settle(cached_only=False)
            self._publish()

    def _run(self, lengths_first: bool) -> None:
        try:
            if lengths_first:
                self._level_ahead()  # the opening's clips first: the first words are due
                self._take_lengths()
            self._level_ahead()
            self._secure()
            self._speak(self._first)
            if self._needs_settling and self._settled is None:
                self._settle(cached_only=False)
            self._speak(self._later)
            self._publish()
        except _Stopped:
            pass
        except BaseException as err:
            if isinstance(err, VoiceNotFoundError):  # said where it was asked for, as in build
                err = voice_error_at_origin(err, self.routine, self.pacing)
            self.error = err
            with self._lock:
                self._changed.notify_all()

    def _level_ahead(self) -> None:
        """Level the first clips already here, in the order they are heard, so a warm start
        plays at once; the rest are leveled as they come up (keeping them all leveled in
        memory would cost hundreds of MB for a long session)."""
        for text, _ in (self._first + self._later)[:LEVEL_AHEAD]:
            clip = self.clips.get(text)
            if isinstance(clip, Leveled):
                clip.pcm  # noqa: B018 - computes and keeps the leveled PCM

    def _secure(self) -> None:
        """Read every clip known by its length alone into the spool, in order of need: then
        a `guidecast cache clear` during the session takes nothing away from it."""
        with self._lock:
            clips = list(self.clips.values())  # in the order they were taken: of need
        for clip in clips:
            if self._stop:
                raise _Stopped
            if isinstance(clip, Leveled):
                clip.secure()

    def _key(self, text: str) -> str:
        voice = self.voice
        return voice.cache.key(voice.engine, self._version, voice.request(text), self.sample_rate)

    def _add(self, text: str, clip: SpeechClip | Stored) -> None:
        # Kept on disk, like a build's clips (speech/spool.py): an 8-hour session's clips are
        # hundreds of MB. Leveled on first use: taking 200 cached clips stays instant.
        if self.voice.spool is None:
            with contextlib.suppress(OSError):  # no temporary file at all: memory it is
                self.voice.spool = ClipSpool(self.voice.cache.root)
        spool = self.voice.spool
        if isinstance(clip, Stored):
            clip.spool = spool
            held: SpeechClip | SpooledClip | Stored = clip
        else:
            held = kept(clip, spool.add) if spool else clip
        leveled = Leveled(held, self._recent)
        with self._lock:
            self.clips[text] = leveled  # type: ignore[assignment]
            self._lengths[text] = clip.samples

    def _from_cache(self, texts: Texts, lengths_only: bool = False) -> Texts:
        """Take what the cache has (with `lengths_only`, its length now and its audio when
        first needed); return what it lacks."""
        missing = []
        cache = self.voice.cache
        for text, label in texts:
            if text in self.clips:
                continue
            key = self._key(text)
            if lengths_only:
                samples = cache.samples(key)
                clip = None if samples is None else Stored(cache, key, samples, self.sample_rate)
            else:
                clip = cache.get(key)  # type: ignore[assignment]
            if clip is None:
                missing.append((text, label))
            else:
                self._add(text, clip)
                self.cached += 1
        return missing

    def _speak(self, texts: Texts) -> None:
        missing = self._from_cache(texts)
        if not missing:
            return
        self._publish()

        def store(index: int, clip: SpeechClip) -> None:
            if self._stop:
                raise _Stopped
            text = missing[index][0]
            self.voice.cache.put(self._key(text), clip)
            self._add(text, clip)
            self.synthesized += 1
            self._publish()

        pool = self.voice._pool()
        pool.synthesize([(self.voice.request(text), label) for text, label in missing], store)

    def _settle(self, cached_only: bool) -> None:
        """The intro's session-length sentence, settled by the function `build.plan` uses
        (timeline/settle.py).

        Only the lines that decide the session's length must be known; cues inside the steps
        do not change it.
        """
        with self._lock:
            lengths = Lengths(dict(self._lengths), self._estimate.per_word, self._estimate.pad)

        def length_of(text: str) -> int | None:
            if cached_only:
                if self._from_cache([(text, "the intro")], lengths_only=True):
                    return None  # not cached: settle it in the background instead
            else:
                self._speak([(text, "the intro")])
            return self._lengths[text]

        said, _ = settle_session_length(
            self.script.built(), self.pacing, lengths, self.sample_rate, length_of
        )
        if said is not None:
            self._settled = said

    def close(self) -> None:
        self._stop = True
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.voice.close()

    # -- sound -----------------------------------------------------------------------------

    def pcm(self, snap: Snapshot, start: int, count: int) -> bytes:
        bed = self._bed.under(snap.timeline, start)
        return render_range(snap.timeline, snap.cue_starts, self.clips, start, count, bed)

    def bed_pcm(self, snap: Snapshot, start: int, count: int) -> bytes | None:
        bed = self._bed.under(snap.timeline, start)
        return None if bed is None else to_pcm(bed.render(start, count))


def _unfitted(pacing: Pacing) -> Pacing:
    return replace(pacing, length=None) if pacing.length is not None else pacing


def _unique(texts: Texts) -> Texts:
    seen: set[str] = set()
    result = []
    for text, label in texts:
        if text not in seen:
            seen.add(text)
            result.append((text, label))
    return result
