"""Reading a catalogue file: validated field by field like a routine (routine/nodes.py), so
every problem is reported at once as file:line:column, exit code 2, before any work.

    title: Clinic catalogue
    routines: [lactation-massage, my-routines/*.yaml]
    languages: [en, es]
    voices: [{engine: pyttsx3}, {engine: pyttsx3, id: en+f3, languages: [en]}]
    lengths: [10m, 20m]            # or paces: [1, 1.5]
    output: {captions: true, page: true}
    cache: /shared/guidecast-clips # or an fsspec URL such as s3://bucket/clips
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from yaml.nodes import Node

from guidecast.catalogue.model import AS_WRITTEN, Catalogue, LengthChoice, VoiceChoice
from guidecast.core.defaults import (
    BITRATE,
    ENGINE_NAMES,
    MAX_BED_LEVEL,
    MIN_BED_LEVEL,
    SAMPLE_RATE,
    unknown_engine,
)
from guidecast.core.errors import GuidecastError, Problem, RoutineError
from guidecast.core.names import slugify
from guidecast.language.phrases import LANGUAGES
from guidecast.output.settings import Extras, audio_settings
from guidecast.routine.background import background_option
from guidecast.routine.model import MAX_RATE, MIN_RATE
from guidecast.routine.nodes import InvalidValue, Located, NodeReader
from guidecast.routine.pacing import MAX_PACE, MIN_PACE
from guidecast.routine.yaml_safety import compose, read_text
from guidecast.timeline.chapters import CHAPTER_RULES, GROUPED

CATALOGUE_KEYS = ("title", "routines", "languages", "voices", "lengths", "paces", "output", "cache")
VOICE_KEYS = ("name", "engine", "id", "rate", "languages")
OUTPUT_KEYS = (
    "format",
    "bitrate",
    "sample_rate",
    "loudness",
    "captions",
    "page",
    "split",
    "cover",
    "chapters",
    "background",
    "background_level",
)
_TAG = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,8})*")


def read_catalogue_file(path: Path, display: str | None = None) -> Catalogue:
    name = display or str(path)
    root = compose(read_text(path, name, what="a catalogue file"), name)
    if root is None:
        raise RoutineError(
            [Problem(name, 1, 1, "file is empty: expected a catalogue (routines: [...], ...)")]
        )
    return _CatalogueReader(name).catalogue(root, path)


class _CatalogueReader(NodeReader):
    def catalogue(self, root: Node, path: Path) -> Catalogue:
        try:
            top = self.mapping(root, "the catalogue", CATALOGUE_KEYS, required=("routines",))
        except InvalidValue:
            self.raise_if_any()
            raise
        if "lengths" in top and "paces" in top:
            self.fail(top["paces"].key, "give lengths or paces, not both")
        lengths = self.field(top, "lengths", self._lengths, (AS_WRITTEN,))
        if "paces" in top and "lengths" not in top:
            lengths = self.field(top, "paces", self._paces, (AS_WRITTEN,))
        output: dict[str, Located] = self.field(
            top, "output", lambda n: self.mapping(n, "output", OUTPUT_KEYS), {}
        )
        catalogue = Catalogue(
            file=path,
            title=self.field(top, "title", lambda n: self.string(n, "title"), "Catalogue"),
            routines=self.field(top, "routines", self._routines, ()),
            languages=self.field(top, "languages", self._languages, ()),
            voices=self.field(top, "voices", self._voices, (VoiceChoice("default"),)),
            lengths=lengths,
            cache=self.field(top, "cache", lambda n: self.string(n, "cache"), None),
        )
        catalogue = self._output(catalogue, output, root)
        self.raise_if_any()
        return catalogue

    def _list(self, node: Node, what: str) -> list[Node]:
        items = self.sequence(node, what)
        if not items:
            raise self.fail(node, f"{what} is an empty list")
        return items

    def _distinct(self, items: list[tuple[Node, str]], what: str) -> tuple[str, ...]:
        seen: dict[str, int] = {}
        for node, value in items:
            if value in seen:
                self.fail(node, f"{what} {value!r} is given twice (first on line {seen[value]})")
            else:
                seen[value] = node.start_mark.line + 1
        return tuple(seen)

    def _routines(self, node: Node) -> tuple[str, ...]:
        items = [(n, self.string(n, "a routine")) for n in self._list(node, "routines")]
        return self._distinct(items, "routine")

    def _languages(self, node: Node) -> tuple[str, ...]:
        items = []
        for item in self._list(node, "languages"):
            tag = self.string(item, "a language").replace("_", "-").lower()
            if not _TAG.fullmatch(tag) or tag.split("-")[0] not in LANGUAGES:
                self.fail(
                    item,
                    f"language {tag!r} has no cue phrases; expected one of: {', '.join(LANGUAGES)}",
                )
                continue
            items.append((item, tag))
        return self._distinct(items, "language")

    def _voices(self, node: Node) -> tuple[VoiceChoice, ...]:
        voices: list[tuple[Node, VoiceChoice]] = []
        for item in self._list(node, "voices"):
            try:
                voices.append((item, self._voice(item)))
            except InvalidValue:
                continue
        labels = self._distinct([(n, v.label) for n, v in voices], "voice name")
        return tuple(v for _, v in voices if v.label in labels)

    def _voice(self, node: Node) -> VoiceChoice:
        entries = self.mapping(node, "a voice", VOICE_KEYS)
        engine = self.field(entries, "engine", lambda n: self.string(n, "engine"), None)
        if engine is not None and engine not in ENGINE_NAMES:
            raise self.fail(entries["engine"].value, unknown_engine(engine))
        voice_id = self.field(entries, "id", lambda n: self.string(n, "voice id"), None)
        rate = self.field(
            entries,
            "rate",
            lambda n: self.integer(n, "rate (words per minute)", MIN_RATE, MAX_RATE),
            None,
        )
        languages = self.field(entries, "languages", self._languages, ())
        parts = [engine or "default", voice_id or "", f"{rate}wpm" if rate else ""]
        label = self.field(
            entries, "name", lambda n: self.string(n, "voice name"), "-".join(p for p in parts if p)
        )
        return VoiceChoice(slugify(label) or "voice", engine, voice_id, rate, languages)

    def _lengths(self, node: Node) -> tuple[LengthChoice, ...]:
        items = []
        for item in self._list(node, "lengths"):
            try:
                seconds = self.duration(item, "a length")
            except InvalidValue:
                continue
            items.append((item, LengthChoice(length_label(seconds), seconds=seconds)))
        labels = self._distinct([(n, c.label) for n, c in items], "length")
        return tuple(c for _, c in items if c.label in labels)

    def _paces(self, node: Node) -> tuple[LengthChoice, ...]:
        items = []
        for item in self._list(node, "paces"):
            try:
                pace = self.number(item, "a pace", MIN_PACE, MAX_PACE)
            except InvalidValue:
                continue
            items.append((item, LengthChoice(f"pace-{pace:g}", pace=pace)))
        labels = self._distinct([(n, c.label) for n, c in items], "pace")
        return tuple(c for _, c in items if c.label in labels)

    def _output(self, catalogue: Catalogue, output: dict[str, Located], root: Node) -> Catalogue:
        """The output options, checked by the same functions as the build command's options;
        a wrong value is reported at its line."""

        def flag(key: str, default: bool) -> bool:
            return self.field(output, key, lambda n: self.boolean(n, key), default)

        def text(key: str, default: str | None) -> str | None:
            return self.field(output, key, lambda n: self.string(n, key), default)

        def whole(key: str, low: int, high: int, default: int) -> int:
            return self.field(output, key, lambda n: self.integer(n, key, low, high), default)

        chapters = text("chapters", GROUPED) or GROUPED
        if chapters not in CHAPTER_RULES:
            where = output["chapters"].value
            self.fail(where, f"chapters must be one of: {', '.join(CHAPTER_RULES)}")
            chapters = GROUPED
        extras = Extras(
            captions=flag("captions", False),
            split=flag("split", False),
            cover=flag("cover", True),
            page=flag("page", True),  # the index links each session's player page
            chapters=chapters,
        )
        loudness = self.field(
            output, "loudness", lambda n: self.scalar(n, "loudness", "LUFS or off").value, "-16"
        )
        places = {key: entry.value for key, entry in output.items()}
        audio = catalogue.audio
        try:
            audio = audio_settings(
                whole("sample_rate", 8000, 48000, SAMPLE_RATE),
                whole("bitrate", 8, 320, BITRATE),
                text("format", "mp3") or "mp3",
                str(loudness),
            )
        except GuidecastError as err:
            self._blame(err, places, root, ("format", "bitrate", "sample_rate", "loudness"))
        background = None
        level = self.field(
            output,
            "background_level",
            lambda n: self.number(n, "background_level", MIN_BED_LEVEL, MAX_BED_LEVEL),
            None,
        )
        try:
            bed = text("background", None)
            if bed is not None and Path(bed).suffix and not Path(bed).expanduser().is_absolute():
                bed = str(catalogue.file.parent / bed)  # a sound file beside the catalogue
            background = background_option(bed, level)
        except GuidecastError as err:
            self._blame(err, places, root, ("background", "background_level"))
        return replace(catalogue, audio=audio, extras=extras, background=background)

    def _blame(
        self, err: GuidecastError, where: dict[str, Node], root: Node, keys: tuple[str, ...]
    ) -> None:
        """An option check's message, at the output key it names (else the first one given)."""
        message = str(err)
        for key in keys:
            if f"--{key.replace('_', '-')}" in message and key in where:
                self.fail(where[key], message.replace(f"--{key.replace('_', '-')}", key))
                return
        given = [where[k] for k in keys if k in where]
        self.fail(given[0] if given else root, message)


def length_label(seconds: float) -> str:
    """A length as a folder name: 90 -> `1m30s`, 600 -> `10m`, 3600 -> `1h`."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
        f"{secs}s" if secs else "",
    ]
    return "".join(parts) or "0s"
