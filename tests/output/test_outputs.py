"""Files every player understands, checked as players read them: chapters, captions, split
tracks and playlist, loudness and true peak, cover art, other formats. Real speech and MP3."""

from __future__ import annotations

import io
import itertools
import json
import re
import struct
import subprocess
import sys
import wave
from pathlib import Path

import pytest
from mutagen.id3 import ID3

from guidecast.core.errors import OutputError, UsageError
from tests.listening import decode_mp3
from tests.test_end_to_end import ROUTINE, run_guidecast

NAME = "test-session-two-sides"
MS = 0.001


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("outputs")
    routine = folder / "test.yaml"
    routine.write_text(ROUTINE)
    out = folder / "out"
    result = run_guidecast("build", str(routine), "-o", str(out), "--captions", "--split")
    assert result.returncode == 0, result.stderr
    return out, json.loads((out / f"{NAME}.json").read_text())


def test_manifest_lists_every_file_written(built: tuple[Path, dict]) -> None:
    out, manifest = built
    listed = {entry["path"] for entry in manifest["files"]}
    on_disk = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    assert listed == on_disk
    roles = {entry["role"] for entry in manifest["files"]}
    assert roles == {
        "audio", "track", "cover", "captions", "lyrics", "chapters", "playlist", "manifest"
    }  # fmt: skip


# Chapters -------------------------------------------------------------------------------


def chap_frames_in_file_order(path: Path) -> list[str]:
    """Element ids of the CHAP frames in the order they sit in the ID3 tag (ID3v2.3)."""
    data = path.read_bytes()
    assert data[:3] == b"ID3" and data[3] == 3
    size = sum(b << (7 * (3 - i)) for i, b in enumerate(data[6:10]))
    position, end, ids = 10, 10 + size, []
    while position + 10 <= end and data[position : position + 4] != b"\0\0\0\0":
        frame_id = data[position : position + 4]
        frame_size = struct.unpack(">I", data[position + 4 : position + 8])[0]
        if frame_id == b"CHAP":
            body = data[position + 10 : position + 10 + frame_size]
            ids.append(body[: body.index(b"\0")].decode())
        position += 10 + frame_size
    return ids


def test_chapters_match_the_manifest(built: tuple[Path, dict]) -> None:
    out, manifest = built
    tags = ID3(out / manifest["audio"])
    toc = tags.getall("CTOC")
    assert len(toc) == 1 and toc[0].flags & 3 == 3  # top level, ordered
    order = toc[0].child_element_ids
    chapters = [tags[f"CHAP:{element}"] for element in order]
    expected = manifest["chapters"]
    assert [c.sub_frames["TIT2"].text[0] for c in chapters] == [e["title"] for e in expected]
    for chap, want in zip(chapters, expected, strict=True):
        assert chap.start_time / 1000 == pytest.approx(want["start_s"], abs=MS)
        assert chap.end_time / 1000 == pytest.approx(want["end_s"], abs=MS)
    # the chapter rule: wash; the short circles (two sides, two rounds) as one chapter of a
    # minute or more; rest. With the introduction and the closing they tile the whole audio.
    assert [e["step"] for e in expected] == [None, "wash", "circles", "rest", None]
    visit_starts = {s["start_s"]: s["id"] for s in manifest["steps"]}
    assert all(visit_starts[e["start_s"]] == e["step"] for e in expected[1:-1])
    assert expected[0]["start_s"] == 0 and expected[-1]["end_s"] == manifest["duration_s"]
    for before, after in itertools.pairwise(expected):
        assert before["end_s"] == after["start_s"]
    assert chap_frames_in_file_order(out / manifest["audio"]) == order


def ffmpeg() -> str | None:
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError):
        return None


def ffmpeg_chapter_titles(path: Path) -> list[str]:
    exe = ffmpeg()
    if exe is None:
        pytest.skip("no ffmpeg (pip install imageio-ffmpeg)")
    result = subprocess.run(
        [exe, "-v", "error", "-i", str(path), "-f", "ffmetadata", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return re.findall(r"\[CHAPTER\][^\[]*?title=([^\n]*)", result.stdout)


def test_ffmpeg_lists_the_chapters_in_order(built: tuple[Path, dict]) -> None:
    """ffmpeg (which mpv and VLC share) lists chapters in file order: it must be time order."""
    out, manifest = built
    titles = ffmpeg_chapter_titles(out / manifest["audio"])
    assert titles == [c["title"] for c in manifest["chapters"]]


def test_chapter_order_survives_titles_of_every_length() -> None:
    """The trap: mutagen sorts frames by size. Long and short titles, in a bad order."""
    from guidecast.output.tags import TrackInfo, write_tags
    from guidecast.timeline.chapters import Chapter

    titles = ["A much longer chapter title than the others", "B", "Ünïcode ✓ 🌙", "Dd", "E" * 90]
    chapters = tuple(Chapter(t, i * 22050, (i + 1) * 22050) for i, t in enumerate(titles))
    buffer = io.BytesIO()
    from guidecast.output.mp3 import Mp3Stream

    stream = Mp3Stream(buffer, 22050)
    stream.write(bytes(2 * 22050 * len(titles)))
    stream.close()
    path = Path(__file__).parent / ".chapter-order.mp3"
    try:
        path.write_bytes(buffer.getvalue())
        write_tags(path, TrackInfo("T", len(titles), chapters=chapters))
        assert chap_frames_in_file_order(path) == [f"chp{i:04d}" for i in range(len(titles))]
        if ffmpeg():
            assert ffmpeg_chapter_titles(path) == titles
    finally:
        path.unlink(missing_ok=True)


# Captions -------------------------------------------------------------------------------


def spoken_cues(manifest: dict) -> list[dict]:
    return [c for c in manifest["cues"] if c["text"]]


def test_webvtt_and_srt_parse_and_match_the_manifest(built: tuple[Path, dict]) -> None:
    import webvtt

    out, manifest = built
    expected = spoken_cues(manifest)
    for captions in (
        webvtt.read(str(out / f"{NAME}.vtt")),
        webvtt.from_srt(str(out / f"{NAME}.srt")),
    ):
        assert len(captions) == len(expected)
        for caption, cue in zip(captions, expected, strict=True):
            assert caption.text == cue["text"]
            assert caption.start_in_seconds + caption.start_time.milliseconds / 1000 == (
                pytest.approx(cue["start_s"], abs=MS)
            )
            assert caption.end_in_seconds + caption.end_time.milliseconds / 1000 == (
                pytest.approx(cue["end_s"], abs=MS)
            )


def test_chapters_webvtt(built: tuple[Path, dict]) -> None:
    import webvtt

    out, manifest = built
    captions = webvtt.read(str(out / f"{NAME}.chapters.vtt"))
    assert [c.text for c in captions] == [c["title"] for c in manifest["chapters"]]


def test_lrc_matches_the_manifest(built: tuple[Path, dict]) -> None:
    out, manifest = built
    lines = (out / f"{NAME}.lrc").read_text(encoding="utf-8").splitlines()
    assert lines[0] == f"[ti:{manifest['title']}]"
    timed = [re.fullmatch(r"\[(\d\d):(\d\d)\.(\d\d)\](.*)", line) for line in lines[3:]]
    assert all(timed), lines
    said = [(int(m[1]) * 60 + int(m[2]) + int(m[3]) / 100, m[4]) for m in timed if m and m[4]]
    expected = spoken_cues(manifest)
    assert [text for _, text in said] == [c["text"] for c in expected]
    for (start, _), cue in zip(said, expected, strict=True):
        assert start == pytest.approx(cue["start_s"], abs=0.0051)  # LRC has hundredths
    times = [int(m[1]) * 60 + int(m[2]) + int(m[3]) / 100 for m in timed if m]
    assert times == sorted(times)


def test_lyrics_frames(built: tuple[Path, dict]) -> None:
    out, manifest = built
    tags = ID3(out / manifest["audio"])
    expected = spoken_cues(manifest)
    (uslt,) = tags.getall("USLT")
    assert uslt.text.splitlines() == [c["text"] for c in expected]
    (sylt,) = tags.getall("SYLT")
    assert sylt.format == 2  # milliseconds
    assert [text for text, _ in sylt.text] == [c["text"] for c in expected]
    for (_, ms), cue in zip(sylt.text, expected, strict=True):
        assert ms / 1000 == pytest.approx(cue["start_s"], abs=MS)


# Split tracks -----------------------------------------------------------------------------


def test_split_tracks_decode_add_up_and_are_listed_in_order(built: tuple[Path, dict]) -> None:
    out, manifest = built
    rate = manifest["sample_rate"]
    lines = (out / f"{NAME}.m3u8").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "#EXTM3U"
    entries = [
        (re.fullmatch(r"#EXTINF:([\d.]+),(.*)", info), path)
        for info, path in zip(lines[2::2], lines[3::2], strict=True)
    ]
    tracks = [e for e in manifest["files"] if e["role"] == "track"]
    assert [path for _, path in entries] == [t["path"] for t in tracks]
    assert [m[2] for m, _ in entries if m] == [c["title"] for c in manifest["chapters"]]
    total = 0
    for (info, path), chapter in zip(entries, manifest["chapters"], strict=True):
        assert info is not None
        decoded = decode_mp3(out / path, rate)
        samples = len(decoded.samples)
        assert samples == round(chapter["end_s"] * rate) - round(chapter["start_s"] * rate)
        assert float(info[1]) == pytest.approx(samples / rate, abs=MS)
        tags = ID3(out / path)
        assert tags["TIT2"].text == [chapter["title"]]
        assert tags["TALB"].text == [manifest["title"]]
        total += samples
    assert total == manifest["samples"]


# Loudness ---------------------------------------------------------------------------------


def test_cover_art_is_embedded_and_saved(built: tuple[Path, dict]) -> None:
    from PIL import Image

    out, manifest = built
    png = (out / f"{NAME}.png").read_bytes()
    image = Image.open(io.BytesIO(png))
    assert image.size == (1000, 1000)
    (apic,) = ID3(out / manifest["audio"]).getall("APIC")
    assert apic.type == 3 and apic.mime == "image/png" and apic.data == png
    # not a blank square: the title and steps are drawn on it
    assert len(set(image.convert("L").tobytes())) > 20


def test_the_cover_is_drawn_in_another_process_to_the_same_bytes() -> None:
    """Pillow stays out of the build's own process: the worker's PNG is cover_png's."""
    from guidecast.output.cover import CoverDrawing, cover_png

    args = ("Массаж after a feed", ["Warm up", "Circles"], "12:00", "ru")
    with CoverDrawing(*args) as drawing:
        assert drawing.png() == cover_png(*args)


def test_a_cover_that_cannot_be_drawn_comes_back_as_its_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The worker sends the one-line problem back (CoverDrawing.png raises it as OutputError)."""
    from guidecast.output import cover

    def no_font() -> None:
        raise OutputError("cannot draw the cover: no Noto Sans font in /nowhere")

    monkeypatch.setattr(cover, "font_path", no_font)
    assert cover._cover_job("T", ["a"], "1:00", "en") == (
        False,
        "cannot draw the cover: no Noto Sans font in /nowhere",
    )


# Formats ------------------------------------------------------------------------------------


def test_wav_is_exact(tmp_path: Path) -> None:
    routine = tmp_path / "test.yaml"
    routine.write_text(ROUTINE)
    result = run_guidecast("build", str(routine), "-o", str(tmp_path), "--format", "wav")
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / f"{NAME}.json").read_text())
    assert manifest["audio"] == f"{NAME}.wav" and manifest["audio_format"] == "wav"
    with wave.open(str(tmp_path / f"{NAME}.wav")) as wav:
        assert wav.getnframes() == manifest["samples"]
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 22050)


@pytest.mark.parametrize("fmt", ["ogg", "opus", "m4a", "flac"])
def test_ffmpeg_formats_carry_audio_tags_and_chapters(tmp_path: Path, fmt: str) -> None:
    exe = ffmpeg()
    if exe is None:
        pytest.skip("no ffmpeg (pip install 'guidecast[formats]')")
    routine = tmp_path / "test.yaml"
    routine.write_text(ROUTINE)
    rate = ["--sample-rate", "24000"] if fmt == "opus" else []
    result = run_guidecast("build", str(routine), "-o", str(tmp_path), "--format", fmt, *rate)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / f"{NAME}.json").read_text())
    path = tmp_path / manifest["audio"]
    assert path.suffix == f".{fmt}"
    probe = subprocess.run([exe, "-hide_banner", "-i", str(path)], capture_output=True, text=True)
    duration = re.search(r"Duration: (\d+):(\d+):([\d.]+)", probe.stderr)
    assert duration, probe.stderr
    seconds = int(duration[1]) * 3600 + int(duration[2]) * 60 + float(duration[3])
    assert seconds == pytest.approx(manifest["duration_s"], abs=0.1)
    assert re.search(r"title\s*: Test Session / Two Sides", probe.stderr, re.IGNORECASE)
    assert ffmpeg_chapter_titles(path) == [c["title"] for c in manifest["chapters"]]


def test_missing_ffmpeg_extra_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from guidecast.build import audio_settings

    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)  # import fails, as if absent
    with pytest.raises(UsageError) as err:
        audio_settings(22050, 64, "ogg", "-16")
    assert str(err.value) == (
        "--format ogg needs ffmpeg, which the optional extra installs: "
        "pip install 'guidecast[formats]'"
    )
    assert audio_settings(22050, 64, "wav", "off").loudness.target is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--format", "aiff"), "--format must be one of mp3, wav, ogg, opus, m4a, flac"),
        (("--loudness", "loud"), "--loudness must be 'off' or from -30 to -9 LUFS"),
        (("--bitrate", "65"), "--bitrate at 22050 Hz must be one of"),
    ],
)
def test_bad_output_options(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = run_guidecast("build", "baby-daily-back", "-o", str(tmp_path / "out"), *args)
    assert result.returncode == 2
    assert result.stderr.startswith(f"guidecast: {message}"), result.stderr
    assert not (tmp_path / "out").exists()


def test_a_rebuild_without_split_removes_the_old_tracks(tmp_path: Path) -> None:
    routine = tmp_path / "test.yaml"
    routine.write_text(ROUTINE)
    out = tmp_path / "out"
    assert run_guidecast("build", str(routine), "-o", str(out), "--split").returncode == 0
    assert (out / NAME).is_dir()
    (out / "mine.txt").write_text("the user's own file")
    assert run_guidecast("build", str(routine), "-o", str(out), "--no-cover").returncode == 0
    assert sorted(p.name for p in out.iterdir()) == ["mine.txt", f"{NAME}.json", f"{NAME}.mp3"]


@pytest.mark.parametrize("indent", [2, None, 4])
def test_the_files_an_earlier_build_wrote_are_read_from_any_manifest(
    tmp_path: Path, indent: int | None
) -> None:
    """Read as far as the manifest's own "files" list (written with indent 2), which may
    span the reader's 64 kB pieces; a "files" deeper in, or another layout, is not taken."""
    from guidecast.output.write import _previous_files

    files = [
        {"path": f"tracks/{n:04d}-a-long-enough-name.mp3", "role": "track"} for n in range(3000)
    ]
    data = {"title": "x" * 70_000, "steps": [{"files": [{"path": "not-this"}]}], "files": files}
    manifest = tmp_path / "m.json"
    manifest.write_text(json.dumps(data, indent=indent), encoding="utf-8")
    assert _previous_files(manifest) == {f["path"] for f in files}
    manifest.write_text('{"files": [{"path": "a.mp3"}, 3]', encoding="utf-8")  # cut short
    assert _previous_files(manifest) == set()
    assert _previous_files(tmp_path / "none.json") == set()


def test_ffprobe_shows_the_chapters_in_order(built: tuple[Path, dict]) -> None:
    """Where ffprobe is installed (not from pip: the imageio-ffmpeg wheel has none)."""
    import shutil

    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        pytest.skip("no ffprobe on this machine; ffmpeg's own chapter list is checked above")
    out, manifest = built
    result = subprocess.run(
        [ffprobe, "-v", "error", "-show_chapters", "-of", "json", str(out / manifest["audio"])],
        capture_output=True,
        text=True,
        check=True,
    )
    shown = json.loads(result.stdout)["chapters"]
    assert [c["tags"]["title"] for c in shown] == [c["title"] for c in manifest["chapters"]]
    for chapter, want in zip(shown, manifest["chapters"], strict=True):
        assert float(chapter["start_time"]) == pytest.approx(want["start_s"], abs=MS)


def test_more_chapters_than_one_table_of_contents_holds(tmp_path: Path) -> None:
    """A CTOC counts its entries in one byte: 600 chapters need sub-tables, still in order."""
    # Half-second chapters: ffmpeg's export shifts chapters by the encoder delay (0.14 s at
    # 8 kHz) and drops one that would end before zero.
    from guidecast.output.mp3 import Mp3Stream
    from guidecast.output.tags import TrackInfo, write_tags
    from guidecast.timeline.chapters import Chapter

    rate, count = 8000, 600
    path = tmp_path / "long.mp3"
    with path.open("wb") as out:
        stream = Mp3Stream(out, rate, 32)
        stream.write(bytes(2 * rate * count // 2))
        stream.close()
    chapters = tuple(Chapter(f"Step {i}", i * rate // 2, (i + 1) * rate // 2) for i in range(count))
    write_tags(path, TrackInfo("Long", count / 2, chapters=chapters, sample_rate=rate))
    tags = ID3(path)
    top = [t for t in tags.getall("CTOC") if t.flags & 2]
    assert len(top) == 1
    listed = [
        child
        for part in top[0].child_element_ids
        for child in tags[f"CTOC:{part}"].child_element_ids
    ]
    assert listed == [f"chp{i:04d}" for i in range(count)]
    assert chap_frames_in_file_order(path) == listed
    if ffmpeg():
        assert ffmpeg_chapter_titles(path) == [c.title for c in chapters]
