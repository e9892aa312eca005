"""The work of a catalogue, planned on the client: for each session its routine, voice, pacing,
the speech clips it needs (keyed as the clip cache keys them) and a hash of its inputs, so a
re-run skips a session whose manifest records the same hash and whose files are all there."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from guidecast import __version__
from guidecast.catalogue.expand import Failure, SessionSpec
from guidecast.catalogue.model import Catalogue
from guidecast.core.errors import GuidecastError
from guidecast.routine.model import Routine, VoiceSettings
from guidecast.routine.pacing import Pacing
from guidecast.routine.reader import read_routine_file
from guidecast.script.model import make_script
from guidecast.speech.cache import ClipCache
from guidecast.speech.voice import Voice, voice_for
from guidecast.speech.workers import engine_class


@dataclass(frozen=True)
class ClipSpec:
    """One clip to speak: everything that makes its sound, and its cache key."""

    key: str
    engine: str
    settings: VoiceSettings
    language: str
    sample_rate: int
    text: str
    label: str


@dataclass(frozen=True)
class SessionJob:
    spec: SessionSpec
    slug: str
    inputs_hash: str
    clips: tuple[str, ...]  # the keys of its clips


def session_routine(spec: SessionSpec) -> Routine:
    """The session's routine with the catalogue's voice over the routine's own."""
    routine = read_routine_file(spec.path)
    wanted = VoiceSettings(engine=spec.voice.engine, id=spec.voice.id, rate=spec.voice.rate)
    return replace(routine, voice=routine.voice.merged(wanted))


def session_pacing(catalogue: Catalogue, spec: SessionSpec) -> Pacing:
    length = spec.length
    return Pacing(pace=length.pace or 1.0, length=length.seconds, background=catalogue.background)


def plan_jobs(
    catalogue: Catalogue, specs: list[SessionSpec], cache: ClipCache
) -> tuple[list[SessionJob], dict[str, ClipSpec], list[Failure]]:
    """Each session's job, every unique clip (by cache key), and the sessions that cannot be
    planned (a routine or translation that does not read), each with its message."""
    jobs: list[SessionJob] = []
    clips: dict[str, ClipSpec] = {}
    failures: list[Failure] = []
    versions: dict[str, str] = {}
    rate = catalogue.audio.sample_rate
    for spec in specs:
        try:
            routine = session_routine(spec)
            voice = voice_for(routine, session_pacing(catalogue, spec), rate, cache=cache)
            if voice.engine not in versions:
                versions[voice.engine] = engine_class(voice.engine)().version()
            keys = []
            for text, label in make_script(routine).fixed_texts():
                key = cache.key(voice.engine, versions[voice.engine], voice.request(text), rate)
                keys.append(key)
                clips.setdefault(
                    key,
                    ClipSpec(key, voice.engine, voice.settings, voice.language, rate, text, label),
                )
        except GuidecastError as err:
            failures.append(Failure(spec.id, spec.routine, spec.language, str(err)))
            continue
        digest = inputs_hash(catalogue, spec, voice, versions[voice.engine])
        jobs.append(SessionJob(spec, routine.slug, digest, tuple(dict.fromkeys(keys))))
    return jobs, clips, failures


def inputs_hash(catalogue: Catalogue, spec: SessionSpec, voice: Voice, engine_version: str) -> str:
    """Everything that changes a session's files: the routine's text, the voice, the pacing,
    the output options, the engine's and guidecast's versions."""
    material = {
        "routine": hashlib.sha256(spec.path.read_bytes()).hexdigest(),
        "language": spec.language,
        "voice": asdict(voice.settings),
        "engine_version": engine_version,
        "length": asdict(spec.length),
        "background": repr(catalogue.background),
        "audio": repr(catalogue.audio),
        "extras": repr(catalogue.extras),
        "guidecast": __version__,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def up_to_date(job: SessionJob, out_root: Path) -> bool:
    """Whether the session's manifest records these inputs and every file it lists is there
    (a build writes all its files or none: output/files.py)."""
    folder = out_root / job.spec.id
    try:
        data = json.loads((folder / f"{job.slug}.json").read_text(encoding="utf-8"))
        if data.get("inputs_hash") != job.inputs_hash:
            return False
        return all((folder / entry["path"]).stat().st_size > 0 for entry in data["files"])
    except (OSError, ValueError, TypeError, KeyError):
        return False
