"""The player page: one self-contained HTML file beside the MP3, for phones and browsers.

The page is `page_template.html` (package data) with these filled in: the title
(HTML-escaped), the audio's file name (a relative URL, so the page works from the file system),
the whole manifest as JSON in a `<script type="application/json">` block, and the interface's
words in the manifest's language (its `lang`, each `{{T_...}}` field of the markup, and the same
words as JSON in the body's `data-words` for the script: the script itself never changes, so
its CSP hash holds). Everything else
(markup, style, script) is inline: no external assets, nothing fetched, so it works offline.

Routine text comes from user YAML, so nothing from the manifest is ever parsed as HTML: the
title is escaped here, the rest is set with `textContent` by the page's script, and the embedded
JSON has every `<`, `>` and `&` written as a `\\u` escape (no `</script` or `<!--` can appear).
A Content-Security-Policy allows only the page's own script and style (by hash) as a second
line of defence.

`guidecast serve` serves the same page with one more script of its own origin (`ServedPage`:
the length picker, the practice log, offline use); the policy then allows that origin's
scripts and connections too, and nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from guidecast.core.errors import OutputError, UsageError
from guidecast.language.interface import html_lang, words
from guidecast.output.files import AtomicOutputs

TEMPLATE = "page_template.html"
_FIELD = re.compile(r"\{\{([A-Z_]+)\}\}")
_INLINE = re.compile(r"<(script|style)>(.*?)</\1>", re.DOTALL)  # the page's own code blocks
_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


@dataclass(frozen=True)
class ServedPage:
    """What a page served by `guidecast serve` adds: URLs on the server's own origin."""

    script: str  # a script with the app's additions to the player
    manifest: str  # the web app manifest


def page_name(data: dict) -> str:
    """`<name>.html` for `<name>.mp3`: the page sits beside its audio, under the same name."""
    return f"{PurePosixPath(data['audio']).stem}.html"


def script_json(data: Any) -> str:
    """JSON that is safe inside a `<script>` element: no `</script`, `<!--` or `]]>`."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return re.sub("[<>&\u2028\u2029]", lambda m: _JSON_ESCAPES[m.group()], text)


def _hash(code: str) -> str:
    digest = hashlib.sha256(code.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _policy(template: str, served: bool = False) -> str:
    hashes: dict[str, list[str]] = {kind: [] for kind in ("script", "style")}
    for match in _INLINE.finditer(template):
        hashes[match.group(1)].append(_hash(match.group(2)))
    own = ["'self'"] if served else []
    return "; ".join(
        [
            "default-src 'none'",
            "script-src " + " ".join(hashes["script"] + own),
            "style-src " + " ".join(hashes["style"]),
            "media-src 'self' file:",
            "img-src data:" + (" 'self'" if served else ""),  # served: the manifest's icon
            *(["connect-src 'self'", "manifest-src 'self'", "worker-src 'self'"] if served else []),
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )


def page_policy(served: bool = False) -> str:
    """The page's Content-Security-Policy (a server sends it as a header too)."""
    return _policy(_template(), served)


def _template() -> str:
    return resources.files("guidecast.output").joinpath(TEMPLATE).read_text(encoding="utf-8")


def check_manifest(data: Any, where: str = "the manifest") -> dict:
    """The fields the page needs, with their types; raises UsageError naming what is wrong."""

    def bad(message: str) -> UsageError:
        return UsageError(f"{where}: not a guidecast manifest: {message}")

    if not isinstance(data, dict):
        raise bad("expected a JSON object")
    if data.get("format") != 1:
        raise bad(f"expected format 1, found {data.get('format')!r}")
    for key, kind in (("title", str), ("audio", str), ("steps", list), ("cues", list)):
        if not isinstance(data.get(key), kind):
            raise bad(f"'{key}' is missing or not a {kind.__name__}")
    if not _number(data.get("duration_s")):
        raise bad("'duration_s' is missing or not a number")
    audio = data["audio"]
    if (
        not audio
        or audio in (".", "..")
        or PurePosixPath(audio).name != audio
        or PureWindowsPath(audio).name != audio
    ):
        raise bad(f"'audio' must be a file name in the manifest's folder, not {audio!r}")
    for n, step in enumerate(data["steps"], 1):
        if not (
            isinstance(step, dict)
            and isinstance(step.get("id"), str)
            and isinstance(step.get("title"), str)
            and _number(step.get("start_s"))
            and _number(step.get("end_s"))
        ):
            raise bad(f"step {n} needs an id, a title, start_s and end_s")
    for n, cue in enumerate(data["cues"], 1):
        if not (
            isinstance(cue, dict)
            and isinstance(cue.get("kind"), str)
            and (cue.get("text") is None or isinstance(cue.get("text"), str))
            and _number(cue.get("start_s"))
            and _number(cue.get("end_s"))
        ):
            raise bad(f"cue {n} needs a kind, a text or null, start_s and end_s")
    return data


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def page_html(data: dict, served: ServedPage | None = None) -> str:
    """The whole page for a manifest, as one string."""
    check_manifest(data)
    template = _template()
    language = data.get("language") if isinstance(data.get("language"), str) else None
    interface = words(language)
    fields = {
        "LANG": html.escape(html_lang(language)),
        "WORDS": html.escape(json.dumps(interface, ensure_ascii=False)),
        **{f"T_{key.upper()}": html.escape(text) for key, text in interface.items()},
        "TITLE": html.escape(data["title"]),
        "AUDIO_SRC": html.escape(quote(data["audio"], safe="")),
        "CSP": html.escape(_policy(template, served is not None), quote=False),  # no " in it
        "DATA": script_json(data),
        "HEAD": "",
        "APP": "",
    }
    if served is not None:
        # use-credentials: the manifest is fetched without cookies otherwise, and a server
        # started with --lan refuses a request without its token cookie.
        fields["HEAD"] = (
            f'\n<link rel="manifest" href="{html.escape(served.manifest)}" '
            'crossorigin="use-credentials">'
        )
        fields["APP"] = f'\n<script src="{html.escape(served.script)}" defer></script>'
    # One pass: text filled in is never searched again for {{FIELDS}}.
    return _FIELD.sub(lambda m: fields[m.group(1)], template)


def write_page(data: dict, out_dir: Path, outputs: AtomicOutputs | None = None) -> Path:
    """Write `<name>.html` beside `<name>.mp3` in out_dir.

    With `outputs` (a build's AtomicOutputs) the page appears together with the build's other
    files; without, it is written to a temporary file and renamed into place on its own.
    """
    text = page_html(data)
    name = page_name(data)
    if outputs is None:
        with AtomicOutputs(out_dir) as own:
            return _write(own, out_dir, name, text)
    return _write(outputs, out_dir, name, text)


def _write(outputs: AtomicOutputs, out_dir: Path, name: str, text: str) -> Path:
    temp = outputs.temp_for(name)
    try:
        temp.write_text(text, encoding="utf-8")
    except OSError as err:
        raise OutputError(f"cannot write {out_dir / name}: {err.strerror}") from None
    return out_dir / name


def write_page_for_manifest(manifest_path: Path) -> Path:
    """`guidecast page MANIFEST.json`: the page for an already built session."""
    try:
        raw = manifest_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"no manifest {manifest_path}") from None
    except (OSError, UnicodeDecodeError) as err:
        reason = err.strerror if isinstance(err, OSError) else "not UTF-8 text"
        raise UsageError(f"cannot read {manifest_path}: {reason}") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as err:
        raise UsageError(f"{manifest_path}:{err.lineno}:{err.colno}: not JSON: {err.msg}") from None
    check_manifest(data, str(manifest_path))
    folder = manifest_path.parent
    if not (folder / data["audio"]).is_file():
        raise UsageError(
            f"{manifest_path}: its audio {data['audio']} is not beside it in {folder}; "
            "the page plays the audio from its own folder"
        )
    return write_page(data, folder)
