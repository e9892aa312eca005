"""One benchmark measurement, in a process of its own (run by scripts/bench.py).

`python scripts/bench_child.py KIND ARGS...` runs one measurement and writes a JSON result to
the file named by $BENCH_RESULT: the timed seconds of the measured part (`timed`), this
process's peak RSS (`rss_self_kb`) and the peak RSS of the largest child process it waited for
(`rss_children_kb`: speech workers, or ffmpeg for the pydub baseline).

Imports only the standard library at the top, so the guidecast CLI run here starts as fast as
the `guidecast` command does.

Kinds:
  cli ARGS...                    the guidecast command line, in this process
  speech ROUTINE                 speech synthesis alone (plan, with an empty cache)
  render ROUTINE PCM [SET...]    write the session's final PCM to a raw file (preparation)
  floor PCM RATE                 lameenc alone on that PCM, same settings as guidecast
  pydub ROUTINE MP3 [SET...]     the same clips joined as typical pydub code does, then exported
  play ROUTINE                   `guidecast play ROUTINE --device null`, in this process, quit
                                 once the first speech is heard: how soon sound and speech came
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path


def _pacing(sets: list[str]):
    from guidecast.core.durations import parse_time_range
    from guidecast.routine.pacing import Pacing

    times, background = {}, None
    for item in sets:
        step, _, value = item.partition("=")
        if step == "background":  # the bed case: the session with this sound bed under it
            from guidecast.routine.background import background_option

            background = background_option(value, None)
        else:
            times[step] = parse_time_range(value)
    return Pacing(times=times, background=background)


def _session(routine_path: str, sets: list[str]):
    """The planned session; its clips come from the cache (already made by a cold build)."""
    from guidecast.build import AudioSettings, plan
    from guidecast.routine.reader import read_routine_file
    from guidecast.speech.voice import voice_for

    routine = read_routine_file(Path(routine_path))
    pacing = _pacing(sets)
    voice = voice_for(routine, pacing, AudioSettings().sample_rate)
    try:
        return plan(routine, pacing, voice), voice
    finally:
        voice.close()


def run_cli(args: list[str]) -> dict:
    from guidecast.cli import main

    sys.argv = ["guidecast", *args]
    start = time.perf_counter()
    code = 0
    try:
        main()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    return {"timed": time.perf_counter() - start, "code": code}


def run_speech(routine_path: str) -> dict:
    from guidecast.build import AudioSettings, plan
    from guidecast.routine.pacing import Pacing
    from guidecast.routine.reader import read_routine_file
    from guidecast.speech.voice import voice_for

    routine = read_routine_file(Path(routine_path))
    voice = voice_for(routine, Pacing(), AudioSettings().sample_rate)
    start = time.perf_counter()
    try:
        plan(routine, Pacing(), voice)
    finally:
        voice.close()  # stopping the workers is part of a cold build too
    return {"timed": time.perf_counter() - start, "clips": voice.synthesized}


def run_render(routine_path: str, pcm_path: str, sets: list[str]) -> dict:
    from guidecast.audio.render import stream_pcm

    session, voice = _session(routine_path, sets)
    layout = session.bed_layout
    bed = layout.at(-16.0) if layout is not None else None
    start = time.perf_counter()
    with open(pcm_path, "wb") as out:
        for chunk in stream_pcm(session.timeline, session.clips, bed=bed):
            out.write(chunk)
    return {
        "timed": time.perf_counter() - start,
        "samples": session.timeline.length,
        "cues": len(session.timeline.cues),
        "synthesized": voice.synthesized,
    }


def run_floor(pcm_path: str, rate: int) -> dict:
    import lameenc

    from guidecast.build import AudioSettings

    audio = AudioSettings()
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(audio.bitrate)
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(1)
    encoder.set_quality(audio.quality)
    chunk = rate * 2  # one second, as guidecast feeds it
    encoded = 0
    timed = 0.0
    with open(pcm_path, "rb") as source:
        while pcm := source.read(chunk):
            start = time.perf_counter()
            encoded += len(encoder.encode(pcm))
            timed += time.perf_counter() - start
    start = time.perf_counter()
    encoded += len(encoder.flush())
    timed += time.perf_counter() - start
    return {"timed": timed, "mp3_bytes": encoded}


def run_pydub(routine_path: str, mp3_path: str, sets: list[str]) -> dict:
    import warnings

    import imageio_ffmpeg

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pydub import AudioSegment

    from guidecast.audio.sounds import sound_pcm
    from guidecast.build import AudioSettings

    AudioSegment.converter = imageio_ffmpeg.get_ffmpeg_exe()
    session, _ = _session(routine_path, sets)
    timeline = session.timeline
    rate = timeline.sample_rate
    audio = AudioSettings()

    def segment(pcm: bytes) -> AudioSegment:
        return AudioSegment(data=pcm, sample_width=2, frame_rate=rate, channels=1)

    clips = {text: segment(clip.pcm) for text, clip in session.clips.items()}
    sounds = {name: segment(sound_pcm(name, rate)) for name in ("chime", "tick")}
    start = time.perf_counter()
    # What typical pydub code does: grow one segment, silence then clip, cue after cue.
    seg = AudioSegment.silent(duration=0, frame_rate=rate)
    position = 0
    for cue in timeline.cues:
        gap_ms = (cue.start - position) * 1000 / rate
        clip = clips[cue.text] if cue.text is not None else sounds[cue.sound or ""]
        seg = seg + AudioSegment.silent(duration=gap_ms, frame_rate=rate) + clip
        position = cue.end
    tail_ms = (timeline.length - position) * 1000 / rate
    seg = seg + AudioSegment.silent(duration=tail_ms, frame_rate=rate)
    assembled = time.perf_counter() - start
    seg.export(
        mp3_path,
        format="mp3",
        bitrate=f"{audio.bitrate}k",
        parameters=["-ac", "1", "-ar", str(rate), "-compression_level", str(audio.quality)],
    )
    return {
        "timed": time.perf_counter() - start,
        "assembly": assembled,
        "samples": len(seg.raw_data) // 2,
    }


def run_play(routine_path: str) -> dict:
    """`guidecast play ROUTINE --device null` as the command runs it, at speed 1, quit (as the
    `q` key does) once the first spoken line has been handed to the device.

    The figures are the player's own (`first_audio` and `first_speech`, monotonic seconds),
    measured from the command's start as `guidecast play` reports them, and from the moment
    scripts/bench.py launched this process ($BENCH_LAUNCHED, monotonic: the same clock system
    wide on Linux), which adds Python's start-up and the imports.
    """
    import guidecast.live.view
    from guidecast.live.keys import handle_key

    players = []

    class QuitAfterFirstSpeech(guidecast.live.view.PlainView):
        def __init__(self, player, device, out=None) -> None:
            super().__init__(player, device, out)
            players.append(player)

        def event(self, event) -> None:
            super().event(event)
            if event.kind == "cue" and event.cue is not None and event.cue.text is not None:
                handle_key(self.player, "q")

    guidecast.live.view.PlainView = QuitAfterFirstSpeech  # the view the command uses without a tty
    result = run_cli(["play", routine_path, "--device", "null"])
    player = players[0]
    if player.first_audio is None or player.first_speech is None:
        raise SystemExit("play stopped before the first speech")
    launched = float(os.environ.get("BENCH_LAUNCHED", "nan"))
    result.update(
        timed=player.first_audio - player.started,
        first_speech=player.first_speech - player.started,
        launch_audio=player.first_audio - launched,
        launch_speech=player.first_speech - launched,
        waited_for_speech=player.waited_for_speech,
    )
    return result


_SCALE = 1 if sys.platform.startswith("linux") else 1 / 1024  # macOS reports bytes


def _peak_rss_kb() -> float:
    """This process's peak RSS: VmHWM on Linux (its own, not its parent's at the fork)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return float(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * _SCALE


def main(argv: list[str]) -> int:
    kind, args = argv[0], argv[1:]
    if kind == "cli":
        result = run_cli(args)
    elif kind == "speech":
        result = run_speech(args[0])
    elif kind == "render":
        result = run_render(args[0], args[1], args[2:])
    elif kind == "floor":
        result = run_floor(args[0], int(args[1]))
    elif kind == "pydub":
        result = run_pydub(args[0], args[1], args[2:])
    elif kind == "play":
        result = run_play(args[0])
    else:
        raise SystemExit(f"unknown measurement kind {kind!r}")
    result["rss_self_kb"] = _peak_rss_kb()
    # Replaced by scripts/bench.py with each child's own peak, sampled from /proc on Linux:
    # ru_maxrss of a child counts its parent's memory at the fork.
    result["rss_children_kb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * _SCALE
    with open(os.environ["BENCH_RESULT"], "w") as out:
        json.dump(result, out)
    return int(result.get("code", 0))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
