"""The catalogue's index: `index.json` (every session: routine, language, voice, length, its
files; and every failure with its message) and `index.html`, a page listing the sessions by
routine with a link to each player page. Read from the sessions' manifests, so sessions built by
an earlier run are listed the same way. Both files are written atomically, together."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from guidecast.catalogue.expand import Failure
from guidecast.catalogue.jobs import SessionJob
from guidecast.catalogue.model import Catalogue
from guidecast.output.files import AtomicOutputs

INDEX_FORMAT = 1
CATALOGUE_MARK = "guidecast-catalogue"  # `guidecast serve DIR` knows a catalogue by it
# A file of its own, not inline: a server's Content-Security-Policy allows only its own files.
STYLE = """\
body { font: 16px/1.5 system-ui, sans-serif; margin: 1rem auto; max-width: 60rem; padding: 0 1rem }
table { border-collapse: collapse; width: 100% }
td, th { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #ddd }
.failed { color: #a00 }
"""


def is_catalogue(folder: Path) -> bool:
    """Whether a folder holds a built catalogue (its index.json says so)."""
    try:
        data = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("kind") == CATALOGUE_MARK


def write_index(
    out_root: Path,
    catalogue: Catalogue,
    jobs: list[SessionJob],
    failures: list[Failure],
    missing: list[str],
) -> dict[str, Any]:
    sessions = [entry for job in jobs if (entry := _entry(out_root, job)) is not None]
    built = {entry["id"] for entry in sessions}
    failed = [
        {"id": f.id, "routine": f.routine, "language": f.language, "message": f.message}
        for f in failures
    ] + [
        {
            "id": job.spec.id,
            "routine": job.spec.routine,
            "language": job.spec.language,
            "message": "not built",
        }
        for job in jobs
        if job.spec.id not in built and job.spec.id not in {f.id for f in failures}
    ]
    data = {
        "format": INDEX_FORMAT,
        "kind": CATALOGUE_MARK,
        "title": catalogue.title,
        "sessions": sessions,
        "failures": failed,
        "missing": missing,
    }
    with AtomicOutputs(out_root) as outputs:
        outputs.temp_for("index.json").write_text(
            json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        outputs.temp_for("index.html").write_text(index_html(data), encoding="utf-8")
        outputs.temp_for("index.css").write_text(STYLE, encoding="utf-8")
    return data


def _entry(out_root: Path, job: SessionJob) -> dict[str, Any] | None:
    """A built session's line of the index, from its manifest; None if it is not built."""
    spec = job.spec
    folder = f"{spec.id}/"
    try:
        manifest = json.loads((out_root / spec.id / f"{job.slug}.json").read_text("utf-8"))
        roles = {entry["role"]: entry["path"] for entry in manifest["files"]}
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return {
        "id": spec.id,
        "routine": spec.routine,
        "title": manifest.get("title"),
        "language": spec.language,
        "voice": spec.voice.label,
        "length": spec.length.label,
        "duration_s": manifest.get("duration_s"),
        "duration_shown": manifest.get("duration_shown"),
        "audio": folder + roles["audio"],
        "manifest": folder + roles["manifest"],
        "page": folder + roles["page"] if "page" in roles else None,
        "inputs_hash": manifest.get("inputs_hash"),
    }


def index_html(data: dict[str, Any]) -> str:
    title = html.escape(data["title"])
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title>",
        '<link rel="stylesheet" href="index.css">',
        f"</head><body><h1>{title}</h1>",
        f"<p>{len(data['sessions'])} sessions</p>",
    ]
    by_routine: dict[str, list[dict[str, Any]]] = {}
    for entry in data["sessions"]:
        by_routine.setdefault(entry["routine"], []).append(entry)
    for routine, entries in by_routine.items():
        parts.append(f"<h2>{html.escape(entries[0]['title'] or routine)}</h2>")
        parts.append(
            "<table><thead><tr><th>Language</th><th>Voice</th><th>Length</th><th>Session</th>"
            "</tr></thead><tbody>"
        )
        for entry in entries:
            link = html.escape(entry["page"] or entry["audio"], quote=True)
            shown = html.escape(entry["duration_shown"] or "play")
            language = html.escape(entry["language"], quote=True)
            parts.append(
                f'<tr><td lang="{language}">{language}</td>'
                f"<td>{html.escape(entry['voice'])}</td>"
                f"<td>{html.escape(entry['length'])}</td>"
                f'<td><a href="{link}">{shown}</a></td></tr>'
            )
        parts.append("</tbody></table>")
    if data["failures"]:
        parts.append('<h2 class="failed">Not built</h2><ul>')
        parts += [
            f'<li class="failed">{html.escape(f["id"])}: {html.escape(f["message"])}</li>'
            for f in data["failures"]
        ]
        parts.append("</ul>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
