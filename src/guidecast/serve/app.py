"""The Starlette app: pages, the JSON API, built sessions and the app's static files.

Blocking work (reading routines, planning, SQLite) runs in worker threads; builds run in the
build queue (jobs.py) and report through server-sent events. Every request has passed the
guard (security.py) first.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route

from guidecast.core.errors import GuidecastError
from guidecast.output.page import ServedPage, page_html, page_policy
from guidecast.serve import pages
from guidecast.serve.catalog import Catalog, problem_lines
from guidecast.serve.choices import Choices, choices_from_json, save_pacing
from guidecast.serve.jobs import Builds, Job
from guidecast.serve.library_api import LibraryApi
from guidecast.serve.planner import Planner, plan_view
from guidecast.serve.practice import PracticeLog
from guidecast.serve.security import Access, BodyTooLarge, Guard

STATIC = "guidecast.serve"
PLAYER = ServedPage(script="/static/player.js", manifest="/manifest.webmanifest")
HEARTBEAT_S = 15.0
ALSO_LENGTHS = (300.0, 600.0, 1200.0)  # the length picker's choices: 5, 10 and 20 minutes


@dataclass
class Config:
    folder: Path | None  # the person's own folder of routines, if any
    out: Path  # built sessions
    data: Path  # pacing files, uploaded routines, the practice log
    access: Access = field(default_factory=Access)
    jobs: int = 1


class NotFound(Exception):
    pass


def _static_files() -> dict[str, Path]:
    folder = Path(str(resources.files(STATIC) / "static"))
    return {p.name: p for p in folder.iterdir() if p.is_file()}


_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}


def error_response(err: GuidecastError) -> JSONResponse:
    status = 400 if err.exit_code == 2 else 500
    lines = problem_lines(err)
    return JSONResponse({"error": lines[0], "problems": lines}, status_code=status)


async def _json(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        return None


def create_app(config: Config) -> Guard:
    catalog = Catalog(config.folder, config.data / "routines")
    planner = Planner()
    builds = Builds(config.out, config.jobs)
    log = PracticeLog(config.data / "practice.sqlite3")
    library = LibraryApi(catalog, planner, log, config.data / "pacing")
    static = _static_files()

    async def threaded(function: Any, *args: Any) -> Any:
        try:
            return await run_in_threadpool(function, *args)
        except LookupError:
            raise NotFound() from None

    # --- pages -----------------------------------------------------------------------------

    async def home(request: Request) -> Response:
        return HTMLResponse(pages.library_page())

    async def routine_page(request: Request) -> Response:
        entry = await threaded(catalog.entry, request.path_params["rid"])
        try:
            title = (await threaded(catalog.load, entry.id)).routine.title
        except GuidecastError:
            title = entry.path.name
        return HTMLResponse(pages.routine_page(entry.id, title))

    async def add_page(request: Request) -> Response:
        return HTMLResponse(pages.add_page())

    async def log_page(request: Request) -> Response:
        entries = await threaded(log.entries)
        return HTMLResponse(pages.log_page(entries, await threaded(log.streak)))

    async def log_csv(request: Request) -> Response:
        text = await threaded(log.csv_text)
        return Response(
            text,
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": 'attachment; filename="guidecast-practice.csv"'},
        )

    async def web_manifest(request: Request) -> Response:
        return JSONResponse(pages.app_manifest(), media_type="application/manifest+json")

    async def static_file(request: Request) -> Response:
        path = static.get(request.path_params["name"])  # a known name, never a joined path
        if path is None:
            raise NotFound()
        media = _TYPES.get(path.suffix)
        return FileResponse(path, media_type=media, headers={"cache-control": "no-cache"})

    async def service_worker(request: Request) -> Response:
        return FileResponse(
            static["sw.js"], media_type=_TYPES[".js"], headers={"cache-control": "no-cache"}
        )

    # --- the library and pacing ------------------------------------------------------------

    async def routines(request: Request) -> Response:
        return JSONResponse(await threaded(library.routines))

    async def routine_length(request: Request) -> Response:
        return JSONResponse({"seconds": await threaded(library.length, request.path_params["rid"])})

    async def voices(request: Request) -> Response:
        language = request.query_params.get("language", "en")[:20]
        return JSONResponse({"voices": await threaded(library.voices, language)})

    async def routine_detail(request: Request) -> Response:
        return JSONResponse(await threaded(library.detail, request.path_params["rid"]))

    async def choices_for(request: Request) -> tuple[Any, Choices]:
        loaded = await threaded(catalog.load, request.path_params["rid"])
        return loaded, choices_from_json(await _json(request) or {}, loaded.routine)

    async def plan(request: Request) -> Response:
        loaded, choices = await choices_for(request)
        session = await threaded(library.plan, loaded.routine, choices)
        return JSONResponse(plan_view(session))

    async def save(request: Request) -> Response:
        loaded, choices = await choices_for(request)
        path = await threaded(
            save_pacing,
            config.data / "pacing",
            loaded.entry.id,
            choices.pacing,
            loaded.routine.title,
        )
        return JSONResponse({"saved": path.name})

    async def make(request: Request) -> Response:
        data = await _json(request) or {}
        loaded, choices = await choices_for(request)
        wanted = [choices]
        also = data.get("also") if isinstance(data, dict) else None
        for seconds in also if isinstance(also, list) else []:
            if seconds in ALSO_LENGTHS:
                wanted.append(
                    choices_from_json({**data, "pace": None, "length": seconds}, loaded.routine)
                )
        made: list[Job] = []
        for each in wanted:
            job = await threaded(builds.submit, loaded.routine, loaded.digest, each)
            if job not in made:
                made.append(job)
        return JSONResponse({"jobs": [job.view() for job in made]})

    async def job_events(request: Request) -> Response:
        job = builds.job(request.path_params["key"])
        if job is None:
            raise NotFound()

        async def events() -> Any:
            quiet = 0.0
            while True:
                job.changed.clear()
                yield f"event: progress\ndata: {json.dumps(job.view())}\n\n"
                if job.state in ("done", "failed"):
                    return
                while not job.changed.is_set():
                    await asyncio.sleep(0.2)
                    quiet += 0.2
                    if quiet >= HEARTBEAT_S:  # keeps proxies and phones from closing it
                        quiet = 0.0
                        yield ": still working\n\n"

        return StreamingResponse(
            events(),
            media_type="text/event-stream",
            headers={"cache-control": "no-store", "x-accel-buffering": "no"},
        )

    async def upload(request: Request) -> Response:
        data = await _json(request)
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            return JSONResponse({"error": "expected the routine's text"}, status_code=400)
        name = data.get("name") if isinstance(data.get("name"), str) else None
        entry = await threaded(catalog.add_own, data["text"], name)
        return JSONResponse({"id": entry.id, "url": f"/r/{entry.id}"})

    # --- built sessions and the log --------------------------------------------------------

    async def player(request: Request) -> Response:
        group, key = request.path_params["group"], request.path_params["key"]
        data = await threaded(builds.manifest, group, key)
        if data is None:
            raise NotFound()
        return HTMLResponse(
            page_html(data, PLAYER),
            headers={"content-security-policy": page_policy(served=True)},
        )

    async def session_file(request: Request) -> Response:
        p = request.path_params
        path = await threaded(builds.file, p["group"], p["key"], p["name"])
        if path is None:
            raise NotFound()
        return FileResponse(path, headers={"cache-control": "private, max-age=86400"})

    async def session_info(request: Request) -> Response:
        group, key = request.path_params["group"], request.path_params["key"]
        data = await threaded(builds.manifest, group, key)
        if data is None:
            raise NotFound()
        siblings = await threaded(builds.siblings, group)
        return JSONResponse(
            {
                "title": data["title"],
                "routine": data.get("slug"),
                "lengths": [
                    {
                        "seconds": other["duration_s"],
                        "url": builds.url(group, other_key),
                        "current": other_key == key,
                    }
                    for other_key, other in siblings
                ],
            }
        )

    async def practice(request: Request) -> Response:
        data = await _json(request)
        if not isinstance(data, dict):
            return JSONResponse({"error": "expected a JSON object"}, status_code=400)
        return JSONResponse(await threaded(library.practice, builds, data))

    async def not_found(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("Not found.\n", status_code=404)

    async def too_large(request: Request, exc: Exception) -> Response:
        return PlainTextResponse(f"The request is too large: {exc}.\n", status_code=413)

    async def guidecast_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, GuidecastError)
        return error_response(exc)

    routes = [
        Route("/", home),
        Route("/r/{rid}", routine_page),
        Route("/add", add_page),
        Route("/log", log_page),
        Route("/log.csv", log_csv),
        Route("/manifest.webmanifest", web_manifest),
        Route("/sw.js", service_worker),
        Route("/static/{name}", static_file),
        Route("/api/routines", routines),
        Route("/api/routines", upload, methods=["POST"]),
        Route("/api/routines/{rid}", routine_detail),
        Route("/api/routines/{rid}/length", routine_length),
        Route("/api/routines/{rid}/plan", plan, methods=["POST"]),
        Route("/api/voices", voices),
        Route("/api/routines/{rid}/pacing", save, methods=["POST"]),
        Route("/api/routines/{rid}/builds", make, methods=["POST"]),
        Route("/api/jobs/{key}/events", job_events),
        Route("/api/sessions/{group}/{key}", session_info),
        Route("/api/log", practice, methods=["POST"]),
        Route("/s/{group}/{key}/", player),
        Route("/s/{group}/{key}/{name}", session_file),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            builds.close()
            planner.close()

    app = Starlette(
        routes=routes,
        exception_handlers={
            404: not_found,
            NotFound: not_found,
            GuidecastError: guidecast_error,
            BodyTooLarge: too_large,
        },
        lifespan=lifespan,
    )
    return Guard(app, config.access)
